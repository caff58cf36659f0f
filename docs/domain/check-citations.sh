#!/bin/sh
# Checks that every citation of a domain note points at something that exists.
#
# A citation is a note's file name followed by section labels, in either form:
#   docs/domain/jpki.md §1.8          (the form to use)
#   jpki.md §1.8                      (the old, bare form; still accepted, see --strict)
# with lists and ranges (`§2.2, §2.3`, `§2.1–2.6`, `§1.2/§2.5`, `§5 R1, R3`, `R1–R8`)
# and numbered items of a section (`§1.10, rules 3-5`, `§5.1 point 3`, `§4 lesson 3`,
# `§1.2 step 3`). A citation may run over a line break and through comment markers.
#
# It fails, listing each offender, when the cited note is not in docs/domain/, when a
# cited `§N.N` or `RN` is not a heading label of that note, or when a cited item N is
# not a numbered list item (or numbered table row) of that section.
#
# Usage: docs/domain/check-citations.sh [--strict] [--list] [PATH...]
#   PATH      files or folders to scan (default: the repository's sources, below)
#   --strict  also fail on the bare form outside docs/domain/ (for after the move
#             to `docs/domain/<note>.md §x`)
#   --list    print every citation found, one per line, and its verdict
#
# POSIX sh and awk only. Run from anywhere; exits 0 when every citation resolves.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

strict=0
list=0
while [ $# -gt 0 ]; do
  case $1 in
    --strict) strict=1; shift ;;
    --list) list=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "check-citations: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done

if [ $# -eq 0 ]; then
  set --
  for p in crates src-tauri ui tests e2e scripts docs fuzz README.md STYLE.md Makefile .ci; do
    [ -e "$p" ] && set -- "$@" "$p"
  done
fi

notes='(jpki|eligibility|payments-and-eid-clients|models|build-and-test|family-register)[.]md'
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT HUP INT TERM

# The files that mention a note at all: tracked files when this is a git checkout,
# otherwise every file under the paths (build output and dependencies left out).
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git grep --untracked -lIE "$notes" -- "$@" >"$tmp" || true
else
  find "$@" \( -name .git -o -name target -o -name node_modules -o -name dist \) -prune \
    -o -type f -print | while IFS= read -r f; do
      grep -lIE "$notes" "$f" 2>/dev/null || true
    done >"$tmp"
fi

LC_ALL=C
export LC_ALL

# The notes themselves are read first (as awk's input files), then each cited file by getline.
# shellcheck disable=SC2016
awk -v listfile="$tmp" -v strict="$strict" -v listall="$list" '
function basename_of(p,   n) { n = p; sub(/^.*\//, "", n); return n }

# --- the notes: heading labels, and numbered items per section -----------------------------
FNR == 1 { note = basename_of(FILENAME); have[note] = 1; cursec = "" }
/^#/ {
  h = $0
  first = ""
  while (match(h, /§[0-9]+(\.[0-9]+)*/)) {
    tok = substr(h, RSTART, RLENGTH)
    label[note SUBSEP tok] = 1
    if (first == "") first = tok
    h = substr(h, RSTART + RLENGTH)
  }
  h = $0
  while (match(h, /R[0-9]+/)) {
    pre = (RSTART > 1) ? substr(h, RSTART - 1, 1) : " "
    post = substr(h, RSTART + RLENGTH, 1)
    if (pre !~ /[A-Za-z0-9_]/ && post !~ /[A-Za-z0-9_]/) label[note SUBSEP substr(h, RSTART, RLENGTH)] = 1
    h = substr(h, RSTART + RLENGTH)
  }
  if (first != "") cursec = first
  next
}
/^[ \t]*[0-9]+\.[ \t]/ || /^[ \t]*\|[ \t]*[0-9]+[ \t]*\|/ {
  if (cursec != "") {
    n = $0
    sub(/^[ \t|]*/, "", n)
    sub(/[^0-9].*$/, "", n)
    item[note SUBSEP cursec SUBSEP n] = 1
  }
}

# --- checking ------------------------------------------------------------------------------
function fail(msg) { errors++; print msg > "/dev/stderr" }

function check_label(note, tok, where) {
  checked++
  if (listall) print where ": " note " " tok
  if (!((note SUBSEP tok) in label))
    fail(where ": " note " " tok ": no such section in docs/domain/" note)
}

# §a or §a–§b: both ends, and every section between when both have the same depth.
function check_range(note, a, b, where,   pa, pb, na, nb, i, k, prefix, ok) {
  if (b == "") { check_label(note, "§" a, where); return }
  na = split(a, pa, "."); nb = split(b, pb, ".")
  ok = (na == nb)
  prefix = ""
  for (i = 1; i < na && ok; i++) {
    if (pa[i] != pb[i]) ok = 0
    prefix = prefix pa[i] "."
  }
  if (ok && pa[na] + 0 <= pb[nb] + 0) {
    for (k = pa[na] + 0; k <= pb[nb] + 0; k++) check_label(note, "§" prefix k, where)
  } else {
    check_label(note, "§" a, where)
    check_label(note, "§" b, where)
  }
}

function check_item(note, sec, k, kind, where) {
  checked++
  if (listall) print where ": " note " §" sec " " kind " " k
  if (!((note SUBSEP "§" sec) in label))
    fail(where ": " note " §" sec ": no such section in docs/domain/" note)
  else if (!((note SUBSEP "§" sec SUBSEP k) in item))
    fail(where ": " note " §" sec " " kind " " k ": section §" sec " of docs/domain/" note " has no item " k)
}

function line_of(pos,   i) {
  for (i = nlines; i > 1; i--) if (start[i] <= pos) return i
  return 1
}

# One cited file: its lines joined (comment markers dropped), then every note name in it.
function scan(path,   line, s, rest, at, pos, nm, note, where, t, a, b, k1, k2, kind, k, r1, r2, m, prev, isnew) {
  s = ""; nlines = 0
  while ((getline line < path) > 0) {
    sub(/^[ \t]*/, "", line)
    sub(/^(\/\/[\/!]?|#+|\*+|--|\/\*+|<!--)[ \t]?/, "", line)
    nlines++
    start[nlines] = length(s) + 1
    s = s line " "
  }
  close(path)
  rest = s; at = 0
  while (match(rest, /(jpki|eligibility|payments-and-eid-clients|models|build-and-test|family-register)\.md/)) {
    nm = substr(rest, RSTART, RLENGTH)
    prev = (RSTART > 1) ? substr(rest, RSTART - 1, 1) : " "
    isnew = (RSTART > 12 && substr(rest, RSTART - 12, 12) == "docs/domain/")
    pos = at + RSTART
    at = at + RSTART + RLENGTH - 1
    rest = substr(rest, RSTART + RLENGTH)
    if (prev ~ /[A-Za-z0-9_-]/) continue
    note = nm
    where = path ":" line_of(pos)
    citations++
    if (!(note in have)) { fail(where ": " note ": no such note in docs/domain/"); continue }
    if (strict && !isnew && path !~ /^docs\/domain\//)
      fail(where ": " note ": bare citation; write docs/domain/" note)
    t = rest
    if (match(t, /^`?[ ]*[(]?/)) t = substr(t, RLENGTH + 1)
    while (1) {
      if (match(t, /^(§)(§)?[ ]?[0-9]+(\.[0-9]+)*/)) {
        m = substr(t, 1, RLENGTH); t = substr(t, RLENGTH + 1)
        a = m; sub(/^[^0-9]*/, "", a)
        b = ""
        if (match(t, /^[ ]?(–|-)[ ]?(§)?[0-9]+(\.[0-9]+)*/)) {
          b = substr(t, 1, RLENGTH); t = substr(t, RLENGTH + 1)
          sub(/^[^0-9]*/, "", b)
        }
        check_range(note, a, b, where)
        if (match(t, /^,?[ ]+(rules|rule|points|point|lessons|lesson|steps|step)[ ]+[0-9]+((–|-)[0-9]+)?/)) {
          m = substr(t, 1, RLENGTH); t = substr(t, RLENGTH + 1)
          kind = m; sub(/^[, ]*/, "", kind); sub(/[ ].*$/, "", kind); sub(/s$/, "", kind)
          k1 = m; sub(/^[^0-9]*/, "", k1); k2 = k1
          sub(/[^0-9].*$/, "", k1); sub(/^[0-9]+[^0-9]*/, "", k2)
          if (k2 == "") k2 = k1
          if (b != "") fail(where ": " note " §" a "–" b " " kind " " k1 ": items of a range of sections")
          else for (k = k1 + 0; k <= k2 + 0; k++) check_item(note, a, k, kind, where)
        }
      } else if (match(t, /^R[0-9]+((–|-)R[0-9]+)?/) && substr(t, RLENGTH + 1, 1) !~ /[A-Za-z0-9_]/) {
        m = substr(t, 1, RLENGTH); t = substr(t, RLENGTH + 1)
        r1 = m; sub(/^R/, "", r1); r2 = r1
        sub(/[^0-9].*$/, "", r1); sub(/^[0-9]+[^0-9]*R?/, "", r2)
        if (r2 == "") r2 = r1
        for (k = r1 + 0; k <= r2 + 0; k++) check_label(note, "R" k, where)
      } else break
      if (match(t, /^[ ]?"[^"]*"/)) t = substr(t, RLENGTH + 1)
      if (match(t, /^(, | and |\/| )/)) t = substr(t, RLENGTH + 1)
      else break
    }
  }
}

END {
  while ((getline path < listfile) > 0) {
    if (path == "docs/domain/check-citations.sh") continue
    files++
    scan(path)
  }
  close(listfile)
  if (errors) {
    printf "check-citations: %d problem(s) in %d citation(s) of %d file(s)\n", errors, citations, files > "/dev/stderr"
    exit 1
  }
  printf "check-citations: %d citation(s), %d section reference(s) in %d file(s): all resolve in docs/domain/\n", citations, checked, files
}
' docs/domain/*.md
