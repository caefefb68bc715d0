#!/usr/bin/env bash
# How hard `gevent4j bench` drives a server compared with ApacheBench, against the bench
# module's HttpHelloServer (gevent4j, one hub) pinned to core 0, each client pinned to core 1.
# REPS rounds take turns (ab, then bench) so each ratio sees the same noise; medians printed.
# Rows: keep-alive (ab -k / bench -k) and a new connection per request. bench runs with
# --warmup (this JVM's JIT, on one core, otherwise takes the first seconds of a short run).
# CLIENT_CORE=any leaves both clients unpinned (ab can use one core whatever it is given; bench
# can use HUBS=2 to spread its connections over both).
# Usage: [REPS=3] [WARMUP=3s] [CLIENT_CORE=1|any] [HUBS=1] bench-vs-ab.sh. Needs ab and taskset.
set -u
REPS=${REPS:-3}
WARMUP=${WARMUP:-3s}
CLIENT_CORE=${CLIENT_CORE:-1}
HUBS=${HUBS:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAR=${JAR:-$HERE/../target/benchmarks.jar}
CLI=${CLI:-$HERE/../../gevent4j-cli/target/gevent4j.jar}
OUT=$(mktemp -d)
PORT=18095
taskset -c 0 "$JDK/bin/java" --add-opens java.base/java.lang=ALL-UNNAMED -cp "$JAR" \
  io.gevent4j.bench.HttpHelloServer gevent4j $PORT 1 > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT/"
taskset -c 1 ab -k -n 200000 -c 50 "$URL" > /dev/null 2>&1 # the server's warm-up
client() { if [ "$CLIENT_CORE" = any ]; then "$@"; else taskset -c "$CLIENT_CORE" "$@"; fi; }
bench() { client "$JDK/bin/java" --add-opens java.base/java.lang=ALL-UNNAMED -jar "$CLI" bench -q --warmup "$WARMUP" \
  --hubs "$HUBS" "$@" "$URL" | awk -F: '/^Requests per second/ {split($2, a, " "); print a[1]}'; }
ab_() { client ab "$@" "$URL" 2>/dev/null | awk '/^Requests per second/ {print $4}'; }
for rep in $(seq "$REPS"); do
  ab_ -k -n 300000 -c 50 >> "$OUT/ab-keepalive"
  bench -k -n 300000 -c 50 >> "$OUT/bench-keepalive"
  ab_ -n 40000 -c 50 >> "$OUT/ab-new"
  bench -n 40000 -c 50 >> "$OUT/bench-new"
done
source "$HERE/common.sh"
printf '%-28s %10s %10s %7s   (all rounds: ab | bench)\n' load "ab" "bench" "ratio"
for k in keepalive new; do
  a=$(median "$OUT/ab-$k"); b=$(median "$OUT/bench-$k")
  printf '%-28s %10.0f %10.0f %6.2fx   %s| %s\n' "$([ $k = new ] && echo 'new connection per request' || echo 'keep-alive')" \
    "$a" "$b" "$(echo "$b / $a" | bc -l)" "$(tr '\n' ' ' < "$OUT/ab-$k")" "$(tr '\n' ' ' < "$OUT/bench-$k")"
done
