#!/usr/bin/env bash
# Regenerates the tables of docs/BENCHMARKS.md §11 (issue #15): gevent4j's core operations beside
# their peers and the floors under them, each ratio taken inside one JMH run, in rounds.
#
#   gevent4j-bench/scripts/core-vs-floors.sh [ROUNDS] [JAR ...]
#
# ROUNDS (default 3) rounds; in each, every JAR in turn (default: the one the build makes,
# gevent4j-bench/target/benchmarks.jar; give two jars to compare two builds, e.g. before and
# after a change: their rounds alternate). Build the jar with
#   ./mvnw -B -pl gevent4j-bench -am package -DskipTests
# Per round and jar, about two minutes: one JMH run of SpawnJoinBenchmark and PingPongBenchmark (each
# with its peer on the JDK's default scheduler and its floor, bareScheduler: virtual threads on
# an ArrayDeque drained by one thread), one JMH run of SocketEchoBenchmark with the JDK's
# scheduler limited to one carrier (the per-core comparison: one hub, one carrier, and the
# single-threaded NIO selector loop as the floor). Then, once per jar, CoreMeasurements' heap per
# parked greenlet, parked virtual thread (LockSupport.park: the floor) and sleeping one.
# Prints markdown tables: per benchmark the median and range (min-max) of the rounds, and per
# ratio the median and range of the per-round ratios (peer time / gevent4j time: above 1 means
# gevent4j is faster). The raw JMH CSV files stay in $OUT (a temporary directory by default).
#
# ONLY=echo runs only the echo (its rounds take about 40 s): what the echo's own table needs.
# The echo has a second floor, nio-floor-plus-switches: the NIO loop with each connection end a
# virtual thread woken by it on a bare scheduler (the floor plus two switches per round trip).
#
# On a shared machine, everything else should run in its own lowered autogroup while this runs
# (plain nice is not enough): setsid sh -c 'echo 19 > /proc/self/autogroup; exec nice -n 19 CMD'
set -euo pipefail
JAVA=${JAVA:-java}
ROUNDS=${1:-3}
shift || true
JARS=("$@")
if [ ${#JARS[@]} -eq 0 ]; then JARS=(gevent4j-bench/target/benchmarks.jar); fi
for jar in "${JARS[@]}"; do
  [ -f "$jar" ] || { echo "no such jar: $jar (build it: ./mvnw -B -pl gevent4j-bench -am package -DskipTests)" >&2; exit 2; }
done
case "$ROUNDS" in ''|*[!0-9]*|0) echo "ROUNDS must be a positive number, not '$ROUNDS'" >&2; exit 2;; esac
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
OPENS="--add-opens java.base/java.lang=ALL-UNNAMED"
ONLY=${ONLY:-}
case "$ONLY" in ''|echo) ;; *) echo "ONLY must be empty or 'echo', not '$ONLY'" >&2; exit 2;; esac
# Spawn + join is still getting faster after two one-second warm-up iterations: three of two.
CORE=(-f 1 -wi 3 -w 2 -i 3 -r 1)
ECHO=(-f 1 -wi 2 -w 1 -i 3 -r 1)
echo "JDK: $("$JAVA" -version 2>&1 | head -1); $(nproc) cores; $(uname -sr); $(date -u +%F)"
echo "raw results in $OUT"
for r in $(seq "$ROUNDS"); do
  for j in "${!JARS[@]}"; do
    jar=${JARS[$j]}
    echo "round $r, jar $j ($jar)" >&2
    if [ -z "$ONLY" ]; then
      "$JAVA" $OPENS -jar "$jar" 'SpawnJoinBenchmark|PingPongBenchmark' "${CORE[@]}" \
        -rf csv -rff "$OUT/core-$j-$r.csv" > "$OUT/core-$j-$r.log" 2>&1
    fi
    "$JAVA" $OPENS -jar "$jar" SocketEchoBenchmark -p impl=gevent4j,jdk-virtual-threads,nio-selector-floor,nio-floor-plus-switches "${ECHO[@]}" \
      -jvmArgsAppend "$OPENS -Djdk.virtualThreadScheduler.parallelism=1" \
      -rf csv -rff "$OUT/echo-$j-$r.csv" > "$OUT/echo-$j-$r.log" 2>&1
  done
done
for j in "${!JARS[@]}"; do
  [ -z "$ONLY" ] || { : > "$OUT/heap-$j.txt"; continue; }
  "$JAVA" $OPENS -Xmx4g -cp "${JARS[$j]}" io.gevent4j.bench.CoreMeasurements 300000 1000 2>&1 \
    | grep '^heap per' > "$OUT/heap-$j.txt"
done
python3 - "$OUT" "${JARS[@]}" <<'EOF'
import csv, glob, os, statistics, sys
out, jars = sys.argv[1], sys.argv[2:]

def load(kind, j):
    rounds = []
    for f in sorted(glob.glob(f"{out}/{kind}-{j}-*.csv"), key=lambda p: int(p.rsplit('-', 1)[1][:-4])):
        scores = {}
        for row in csv.DictReader(open(f)):
            param = row.get('Param: on') or row.get('Param: impl')
            scores[(row['Benchmark'].split('.')[-2], param)] = float(row['Score'])
        rounds.append(scores)
    return rounds

def rng(xs, fmt):
    return f"{fmt(statistics.median(xs))} ({fmt(min(xs))}–{fmt(max(xs))})"

ns = lambda x: f"{x:.0f}"
us = lambda x: f"{x / 1000:.1f}"
ratio = lambda x: f"{x:.2f}×"
tables = [
    ("spawn + join, ns", "core", "SpawnJoinBenchmark", "greenlet",
     [("JDK virtual threads", "virtualThread"), ("floor: bare scheduler", "bareScheduler")], ns),
    ("`sleep()` ping-pong vs `Thread.yield`, ns per switch", "core", "PingPongBenchmark", "greenlet",
     [("JDK virtual threads", "virtualThread"), ("floor: bare scheduler", "bareScheduler")], ns),
    ("echo, 100 connections, one core, µs per round trip", "echo", "SocketEchoBenchmark", "gevent4j",
     [("VT on one carrier", "jdk-virtual-threads"), ("floor: NIO selector loop", "nio-selector-floor"),
      ("floor + 2 VT switches per round trip", "nio-floor-plus-switches")], us),
]
for j, jar in enumerate(jars):
    print(f"\n### {os.path.basename(jar)}\n")
    print("| benchmark | gevent4j: median (range) | peer | peer: median (range) | peer / gevent4j per round: median (range) |")
    print("|---|---|---|---|---|")
    for title, kind, bench, own, peers, fmt in tables:
        rounds = [r for r in load(kind, j) if (bench, own) in r]
        if not rounds:
            continue
        mine = [r[(bench, own)] for r in rounds]
        for label, p in peers:
            pr = [r for r in rounds if (bench, p) in r]
            if not pr:
                continue
            theirs = [r[(bench, p)] for r in pr]
            ratios = [r[(bench, p)] / r[(bench, own)] for r in pr]
            print(f"| {title} | {rng(mine, fmt)} | {label} | {rng(theirs, fmt)} | {rng(ratios, ratio)} |")
    heap = {}
    for line in open(f"{out}/heap-{j}.txt"):
        what, rest = line.split(':', 1)
        heap[what] = int(rest.split()[0])
    g = heap.get("heap per parked greenlet (Gevent.sleep)")
    vs = heap.get("heap per parked default virtual thread (Thread.sleep)")
    vp = heap.get("heap per parked default virtual thread (LockSupport.park)")
    if g and vs and vp:
        print(f"| heap per parked greenlet (`Gevent.sleep`), bytes | {g} | VT in `Thread.sleep` | {vs} | {vs / g:.2f}× |")
        print(f"| heap per parked greenlet (`Gevent.sleep`), bytes | {g} | floor: VT in `LockSupport.park` | {vp} | {vp / g:.2f}× |")
    print(f"\n{max(len(load('core', j)), len(load('echo', j)))} rounds.")
EOF
