#!/usr/bin/env bash
# The shipped binaries, built as they ship and looked into. `make ship-check` runs this
# (and `make test` does, after the workspace's tests).
#
# Within one cargo run over the whole workspace, features unify across members:
# the demo build (madoguchi-app-demo) turns on counter-runtime's `crash-points`,
# so the madoguchi-app binary that `make build` makes carries the crash hook too.
# What ships is each build of scripts/shipped.sh made alone with its own flags, the ones
# scripts/package.sh uses (madoguchi-app; madoguchi-terminal-cert; the three servers).
# For every one of them this script
#   1. asks cargo tree, with those flags and normal dependencies only (what the build
#      compiles and links), whether the graph holds an entry of scripts/ship-forbidden.txt,
#      the one list of what shipped builds must not hold (test crates such as testkit,
#      jpki-card-sim and counter-demo; test features such as test-support, dev-pki,
#      counter-runtime's crash-points and virtual-card, backend-insurer's demo-register;
#      for the app, the reference backends), which src-tauri/tests/app/shipping.rs reads
#      too; the same reading of the whole workspace's graph must find each entry, so that
#      the reading and the list are known to work;
#   2. builds it (in the debug profile: the same crates and features, quicker;
#      SHIP_PROFILE=release for the release build itself) and fails if a binary holds
#      what only the demo, its test crates or the crash hook hold (the variables they
#      read, the test personas' ids, the dev PKI's CA name), and checks that the same
#      strings are found in the demo build, so that the search is known to work. No
#      binary is allowed any of them: the reference insurer's demo register (the personas
#      as insured persons) is compiled in only with its demo-register feature, which no
#      shipped build has;
# then 3. runs the end-to-end test of the app without a configuration on the app built
# in 2 (Xvfb, tauri-driver; no pcscd needed).
# Anything that cannot run (cargo tree, a build, a binary missing, the demo not built)
# fails the check. src-tauri/tests/app/shipping.rs, among the workspace's tests, checks
# the app's own tree against the same list, and that it has no web inspector.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo=${CARGO:-cargo}
profile=${SHIP_PROFILE:-debug}
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
flags=(--locked)
case "$profile" in
  release) flags+=(--release) ;;
  debug) ;;
  *) echo "ship-check: SHIP_PROFILE must be release or debug, not $profile" >&2; exit 1 ;;
esac
demo="$target/debug/madoguchi-app-demo"

die() { echo "ship-check: FAILED: $*" >&2; exit 1; }

. scripts/shipped.sh

# --- 1. the dependency graphs ----------------------------------------------------------
# What no shipped build may hold: scripts/ship-forbidden.txt, the one list (shipping.rs
# reads it too), as "KIND NAME SCOPE" lines.
forbidden_list=scripts/ship-forbidden.txt
[ -f "$forbidden_list" ] || die "$forbidden_list is missing"

# forbidden_for SCOPE...: the list's entries of those scopes, one "KIND NAME" a line (all
# of them for the scope "*"). Fails on a line that is not KIND NAME SCOPE, with a KIND of
# package or feature and a SCOPE of all or a binary of scripts/shipped.sh.
forbidden_for() {
  local entries known
  known=" all $(shipped_binaries | tr '\n' ' ')"
  entries=$(awk -v scopes=" $* " -v known="$known" '
    { sub(/#.*/, "") }
    NF == 0 { next }
    NF != 3 || ($1 != "package" && $1 != "feature") || !index(known, " " $3 " ") {
      print "ship-check: " FILENAME " line " NR ": \"" $0 "\" is not KIND NAME SCOPE" > "/dev/stderr"
      exit 1 }
    scopes == " * " || index(scopes, " " $3 " ") { print $1 " " $2 }' "$forbidden_list") \
    || die "$forbidden_list cannot be read"
  sort -u <<< "$entries"
}

# findings ENTRIES SELECTION...: what cargo tree shows of ENTRIES (forbidden_for's lines)
# in the normal dependencies of SELECTION, one "package NAME" or "feature CRATE/FEATURE" a
# line. Fails when cargo tree does, or when its output lacks a package SELECTION names with
# -p.
findings() {
  local entries="$1" tree i
  shift
  local args=("$@")
  tree=$("$cargo" tree --locked -e normal --prefix none --format '{p}|{f}' "${args[@]}") \
    || die "cargo tree ${args[*]} did not run"
  for ((i = 0; i + 1 < ${#args[@]}; i++)); do
    if [ "${args[i]}" = -p ]; then
      grep -q "^${args[i + 1]} v" <<< "$tree" \
        || die "cargo tree ${args[*]} does not show ${args[i + 1]}: its graph cannot be read"
    fi
  done
  awk -F'|' -v entries="$entries" '
    BEGIN { n = split(entries, e, "\n"); for (i = 1; i <= n; i++) bad[e[i]] = 1 }
    { split($1, words, " "); name = words[1]
      if (("package " name) in bad) print "package " name
      feats = $2; sub(/ \(\*\)$/, "", feats)
      n = split(feats, fs, ",")
      for (i = 1; i <= n; i++)
        if (("feature " fs[i]) in bad || ("feature " name "/" fs[i]) in bad)
          print "feature " name "/" fs[i] }' <<< "$tree" | sort -u
}

# The reading finds every entry of the list where it is: in the graph of the whole
# workspace (the demo and the tests bring each one), so that none is misspelt or renamed.
every=$(forbidden_for '*')
[ -n "$every" ] || die "$forbidden_list lists nothing"
workspace_found=$(findings "$every" --workspace)
while read -r kind name; do
  case "$kind $name" in
    package*) grep -qxF "package $name" <<< "$workspace_found" ;;
    feature*/*) grep -qxF "feature $name" <<< "$workspace_found" ;;
    *) grep -q "^feature [^/]*/$name\$" <<< "$workspace_found" ;;
  esac || die "the workspace's graph does not show $kind $name either: the graph check cannot tell (is $forbidden_list up to date?)"
done <<< "$every"

failed=0
for entry in "${shipped_builds[@]}"; do
  read -ra selection <<< "$(shipped_field "$entry" 2)"
  read -ra names <<< "$(shipped_field "$entry" 1)"
  # The entries for every build, and those for a binary this build makes.
  entries=$(forbidden_for all "${names[@]}")
  found=$(findings "$entries" "${selection[@]}")
  if [ -n "$found" ]; then
    echo "ship-check: the graph of $(shipped_field "$entry" 1) (${selection[*]}) holds:" >&2
    sed 's/^/  /' <<< "$found" >&2
    failed=1
  else
    echo "ship-check: graph of $(shipped_field "$entry" 1) (${selection[*]}): no test crate or feature"
  fi
done
[ $failed -eq 0 ] || die "a shipped binary's dependency graph holds test code"

# --- 2. the binaries -------------------------------------------------------------------
# What only the excluded parts contain: the crash hook's variable and log line, the
# demo's options and virtual reader, the dev PKI's CA (backend-kit's dev-pki), the test
# personas' ids.
needles=(MADOGUCHI_CRASH_AT "crash point reached" MADOGUCHI_DEMO_MODE MADOGUCHI_VPCD_PORT MADOGUCHI_VIRTUAL_READER
  "Madoguchi dev server CA")
personas=()
for file in assets/personas/*.toml; do personas+=("$(basename "$file" .toml)"); done
[ ${#personas[@]} -gt 0 ] || die "no personas in assets/personas"

# The search finds them in the demo build (make build makes it), or it proves nothing:
# every needle, and every persona id (the demo's cards and its insurer's register).
[ -x "$demo" ] || die "$demo is not built (make build): the search cannot be cross-checked"
for needle in "${needles[@]}" "${personas[@]}"; do
  grep -qaF -- "$needle" "$demo" \
    || die "\"$needle\" is not in $demo either: the search cannot tell"
done

binaries=()
for entry in "${shipped_builds[@]}"; do
  read -ra selection <<< "$(shipped_field "$entry" 2)"
  read -ra targets <<< "$(shipped_field "$entry" 3)"
  echo "ship-check: cargo build ${flags[*]} ${selection[*]} ${targets[*]}"
  "$cargo" build "${flags[@]}" "${selection[@]}" "${targets[@]}"
  read -ra names <<< "$(shipped_field "$entry" 1)"
  binaries+=("${names[@]}")
done
# No allowance: every binary, the reference insurer's included, is searched for every
# needle and every persona id.
for name in "${binaries[@]}"; do
  binary="$target/$profile/$name"
  [ -x "$binary" ] || die "$binary was not built"
  held=()
  for needle in "${needles[@]}" "${personas[@]}"; do
    if grep -qaF -- "$needle" "$binary"; then held+=("$needle"); fi
  done
  if [ ${#held[@]} -gt 0 ]; then
    echo "ship-check: $binary holds: ${held[*]}" >&2
    failed=1
  fi
done
[ $failed -eq 0 ] || die "a shipped binary carries demo, test or crash-hook code"
echo "ship-check: ${binaries[*]} hold none of ${#needles[@]} demo, dev-PKI and crash-hook strings nor ${#personas[@]} persona ids"

# --- 3. the shipped app without a configuration, through WebDriver, on this very binary --
# The same package selection as `make build` (--workspace), so that nothing is
# rebuilt and madoguchi-app, which the e2e test does not depend on, stays as built above.
MADOGUCHI_APP="$target/$profile/madoguchi-app" "$cargo" test --locked --workspace --test e2e -- setup::
echo "ship-check: passed"
