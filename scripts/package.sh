#!/usr/bin/env bash
# Builds the Debian packages: `make package` runs this.
#   madoguchi-app       the counter terminal's desktop app, as it ships (madoguchi-app built
#                       alone, never the demo: see ship-check.sh),
#                       madoguchi-terminal-cert, the terminal's half of its enrollment,
#                       and madoguchi-card, the card diagnostic a technician runs first
#   madoguchi-platform  the verification platform   } each with its systemd unit, its system
#   madoguchi-insurer   the insurer reference server } user (made by postinst) and a sample
#   madoguchi-acquirer  the acquirer reference server} configuration under /usr/share/doc
# into $CARGO_TARGET_DIR/package (target/package by default), one .deb each.
#
# What goes in, and the cargo build that makes it, is listed once in scripts/shipped.sh
# (which ship-check.sh checks); this script stages no binary that list does not name.
#
# PACKAGE_PROFILE=release (default) or debug: the cargo profile, and the only difference
# between the two (same packages, same features, custom-protocol included). The install
# test uses debug, which reuses the debug build of `make ship-check` and builds quicker;
# what ships is release.
#
# Why dpkg-deb and not Tauri's bundler (`tauri build --bundles deb`): tauri-cli 2 takes the
# folder holding tauri.conf.json as the app's crate folder and reads its Cargo.toml's
# [package]. Our tauri.conf.json is at the repository's top (the layout docs/DECISIONS.md
# keeps), beside the workspace's virtual manifest, so the CLI stops ("No package info in
# the config file"); TAURI_APP_PATH=src-tauri needs a tauri.conf.json inside src-tauri. So
# this script lays out what the bundler would (binary, .desktop entry, hicolor icon,
# Depends) and adds what it would not: the Depends dpkg-shlibdeps finds in the binaries.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo=${CARGO:-cargo}
profile=${PACKAGE_PROFILE:-release}
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
out="$target/package"
maintainer=${PACKAGE_MAINTAINER:-"Madoguchi developers <madoguchi@localhost>"}
arch=$(dpkg --print-architecture)

die() { echo "package: $*" >&2; exit 1; }
case "$profile" in
  release) flags=(--locked --release) ;;
  debug) flags=(--locked) ;;
  *) die "PACKAGE_PROFILE must be release or debug, not $profile" ;;
esac
for tool in dpkg-deb dpkg-shlibdeps strip; do
  command -v "$tool" >/dev/null || die "$tool is missing: run 'make deps' (apt packages dpkg-dev, binutils)"
done
[ -f ui/dist/staff.html ] || die "the UI bundle ui/dist is missing: npm ci && npm run build (make package does it)"

# The shipped binaries, each build with its flags from scripts/shipped.sh.
. scripts/shipped.sh
for entry in "${shipped_builds[@]}"; do
  read -ra selection <<< "$(shipped_field "$entry" 2)"
  read -ra targets <<< "$(shipped_field "$entry" 3)"
  echo "package: cargo build ${flags[*]} ${selection[*]} ${targets[*]}"
  "$cargo" build "${flags[@]}" "${selection[@]}" "${targets[@]}"
done
bin="$target/$profile"

# The version of a crate, from its Cargo.toml.
crate_version() { sed -n 's/^version = "\(.*\)"/\1/p' "$1" | head -1; }

# The packages' version grows with every commit, so that apt installs a later build over an
# earlier one ("already the newest version" otherwise: the crates' version changes only at
# a release): <crate version>+git<the commit's date, UTC, %Y%m%d%H%M%S>.<its short hash>,
# e.g. 0.1.0+git20261207093000.19592ff. The date is git's committer date of HEAD, which a
# shallow clone has too; dpkg compares the digits as a number, so a later commit sorts later
# (the hash only tells two builds apart). Outside a git checkout the build's own time
# stands for the commit's, and the version says so (….nocheckout).
# commit_stamp REV: the date and hash of REV, or nothing when git does not know it.
commit_stamp() {
  git rev-parse --verify --quiet "$1^{commit}" >/dev/null 2>&1 || return 0
  TZ=UTC git log -1 --date=format-local:%Y%m%d%H%M%S --format='%cd.%h' "$1"
}
stamp=$(commit_stamp HEAD)
if [ -z "$stamp" ]; then
  stamp="$(date -u +%Y%m%d%H%M%S).nocheckout"
  echo "package: not in a git checkout: the version carries the build time ($stamp), not a commit" >&2
fi
version_of() {
  local crate
  crate=$(crate_version "$1")
  [ -n "$crate" ] || die "no version in $1"
  echo "$crate+git$stamp"
}
# Checked as dpkg compares versions: later than the crate's own, and than the parent
# commit's build. A commit dated before its parent (a wrong clock) or in the same second
# (a rebase makes many at once; then the hashes decide, at random) may not sort after it,
# so apt would not upgrade the parent's build to this one: said once, not fatal.
parent_stamp=$(commit_stamp HEAD^)
parent_checked=""
check_version() {
  local version="$1" crate="$2"
  dpkg --compare-versions "$version" gt "$crate" \
    || die "the version $version does not sort after $crate (dpkg --compare-versions)"
  if [ -n "$parent_stamp" ] && [ -z "$parent_checked" ] \
    && ! dpkg --compare-versions "$version" gt "$crate+git$parent_stamp"; then
    echo "package: warning: $version does not sort after the parent commit's $crate+git$parent_stamp (committed in the same second or earlier): apt will not upgrade a build of that commit to this one without --allow-downgrades" >&2
  fi
  parent_checked=1
}

rm -rf "$out"
mkdir -p "$out"
stage_root="$out/stage"

# stage NAME: a fresh staging folder for package NAME, with its doc folder.
stage() {
  local dir="$stage_root/$1"
  mkdir -p "$dir/DEBIAN" "$dir/usr/bin" "$dir/usr/share/doc/$1/examples"
  install -m 0644 packaging/debian/copyright "$dir/usr/share/doc/$1/copyright"
  echo "$dir"
}

# put_binary DIR NAME: the binary, stripped as Debian ships binaries. Only a binary of
# scripts/shipped.sh, which ship-check.sh checks for test code: checked here, before a
# binary a workspace build left in the target folder could be staged. The end of this
# script checks the other way round (every binary of the list is in a package); the two
# together make the packages' binaries exactly the list.
staged=()
put_binary() {
  is_shipped "$2" || die "$2 is not in scripts/shipped.sh: ship-check would not check it; add its build there"
  install -m 0755 "$bin/$2" "$1/usr/bin/$2"
  staged+=("$2")
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$1/usr/bin/$2"
}

# changelog DIR NAME VERSION: the one entry of a native package's changelog (gzipped, as
# Debian policy wants it), naming the commit it was built from.
changelog() {
  local commit
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  printf '%s (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
    "$2" "$3" "$commit" "$maintainer" "$(date -R)" | gzip -9n > "$1/usr/share/doc/$2/changelog.gz"
}

# depends HAND SHLIBS: the hand-written Depends, less the packages dpkg-shlibdeps names
# (with their versions) too, then dpkg-shlibdeps'.
depends() {
  local hand="$1" shlibs="$2" out="" entry name
  IFS=',' read -ra entries <<< "$hand"
  for entry in "${entries[@]}"; do
    entry=$(echo "$entry" | sed 's/^ *//; s/ *$//')
    name=${entry%% *}
    if ! echo ", $shlibs," | grep -q ", $name[ ,]"; then out="$out${out:+, }$entry"; fi
  done
  echo "$out${shlibs:+, $shlibs}"
}

# shlib_depends DIR: the Depends of the ELF files under DIR/usr/bin, as dpkg-shlibdeps
# finds them from the libraries they link (it wants a debian/control beside it).
shlib_depends() {
  local work
  work=$(mktemp -d)
  mkdir -p "$work/debian"
  printf 'Source: madoguchi\n\nPackage: x\nArchitecture: any\n' > "$work/debian/control"
  local out
  out=$(cd "$work" && dpkg-shlibdeps -O "$1"/usr/bin/*) || { rm -rf "$work"; die "dpkg-shlibdeps failed on $1/usr/bin"; }
  rm -rf "$work"
  out=$(sed -n 's/^shlibs:Depends=//p' <<<"$out")
  # Every binary links libc at least: an empty answer means the call went wrong.
  [ -n "$out" ] || die "dpkg-shlibdeps found no library Depends for $1/usr/bin"
  echo "$out"
}

# control DIR NAME VERSION DEPENDS DESCRIPTION...
control() {
  local dir="$1" name="$2" version="$3" depends="$4"
  shift 4
  local size
  size=$(du -sk --exclude=DEBIAN "$dir" | cut -f1)
  {
    echo "Package: $name"
    echo "Version: $version"
    echo "Architecture: $arch"
    echo "Maintainer: $maintainer"
    echo "Installed-Size: $size"
    echo "Depends: $depends"
    echo "Section: misc"
    echo "Priority: optional"
    echo "Description: $1"
    shift
    for line in "$@"; do echo " $line"; done
  } > "$dir/DEBIAN/control"
}

build_deb() {
  local dir="$1" name="$2" version="$3"
  local file="$out/${name}_${version}_${arch}.deb"
  dpkg-deb --root-owner-group -Zxz --build "$dir" "$file" >/dev/null
  echo "package: $file ($(du -h "$file" | cut -f1))"
}

# The terminal's app.
version=$(version_of src-tauri/Cargo.toml)
check_version "$version" "$(crate_version src-tauri/Cargo.toml)"
dir=$(stage madoguchi-app)
put_binary "$dir" madoguchi-app
put_binary "$dir" madoguchi-terminal-cert
put_binary "$dir" madoguchi-card
install -D -m 0644 packaging/debian/madoguchi-app.desktop "$dir/usr/share/applications/Madoguchi.desktop"
install -D -m 0644 src-tauri/icons/icon.png "$dir/usr/share/icons/hicolor/256x256/apps/madoguchi-app.png"
install -m 0644 packaging/config/counter.toml "$dir/usr/share/doc/madoguchi-app/examples/counter.toml"
install -m 0755 packaging/debian/app.postinst "$dir/DEBIAN/postinst"
# What Tauri's bundler declares (WebKitGTK, GTK), the card stack (pcscd and its client
# library), a Japanese font for the windows, adduser for postinst; then what the binary links.
hand="pcscd, libpcsclite1, libwebkit2gtk-4.1-0, libgtk-3-0, fonts-ipafont-gothic | fonts-noto-cjk, adduser"
changelog "$dir" madoguchi-app "$version"
shlibs=$(shlib_depends "$dir")
control "$dir" madoguchi-app "$version" "$(depends "$hand" "$shlibs")" \
  "Madoguchi counter terminal (窓口)" \
  "The desktop app of a clinic's or a shop's counter: the customer places" \
  "the My Number card and types the PIN; the terminal identifies them with" \
  "the card's JPKI certificate through the verification platform, then" \
  "checks their health-insurance eligibility or takes a payment. It runs" \
  "on /etc/madoguchi/counter.toml; without it, it says in a window what" \
  "to configure."
build_deb "$dir" madoguchi-app "$version"

# The servers.
for name in platform insurer acquirer; do
  version=$(version_of "crates/backend-$name/Cargo.toml")
  check_version "$version" "$(crate_version "crates/backend-$name/Cargo.toml")"
  pkg="madoguchi-$name"
  dir=$(stage "$pkg")
  put_binary "$dir" "$pkg"
  install -D -m 0644 "packaging/systemd/$pkg.service" "$dir/lib/systemd/system/$pkg.service"
  install -m 0644 "packaging/config/$name.toml" "$dir/usr/share/doc/$pkg/examples/$name.toml"
  for script in postinst prerm postrm; do
    sed "s/@NAME@/$name/g" "packaging/debian/server.$script" > "$dir/DEBIAN/$script"
    chmod 0755 "$dir/DEBIAN/$script"
  done
  case "$name" in
    platform) summary="verification platform" ;;
    insurer) summary="insurer reference server" ;;
    acquirer) summary="acquirer reference server" ;;
  esac
  changelog "$dir" "$pkg" "$version"
  shlibs=$(shlib_depends "$dir")
  control "$dir" "$pkg" "$version" "$(depends adduser "$shlibs")" \
    "Madoguchi $summary" \
    "A server of the Madoguchi counter system, over mutual TLS, run by" \
    "the systemd unit $pkg.service: its own system user," \
    "a read-only system, its state in /var/lib/$pkg." \
    "It runs on /etc/madoguchi/$name.toml; a commented sample is in" \
    "/usr/share/doc/$pkg/examples/."
  build_deb "$dir" "$pkg" "$version"
done
# And every binary of the list is in a package (the list names nothing that does not ship).
for name in $(shipped_binaries); do
  grep -qxF -- "$name" <<< "$(printf '%s\n' "${staged[@]}")" || die "$name is in scripts/shipped.sh but in no package"
done
rm -rf "$stage_root"
echo "package: done ($profile build) in $out"
