# Sourced by ./gevent4j and .ci/run: exports JAVA_HOME pointing at a JDK 25 or newer.
# Order: $JAVA_HOME, then the JDKs installed under /usr/lib/jvm (and /opt), then java on PATH.
_g4j_version() { # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n1
}
_g4j_ok() { local v; v="$(_g4j_version "$1")"; [ -n "$v" ] && [ "$v" -ge 25 ]; }
_g4j_found=""
if [ -n "${JAVA_HOME:-}" ] && _g4j_ok "$JAVA_HOME"; then
  _g4j_found="$JAVA_HOME"
else
  for d in /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/*jdk* /opt/java/*; do
    if [ -d "$d" ] && _g4j_ok "$d"; then _g4j_found="$d"; break; fi
  done
  if [ -z "$_g4j_found" ] && command -v javac >/dev/null 2>&1; then
    d="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
    if _g4j_ok "$d"; then _g4j_found="$d"; fi
  fi
fi
if [ -z "$_g4j_found" ]; then
  echo "gevent4j needs a JDK 25 or newer: none found in \$JAVA_HOME (${JAVA_HOME:-unset}), /usr/lib/jvm, /opt or on PATH." >&2
  echo "Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME="$_g4j_found"
export PATH="$JAVA_HOME/bin:$PATH"
unset _g4j_found
