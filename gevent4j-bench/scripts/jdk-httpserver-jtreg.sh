#!/usr/bin/env bash
# Runs OpenJDK's own regression tests for com.sun.net.httpserver twice with jtreg: against the
# JDK's server, then against gevent4j's provider, and prints one line per test: JDK, gevent4j.
# It fetches nothing: the test tree comes from a checkout of openjdk/jdk (or a copy of the part
# needed), laid out as the JDK's: ROOT/test/jdk/TEST.ROOT, ROOT/test/jdk/com/sun/net/httpserver,
# ROOT/test/lib (jdk.test.lib.*, used through @library /test/lib).
#
# Usage: gevent4j-bench/scripts/jdk-httpserver-jtreg.sh ROOT [TESTS...]
#   TESTS: paths under ROOT/test/jdk (default: com/sun/net/httpserver)
# Needs: jtreg 7 (Debian: apt-get install jtreg7), JDK 25 (JDK=, default temurin-25 under
# /usr/lib/jvm), the core jar built (./mvnw -pl gevent4j-core package -DskipTests; CORE_JAR=
# to use another) and dnsjava in ~/.m2. Results go to $OUT (default /tmp/jdk-httpserver-jtreg).
set -euo pipefail
root=$(cd "$1" && pwd); shift
tests=("${@:-com/sun/net/httpserver}")
here=$(cd "$(dirname "$0")/../.." && pwd)
JDK=${JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
OUT=${OUT:-/tmp/jdk-httpserver-jtreg}
core=${CORE_JAR:-$(ls "$here"/gevent4j-core/target/gevent4j-*.jar | grep -v -e sources -e javadoc | head -1)}
dns=$(find ~/.m2/repository/dnsjava -name 'dnsjava-*.jar' | sort | tail -1)
mkdir -p "$OUT"
paths=(); for t in "${tests[@]}"; do paths+=("$root/test/jdk/$t"); done

run() { # NAME EXTRA-OPTIONS...
  local name=$1; shift
  rm -rf "${OUT:?}/$name"
  jtreg -jdk:"$JDK" -ovm -conc:1 -timeoutFactor:4 -v:summary -w:"$OUT/$name/work" -r:"$OUT/$name/report" \
    "$@" "${paths[@]}" > "$OUT/$name.log" 2>&1 || true
  grep -E "^(Passed|FAILED|Error): " "$OUT/$name.log" | grep -v "Some tests failed" | sed -E 's/^(Passed|FAILED|Error):\s+(.*)$/\2 \1/' | sort > "$OUT/$name.txt"
}
run jdk
run gevent4j -cpa:"$core:$dns" -vmoption:--add-opens=java.base/java.lang=ALL-UNNAMED \
  -vmoption:-Dcom.sun.net.httpserver.HttpServerProvider=io.gevent4j.http.jdk.GeventHttpServerProvider

join -a1 -a2 -e missing -o 0,1.2,2.2 "$OUT/jdk.txt" "$OUT/gevent4j.txt" | column -t | tee "$OUT/table.txt"
echo "JDK passed $(grep -c ' Passed$' "$OUT/jdk.txt") of $(wc -l < "$OUT/jdk.txt");" \
  "gevent4j passed $(grep -c ' Passed$' "$OUT/gevent4j.txt") of $(wc -l < "$OUT/gevent4j.txt")"
