#!/usr/bin/env bash
# File-descriptor exhaustion (issue 12, points 1-3): each server starts cold under
# `ulimit -n $FDS`, takes `ab -r -n $N -c $C` (more concurrent connections than descriptors),
# then answers one plain request (its time printed) and a follow-up ab run of the same size.
# gevent4j's `serve hello` and `serve demo` (default connection limit, and with the limit lifted
# by --max-connections, so that accept really fails with EMFILE and backs off), beside gevent's
# pywsgi (wsgi_hello.py) and StreamServer (sleep_server.py) under the same limit.
# Bounded: two ab runs of N requests per server, ab -s 30 per request, curl -m 10.
# Usage: [FDS=256] [N=20000] [C=1000] [GEVENT=1] [PIN=0] fd-exhaustion.sh.
# Needs ab, curl, Debian's python3-gevent (GEVENT=0 skips gevent's servers) and the CLI jar
# (./mvnw -pl gevent4j-cli -am package -DskipTests).
set -u
FDS=${FDS:-256}
N=${N:-20000}
C=${C:-1000}
GEVENT=${GEVENT:-1}
PIN=${PIN:-0}
HERE=$(cd "$(dirname "$0")" && pwd)
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
CLI=${CLI:-$HERE/../../../gevent4j-cli/target/gevent4j.jar}
ANCHORS=${ANCHORS:-$HERE/../../../../shared/bench/anchors}
[ -d "$ANCHORS" ] || ANCHORS=/work/shared/bench/anchors
OUT=$(mktemp -d)
source "$HERE/../common.sh"
trap cleanup EXIT
# Commands are arrays, not functions, so that start's PID is the server's (bash execs it).
LIMITED=(bash -c 'ulimit -n "$0" && exec "$@"' "$FDS")
SERVE=("${LIMITED[@]}" "$JDK/bin/java" --add-opens java.base/java.lang=ALL-UNNAMED -jar "$CLI" serve)
PORT=18610
row() { # NAME COMMAND...: start cold, ab, plain request, ab again, stop
  local name=$1; shift
  PORT=$((PORT + 1))
  start "$name" "$PORT" "${@//@PORT@/$PORT}" || return
  local url="http://127.0.0.1:$PORT/"
  local first second plain alive
  first=$(ab -r -s 30 -n "$N" -c "$C" "$url" 2>&1 | awk '/^Complete requests/ {c=$3} /^Failed requests/ {f=$3} END {print c+0 "/" f+0}')
  plain=$(curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}s' "$url" || echo "none")
  second=$(ab -r -s 30 -n "$N" -c "$C" "$url" 2>&1 | awk '/^Complete requests/ {c=$3} /^Failed requests/ {f=$3} END {print c+0 "/" f+0}')
  alive=$(kill -0 "${PIDS[-1]}" 2>/dev/null && echo up || echo DEAD)
  printf '%-30s %-16s %-18s %-16s %-5s %s\n' "$name" "$first" "$plain" "$second" "$alive" \
    "$(grep -c 'Too many open files' "$OUT/$name.log") EMFILE log lines"
  kill "${PIDS[-1]}" 2>/dev/null; wait "${PIDS[-1]}" 2>/dev/null
}
echo "ulimit -n $FDS, ab -r -n $N -c $C; columns: completed/failed of the first run, plain request, second run"
printf '%-30s %-16s %-18s %-16s %-5s %s\n' server "first ab" "plain request" "second ab" state notes
row gevent4j-hello "${SERVE[@]}" hello --port @PORT@
row gevent4j-hello-no-limit "${SERVE[@]}" hello --port @PORT@ --max-connections 100000
row gevent4j-demo "${SERVE[@]}" demo --port @PORT@
row gevent4j-demo-no-limit "${SERVE[@]}" demo --port @PORT@ --max-connections 100000
if [ "$GEVENT" = 1 ]; then
  row gevent-pywsgi "${LIMITED[@]}" /usr/bin/python3 "$ANCHORS/py/wsgi_hello.py" @PORT@
  row gevent-streamserver "${LIMITED[@]}" /usr/bin/python3 "$ANCHORS/py/sleep_server.py" gevent @PORT@ 1024
fi
echo "logs: $OUT"
