#!/usr/bin/env bash
# Connection storm with a graceful stop in the middle (issue 12): `gevent4j serve hello` takes
# WORKERS client threads opening and closing connections as fast as they can (a GET read to the
# FIN; a connect closed at once; a GET followed by bytes the server never reads) for DURATION
# seconds; at STOP_AT seconds the server gets SIGTERM (graceful stop, --grace GRACE). Prints,
# per phase (connections that ended before the signal, that were open across it, that began
# after it), answered / refused / reset / failed, then how the server ended ("stopped" line,
# exit status: the JVM exits 143 after SIGTERM, hooks run; when "stopped" was printed).
# Before the signal every connection must be answered; across it, a connection whose request
# had arrived is answered, one still silent is closed by the stop (HTTP: idle), and one still
# in the kernel's backlog when the listener closes is reset by the kernel; after it, connects
# are refused.
# Bounded: DURATION seconds or TOTAL connections, each socket time-out 10 s, the server is
# killed if it has not exited GRACE + 10 s after the signal. Loopback only.
# Usage: [WORKERS=50] [DURATION=10] [STOP_AT=5] [TOTAL=200000] [HUBS=1] [GRACE=5s] [PORT=18710]
#        connection-storm.sh
# Needs python3 and the CLI jar (./mvnw -B -pl gevent4j-cli -am package -DskipTests).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
CLI=${CLI:-$HERE/../../../gevent4j-cli/target/gevent4j.jar}
WORKERS=${WORKERS:-50}
DURATION=${DURATION:-10}
STOP_AT=${STOP_AT:-5}
TOTAL=${TOTAL:-200000}
HUBS=${HUBS:-1}
GRACE=${GRACE:-5s}
PORT=${PORT:-18710}
OUT=$(mktemp -d)
source "$HERE/../common.sh"
trap cleanup EXIT
PIN=0 start hello "$PORT" "$JDK/bin/java" --add-opens java.base/java.lang=ALL-UNNAMED -jar "$CLI" \
  serve hello --port "$PORT" --hubs "$HUBS" --grace "$GRACE" || exit 1
PID=${PIDS[0]}
echo "serve hello --hubs $HUBS --grace $GRACE on port $PORT (pid $PID); $WORKERS workers for $DURATION s, SIGTERM at $STOP_AT s"
# The signal time is written by the storm's stop command itself.
python3 "$HERE/connection_storm.py" "$PORT" "$WORKERS" "$DURATION" "$STOP_AT" "$TOTAL" \
  "date +%s.%N > $OUT/signal; kill -TERM $PID"
limit=$(( ${GRACE%s} + 10 ))
for _ in $(seq $((limit * 10))); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then
  echo "server still running ${limit} s after SIGTERM: killed"; kill -KILL "$PID"
fi
wait "$PID"; status=$?
end=$(stat -c %.9Y "$OUT/hello.log")
signal=$(cat "$OUT/signal" 2>/dev/null || echo "$end")
printf 'server: exit status %d, "stopped" printed: %s, last output %.2f s after SIGTERM\n' "$status" \
  "$(grep -qx stopped "$OUT/hello.log" && echo yes || echo NO)" "$(echo "$end - $signal" | bc -l)"
head -1 "$OUT/hello.log"
grep -v -e '^listening' -e '^stopped' "$OUT/hello.log" | head -5
echo "logs: $OUT"
