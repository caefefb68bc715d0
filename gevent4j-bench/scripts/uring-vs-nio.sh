#!/usr/bin/env bash
# Regenerates the table of docs/BENCHMARKS.md §13 (issue #15 point 3): the echo of
# PollerEchoBenchmark (100 connections, 1,000 round trips of 64 bytes each, one hub) with the hub
# on the NIO selector and on the io_uring poller, beside the two floors with no greenlets: the
# NIO selector loop and the same loop on an io_uring ring through FFM.
#
#   gevent4j-bench/scripts/uring-vs-nio.sh [ROUNDS]
#
# ROUNDS (default 4) JMH runs; each measures all four in one JVM per value, the order reversed
# every other round. About 50 s per round. Build the jar first with
#   ./mvnw -B -pl gevent4j-bench -am package -DskipTests
# Prints per value the median and range (min-max) of the rounds' scores (µs per round trip) and
# the ratios to nio (median and range of the per-round ratios; below 1 is faster than NIO).
# On a shared machine run everything else in its own lowered autogroup meanwhile:
#   setsid sh -c 'echo 19 > /proc/self/autogroup; exec nice -n 19 CMD'
set -euo pipefail
JAVA=${JAVA:-java}
ROUNDS=${1:-4}
JAR=${JAR:-gevent4j-bench/target/benchmarks.jar}
[ -f "$JAR" ] || { echo "no such jar: $JAR (build it: ./mvnw -B -pl gevent4j-bench -am package -DskipTests)" >&2; exit 2; }
case "$ROUNDS" in ''|*[!0-9]*|0) echo "ROUNDS must be a positive number, not '$ROUNDS'" >&2; exit 2;; esac
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
echo "JDK: $("$JAVA" -version 2>&1 | head -1); $(nproc) cores; $(uname -sr); $(date -u +%F)"
echo "raw results in $OUT"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then order=nio-floor,uring-floor,nio,uring; else order=uring,nio,uring-floor,nio-floor; fi
  echo "round $r: $order" >&2
  "$JAVA" -jar "$JAR" PollerEchoBenchmark -p poller=$order -f 1 -wi 2 -w 1 -i 3 -r 1 \
    -rf csv -rff "$OUT/echo-$r.csv" > "$OUT/echo-$r.log" 2>&1 || { tail -30 "$OUT/echo-$r.log" >&2; exit 1; }
done
python3 - "$OUT" "$ROUNDS" <<'EOF'
import csv, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
scores = {}
for r in range(1, rounds + 1):
    with open(f"{out}/echo-{r}.csv") as f:
        for row in csv.DictReader(f):
            scores.setdefault(row["Param: poller"], []).append(float(row["Score"]) / 1000.0)
def fmt(xs, d=2):
    return f"{statistics.median(xs):.{d}f} ({min(xs):.{d}f}–{max(xs):.{d}f})"
print("| echo, 100 conns, one thread | µs per round trip, median (range) of %d rounds | / nio, median (range) |" % rounds)
print("|---|---|---|")
for name in ["nio-floor", "uring-floor", "nio", "uring"]:
    xs = scores.get(name, [])
    if not xs:
        continue
    ratios = [a / b for a, b in zip(xs, scores["nio"])]
    print(f"| {name} | {fmt(xs)} | {fmt(ratios)} |")
EOF
