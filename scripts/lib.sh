# Sourced by the scripts that run a daemon of our own for the tests and the demo
# (scripts/pcscd.sh, scripts/postgres.sh, scripts/haproxy.sh): what they share.
#
# Before sourcing, a script sets `name` (its name in messages). It then defines
#   start     start the daemon, or reuse ours if it runs; print the `export` lines of
#             its environment on stdout; set started_here=1 when it started it
#   stop      stop the daemon we started
# and may define
#   cleanup      run after stop when `run` started the daemon (default: nothing)
#   announce     one line for the log once the daemon runs (default: nothing)
#   run_command  how `run` runs the command (default: as it is)
# and ends with `daemon_main "$@"`.

# The checkout's top folder and its run folder (MADOGUCHI_RUN_DIR moves the latter).
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
run_root="${MADOGUCHI_RUN_DIR:-$top/.run}"

die() { echo "$name: $*" >&2; exit 1; }

cleanup() { :; }
announce() { :; }
run_command() { "$@"; }

# The pid in the file $1 when that process runs and its command line holds $2 (so a
# pid reused by another program is never taken for ours); fails otherwise.
pid_of_ours() {
  local pid_file="$1" mark="$2" pid
  [ -f "$pid_file" ] || return 1
  pid=$(cat "$pid_file")
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$mark" || return 1
  echo "$pid"
}

# Stops the process $1: SIGTERM, up to 5 s to go, then SIGKILL.
stop_pid() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
}

# The start|stop|run dispatcher.
daemon_main() {
  case "${1:-}" in
    start) start ;;
    stop) stop ;;
    run)
      shift
      [ $# -gt 0 ] || die "usage: $0 run CMD..."
      # Run start in this shell (not a subshell) so started_here is kept: a daemon that
      # was already ours and running is left running afterwards.
      started_here=0
      local env_file status
      env_file=$(mktemp)
      # Not `start || ...`: that would turn off `set -e` inside start.
      start > "$env_file"
      eval "$(cat "$env_file")"
      rm -f "$env_file"
      if [ "$started_here" = 1 ]; then trap 'stop; cleanup' EXIT; fi
      announce
      set +e; run_command "$@"; status=$?; set -e
      exit $status
      ;;
    *) die "usage: $0 start|stop|run CMD..." ;;
  esac
}
