#!/usr/bin/env bash
# A routed JSON endpoint (GET /users/{id} among a dozen routes, Jackson) under wrk's saturating
# load: gevent4j's Router on HttpServer (default hubs: one per core it may use) beside Javalin 6
# (Jetty 11) and Helidon SE 4, the servers of HttpRoutedJsonBenchmark, each in its own JVM.
# The method of http-hello-wrk.sh: every server runs at once, pinned to core 0 (idle ones cost
# nothing), wrk on core 1 with 100 connections, each warmed up 5 s, then REPS rounds that take
# turns across the servers; the median is printed. PIN=0 runs everything unpinned.
# Usage: [REPS=3] [PIN=1] routed-json-wrk.sh [seconds per measurement, default 3]. Needs wrk, taskset.
# Build first: ./mvnw -pl gevent4j-bench -am package -DskipTests
set -u
D=${1:-3}
REPS=${REPS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
JAR=${JAR:-$HERE/../target/benchmarks.jar}
OPENS="--add-opens java.base/java.lang=ALL-UNNAMED"
OUT=$(mktemp -d)
source "$HERE/common.sh"
trap cleanup EXIT
client() { if [ "${PIN:-1}" = 1 ]; then taskset -c 1 "$@"; else "$@"; fi; }

MAIN=io.gevent4j.bench.HttpRoutedJsonBenchmark
start gevent4j 18190 "$JAVA" $OPENS -cp "$JAR" $MAIN gevent4j 18190
start javalin 18191 "$JAVA" -cp "$JAR" $MAIN javalin 18191
start helidon 18192 "$JAVA" -cp "$JAR" $MAIN helidon 18192
for i in "${!NAMES[@]}"; do
  client wrk -t1 -c100 -d5s "http://127.0.0.1:${PORTS[$i]}/users/1" > /dev/null 2>&1 # warm-up (JIT)
done
for rep in $(seq "$REPS"); do
  for i in "${!NAMES[@]}"; do
    client wrk -t1 -c100 -d"${D}s" --timeout 5s "http://127.0.0.1:${PORTS[$i]}/users/$rep" \
      | awk '/Requests\/sec/ {print $2}' >> "$OUT/${NAMES[$i]}.rps"
  done
done
for i in "${!NAMES[@]}"; do
  printf '%-10s median %10s req/s  rounds: %s\n' "${NAMES[$i]}" "$(median "$OUT/${NAMES[$i]}.rps")" \
    "$(tr '\n' ' ' < "$OUT/${NAMES[$i]}.rps")"
done
