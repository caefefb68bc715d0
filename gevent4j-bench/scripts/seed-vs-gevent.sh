#!/usr/bin/env bash
# The demo's experiment under ab, as the anchors run it: each request is a new connection, the
# server reads, sleeps 100 ms, answers and closes; `ab -r -n 20000 -c 1000`. gevent4j's
# SeedSleepServer beside gevent's own server (the anchors' sleep_server.py) and beside
# native/seed_floor.c, the same server in C with one epoll loop and no per-request allocation:
# the most this machine's ab can measure. All pinned to core 0, ab to core 1 (PIN=0: unpinned).
# REPS rounds take turns across the servers; medians printed.
# Usage: [REPS=3] [PIN=1] seed-vs-gevent.sh. Needs ab, gcc, taskset, Debian's python3-gevent.
set -u
REPS=${REPS:-3}
PIN=${PIN:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAR=${JAR:-$HERE/../target/benchmarks.jar}
ANCHORS=${ANCHORS:-$HERE/../../../shared/bench/anchors}
[ -d "$ANCHORS" ] || ANCHORS=/work/shared/bench/anchors
OUT=$(mktemp -d)
gcc -O2 -o "$OUT/seed_floor" "$HERE/../native/seed_floor.c" || exit 1
on() { if [ "$PIN" = 1 ]; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }
source "$HERE/common.sh"
trap cleanup EXIT
start gevent4j 18472 "$JDK/bin/java" --add-opens java.base/java.lang=ALL-UNNAMED -cp "$JAR" io.gevent4j.bench.SeedSleepServer 18472 1
start gevent 18473 /usr/bin/python3 "$ANCHORS/py/sleep_server.py" gevent 18473 4096
start c-floor 18474 "$OUT/seed_floor" 18474
for i in "${!NAMES[@]}"; do on 1 ab -r -s 30 -n 3000 -c 300 "http://127.0.0.1:${PORTS[$i]}/" > /dev/null 2>&1; done # warm-up
for rep in $(seq "$REPS"); do
  for i in "${!NAMES[@]}"; do
    on 1 ab -r -s 30 -n 20000 -c 1000 "http://127.0.0.1:${PORTS[$i]}/" 2>&1 \
      | awk '/^Failed requests/ {f=$3} /^Requests per second/ {r=$4} END {print r, f}' >> "$OUT/${NAMES[$i]}.txt"
  done
done
printf '%-10s %10s %8s   (all rounds: req/s failed)\n' server "req/s" failed
for n in "${NAMES[@]}"; do
  printf '%-10s %10.0f %8s   %s\n' "$n" "$(median "$OUT/$n.txt")" "$(awk '{s+=$2} END {print s}' "$OUT/$n.txt")" \
    "$(tr '\n' ' ' < "$OUT/$n.txt")"
done
