#!/usr/bin/env bash
# The dependencies checked against deny.toml with cargo-deny (from .tools, installed by
# scripts/deps.sh). `make deny` runs this, and `make test` does. Nothing is fetched.
#
#   1. `cargo deny check bans licenses sources`: licences, duplicate versions (warnings,
#      the known ones written down in deny.toml), crates.io as the only source.
#   2. `cargo deny --offline check advisories` against RustSec's advisory database:
#      - the live database when MADOGUCHI_ADVISORY_DB names a folder holding it as
#        cargo-deny keeps it (`MADOGUCHI_ADVISORY_DB=DIR scripts/deny.sh fetch` fills DIR
#        on a machine that reaches GitHub; cargo-deny refuses a copy older than 90 days);
#      - otherwise the repository's snapshot of the advisories for our crates,
#        third_party/rustsec-advisory-db (its README says what it is and how it was made),
#        with a warning when it is more than 90 days old or when Cargo.lock names crates
#        it does not cover.
#
#   scripts/deny.sh fetch               (MADOGUCHI_ADVISORY_DB=DIR) clone the live database
#   scripts/deny.sh snapshot DIR        rewrite the snapshot from a database fetched into DIR
set -euo pipefail
cd "$(dirname "$0")/.."

deny=.tools/bin/cargo-deny
snapshot=third_party/rustsec-advisory-db
# The folder cargo-deny 0.20 keeps the default database in, under its db-path (a hash of
# the database's URL).
db_folder=advisory-db-3157b0e258782691

die() { echo "deny: $*" >&2; exit 1; }

# deny.toml with [advisories] db-path (and any further line given) added, in .run/deny.
advisory_config() {
  local dir="$1" extra="${2:-}" out=.run/deny/deny.toml
  mkdir -p .run/deny
  awk -v db="$dir" -v extra="$extra" \
    '{ print } /^\[advisories\]$/ { printf "db-path = \"%s\"\n", db; if (extra != "") print extra }' \
    deny.toml >"$out"
  echo "$out"
}

# The external (crates.io) package names of Cargo.lock, one per line, sorted.
locked_names() {
  awk '/^\[\[package\]\]/ { name = "" } /^name = / { name = $3 } /^source = "registry\+/ { gsub(/"/, "", name); print name }' \
    Cargo.lock | sort -u
}

case "${1:-}" in
  fetch)
    [ -n "${MADOGUCHI_ADVISORY_DB:-}" ] || die "set MADOGUCHI_ADVISORY_DB to the folder to fetch into"
    [ -x "$deny" ] || die "$deny is missing; run scripts/deps.sh (make deps)"
    mkdir -p "$MADOGUCHI_ADVISORY_DB"
    "$deny" --log-level warn --locked --config "$(advisory_config "$(cd "$MADOGUCHI_ADVISORY_DB" && pwd)")" fetch db
    exit 0
    ;;
  snapshot)
    src="${2:-}/$db_folder"
    [ -d "$src/crates" ] || die "usage: scripts/deny.sh snapshot DIR (DIR filled by 'scripts/deny.sh fetch'; no $src/crates)"
    commit=$(git -C "$src" rev-parse HEAD)
    day=$(git -C "$src" log -1 --format=%cs)
    rm -rf "$snapshot/crates"
    mkdir -p "$snapshot/crates"
    locked_names >"$snapshot/names.txt"
    printf 'crate\tfile\tcommit\tnote\n' >"$snapshot/SOURCES.tsv"
    while read -r name; do
      [ -d "$src/crates/$name" ] || continue
      for f in "$src/crates/$name"/RUSTSEC-*.md; do
        [ -e "$f" ] || continue
        mkdir -p "$snapshot/crates/$name"
        cp "$f" "$snapshot/crates/$name/"
        printf '%s\t%s\t%s\t\n' "$name" "$(basename "$f")" "$commit" >>"$snapshot/SOURCES.tsv"
      done
    done <"$snapshot/names.txt"
    echo "$day" >"$snapshot/SNAPSHOT"
    echo "deny: $snapshot rewritten from $commit ($day): $(find "$snapshot/crates" -name '*.md' | wc -l) advisories for $(wc -l <"$snapshot/names.txt") crate names"
    exit 0
    ;;
  "") ;;
  *) die "unknown command '$1' (fetch, snapshot DIR, or nothing to check)" ;;
esac

[ -x "$deny" ] || die "$deny is missing; run scripts/deps.sh (make deps)"
"$deny" --log-level warn --offline --locked check bans licenses sources

if [ -n "${MADOGUCHI_ADVISORY_DB:-}" ]; then
  [ -d "$MADOGUCHI_ADVISORY_DB" ] || die "MADOGUCHI_ADVISORY_DB=$MADOGUCHI_ADVISORY_DB is not a folder"
  config=$(advisory_config "$(cd "$MADOGUCHI_ADVISORY_DB" && pwd)")
  "$deny" --log-level warn --offline --locked --config "$config" check advisories
  echo "deny: advisories checked against the database in $MADOGUCHI_ADVISORY_DB"
  exit 0
fi

# The snapshot, made into the git folder cargo-deny reads, dated the snapshot's day (git
# wants a committer; nothing leaves .run/deny).
day=$(cat "$snapshot/SNAPSHOT")
[[ "$day" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || die "$snapshot/SNAPSHOT holds '$day', not a YYYY-MM-DD day"
root="$PWD/.run/deny/snapshot"
rm -rf "$root"
mkdir -p "$root/$db_folder"
cp -r "$snapshot/crates" "$root/$db_folder/"
(
  cd "$root/$db_folder"
  git init -q
  git add -A
  GIT_AUTHOR_DATE="${day}T00:00:00Z" GIT_COMMITTER_DATE="${day}T00:00:00Z" \
    git -c user.name=madoguchi -c user.email=deny@localhost -c commit.gpgsign=false \
    commit -q -m "RustSec advisories for Madoguchi's crates, snapshot of $day"
)
# The age is judged here (a warning), not by cargo-deny, so that an old snapshot never
# stops a build that cannot fetch a newer one.
config=$(advisory_config "$root" 'maximum-db-staleness = "P36500D"')
"$deny" --log-level warn --offline --locked --config "$config" check advisories

advisories=$(find "$snapshot/crates" -name '*.md' | wc -l)
echo "deny: advisories checked against the repository's snapshot of $day ($advisories advisories for the $(wc -l <"$snapshot/names.txt") crate names of Cargo.lock then; $snapshot/README.md). A machine that reaches GitHub checks the live database: MADOGUCHI_ADVISORY_DB (see this script)"
age=$(( ($(date -u +%s) - $(date -u -d "$day" +%s)) / 86400 ))
if [ "$age" -gt 90 ]; then
  echo "deny: WARNING: the advisory snapshot is $age days old: make it again where GitHub is reachable ($snapshot/README.md)"
fi
uncovered=$(locked_names | comm -23 - <(sort -u "$snapshot/names.txt") | tr '\n' ' ')
if [ -n "$uncovered" ]; then
  echo "deny: WARNING: crates added since the advisory snapshot, their advisories NOT checked: $uncovered(make the snapshot again: $snapshot/README.md)"
fi
