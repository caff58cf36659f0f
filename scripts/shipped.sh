# Sourced by scripts/package.sh (which builds and stages these) and scripts/ship-check.sh
# (which checks them): the one list of the binaries our Debian packages ship and of the
# cargo build that makes each. A binary package.sh stages must be listed here (it stops
# otherwise), so ship-check sees every one.
#
# One entry per cargo build, three fields separated by "|":
#   binaries   the shipped binaries that build makes
#   selection  its packages and features: cargo build and cargo tree take them alike
#   targets    which of their targets it builds (cargo build only: cargo tree has none)
# The profile (--release or not) and --locked are the caller's: the debug package the
# install test uses and the release one that ships differ in nothing else.
#
#   madoguchi-app: the app alone (no feature unified in from the demo or the tests, see
#     ship-check.sh), with custom-protocol, which a build made without tauri-cli needs to
#     serve the UI from the embedded assets (tauri://).
#   madoguchi-terminal-cert: without counter-runtime's default `virtual-card`, which would
#     bring the headless driver's virtual card (jpki-card-sim and the test personas).
#   madoguchi-card: the technician's card diagnostic, without card-diag's default
#     `virtual-card` (its `demo` subcommand and the virtual card's personas).
#   the three servers together: none of them turns on a test feature of another (nor
#     backend-insurer's demo-register: the packaged insurer carries no test persona).
shipped_builds=(
  "madoguchi-app|-p madoguchi-app --features custom-protocol|--bin madoguchi-app"
  "madoguchi-terminal-cert|-p counter-runtime --no-default-features|--bin madoguchi-terminal-cert"
  "madoguchi-card|-p card-diag --no-default-features|--bin madoguchi-card"
  "madoguchi-platform madoguchi-insurer madoguchi-acquirer|-p backend-platform -p backend-insurer -p backend-acquirer|--bins"
)

# shipped_field ENTRY N: field N (1 binaries, 2 selection, 3 targets) of an entry.
shipped_field() { echo "$1" | cut -d'|' -f"$2"; }

# shipped_binaries: every shipped binary's name, one a line.
shipped_binaries() {
  local entry
  for entry in "${shipped_builds[@]}"; do
    shipped_field "$entry" 1 | tr ' ' '\n'
  done
}

# is_shipped NAME: whether NAME is a binary of the list. (The list is read first: grep -q
# in a pipe may stop its writer with SIGPIPE, which pipefail would count as a failure.)
is_shipped() {
  local all
  all=$(shipped_binaries)
  grep -qxF -- "$1" <<< "$all"
}
