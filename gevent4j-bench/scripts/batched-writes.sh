#!/usr/bin/env bash
# StreamServer.batchWrites against the same server without it (docs/BENCHMARKS.md §11, issue #15):
# BatchedWritesBenchmark (50 pipelining clients on the server's hub, 16 requests per write, each
# answered with two small writes), in ROUNDS JMH runs whose order of the two settings alternates.
# Prints each round's ns per request and the per-round ratio unbatched / batched, then medians.
#
#   gevent4j-bench/scripts/batched-writes.sh [ROUNDS, default 3] [JAR]
#
# Build the jar first: ./mvnw -B -pl gevent4j-bench -am package -DskipTests (about 40 s a round).
set -euo pipefail
JAVA=${JAVA:-java}
ROUNDS=${1:-3}
JAR=${2:-gevent4j-bench/target/benchmarks.jar}
case "$ROUNDS" in ''|*[!0-9]*|0) echo "ROUNDS must be a positive number, not '$ROUNDS'" >&2; exit 2;; esac
[ -f "$JAR" ] || { echo "no such jar: $JAR (build it: ./mvnw -B -pl gevent4j-bench -am package -DskipTests)" >&2; exit 2; }
OUT=$(mktemp -d)
echo "JDK: $("$JAVA" -version 2>&1 | head -1); $(nproc) cores; $(date -u +%F); raw results in $OUT"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order=0,8192; else order=8192,0; fi
  "$JAVA" -jar "$JAR" BatchedWritesBenchmark -f 1 -wi 2 -w 1 -i 3 -r 1 -p batch=$order \
    -rf csv -rff "$OUT/round-$r.csv" > "$OUT/round-$r.log" 2>&1
done
python3 - "$OUT" "$ROUNDS" <<'PY'
import csv, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
off, on, ratios = [], [], []
for r in range(1, rounds + 1):
    s = {row['Param: batch']: float(row['Score']) for row in csv.DictReader(open(f"{out}/round-{r}.csv"))}
    off.append(s['0']); on.append(s['8192']); ratios.append(s['0'] / s['8192'])
    print(f"round {r}: unbatched {s['0']:.0f} ns/request, batchWrites(8192) {s['8192']:.0f}, ratio {ratios[-1]:.1f}x")
f = lambda xs, fmt: f"{fmt(statistics.median(xs))} ({fmt(min(xs))}-{fmt(max(xs))})"
print(f"median (range): unbatched {f(off, lambda x: f'{x:.0f}')} ns, batched {f(on, lambda x: f'{x:.0f}')} ns, "
      f"unbatched / batched {f(ratios, lambda x: f'{x:.1f}x')}")
PY
