#!/usr/bin/env bash
# Opens the desktop app (target/debug/madoguchi-app, built by `make build`) on
# the current display. Without a display it says how to get one and fails,
# rather than letting GTK fail with a less helpful message.
set -euo pipefail
cd "$(dirname "$0")/.."

app=target/debug/madoguchi-app
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat >&2 <<'MSG'
app-demo: there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set).
  On a desktop, run this from a terminal inside the desktop session.
  Without one, use a virtual display and look at it with screenshots:
    xvfb-run -a scripts/app-demo.sh        (or: xvfb-run -a make demo)
  The end-to-end test does this by itself and saves the windows' screenshots
  under .run/screens/: cargo test -p madoguchi-e2e
MSG
  exit 2
fi
if [ ! -x "$app" ]; then
  echo "app-demo: $app is not built yet: run \`make build\` first" >&2
  exit 1
fi
exec "$app" "$@"
