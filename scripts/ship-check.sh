#!/usr/bin/env bash
# The shipped app, built as it ships and looked into. `make ship-check` runs this
# (and `make test` does, after the workspace's tests).
#
# Within one cargo run over the whole workspace, features unify across members:
# the demo build (madoguchi-app-demo) turns on counter-runtime's `crash-points`,
# so the madoguchi-app binary that `make build` makes carries the crash hook too.
# The shipping configuration is the package alone with its default features
# (`cargo build -p madoguchi-app --release`). This script
#   1. builds that (in the debug profile: the same crates and features, quicker;
#      SHIP_PROFILE=release for the release build itself);
#   2. fails if the binary holds what only the demo, its test crates or the crash
#      hook hold (the variables they read, the test personas' ids), and checks
#      that the same strings are found in the demo build, so that the search
#      itself is known to work;
#   3. runs the end-to-end test of the app without a configuration on that binary
#      (Xvfb, tauri-driver; no pcscd needed).
# What the shipped app is made of (its dependency tree and features) is checked
# by src-tauri/tests/app/shipping.rs, among the workspace's tests.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo=${CARGO:-cargo}
profile=${SHIP_PROFILE:-debug}
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
flags=(--locked -p madoguchi-app)
[ "$profile" = release ] && flags+=(--release)

echo "ship-check: cargo build ${flags[*]} (the package alone, default features)"
"$cargo" build "${flags[@]}"
app="$target/$profile/madoguchi-app"
demo="$target/debug/madoguchi-app-demo"
[ -x "$app" ] || { echo "ship-check: $app was not built" >&2; exit 1; }

# What only the excluded parts contain: the crash hook's variable and log line,
# the demo's options and virtual reader, the test personas.
needles=(MADOGUCHI_CRASH_AT "crash point reached" MADOGUCHI_DEMO_MODE MADOGUCHI_VPCD_PORT MADOGUCHI_VIRTUAL_READER)
personas=()
for file in assets/personas/*.toml; do personas+=("$(basename "$file" .toml)"); done
[ ${#personas[@]} -gt 0 ] || { echo "ship-check: no personas in assets/personas" >&2; exit 1; }

found=0
for needle in "${needles[@]}" "${personas[@]}"; do
  if grep -qaF -- "$needle" "$app"; then
    echo "ship-check: the shipped app holds \"$needle\"" >&2
    found=1
  fi
done
[ $found -eq 0 ] || { echo "ship-check: FAILED: $app carries demo, test or crash-hook code" >&2; exit 1; }

# The same search finds them in the demo build (when it is built: make build does).
if [ -x "$demo" ]; then
  for needle in "${needles[@]}" "${personas[0]}"; do
    grep -qaF -- "$needle" "$demo" || {
      echo "ship-check: \"$needle\" is not in $demo either: the search cannot tell" >&2
      exit 1
    }
  done
else
  echo "ship-check: $demo is not built (make build): the search is not cross-checked" >&2
  exit 1
fi
echo "ship-check: $app holds none of ${#needles[@]} demo and crash-hook strings nor ${#personas[@]} persona ids"

# The shipped app without a configuration, through WebDriver, on this very binary.
# The same package selection as `make build` (--workspace), so that nothing is
# rebuilt and madoguchi-app, which the e2e test does not depend on, stays as built above.
MADOGUCHI_APP="$app" "$cargo" test --locked --workspace --test e2e -- setup::
echo "ship-check: passed"
