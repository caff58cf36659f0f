#!/usr/bin/env bash
# Opens the desktop app's demo build (madoguchi-app-demo, built by `make build`):
# the reference backends in-process, demo data, and our own pcscd with the vpcd
# virtual reader, on which the staff window's demo panel places and removes the
# persona cards. The demo takes no arguments; its options are the
# MADOGUCHI_DEMO_* variables (README.md). `--config <file>` runs the shipped app
# (madoguchi-app) instead, on the reader and backends the file names.
#
# Without a display it says how to get one and fails, rather than letting GTK
# fail with a less helpful message.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
demo=$target/debug/madoguchi-app-demo
app=$target/debug/madoguchi-app
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat >&2 <<'MSG'
app-demo: there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so the
  app's windows cannot open.
  On a desktop, run `make demo` from a terminal inside the desktop session.
  Without one, use a virtual display and look at it with screenshots:
    xvfb-run -a make demo
  The end-to-end test does this by itself and saves the windows' screenshots
  under .run/screens/: scripts/pcscd.sh run cargo test -p madoguchi-e2e
  The card diagnostic demo needs no display: make demo-card
MSG
  exit 2
fi
if [ "${1:-}" = "--config" ]; then
  [ -x "$app" ] || { echo "app-demo: $app is not built yet: run \`make build\` first" >&2; exit 1; }
  exec "$app" "$@"
fi
if [ ! -x "$demo" ]; then
  echo "app-demo: $demo is not built yet: run \`make build\` first" >&2
  exit 1
fi
echo "app-demo: starting the embedded demo (files in .run/demo; close both windows to stop)" >&2
if [ -n "${MADOGUCHI_DEMO_POS:-}" ] && [ "${MADOGUCHI_VPCD_NETNS:-on}" != off ]; then
  # The app runs in the virtual reader's loopback-only network namespace (scripts/pcscd.sh).
  echo "app-demo: the register API listens on 127.0.0.1:$MADOGUCHI_DEMO_POS inside the virtual reader's network namespace; from another shell: scripts/pcscd.sh exec curl -s http://127.0.0.1:$MADOGUCHI_DEMO_POS/v1/sales/ORDER" >&2
fi
exec scripts/pcscd.sh run "$demo" "$@"
