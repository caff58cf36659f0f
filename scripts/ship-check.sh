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
#      compiles and links), whether the graph holds a test crate (testkit and its
#      personas, jpki-card-sim, counter-demo) or a test feature (test-support, dev-pki,
#      counter-runtime's crash-points and virtual-card); the same reading of the demo's
#      graph must find each of them, so that the reading itself is known to work;
#   2. builds it (in the debug profile: the same crates and features, quicker;
#      SHIP_PROFILE=release for the release build itself) and fails if a binary holds
#      what only the demo, its test crates or the crash hook hold (the variables they
#      read, the test personas' ids, the dev PKI's CA name), and checks that the same
#      strings are found in the demo build, so that the search is known to work (the
#      reference insurer may hold the persona ids, as keys of its compiled-in demo
#      register: see `allowed_in` below);
# then 3. runs the end-to-end test of the app without a configuration on the app built
# in 2 (Xvfb, tauri-driver; no pcscd needed).
# Anything that cannot run (cargo tree, a build, a binary missing, the demo not built)
# fails the check. src-tauri/tests/app/shipping.rs, among the workspace's tests, checks
# the app's own tree further (no reference backend, no web inspector).
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
# Test crates, and test features: of any package, and counter-runtime's own.
forbidden_packages=(testkit jpki-card-sim counter-demo madoguchi-app-demo)
forbidden_features=(test-support dev-pki)
forbidden_runtime_features=(crash-points virtual-card)

# findings SELECTION...: what cargo tree shows of the forbidden ones in the normal
# dependencies of SELECTION, one "package NAME" or "feature NAME/FEATURE" a line. Fails
# when cargo tree does, or when its output lacks a package SELECTION names with -p.
findings() {
  local tree i
  local args=("$@")
  tree=$("$cargo" tree --locked -e normal --prefix none --format '{p}|{f}' "${args[@]}") \
    || die "cargo tree ${args[*]} did not run"
  for ((i = 0; i + 1 < ${#args[@]}; i++)); do
    if [ "${args[i]}" = -p ]; then
      grep -q "^${args[i + 1]} v" <<< "$tree" \
        || die "cargo tree ${args[*]} does not show ${args[i + 1]}: its graph cannot be read"
    fi
  done
  awk -F'|' -v packages="${forbidden_packages[*]}" -v features="${forbidden_features[*]}" \
    -v runtime="${forbidden_runtime_features[*]}" '
    BEGIN { split(packages, p, " "); for (i in p) bad[p[i]] = 1
            split(features, f, " "); for (i in f) badf[f[i]] = 1
            split(runtime, r, " "); for (i in r) badr[r[i]] = 1 }
    { split($1, words, " "); name = words[1]
      if (name in bad) print "package " name
      feats = $2; sub(/ \(\*\)$/, "", feats)
      n = split(feats, fs, ",")
      for (i = 1; i <= n; i++)
        if ((fs[i] in badf) || (name == "counter-runtime" && (fs[i] in badr)))
          print "feature " name "/" fs[i] }' <<< "$tree" | sort -u
}

# The reading finds every forbidden crate and feature where they are: in the demo.
demo_found=$(findings -p madoguchi-app-demo)
for package in "${forbidden_packages[@]}"; do
  grep -qxF "package $package" <<< "$demo_found" \
    || die "the demo's graph does not show $package either: the graph check cannot tell"
done
for feature in "${forbidden_features[@]}"; do
  grep -q "^feature .*/$feature\$" <<< "$demo_found" \
    || die "the demo's graph does not show a feature $feature either: the graph check cannot tell"
done
for feature in "${forbidden_runtime_features[@]}"; do
  grep -qxF "feature counter-runtime/$feature" <<< "$demo_found" \
    || die "the demo's graph does not show counter-runtime/$feature either: the graph check cannot tell"
done

failed=0
for entry in "${shipped_builds[@]}"; do
  read -ra selection <<< "$(shipped_field "$entry" 2)"
  found=$(findings "${selection[@]}")
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

# The search finds them in the demo build (make build makes it), or it proves nothing.
[ -x "$demo" ] || die "$demo is not built (make build): the search cannot be cross-checked"
for needle in "${needles[@]}" "${personas[0]}"; do
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
# The one allowance, data rather than code: the reference insurer's default register is
# the demo register (crates/backend-insurer/data/demo-insured.toml, compiled in, seeded
# into an empty database unless its configuration's demo_data names another file), whose
# `person` keys are the personas' ids. Its dependency graph is checked above like the
# others', and the other needles are still searched in it. Only the ids that are a
# `person` of that register are allowed, so the allowance covers nothing else: a persona
# the register does not hold is searched for in the binary like every needle.
register=crates/backend-insurer/data/demo-insured.toml
allowed_in() {
  local id
  case "$1" in
    madoguchi-insurer)
      for id in "${personas[@]}"; do
        if grep -qF -- "person = \"$id\"" "$register"; then echo "$id"; fi
      done ;;
  esac
}
for name in "${binaries[@]}"; do
  binary="$target/$profile/$name"
  [ -x "$binary" ] || die "$binary was not built"
  allowed=$(allowed_in "$name")
  held=()
  for needle in "${needles[@]}" "${personas[@]}"; do
    if grep -qxF -- "$needle" <<< "$allowed"; then continue; fi
    if grep -qaF -- "$needle" "$binary"; then held+=("$needle"); fi
  done
  if [ ${#held[@]} -gt 0 ]; then
    echo "ship-check: $binary holds: ${held[*]}" >&2
    failed=1
  fi
done
[ $failed -eq 0 ] || die "a shipped binary carries demo, test or crash-hook code"
echo "ship-check: ${binaries[*]} hold none of ${#needles[@]} demo, dev-PKI and crash-hook strings nor ${#personas[@]} persona ids (but madoguchi-insurer's demo register's keys)"

# --- 3. the shipped app without a configuration, through WebDriver, on this very binary --
# The same package selection as `make build` (--workspace), so that nothing is
# rebuilt and madoguchi-app, which the e2e test does not depend on, stays as built above.
MADOGUCHI_APP="$target/$profile/madoguchi-app" "$cargo" test --locked --workspace --test e2e -- setup::
echo "ship-check: passed"
