#!/usr/bin/env bash
# Installs what Madoguchi needs to build, test and demo, when it is missing.
# Safe to run again: each step only acts on what is absent or stale.
#   1. Debian packages (apt-get, as root or with sudo);
#   2. the UI's npm packages (`npm ci` when node_modules is absent or does not
#      match package-lock.json);
#   3. tauri-driver, the WebDriver server of the end-to-end test, and cargo-deny, the
#      dependency check of `make test` (scripts/deny.sh), into the project-local .tools/
#      (git-ignored), when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential pkg-config ca-certificates   # C toolchain for -sys crates
  libpcsclite-dev                              # the pcsc crate links libpcsclite
  pcscd                                        # the PC/SC daemon the card tests go through
  vsmartcard-vpcd                              # virtual reader driver: our virtual card plugs in here
  iproute2                                     # `ip netns`: our pcscd's vpcd ports are reachable from loopback only
  pcsc-tools                                   # pcsc_scan, for a technician's first look
  openssl                                      # benchmark reference (openssl speed rsa2048)
  postgresql                                   # the platform's PostgreSQL storage tests (a cluster of our own, scripts/postgres.sh)
  haproxy                                      # the load balancer in front of several platform nodes (one of our own, scripts/haproxy.sh)
  libwebkit2gtk-4.1-dev                        # the desktop app (Tauri 2 on WebKitGTK 4.1)
  xvfb xauth                                   # a virtual X display for the app's tests and headless demos
  webkit2gtk-driver                            # WebKitWebDriver, which tauri-driver starts
  imagemagick                                  # screenshots of the X display (import -window root)
  fonts-ipafont-gothic                         # a Japanese font, so the windows show kana and kanji, not boxes
  dpkg-dev                                     # dpkg-shlibdeps: the packages' Depends (scripts/package.sh)
  debootstrap                                  # the install test's fresh Debian root (scripts/install-test.sh)
  systemd                                      # systemd-analyze verify, for the servers' units (scripts/check-units.sh; systemd need not run)
)
# Node and npm build the UI. Machines of the project's kind have them; a bare
# Debian 12 gets Debian's own (node 18, enough for vite 6 and vitest 3).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all Debian packages present"
else
  echo "deps: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian's pcscd package may start a system pcscd (socket activation); the
  # tests run their own with our reader configuration, so stop it if it did.
  if command -v systemctl >/dev/null && systemctl is-active --quiet pcscd.socket 2>/dev/null; then
    $sudo systemctl stop pcscd.socket pcscd.service || true
  fi
fi

# npm packages: `npm ci` installs exactly package-lock.json. The stamp holds the
# lock file's hash, so a changed lock (a pull, a new dependency) reinstalls.
stamp=node_modules/.madoguchi-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "deps: node_modules matches package-lock.json"
else
  echo "deps: npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

# tauri-driver: the 2.x line, to match Tauri 2. `make clean-run` keeps it.
tools=.tools
if [ -x "$tools/bin/tauri-driver" ]; then
  echo "deps: tauri-driver present ($tools/bin)"
else
  echo "deps: cargo install tauri-driver into $tools (about 30 s)"
  cargo install tauri-driver --version '^2.1' --locked --root "$tools"
fi

# cargo-deny: the 0.20 line (deny.toml's format), built from crates.io with its lock file,
# once per checkout. Its own release profile asks for fat LTO in one codegen unit, a long
# single-threaded final step that buys run-time speed a lint of one lock file does not
# need; the profile is overridden for this build only (cargo's config outranks the
# package's manifest). Measured on a fresh two-core machine: 228 s with its profile.
if [ -x "$tools/bin/cargo-deny" ]; then
  echo "deps: cargo-deny present ($tools/bin)"
else
  echo "deps: cargo install cargo-deny into $tools (a few minutes on two cores)"
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install cargo-deny --version '~0.20.2' --locked --root "$tools"
fi
