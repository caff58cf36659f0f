#!/usr/bin/env bash
# Runs a pcscd of our own, without systemd, with vsmartcard's vpcd driver on our
# own ports, for tests and the demo. The virtual card (jpki-card-sim) connects
# to vpcd as a TCP client; pcscd then lists a reader with that card in it.
#
#   scripts/pcscd.sh start       start (or reuse our running) pcscd; prints the env to export
#   scripts/pcscd.sh stop        stop the pcscd we started (its network namespace stays)
#   scripts/pcscd.sh run CMD...  start, run CMD with the env set, stop; exits with CMD's status
#   scripts/pcscd.sh exec CMD... run CMD beside our running pcscd (in its network namespace),
#                                e.g. to reach what `run` started there from another shell:
#                                the demo's register API, scripts/pcscd.sh exec curl http://127.0.0.1:8710/…
#
# One entry in our reader.conf.d gives two readers: "Madoguchi Virtual Reader 00 00"
# on MADOGUCHI_VPCD_PORT and "... 00 01" on the port after it.
# pcscd 1.9.9 always uses /run/pcscd/pcscd.comm, so only one pcscd can run on
# the machine; if another one is running we say so and stop.
#
# vpcd listens on every address of its network namespace (Debian's vpcd 0.8 has
# no bind address, and its reversed mode, where it connects to the card, aborts
# pcscd when no card listens yet). Whoever reaches those ports can pose as the
# card and read the VERIFY commands that carry a PIN. So pcscd runs in a network
# namespace of its own whose only interface is loopback ($netns, `ip netns`),
# and `run` runs the command there too: the tests and the demo reach vpcd on
# 127.0.0.1, a host on the network cannot. (pcscd's own socket is a file, the
# same in every namespace.) So whatever the command listens on (the demo's
# register API) is on the namespace's loopback, not the machine's: a shell
# reaches it through `exec`. MADOGUCHI_VPCD_NETNS=off runs without it, for a
# display reached over TCP (ssh -X): then vpcd is open to the network, and we
# say so.
#
# When the virtual PIN-pad reader's driver is built (crates/ifd-pinpad, `make build`
# or `cargo build -p ifd-pinpad`), a second entry adds "Madoguchi PIN Pad Reader 00 00":
# its card connects on MADOGUCHI_PINPAD_PORT (vpcd's protocol), its keys are pressed on
# MADOGUCHI_PINPAD_KEYS_PORT (the port after it), both on 127.0.0.1 only.
# MADOGUCHI_PINPAD_DRIVER names the library (default: cargo's debug build).
set -euo pipefail

name=pcscd.sh
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
run_dir="$run_root/pcscd"
conf_dir="$run_dir/reader.conf.d"
pid_file="$run_dir/pcscd.pid"
log_file="$run_dir/pcscd.log"
port="${MADOGUCHI_VPCD_PORT:-40017}"
driver="${MADOGUCHI_VPCD_DRIVER:-/usr/lib/pcsc/drivers/serial/libifdvpcd.so}"
reader_name="Madoguchi Virtual Reader"
netns="madoguchi-vpcd"
use_netns="${MADOGUCHI_VPCD_NETNS:-on}"
pinpad_port="${MADOGUCHI_PINPAD_PORT:-40019}"
cargo_target="${CARGO_TARGET_DIR:-$top/target}"
case "$cargo_target" in /*) ;; *) cargo_target="$PWD/$cargo_target" ;; esac
pinpad_driver="${MADOGUCHI_PINPAD_DRIVER:-$cargo_target/debug/libmadoguchi_ifd_pinpad.so}"
pinpad_name="Madoguchi PIN Pad Reader"

# Runs "$@" in our loopback-only network namespace (or here, when it is off).
in_netns() {
  if [ "$use_netns" = off ]; then "$@"; else ip netns exec "$netns" "$@"; fi
}

# The namespace, with its loopback up (created once, kept until `stop`).
make_netns() {
  if [ "$use_netns" = off ]; then
    echo "pcscd.sh: MADOGUCHI_VPCD_NETNS=off: vpcd's ports $port and $((port + 1)) listen on every interface; anyone on the network can pose as the card" >&2
    return 0
  fi
  command -v ip >/dev/null || die "ip is not installed: run 'make deps' (apt package iproute2)"
  if [ ! -e "/run/netns/$netns" ]; then
    ip netns add "$netns" 2>/dev/null \
      || die "cannot create the network namespace $netns (needs root): it keeps the virtual reader off the network; MADOGUCHI_VPCD_NETNS=off runs without it"
  fi
  ip -n "$netns" link set lo up
}

our_pid() { pid_of_ours "$pid_file" "$conf_dir"; }

print_env() {
  echo "export MADOGUCHI_PCSCD=1"
  echo "export MADOGUCHI_VPCD_PORT=$port"
  echo "export MADOGUCHI_VIRTUAL_READER='$reader_name'"
  echo "export MADOGUCHI_PCSCD_LOG='$log_file'"
  echo "export MADOGUCHI_VPCD_NETNS=$use_netns"
  if [ -f "$conf_dir/madoguchi-pinpad" ]; then
    echo "export MADOGUCHI_PINPAD_READER='$pinpad_name'"
    echo "export MADOGUCHI_PINPAD_PORT=$pinpad_port"
    echo "export MADOGUCHI_PINPAD_KEYS_PORT=$((pinpad_port + 1))"
  fi
}

# The PIN-pad reader's entry, when its driver is built (pcscd's reader.conf takes
# unquoted paths of [A-Za-z0-9/._@:-] only).
pinpad_entry() {
  rm -f "$conf_dir/madoguchi-pinpad"
  if [ ! -f "$pinpad_driver" ]; then
    echo "pcscd.sh: no PIN-pad reader: $pinpad_driver is not built (make build, or cargo build -p ifd-pinpad)" >&2
  elif [[ ! "$pinpad_driver" =~ ^[A-Za-z0-9/._@:-]+$ ]]; then
    echo "pcscd.sh: no PIN-pad reader: pcscd cannot load a driver from a path with other characters: $pinpad_driver" >&2
  else
    printf 'FRIENDLYNAME "%s"\nDEVICENAME   pinpad:%d:%d\nLIBPATH      %s\nCHANNELID    0x%X\n' \
      "$pinpad_name" "$pinpad_port" $((pinpad_port + 1)) "$pinpad_driver" "$pinpad_port" > "$conf_dir/madoguchi-pinpad"
  fi
}

start() {
  command -v pcscd >/dev/null || die "pcscd is not installed: run 'make deps' (apt package pcscd)"
  [ -f "$driver" ] || die "vpcd driver $driver is missing: run 'make deps' (apt package vsmartcard-vpcd)"
  if pid=$(our_pid); then started_here=0; print_env; return 0; fi
  if other=$(pgrep -x pcscd); then
    die "another pcscd is running (pid $other). Stop it first (systemctl stop pcscd.socket pcscd, or kill $other): ours needs its own reader configuration."
  fi
  make_netns
  mkdir -p "$conf_dir"
  printf 'FRIENDLYNAME "%s"\nDEVICENAME   /dev/null:0x%X\nLIBPATH      %s\nCHANNELID    0x%X\n' \
    "$reader_name" "$port" "$driver" "$port" > "$conf_dir/madoguchi-vpcd"
  pinpad_entry
  # --info only: --apdu would write every APDU, PINs included, to the log.
  # Appended, so a restart (the pcscd-restart test) keeps the earlier lines
  # for the PIN check; `make clean-run` starts afresh.
  log_from=$(( $( { wc -l < "$log_file"; } 2>/dev/null || echo 0) + 1 ))
  echo "=== pcscd started $(date -u +%FT%TZ)" >> "$log_file"
  # Not through in_netns: `$!` must be pcscd itself (`ip netns exec` execs it).
  if [ "$use_netns" = off ]; then
    pcscd --foreground --info --config "$conf_dir" >> "$log_file" 2>&1 &
  else
    ip netns exec "$netns" pcscd --foreground --info --config "$conf_dir" >> "$log_file" 2>&1 &
  fi
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
  if pid=$(our_pid); then stop_pid "$pid"; fi
  rm -f "$pid_file"
}

# The namespace goes when `run` ends (not at `stop`: a test that restarts pcscd runs
# inside it and must find vpcd there again).
cleanup() {
  if [ "$use_netns" != off ] && [ -e "/run/netns/$netns" ]; then
    ip netns delete "$netns" 2>/dev/null || true
  fi
}

# Say in the log (CI's included) which daemon and readers the run uses.
announce() {
  local readers
  readers=$(timeout 5 pcsc_scan -r 2>/dev/null | sed -n 's/^[0-9]*: //p' | paste -sd ',' - || true)
  echo "pcscd.sh: pcscd pid $(cat "$pid_file") (pcsc-lite $(pcscd --version 2>/dev/null | sed -n 's/.*version \([0-9][0-9.]*[0-9]\).*/\1/p' | head -1)), vpcd readers: ${readers:-none listed}" >&2
}

run_command() { in_netns "$@"; }

# `exec CMD...`: a command beside our running pcscd (in its network namespace when there is
# one), e.g. a request to the demo's register API, which listens on the namespace's loopback.
if [ "${1:-}" = exec ]; then
  shift
  [ $# -gt 0 ] || die "usage: $0 exec CMD..."
  our_pid >/dev/null || die "our pcscd is not running: start the demo first (make demo, or scripts/pcscd.sh run CMD)"
  # The namespace exists while `run` runs with it on; without it pcscd runs here.
  if [ -e "/run/netns/$netns" ]; then exec ip netns exec "$netns" "$@"; else exec "$@"; fi
fi

daemon_main "$@"
