# Shared by the measurement scripts here (sourced, not run).
# start NAME PORT COMMAND...: runs COMMAND in the background on core 0 (anywhere with PIN=0),
# logs to $OUT/NAME.log, records NAMES/PORTS/PIDS, and waits until PORT accepts connections.
# The command is started directly (not through a shell function) so that its PID is the
# server's and cleanup's kill reaches it.
# median FILE: the median of the first column of FILE.
NAMES=(); PORTS=(); PIDS=()
start() {
  local name=$1 port=$2; shift 2
  if [ "${PIN:-1}" = 1 ]; then taskset -c 0 "$@" > "$OUT/$name.log" 2>&1 &
  else "$@" > "$OUT/$name.log" 2>&1 &
  fi
  PIDS+=($!); NAMES+=("$name"); PORTS+=("$port")
  for _ in $(seq 100); do timeout 1 bash -c "</dev/tcp/127.0.0.1/$port" 2>/dev/null && return 0; sleep 0.1; done
  echo "$name did not start"; cat "$OUT/$name.log"
}
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
median() { awk '{print $1}' "$1" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
