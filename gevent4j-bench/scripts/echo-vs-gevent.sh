#!/usr/bin/env bash
# The echo server alone against gevent's StreamServer echo and the JDK's virtual-thread echo
# (the anchors' servers), with the anchors' Java client: 100 connections x 1,000 round trips of
# 64 bytes. Every server runs at once, pinned to core 0 (idle ones cost nothing); the client runs
# on core 1. REPS rounds take turns across the servers; each client run warms up first
# (100 x 200 round trips on fresh connections), then measures once. Medians are printed.
# PIN=0 runs everything unpinned (the anchors' first column); HUBS=N gives gevent4j N hubs.
# Usage: [REPS=3] [PIN=1] [HUBS=1] echo-vs-gevent.sh. Needs taskset and Debian's python3-gevent.
set -u
REPS=${REPS:-3}
PIN=${PIN:-1}
HUBS=${HUBS:-1}
on() { if [ "$PIN" = 1 ]; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }
HERE=$(cd "$(dirname "$0")" && pwd)
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
ANCHORS=${ANCHORS:-$HERE/../../../shared/bench/anchors}
[ -d "$ANCHORS" ] || ANCHORS=/work/shared/bench/anchors
CLI=${CLI:-$HERE/../../gevent4j-cli/target/gevent4j.jar}
OUT=$(mktemp -d)
source "$HERE/common.sh"
trap cleanup EXIT
"$JDK/bin/javac" -d "$OUT/classes" "$ANCHORS"/java/src/*.java || exit 1

start gevent4j 18430 "$JDK/bin/java" --add-opens java.base/java.lang=ALL-UNNAMED -jar "$CLI" serve echo --port 18430 --hubs "$HUBS"
start gevent 18431 /usr/bin/python3 "$ANCHORS/py/echo_server.py" 18431
start jdk-vt 18432 "$JDK/bin/java" -cp "$OUT/classes" EchoServer virtual 18432
for rep in $(seq "$REPS"); do
  for i in "${!NAMES[@]}"; do
    on 1 "$JDK/bin/java" -cp "$OUT/classes" EchoClient "${PORTS[$i]}" 100 1000 64 1 \
      | sed -n 's/.*roundtrips_per_s=\([0-9]*\) errors=0.*/\1/p' >> "$OUT/${NAMES[$i]}.rt"
  done
done
printf '%-10s %14s   (all rounds; a missing round had errors)\n' server "round trips/s"
for n in "${NAMES[@]}"; do
  printf '%-10s %14.0f   %s\n' "$n" "$(median "$OUT/$n.rt")" "$(tr '\n' ' ' < "$OUT/$n.rt")"
done
