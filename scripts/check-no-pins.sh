#!/usr/bin/env bash
# Fails if any log or trace the test run left in .run/ (pcscd's log, our
# tracing files, the captured test output) contains a persona's PIN or
# signature password: as text, as hex, or as spaced hex (an APDU trace).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
logs="$top/.run"
[ -d "$logs" ] || { echo "check-no-pins: no .run/ directory: run the tests first" >&2; exit 1; }
mapfile -t files < <(find "$logs" -type f \( -name '*.log' -o -name '*.trace' -o -name '*.txt' \))
[ ${#files[@]} -gt 0 ] || { echo "check-no-pins: no log files under .run/" >&2; exit 1; }

secrets=$(sed -n -E 's/^(auth_pin|sign_password) = "([^"]+)"$/\2/p' "$top"/assets/personas/*.toml | sort -u)
[ -n "$secrets" ] || { echo "check-no-pins: no persona secrets found in assets/personas" >&2; exit 1; }

hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
spaced() { printf '%s' "$1" | od -An -tx1 | tr -s ' \n' ' ' | sed -E 's/^ //; s/ $//'; }

found=0
while IFS= read -r s; do
  h=$(hex "$s"); H=${h^^}; sp=$(spaced "$s"); SP=${sp^^}
  # The text form only as a word of its own: pcscd's 8-digit timestamps
  # contain every 4-digit string, and a UUID's groups and a date's year are
  # digits between hyphens, so a hyphen joins a word here too (unlike \b).
  w="(^|[^[:alnum:]_-])$s(\$|[^[:alnum:]_-])"
  if grep -n -E -e "$w" -e "$h" -e "$H" -e "$sp" -e "$SP" "${files[@]}" >/dev/null 2>&1; then
    echo "check-no-pins: a persona secret appears in the logs:" >&2
    grep -n -E -l -e "$w" -e "$h" -e "$H" -e "$sp" -e "$SP" "${files[@]}" >&2 || true
    found=1
  fi
done <<< "$secrets"
[ $found -eq 0 ] || exit 1
echo "check-no-pins: ${#files[@]} log files, $(wc -l <<< "$secrets") secrets, none found"
