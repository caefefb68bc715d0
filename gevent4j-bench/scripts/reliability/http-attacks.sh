#!/usr/bin/env bash
# HTTP attacks on gevent4j's HttpServer (default limits, maxConnections=$CAP): idle fill,
# slowloris, slow bodies, huge bodies, slow readers. Each attack is bounded (fixed connection
# count, at most 40 s), runs on loopback, and is timed against a plain GET sent meanwhile.
# Usage: [CAP=100] [N=CAP-10] [PORT=18110] http-attacks.sh [ATTACK...]   (default: all)
# Needs the CLI jar (./mvnw -B -pl gevent4j-cli -am package -DskipTests) and python3.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
CLI=${CLI:-$HERE/../../../gevent4j-cli/target/gevent4j.jar}
CAP=${CAP:-100}
N=${N:-$((CAP - 10))}
PORT=${PORT:-18110}
OUT=$(mktemp -d)
ATTACKS=("$@")
[ ${#ATTACKS[@]} -eq 0 ] && ATTACKS=(idle-fill slowloris slow-body huge-body slow-reader)
source "$HERE/../common.sh"
trap cleanup EXIT
PIN=0 start target "$PORT" "$JDK/bin/java" -Xmx256m -Dwrite.timeout=5s --add-opens java.base/java.lang=ALL-UNNAMED \
  -cp "$CLI" "$HERE/HttpAttackTarget.java" "$PORT" "$CAP"
for a in "${ATTACKS[@]}"; do
  case $a in
    idle-fill) n=$CAP ;;
    huge-body) n=3 ;;
    slow-reader) n=20 ;;
    *) n=$N ;;  # slowloris, slow-body: N below the cap, so the probe shows the server still serving
  esac
  python3 "$HERE/http_attacks.py" "$PORT" "$a" "$n"
done
kill -0 "${PIDS[0]}" 2>/dev/null && echo "server still up: $(curl -s -m 5 http://127.0.0.1:$PORT/)" \
  || { echo "server died"; tail -20 "$OUT/target.log"; }
