#!/usr/bin/env bash
# The dependencies checked against deny.toml with cargo-deny (from .tools, installed by
# scripts/deps.sh). `make deny` runs this, and `make test` does.
#
#   1. `cargo deny check bans licenses sources`, always: licences, duplicate versions
#      (warnings, the known ones written down in deny.toml), crates.io as the only source.
#      Nothing is fetched.
#   2. `cargo deny --offline check advisories` (cargo-deny 0.20's name for the older
#      `--disable-fetch`: no fetch, the database on disk must be younger than 90 days), only when MADOGUCHI_ADVISORY_DB names
#      a folder holding RustSec's advisory database as cargo-deny keeps it (the folder
#      cargo-deny's `db-path` names: run `MADOGUCHI_ADVISORY_DB=DIR scripts/deny.sh fetch`
#      on a machine that reaches GitHub, and copy DIR over). This machine cannot fetch it,
#      so without the variable the advisories are NOT checked, and the script says so.
set -euo pipefail
cd "$(dirname "$0")/.."

deny=.tools/bin/cargo-deny
[ -x "$deny" ] || { echo "deny: $deny is missing; run scripts/deps.sh (make deps)" >&2; exit 1; }

# deny.toml with [advisories] db-path set to $MADOGUCHI_ADVISORY_DB, in .run/deny.
advisory_config() {
  local dir="$1" out=.run/deny/deny.toml
  mkdir -p .run/deny
  awk -v db="$dir" '{ print } /^\[advisories\]$/ { printf "db-path = \"%s\"\n", db }' deny.toml > "$out"
  echo "$out"
}

if [ "${1:-}" = fetch ]; then
  [ -n "${MADOGUCHI_ADVISORY_DB:-}" ] || { echo "deny: set MADOGUCHI_ADVISORY_DB to the folder to fetch into" >&2; exit 1; }
  mkdir -p "$MADOGUCHI_ADVISORY_DB"
  "$deny" --log-level warn --locked --config "$(advisory_config "$(cd "$MADOGUCHI_ADVISORY_DB" && pwd)")" fetch db
  exit 0
fi

"$deny" --log-level warn --offline --locked check bans licenses sources
if [ -n "${MADOGUCHI_ADVISORY_DB:-}" ]; then
  [ -d "$MADOGUCHI_ADVISORY_DB" ] || { echo "deny: MADOGUCHI_ADVISORY_DB=$MADOGUCHI_ADVISORY_DB is not a folder" >&2; exit 1; }
  config=$(advisory_config "$(cd "$MADOGUCHI_ADVISORY_DB" && pwd)")
  "$deny" --log-level warn --offline --locked --config "$config" check advisories
  echo "deny: advisories checked against the database in $MADOGUCHI_ADVISORY_DB"
else
  echo "deny: ADVISORIES NOT CHECKED: no advisory database on this machine (set MADOGUCHI_ADVISORY_DB to a folder that holds one; see scripts/deny.sh)"
fi
