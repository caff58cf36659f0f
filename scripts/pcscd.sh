#!/usr/bin/env bash
# Runs a pcscd of our own, without systemd, with vsmartcard's vpcd driver on our
# own ports, for tests and the demo. The virtual card (jpki-card-sim) connects
# to vpcd as a TCP client; pcscd then lists a reader with that card in it.
#
#   scripts/pcscd.sh start       start (or reuse our running) pcscd; prints the env to export
#   scripts/pcscd.sh stop        stop the pcscd we started
#   scripts/pcscd.sh run CMD...  start, run CMD with the env set, stop; exits with CMD's status
#
# One entry in our reader.conf.d gives two readers: "Madoguchi Virtual Reader 00 00"
# on MADOGUCHI_VPCD_PORT and "... 00 01" on the port after it.
# pcscd 1.9.9 always uses /run/pcscd/pcscd.comm, so only one pcscd can run on
# the machine; if another one is running we say so and stop.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
run_dir="${MADOGUCHI_RUN_DIR:-$top/.run}/pcscd"
conf_dir="$run_dir/reader.conf.d"
pid_file="$run_dir/pcscd.pid"
log_file="$run_dir/pcscd.log"
port="${MADOGUCHI_VPCD_PORT:-40017}"
driver="${MADOGUCHI_VPCD_DRIVER:-/usr/lib/pcsc/drivers/serial/libifdvpcd.so}"
reader_name="Madoguchi Virtual Reader"

die() { echo "pcscd.sh: $*" >&2; exit 1; }

our_pid() {
  [ -f "$pid_file" ] || return 1
  local pid; pid=$(cat "$pid_file")
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$conf_dir" || return 1
  echo "$pid"
}

print_env() {
  echo "export MADOGUCHI_PCSCD=1"
  echo "export MADOGUCHI_VPCD_PORT=$port"
  echo "export MADOGUCHI_VIRTUAL_READER='$reader_name'"
  echo "export MADOGUCHI_PCSCD_LOG='$log_file'"
}

start() {
  command -v pcscd >/dev/null || die "pcscd is not installed: run 'make deps' (apt package pcscd)"
  [ -f "$driver" ] || die "vpcd driver $driver is missing: run 'make deps' (apt package vsmartcard-vpcd)"
  if pid=$(our_pid); then started_here=0; print_env; return 0; fi
  if other=$(pgrep -x pcscd); then
    die "another pcscd is running (pid $other). Stop it first (systemctl stop pcscd.socket pcscd, or kill $other): ours needs its own reader configuration."
  fi
  mkdir -p "$conf_dir"
  printf 'FRIENDLYNAME "%s"\nDEVICENAME   /dev/null:0x%X\nLIBPATH      %s\nCHANNELID    0x%X\n' \
    "$reader_name" "$port" "$driver" "$port" > "$conf_dir/madoguchi-vpcd"
  # --info only: --apdu would write every APDU, PINs included, to the log.
  # Appended, so a restart (the pcscd-restart test) keeps the earlier lines
  # for the PIN check; `make clean-run` starts afresh.
  log_from=$(( $( { wc -l < "$log_file"; } 2>/dev/null || echo 0) + 1 ))
  echo "=== pcscd started $(date -u +%FT%TZ)" >> "$log_file"
  pcscd --foreground --info --config "$conf_dir" >> "$log_file" 2>&1 &
  echo $! > "$pid_file"
  started_here=1
  for _ in $(seq 1 100); do
    if tail -n +"$log_from" "$log_file" 2>/dev/null | grep -q "daemon ready" && [ -S /run/pcscd/pcscd.comm ]; then
      print_env; return 0
    fi
    kill -0 "$(cat "$pid_file")" 2>/dev/null || { cat "$log_file" >&2; die "pcscd exited at start"; }
    sleep 0.05
  done
  die "pcscd did not become ready in 5 s; see $log_file"
}

stop() {
  local pid
  if pid=$(our_pid); then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  run)
    shift
    [ $# -gt 0 ] || die "usage: $0 run CMD..."
    # Run start in this shell (not a subshell) so started_here is kept:
    # a pcscd that was already ours and running is left running afterwards.
    started_here=0
    env_file=$(mktemp)
    start > "$env_file"
    eval "$(cat "$env_file")"
    rm -f "$env_file"
    [ "$started_here" = 1 ] && trap stop EXIT
    # Say in the log (CI's included) which daemon and readers the run uses.
    readers=$(timeout 5 pcsc_scan -r 2>/dev/null | sed -n 's/^[0-9]*: //p' | paste -sd ',' - || true)
    echo "pcscd.sh: pcscd pid $(cat "$pid_file") (pcsc-lite $(pcscd --version 2>/dev/null | sed -n 's/.*version \([0-9][0-9.]*[0-9]\).*/\1/p' | head -1)), vpcd readers: ${readers:-none listed}" >&2
    set +e; "$@"; status=$?; set -e
    exit $status
    ;;
  *) die "usage: $0 start|stop|run CMD..." ;;
esac
