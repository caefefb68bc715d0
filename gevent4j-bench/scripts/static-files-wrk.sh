#!/usr/bin/env bash
# Static file throughput: `gevent4j serve files` (StaticFiles, sendfile(2)) beside the JDK's own
# file server (`jwebserver`, com.sun.net.httpserver.SimpleFileServer) on the same directory:
# files of 1 KiB, 64 KiB and 1 MiB over keep-alive. Every server runs at once, pinned to core 0
# (idle ones cost nothing; PIN=0 to let them float), wrk on core 1, 32 connections, each
# warmed up, then REPS rounds that take turns across the servers; the median and every round
# are printed (requests/s). Javalin (Jetty) and Helidon SE are not here yet: they need a
# static-file peer project beside the hello-world anchors.
# Usage: [REPS=3] static-files-wrk.sh [seconds per measurement, default 3]. Needs wrk, taskset,
# and the command's jar (./mvnw -pl gevent4j-cli -am -DskipTests package).
set -u
D=${1:-3}
REPS=${REPS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAR=${JAR:-$HERE/../../gevent4j-cli/target/gevent4j.jar}
OUT=$(mktemp -d)
source "$HERE/common.sh"
trap 'cleanup; rm -rf "$OUT"' EXIT

DIR="$OUT/www"
mkdir -p "$DIR"
head -c 1024 /dev/urandom > "$DIR/1k.bin"
head -c 65536 /dev/urandom > "$DIR/64k.bin"
head -c 1048576 /dev/urandom > "$DIR/1m.bin"

start gevent4j 18190 "$JDK/bin/java" --add-opens java.base/java.lang=ALL-UNNAMED -jar "$JAR" serve files "$DIR" --port 18190
start jwebserver 18191 "$JDK/bin/jwebserver" -b 127.0.0.1 -p 18191 -d "$DIR" -o none
FILES=(1k.bin 64k.bin 1m.bin)
for i in "${!NAMES[@]}"; do
  for f in "${FILES[@]}"; do
    taskset -c 1 wrk -t1 -c32 -d3s "http://127.0.0.1:${PORTS[$i]}/$f" > /dev/null 2>&1 # warm-up (JIT)
  done
done
for rep in $(seq "$REPS"); do
  for f in "${FILES[@]}"; do
    for i in "${!NAMES[@]}"; do
      taskset -c 1 wrk -t1 -c32 -d"${D}s" --timeout 5s "http://127.0.0.1:${PORTS[$i]}/$f" \
        | awk '/Requests\/sec/ {print $2}' >> "$OUT/${NAMES[$i]}.$f"
    done
  done
done
printf '%-12s %-8s %12s   %s\n' server file "req/s" "(all rounds)"
for f in "${FILES[@]}"; do
  for n in "${NAMES[@]}"; do
    printf '%-12s %-8s %12.0f   %s\n' "$n" "$f" "$(median "$OUT/$n.$f")" "$(tr '\n' ' ' < "$OUT/$n.$f")"
  done
done
