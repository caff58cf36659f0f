#!/usr/bin/env bash
# The servers' systemd units (packaging/systemd/, installed verbatim by scripts/package.sh)
# checked with `systemd-analyze verify` (`make units-check`, in `make test`): every key
# known and every value parsed, ExecStart and ExecReload executable.
#
# systemd need not run here (it is not PID 1 in a container); `systemd-analyze verify`
# only loads the files. It wants each unit's commands to exist, and the servers are not
# installed on this machine, so each unit is checked as a copy whose ExecStart names the
# workspace's build of the same program (BIN_DIR, default $CARGO_TARGET_DIR/debug, made
# by `make build`); nothing else of the unit is changed. `--root` on the install test's
# Debian root does not work: that root (debootstrap minbase) has no systemd, so the
# targets the units depend on by default (sysinit.target) are missing there.
#
# systemd-analyze exits 0 on a misspelt key or a bad value (it only warns), so any
# output is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
bin_dir=${BIN_DIR:-$target/debug}
case "$bin_dir" in /*) ;; *) bin_dir="$PWD/$bin_dir" ;; esac

die() { echo "check-units: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null ||
  die "systemd-analyze is missing: install the systemd package (Debian 12 has it)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

units=()
for unit in packaging/systemd/*.service; do
  name=$(basename "$unit" .service)
  program="$bin_dir/$name"
  [ -x "$program" ] || die "$program is missing: run 'make build' (or set BIN_DIR)"
  grep -q "^ExecStart=/usr/bin/$name " "$unit" ||
    die "$unit: ExecStart does not run /usr/bin/$name (what its package installs)"
  sed "s|^ExecStart=/usr/bin/$name |ExecStart=$program |" "$unit" >"$work/$name.service"
  units+=("$work/$name.service")
done
[ "${#units[@]}" -gt 0 ] || die "no unit in packaging/systemd/"

out=$(systemd-analyze verify --man=no "${units[@]}" 2>&1) || status=$?
if [ -n "$out" ] || [ "${status:-0}" -ne 0 ]; then
  echo "$out" | sed "s|$work/|packaging/systemd/|g" >&2
  die "systemd-analyze verify found problems in the units above"
fi
echo "check-units: ${#units[@]} units verified: $(cd packaging/systemd && echo *.service)"
