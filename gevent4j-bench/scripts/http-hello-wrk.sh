#!/usr/bin/env bash
# Hello world over keep-alive: gevent4j's HttpServer beside the JDK's HttpServer (virtual threads),
# the same JDK HttpServer code on gevent4j's provider (jdk-api-on-gevent4j) and, when PEERS points
# at a built copy of /work/shared/bench/anchors/java-peers, Netty 4.2 (epoll) and Helidon 4 SE.
# The anchors' method: every server runs at once, pinned to core 0
# (idle ones cost nothing), wrk on core 1, 100 connections, each warmed up 5 s, then REPS rounds
# that take turns across the servers (so each ratio sees the same noise); the median is printed.
# Each round measures plain keep-alive and 16-deep pipelining.
# nio-floor (HttpHelloFloor) is the floor of any Java server here: one thread, one selector, no
# parsing beyond each request's end, a canned response. The ratios printed at the end are taken
# per round (each pair measured back to back), then their median and range.
# Usage: [PEERS=dir] [REPS=3] http-hello-wrk.sh [seconds per measurement, default 3]. Needs wrk, taskset.
set -u
D=${1:-3}
REPS=${REPS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
JAR=${JAR:-$HERE/../target/benchmarks.jar}
PEERS=${PEERS:-}
OPENS="--add-opens java.base/java.lang=ALL-UNNAMED"
OUT=$(mktemp -d)
on() { taskset -c "$1" "${@:2}"; }
source "$HERE/common.sh"
trap cleanup EXIT


start gevent4j 18090 "$JAVA" $OPENS -cp "$JAR" io.gevent4j.bench.HttpHelloServer gevent4j 18090 1
start jdk-httpserver-vt 18091 "$JAVA" -cp "$JAR" io.gevent4j.bench.HttpHelloServer jdk 18091
start jdk-api-on-gevent4j 18094 "$JAVA" $OPENS -cp "$JAR" io.gevent4j.bench.HttpHelloServer jdk-api 18094
start nio-floor 18095 "$JAVA" -cp "$JAR" io.gevent4j.bench.HttpHelloFloor 18095
if [ -n "$PEERS" ]; then
  CP="$PEERS/target/java-peers-1.0.jar:$PEERS/target/lib/*"
  start netty-epoll 18092 "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" anchors.NettyHello 18092 epoll
  if "$(dirname "$JAVA")/jar" tf "$PEERS/target/java-peers-1.0.jar" | grep -q '^anchors/HelidonHello.class$'; then
    start helidon4 18093 "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" anchors.HelidonHello 18093
  else
    echo "helidon4 skipped: no anchors.HelidonHello in that peers build" >&2
  fi
fi
for i in "${!NAMES[@]}"; do
  taskset -c 1 wrk -t1 -c100 -d5s "http://127.0.0.1:${PORTS[$i]}/" > /dev/null 2>&1 # warm-up (JIT)
done
for rep in $(seq "$REPS"); do
  for i in "${!NAMES[@]}"; do
    url="http://127.0.0.1:${PORTS[$i]}/"
    taskset -c 1 wrk -t1 -c100 -d"${D}s" --timeout 5s "$url" | awk '/Requests\/sec/ {print $2}' >> "$OUT/${NAMES[$i]}.plain"
    taskset -c 1 wrk -t1 -c100 -d"${D}s" --timeout 5s -s "$HERE/pipeline16.lua" "$url" | awk '/Requests\/sec/ {print $2}' >> "$OUT/${NAMES[$i]}.pipe"
  done
done
printf '%-20s %16s %16s   (all rounds)\n' server "keep-alive" "pipelined x16"
for n in "${NAMES[@]}"; do
  printf '%-20s %16.0f %16.0f   %s | %s\n' "$n" "$(median "$OUT/$n.plain")" "$(median "$OUT/$n.pipe")" \
    "$(tr '\n' ' ' < "$OUT/$n.plain")" "$(tr '\n' ' ' < "$OUT/$n.pipe")"
done
ratio() { # ratio A B KIND: per-round A/B, median (range)
  [ -f "$OUT/$1.$3" ] && [ -f "$OUT/$2.$3" ] || return 0
  paste "$OUT/$1.$3" "$OUT/$2.$3" | awk '$2 > 0 {print $1 / $2}' | sort -n \
    | awk -v n="$1 / $2 ($3)" '{a[NR]=$1} END {if (NR) printf "%-45s %.2fx (%.2f-%.2f)\n", n, (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2, a[1], a[NR]}'
}
echo
for k in plain pipe; do
  ratio gevent4j netty-epoll $k
  ratio gevent4j nio-floor $k
  ratio netty-epoll nio-floor $k
done
