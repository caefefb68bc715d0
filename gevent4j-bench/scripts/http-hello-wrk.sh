#!/usr/bin/env bash
# Hello world over keep-alive: gevent4j's HttpServer beside the JDK's HttpServer (virtual threads),
# and, when PEERS points at a built copy of /work/shared/bench/anchors/java-peers, Netty 4.2 (epoll)
# and Helidon 4 SE, in one run. Server pinned to core 0, wrk to core 1, 100 connections; then
# again with 16-deep pipelining. Usage: http-hello-wrk.sh [seconds] (default 5). Needs wrk, taskset.
set -u
D=${1:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
JAR=${JAR:-$HERE/../target/benchmarks.jar}
PEERS=${PEERS:-}
PORT=18090

start() { # name command...
  local name=$1; shift
  taskset -c 0 "$@" > "/tmp/http-hello-$name.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0; sleep 0.1; done
  echo "$name did not start"; cat "/tmp/http-hello-$name.log"; return 1
}

measure() { # name
  local name=$1
  taskset -c 1 wrk -t1 -c100 -d2s "http://127.0.0.1:$PORT/" > /dev/null 2>&1 # warm-up
  local plain pipe
  plain=$(taskset -c 1 wrk -t1 -c100 -d"${D}s" --timeout 5s "http://127.0.0.1:$PORT/" | awk '/Requests\/sec/ {print $2}')
  pipe=$(taskset -c 1 wrk -t1 -c100 -d"${D}s" --timeout 5s -s "$HERE/pipeline16.lua" "http://127.0.0.1:$PORT/" | awk '/Requests\/sec/ {print $2}')
  printf '%-22s keep-alive %12s req/s   pipelined x16 %12s req/s\n' "$name" "$plain" "$pipe"
  kill "$PID"; wait "$PID" 2>/dev/null
  PORT=$((PORT + 1))
}

OPENS="--add-opens java.base/java.lang=ALL-UNNAMED"
start gevent4j "$JAVA" $OPENS -cp "$JAR" io.gevent4j.bench.HttpHelloServer gevent4j $PORT 1 && measure gevent4j
start jdk-httpserver-vt "$JAVA" -cp "$JAR" io.gevent4j.bench.HttpHelloServer jdk $PORT && measure jdk-httpserver-vt
if [ -n "$PEERS" ]; then
  CP="$PEERS/target/java-peers-1.0.jar:$PEERS/target/lib/*"
  start netty-epoll "$JAVA" -cp "$CP" anchors.NettyHello $PORT epoll && measure netty-epoll
  start helidon4 "$JAVA" -cp "$CP" anchors.HelidonHello $PORT && measure helidon4
fi
