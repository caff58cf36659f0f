#!/usr/bin/env bash
# The servers' systemd units (packaging/systemd/, installed verbatim by scripts/package.sh)
# checked with systemd-analyze (`make units-check`, in `make test`; and by the install test
# on the units as its Debian root installed them):
#   1. `systemd-analyze verify`: every key known and every value parsed, ExecStart and
#      ExecReload executable;
#   2. `systemd-analyze security --offline=yes`: the hardening each unit has today. Every
#      check it fails must be one of packaging/systemd/exposed.txt (a line that drops a
#      hardening line turns a passed check into a failed one, whatever its weight), and its
#      overall exposure must not exceed THRESHOLD (below).
#
# systemd need not run here (it is not PID 1 in a container); both commands only load the
# files (`security --offline=yes` since systemd 250; Debian 12 has 252). `verify` wants each
# unit's commands to exist, and the servers are not installed on this machine, so each unit
# is checked as a copy whose ExecStart names a build of the same program: BIN_DIR, default
# $CARGO_TARGET_DIR/debug (made by `make build`), or the install root's /usr/bin; nothing
# else of the unit is changed. UNIT_DIR (default packaging/systemd) is where the units are
# read: the install test names its root's /lib/systemd/system. `--root` on that root does
# not work: it is debootstrap's minbase, without systemd, so the targets the units depend
# on by default (sysinit.target) are missing there; the host's systemd-analyze reads them.
#
# systemd-analyze verify exits 0 on a misspelt key or a bad value (it only warns), so any
# output is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
bin_dir=${BIN_DIR:-$target/debug}
case "$bin_dir" in /*) ;; *) bin_dir="$PWD/$bin_dir" ;; esac
unit_dir=${UNIT_DIR:-packaging/systemd}
# The highest overall exposure taken, in systemd-analyze's own unit for --threshold: tenths
# of the "exposure level" it prints (its default, 100, is the scale's top, 10.0). Each unit
# is at 1.5 today; a unit with a hardening line fewer is at 1.6 to 3.3 (measured with
# systemd 252 by dropping each line in turn), or at 1.5 for the lines of low weight, which
# exposed.txt catches instead.
threshold=15
allowed=packaging/systemd/exposed.txt

die() { echo "check-units: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null ||
  die "systemd-analyze is missing: install the systemd package (Debian 12 has it)"
[ -f "$allowed" ] || die "$allowed is missing"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# What we ship: the units of packaging/systemd, read from unit_dir.
units=()
for shipped in packaging/systemd/*.service; do
  name=$(basename "$shipped" .service)
  unit="$unit_dir/$name.service"
  [ -f "$unit" ] || die "$unit is missing (its package installs it)"
  program="$bin_dir/$name"
  [ -x "$program" ] || die "$program is missing: run 'make build' (or set BIN_DIR)"
  grep -q "^ExecStart=/usr/bin/$name " "$unit" ||
    die "$unit: ExecStart does not run /usr/bin/$name (what its package installs)"
  sed "s|^ExecStart=/usr/bin/$name |ExecStart=$program |" "$unit" >"$work/$name.service"
  units+=("$work/$name.service")
done
[ "${#units[@]}" -gt 0 ] || die "no unit in packaging/systemd/"
shown() { sed "s|$work/|$unit_dir/|g"; }

# --- 1. verify --------------------------------------------------------------------------
out=$(systemd-analyze verify --man=no "${units[@]}" 2>&1) || status=$?
if [ -n "$out" ] || [ "${status:-0}" -ne 0 ]; then
  echo "$out" | shown >&2
  die "systemd-analyze verify found problems in the units above"
fi

# --- 2. security ------------------------------------------------------------------------
# The checks each unit may fail: exposed.txt without its comments.
expected=$(sed 's/#.*//; s/[[:space:]]*$//; /^$/d' "$allowed" | sort -u)
for unit in "${units[@]}"; do
  name=$(basename "$unit")
  # The JSON names the checks whatever the locale (the table's marks are glyphs that turn
  # to ASCII outside UTF-8); one object per check, "set":false where it fails.
  # One run per unit: with --threshold it still prints the whole JSON, and exits 1 when the
  # overall exposure is above the threshold (systemd 252).
  exposure_status=0
  json=$(cd "$work" && systemd-analyze security --offline=yes --json=short --threshold="$threshold" \
    --no-pager "$name" 2>&1) || exposure_status=$?
  [ -n "$(grep -o '"set":true' <<<"$json")" ] || {
    echo "$json" | shown >&2
    die "systemd-analyze security could not read $unit_dir/$name (exit $exposure_status), or listed no passed check: is its output as expected?"
  }
  failed=$(grep -o '"set":false,"name":"[^"]*"' <<<"$json" | sed 's/.*"name":"//; s/"$//' | sort -u)
  new=$(comm -23 <(echo "$failed") <(echo "$expected"))
  if [ -n "$new" ]; then
    die "$unit_dir/$name fails these hardening checks of systemd-analyze security, which it passed: $(tr '\n' ' ' <<<"$new"| sed 's/ $//'). Put back the line that gave each (systemd-analyze security --offline=yes $name lists them), or, if the unit must do without, add it to $allowed with the reason"
  fi
  [ "$exposure_status" -eq 0 ] ||
    die "$unit_dir/$name is more exposed than the threshold $threshold (tenths of systemd-analyze security's level; the units are at 15 today; systemd-analyze security --offline=yes $name prints its level): put back the hardening line that was removed"
done
echo "check-units: ${#units[@]} units verified, their hardening as today's: $(cd "$work" && echo *.service) (from $unit_dir)"
