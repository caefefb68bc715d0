# Sourced by ./mvnw (POSIX sh, before its own code): gevent4j needs a JDK 25, so when the JDK
# that Maven would run on is older (JAVA_HOME, else java on PATH) and a JDK 25 or newer is
# installed, Maven runs on that one instead. The search is .ci/find-jdk25.sh's (the launcher's
# and CI's), run in a subshell so that finding nothing leaves everything as it was: Maven then
# starts as usual and the enforcer rule names what is missing.
_g4j_dir="$(cd "$(dirname "$0")" && pwd)"
if [ -f "$_g4j_dir/.ci/find-jdk25.sh" ]; then
  _g4j_home="$(JAVA_HOME="${JAVA_HOME-}" bash -c '. "$1/.ci/find-jdk25.sh" >/dev/null 2>&1 && printf %s "$JAVA_HOME"' sh "$_g4j_dir" 2>/dev/null || true)"
  if [ -n "$_g4j_home" ] && [ "$_g4j_home" != "${JAVA_HOME-}" ]; then
    JAVA_HOME="$_g4j_home"
    export JAVA_HOME
  fi
fi
unset _g4j_dir _g4j_home
