#!/usr/bin/env bash
# Installs the Debian packages Madoguchi needs to build, test and demo, when
# they are missing. Safe to run again: it only calls apt-get for what is absent.
set -euo pipefail

packages=(
  build-essential pkg-config ca-certificates   # C toolchain for -sys crates
  libpcsclite-dev                              # the pcsc crate links libpcsclite
  pcscd                                        # the PC/SC daemon the card tests go through
  vsmartcard-vpcd                              # virtual reader driver: our virtual card plugs in here
  pcsc-tools                                   # pcsc_scan, for a technician's first look
  openssl                                      # benchmark reference (openssl speed rsa2048)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all Debian packages present"
  exit 0
fi

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
