#!/usr/bin/env bash
# Heap and RSS per idle keep-alive connection: gevent4j `serve hello` beside Netty 4.2's hello
# (the anchors' NettyHello, epoll) and gevent's pywsgi hello, in the same run. For each server
# and round: a warm-up (WARM of keep-alive load, then WARM of a new connection per request, from
# `gevent4j bench -c 50`, then 500 idle connections closed: the server's code compiled, as in a
# server that has run a while), then a client in another
# process (idle_client.py) opens N keep-alive connections, sends one request on each, reads the
# answer and holds them silent. Heap = live bytes after a full GC (jcmd GC.class_histogram's
# total, which runs the GC) with the connections held minus before; RSS = VmRSS, same. A plain
# request on a new connection is timed while they are held. The Java servers' class
# histograms (with and without the connections) are kept, and the classes that grew most are
# printed per connection. Rounds alternate across the servers.
# Usage: [N=10000] [ROUNDS=2] [WARM=5s] [PEERS=/path/to/built/java-peers] [NO_GEVENT=1] [CLI=jar]
#        idle-connections.sh
#   PEERS: a built copy of the anchors' java-peers (mvn package there: target/ and target/lib/);
#   without it Netty is skipped. gevent: Debian's python3-gevent (skipped when missing).
set -u
N=${N:-10000}
ROUNDS=${ROUNDS:-2}
WARM=${WARM:-5s}
HERE=$(cd "$(dirname "$0")" && pwd)
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
ANCHORS=${ANCHORS:-$HERE/../../../shared/bench/anchors}
[ -d "$ANCHORS" ] || ANCHORS=/work/shared/bench/anchors
CLI=${CLI:-$HERE/../../gevent4j-cli/target/gevent4j.jar}
PEERS=${PEERS:-}
PIN=0
OUT=$(mktemp -d)
source "$HERE/common.sh"
trap cleanup EXIT
PY=/usr/bin/python3

# --max-connections: the default cap (derived from the descriptor limit, about 8,700 at 20,000)
# would shed the oldest idle connections at the cap to admit new ones.
start gevent4j 18440 "$JDK/bin/java" --add-opens java.base/java.lang=ALL-UNNAMED -jar "$CLI" serve hello --port 18440 --hubs 1 \
  --max-connections $((N + 1000))
if [ -n "$PEERS" ]; then
  start netty 18441 "$JDK/bin/java" -cp "$PEERS/target/classes:$PEERS/target/lib/*" anchors.NettyHello 18441 epoll 1
fi
if [ -z "${NO_GEVENT:-}" ] && "$PY" -c 'import gevent' 2>/dev/null; then
  start gevent 18442 "$PY" "$ANCHORS/py/wsgi_hello.py" 18442
fi

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }               # KB
heap() { "$JDK/bin/jcmd" "$1" GC.class_histogram > "$2" 2>&1; awk '/^Total/ {print $3}' "$2"; }  # bytes
is_java() { [ "$1" != gevent ]; }
plain() {  # ms for one request on a new connection
  "$PY" - "$1" <<'PYEOF'
import socket, sys, time
t = time.perf_counter()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
d = b""
while True:
    c = s.recv(4096)
    if not c:
        break
    d += c
assert d.startswith(b"HTTP/1.1 200"), d[:40]
print("%.1f" % ((time.perf_counter() - t) * 1000))
PYEOF
}

printf '%-9s %5s %8s %12s %12s %10s\n' server round conns "heap B/conn" "RSS KB/conn" "plain ms"
for r in $(seq "$ROUNDS"); do
  for i in "${!NAMES[@]}"; do
    name=${NAMES[$i]}; port=${PORTS[$i]}; pid=${PIDS[$i]}
    "$JDK/bin/java" --add-opens java.base/java.lang=ALL-UNNAMED -jar "$CLI" bench -d "$WARM" -c 50 -k \
      "http://127.0.0.1:$port/" > /dev/null 2>&1   # warm-up
    "$JDK/bin/java" --add-opens java.base/java.lang=ALL-UNNAMED -jar "$CLI" bench -d "$WARM" -c 50 \
      "http://127.0.0.1:$port/" > /dev/null 2>&1
    echo | "$PY" "$HERE/idle_client.py" "$port" 500 > /dev/null
    sleep 1
    h0=0; is_java "$name" && h0=$(heap "$pid" "$OUT/$name.$r.base.histo")
    r0=$(rss "$pid")
    mkfifo "$OUT/hold"
    "$PY" "$HERE/idle_client.py" "$port" "$N" < "$OUT/hold" > "$OUT/client.out" 2>&1 &
    client=$!
    exec 3> "$OUT/hold"
    while ! grep -q held "$OUT/client.out" && kill -0 "$client" 2>/dev/null; do sleep 0.2; done
    if ! grep -q held "$OUT/client.out"; then cat "$OUT/client.out"; exec 3>&-; rm "$OUT/hold"; continue; fi
    ms=$(plain "$port")
    h1=0; is_java "$name" && h1=$(heap "$pid" "$OUT/$name.$r.held.histo")
    r1=$(rss "$pid")
    exec 3>&-; wait "$client"; rm "$OUT/hold"
    conns=$N   # the Java servers: the connections the heap holds (a marker class's count)
    marker=; [ "$name" = gevent4j ] && marker=io.gevent4j.server.Connection; [ "$name" = netty ] && marker=io.netty.channel.epoll.EpollSocketChannel
    if [ -n "$marker" ]; then
      c0=$(awk -v m="$marker" '$4 == m {print $2}' "$OUT/$name.$r.base.histo"); c1=$(awk -v m="$marker" '$4 == m {print $2}' "$OUT/$name.$r.held.histo")
      conns=$(( ${c1:-0} - ${c0:-0} ))
    fi
    if is_java "$name"; then hb=$(( (h1 - h0) / conns )); else hb=-; fi
    printf '%-9s %5s %8s %12s %12.1f %10s\n' "$name" "$r" "$conns" "$hb" "$(echo "($r1 - $r0) / $N" | bc -l)" "$ms"
    sleep 2
  done
done
for name in gevent4j netty; do
  [ -f "$OUT/$name.$ROUNDS.held.histo" ] || continue
  echo; echo "$name: classes that grew most, bytes per connection (round $ROUNDS)"
  "$PY" - "$OUT/$name.$ROUNDS.base.histo" "$OUT/$name.$ROUNDS.held.histo" "$N" <<'PYEOF'
import re, sys
def load(p):
    d = {}
    for line in open(p):
        m = re.match(r"\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", line)
        if m:
            d[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return d
a, b, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
rows = sorted(((b[k][1] - a.get(k, (0, 0))[1], b[k][0] - a.get(k, (0, 0))[0], k) for k in b), reverse=True)
for bytes_, count, k in rows[:25]:
    if bytes_ <= 0:
        break
    print("%8.1f B  %7.2f objects  %s" % (bytes_ / n, count / n, k))
PYEOF
done
echo "(histograms in $OUT)"
