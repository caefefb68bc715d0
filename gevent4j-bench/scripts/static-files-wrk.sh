#!/usr/bin/env bash
# Static file throughput: `gevent4j serve files` (StaticFiles: small files from its validated
# cache, larger ones by sendfile(2)) beside Javalin 6 (Jetty 11, staticFiles.add(dir, EXTERNAL)),
# Helidon SE 4 (StaticContentFeature's file-system handler) and the JDK's own file server
# (`jwebserver`, com.sun.net.httpserver.SimpleFileServer), all on the same directory: files of
# 1 KiB, 64 KiB and 1 MiB over keep-alive, each framework with its default workers. Every server
# runs at once, pinned to core 0 (idle ones cost nothing; PIN=0 to let them float), wrk on core 1,
# 32 connections; each server is warmed up on each file, then REPS rounds take turns across the
# servers (per file, in turn); the median and every round are printed (requests/s), and the
# ratio of gevent4j's median to each peer's.
# Usage: [REPS=3] [PIN=1] static-files-wrk.sh [seconds per measurement, default 3]; the default
# finishes in about 3 minutes. Needs wrk and taskset, and two jars:
#   ./mvnw -B -pl gevent4j-cli,gevent4j-bench -am package -DskipTests
set -u
D=${1:-3}
REPS=${REPS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAR=${JAR:-$HERE/../../gevent4j-cli/target/gevent4j.jar}
BENCH=${BENCH:-$HERE/../target/benchmarks.jar}
OUT=$(mktemp -d)
source "$HERE/common.sh"
trap 'cleanup; rm -rf "$OUT"' EXIT
client() { if [ "${PIN:-1}" = 1 ]; then taskset -c 1 "$@"; else "$@"; fi; }

DIR="$OUT/www"
mkdir -p "$DIR"
head -c 1024 /dev/urandom > "$DIR/1k.bin"
head -c 65536 /dev/urandom > "$DIR/64k.bin"
head -c 1048576 /dev/urandom > "$DIR/1m.bin"
FILES=(1k.bin 64k.bin 1m.bin)

PEERS=io.gevent4j.bench.StaticFilePeers
start gevent4j 18190 "$JDK/bin/java" --add-opens java.base/java.lang=ALL-UNNAMED -jar "$JAR" serve files "$DIR" --port 18190
start javalin 18191 "$JDK/bin/java" -cp "$BENCH" $PEERS javalin "$DIR" 18191
start helidon 18192 "$JDK/bin/java" -cp "$BENCH" $PEERS helidon "$DIR" 18192
start jwebserver 18193 "$JDK/bin/jwebserver" -b 127.0.0.1 -p 18193 -d "$DIR" -o none
for i in "${!NAMES[@]}"; do # every server answers every file whole (and says if it ignores Range)
  for f in "${FILES[@]}"; do
    got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:${PORTS[$i]}/$f")
    [ "$got" = "200 $(stat -c %s "$DIR/$f")" ] || echo "WARNING: ${NAMES[$i]} $f answered '$got'"
  done
  got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H 'Range: bytes=100-199' "http://127.0.0.1:${PORTS[$i]}/1k.bin")
  [ "$got" = "206 100" ] || echo "note: ${NAMES[$i]} answered a range request with '$got' (no range support)"
done
for i in "${!NAMES[@]}"; do
  for f in "${FILES[@]}"; do
    client wrk -t1 -c32 -d2s "http://127.0.0.1:${PORTS[$i]}/$f" > /dev/null 2>&1 # warm-up (JIT)
  done
done
for rep in $(seq "$REPS"); do
  for f in "${FILES[@]}"; do
    for i in "${!NAMES[@]}"; do
      client wrk -t1 -c32 -d"${D}s" --timeout 5s "http://127.0.0.1:${PORTS[$i]}/$f" \
        | awk '/Requests\/sec/ {print $2}' >> "$OUT/${NAMES[$i]}.$f"
    done
  done
done
printf '%-12s %-8s %10s  %-24s %s\n' server file "req/s" "(all rounds)" "gevent4j / this"
for f in "${FILES[@]}"; do
  g=$(median "$OUT/gevent4j.$f")
  for n in "${NAMES[@]}"; do
    m=$(median "$OUT/$n.$f")
    printf '%-12s %-8s %10.0f  %-24s %s\n' "$n" "$f" "$m" "$(tr '\n' ' ' < "$OUT/$n.$f")" \
      "$(awk -v g="$g" -v m="$m" 'BEGIN { if (m > 0) printf "%.2fx", g / m; else print "-" }')"
  done
done
