#!/usr/bin/env bash
# The install test (`make install-test`, run by .ci/run after `make test`): our .debs
# installed into a fresh Debian 12 root, and the installed programs run from there.
#
#   1. `scripts/package.sh` (PACKAGE_PROFILE, default debug here: the ship-check build).
#      The debug packages are built from the same list and with the same flags and
#      features as the release ones (scripts/shipped.sh, custom-protocol included), so
#      the .debs tested differ from those shipped in the cargo profile only. Why not
#      release: it compiles every shipped crate a second time, optimised (12.5 minutes
#      for the four packages on 2 shared cores, measured in December 2026), beside a
#      `make test` of 15-25 minutes in CI's 40-minute budget, while debug reuses what
#      `make ship-check` just built. PACKAGE_PROFILE=release tests the release packages
#      themselves;
#   2. a fresh root under .run/install/root with debootstrap (minbase), from the Debian
#      mirror this machine's apt uses (read from /etc/apt at run time); the downloaded
#      packages are kept in .run/install/cache between runs, the root itself never (it
#      is removed when the test passes, kept for a look when it fails);
#   3. our four .debs installed in it with apt, so that their Depends are resolved from
#      Debian (pcscd, WebKitGTK, ...), plus vsmartcard-vpcd, the virtual reader's pcscd
#      driver (test only); the servers' units as installed checked with the host's
#      systemd-analyze (verify, and security --offline against their hardening today:
#      scripts/check-units.sh); a desk user in the group madoguchi-counter;
#   4. in a network namespace of its own (loopback only, like scripts/pcscd.sh: vpcd's
#      port must not be reachable from the network), the root's own pcscd, the one the
#      app's Depends brought, with Debian's vpcd reader entry;
#   5. the system test `install::` of tests/e2e (cargo test ... -- --ignored install::),
#      which writes the test PKI, the insurer's register (the repository's demo register
#      as /etc/madoguchi/insurer/insured.toml, named by its demo_data: the package carries
#      none) and the sample configurations adapted to them into the root, starts the three servers as their units say (ExecStart as User=, chrooted),
#      starts the installed app with no configuration and reads its message, then with
#      the configuration and a virtual card in vpcd completes a reception check;
#   6. an upgrade: the same four packages repacked with a later version (<version>.upgrade) and
#      installed over them with apt, as if systemd ran (/run/systemd/system, policy-rc.d
#      allowing, a systemctl that records its calls: a chroot has no systemd): each
#      package's version is the new one, each server's postinst asked systemd to restart
#      its unit (try-restart), and the configuration and the folders stayed as they were.
# The root's mounts (proc, sys, dev, tmp) and the daemons are undone by a trap, whatever
# happens. Needs root (debootstrap, chroot, mounts, ip netns).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

cargo=${CARGO:-cargo}
export PACKAGE_PROFILE=${PACKAGE_PROFILE:-debug}
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
work="$top/.run/install"
root="$work/root"
cache="$work/cache"
netns=madoguchi-install
suite=bookworm
# vpcd's port takes one pcscd at a time. Where card tests of other checkouts may run at
# once, name a lock file in MADOGUCHI_VPCD_LOCK: this script holds it around its pcscd, and
# the others must take the same one themselves (e.g. `flock FILE scripts/pcscd.sh run …`;
# pcscd.sh takes none). Unset: no lock, for a machine that runs one card test at a time.
lock=${MADOGUCHI_VPCD_LOCK:-}
started=$(date +%s)

die() { echo "install-test: $*" >&2; exit 1; }
say() { echo "install-test: [$(( $(date +%s) - started )) s] $*"; }
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts, ip netns)"
command -v debootstrap >/dev/null || die "debootstrap is missing: run 'make deps'"

# --- cleanup: daemons first, then the mounts, deepest first ---------------------------
pcscd_pid=""
cleanup() {
  local status=$?
  if [ -n "$pcscd_pid" ]; then kill -TERM "$pcscd_pid" 2>/dev/null || true; wait "$pcscd_pid" 2>/dev/null || true; fi
  if [ -e "/run/netns/$netns" ]; then ip netns delete "$netns" 2>/dev/null || true; fi
  for m in var/cache/apt/archives tmp dev sys proc; do
    if mountpoint -q "$root/$m"; then
      umount -R "$root/$m" 2>/dev/null || umount -R -l "$root/$m" || true
    fi
  done
  # Nothing of the root stays mounted: say so loudly if the kernel disagrees.
  if grep -q " $root/" /proc/mounts; then
    echo "install-test: still mounted under $root:" >&2
    grep " $root/" /proc/mounts >&2
  fi
  if [ "$status" -eq 0 ]; then
    # 1.5 GB: kept only when the test failed, for a look. The download cache stays.
    grep -q " $root/" /proc/mounts || rm -rf "$root"
  else
    echo "install-test: FAILED (status $status); the root is kept in $root, logs in .run/install and .run/logs" >&2
  fi
  exit $status
}
trap cleanup EXIT INT TERM

# --- 1. the packages -------------------------------------------------------------------
say "packages ($PACKAGE_PROFILE build)"
scripts/package.sh
debs=("$target"/package/*.deb)
[ ${#debs[@]} -eq 4 ] || die "expected 4 packages in $target/package, found ${#debs[@]}"

# --- 2. a fresh root -------------------------------------------------------------------
# The mirror apt uses here for the suite (deb822 .sources or one-line .list), and the
# security archive if apt has one: read at run time, never written into the repository.
apt_uri() {
  local want="$1" f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v want="$want" 'BEGIN { RS = ""; FS = "\n" }
      { uris = ""; suites = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); uris = $i }
          if ($i ~ /^Suites:/) { sub(/^Suites:[ \t]*/, "", $i); suites = " " $i " " }
        }
        if (uris != "" && index(suites, " " want " ") > 0) { split(uris, u, " "); print u[1]; exit }
      }' "$f"
  done
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } | awk -v want="$want" '
    $1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                  if ($(i + 1) == want) { print $i; exit } }'
}
mirror=$(apt_uri "$suite" | head -1 || true)
[ -n "$mirror" ] || die "apt here has no source for Debian $suite (/etc/apt/sources.list*): the root is made from it"
security=$(apt_uri "$suite-security" | head -1 || true)
updates=$(apt_uri "$suite-updates" | head -1 || true)

[ -z "$(grep " $root/" /proc/mounts || true)" ] || die "something is still mounted under $root: umount it first"
rm -rf "$root"
mkdir -p "$root" "$cache"
say "debootstrap $suite (minbase) from $mirror"
debootstrap --variant=minbase --cache-dir="$cache" "$suite" "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed (log: $work/debootstrap.log)"; }
{
  echo "deb $mirror $suite main"
  [ -z "$updates" ] || echo "deb $updates $suite-updates main"
  [ -z "$security" ] || echo "deb $security $suite-security main"
} > "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# What Debian's installer writes and debootstrap does not: localhost, which the samples'
# servers and terminal are pointed at in the test.
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
# No daemon starts by itself inside the root (pcscd's postinst would try).
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"

mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
# The host's /tmp: the X display's socket (Xvfb runs outside) and nothing else we need.
mount --bind /tmp "$root/tmp"

# --- 3. our packages, Debian's dependencies --------------------------------------------
mkdir -p "$root/debs"
cp "${debs[@]}" "$root/debs/"
in_root_debs=()
for deb in "${debs[@]}"; do in_root_debs+=("/debs/${deb##*/}"); done
in_root() { chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
say "apt-get install our packages (and their Depends) in the root"
# The archives apt downloads are kept in .run/install/cache between runs (the root is not).
mkdir -p "$cache/apt/partial"
mount --bind "$cache/apt" "$root/var/cache/apt/archives"
{
  in_root apt-get update
  in_root apt-get install -y "${in_root_debs[@]}" vsmartcard-vpcd
} > "$work/apt.log" 2>&1 || { tail -30 "$work/apt.log" >&2; die "apt-get install failed (log: $work/apt.log)"; }
umount "$root/var/cache/apt/archives"
for pkg in madoguchi-app madoguchi-platform madoguchi-insurer madoguchi-acquirer pcscd libpcsclite1 libwebkit2gtk-4.1-0; do
  in_root dpkg-query -W -f='${Package} ${Version} ${Status}\n' "$pkg" | grep -q "install ok installed" \
    || die "$pkg is not installed in the root (log: $work/apt.log)"
done
# The servers' units as their packages installed them, with the installed programs:
# systemd-analyze verify and security --offline on this machine (a second of work;
# scripts/check-units.sh says why not inside the root, which has no systemd).
say "the installed units: systemd-analyze verify and security (scripts/check-units.sh)"
UNIT_DIR="$root/lib/systemd/system" BIN_DIR="$root/usr/bin" scripts/check-units.sh
in_root adduser --disabled-password --gecos "" --quiet desk
in_root adduser --quiet desk madoguchi-counter
rm -rf "$root/debs"
say "installed: $(in_root dpkg-query -W -f='${Package} ${Version}, ' madoguchi-app madoguchi-platform madoguchi-insurer madoguchi-acquirer)"

# --- 4 and 5: the root's pcscd in a loopback-only namespace, then the system test ------
# One pcscd with vpcd on the machine at a time (the tests' scripts/pcscd.sh is another):
# with MADOGUCHI_VPCD_LOCK, wait for the other card tests' turn to end.
if [ -n "$lock" ]; then
  exec 9>"$lock"
  say "waiting for $lock (another card test may hold it)"
  flock 9
fi
ip netns add "$netns"
ip -n "$netns" link set lo up
mkdir -p "$top/.run/logs"
ip netns exec "$netns" chroot "$root" /usr/sbin/pcscd --foreground --info > "$top/.run/logs/install-pcscd.log" 2>&1 &
pcscd_pid=$!
for _ in $(seq 1 100); do
  [ -S "$root/run/pcscd/pcscd.comm" ] && break
  kill -0 "$pcscd_pid" 2>/dev/null || { cat "$top/.run/logs/install-pcscd.log" >&2; die "the root's pcscd exited at start"; }
  sleep 0.05
done
[ -S "$root/run/pcscd/pcscd.comm" ] || die "the root's pcscd did not start in 5 s (.run/logs/install-pcscd.log)"
say "the root's pcscd runs ($(in_root /usr/sbin/pcscd --version 2>/dev/null | sed -n 's/.*version \([0-9][0-9.]*[0-9]\).*/\1/p' | head -1))"

# The app as tauri-driver's WebKitWebDriver starts it: through chroot, as the desk user.
mkdir -p "$work/bin"
cat > "$work/bin/madoguchi-app" <<EOF
#!/bin/sh
# The installed app, run inside the test root as the desk user (scripts/install-test.sh).
exec chroot --userspec=desk:desk --groups=madoguchi-counter "$root" /usr/bin/env HOME=/home/desk USER=desk LOGNAME=desk /usr/bin/madoguchi-app "\$@"
EOF
chmod 0755 "$work/bin/madoguchi-app"

say "system test: cargo test --workspace --test e2e -- --ignored install::"
ip netns exec "$netns" env MADOGUCHI_INSTALL_ROOT="$root" MADOGUCHI_INSTALLED_APP="$work/bin/madoguchi-app" \
  "$cargo" test --locked --workspace --test e2e -- --ignored --test-threads 1 install:: 2>&1 \
  | tee "$top/.run/logs/install-test.log"

# --- 6. an upgrade ---------------------------------------------------------------------
# The packages of a later commit differ from these in their version (scripts/package.sh):
# the same files repacked under a later one stand for them, without a second build.
say "upgrade: the packages repacked with a later version, installed over them"
upgrade="$work/upgrade"
rm -rf "$upgrade"
mkdir -p "$upgrade/debs"
declare -A upgraded=()
for deb in "${debs[@]}"; do
  tree="$upgrade/tree"
  rm -rf "$tree"
  dpkg-deb -R "$deb" "$tree"
  name=$(sed -n 's/^Package: //p' "$tree/DEBIAN/control")
  old=$(sed -n 's/^Version: //p' "$tree/DEBIAN/control")
  new="$old.upgrade"
  dpkg --compare-versions "$new" gt "$old" || die "$new does not sort after $old"
  sed -i "s/^Version: .*/Version: $new/" "$tree/DEBIAN/control"
  dpkg-deb --root-owner-group -Znone --build "$tree" "$upgrade/debs/${name}_${new}_$(dpkg --print-architecture).deb" >/dev/null
  upgraded[$name]=$new
done
rm -rf "$upgrade/tree"
mkdir -p "$root/debs" "$root/run/systemd/system" "$root/usr/local/sbin"
cp "$upgrade"/debs/*.deb "$root/debs/"
printf '#!/bin/sh\nexit 0\n' > "$root/usr/sbin/policy-rc.d"
calls=/var/log/madoguchi-systemctl.calls
printf '#!/bin/sh\n# install-test: what a maintainer script asked of systemd.\necho "$*" >> %s\n' "$calls" \
  > "$root/usr/local/sbin/systemctl"
chmod 0755 "$root/usr/local/sbin/systemctl"
rm -f "$root$calls"
new_debs=()
for deb in "$root"/debs/*.deb; do new_debs+=("/debs/${deb##*/}"); done
# apt gives dpkg and the maintainer scripts its own PATH (DPkg::Path), which must find the
# stand-in first.
in_root apt-get install -y -o DPkg::Path=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
  "${new_debs[@]}" > "$work/upgrade.log" 2>&1 \
  || { tail -30 "$work/upgrade.log" >&2; die "the upgrade failed (log: $work/upgrade.log)"; }
rm -rf "$root/debs" "$root/run/systemd" "$root/usr/local/sbin/systemctl"
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
for name in "${!upgraded[@]}"; do
  got=$(in_root dpkg-query -W -f='${Version} ${Status}' "$name")
  [ "$got" = "${upgraded[$name]} install ok installed" ] \
    || die "after the upgrade $name is '$got', not ${upgraded[$name]} (log: $work/upgrade.log)"
done
for name in platform insurer acquirer; do
  grep -qxF "try-restart madoguchi-$name.service" "$root$calls" \
    || die "the upgrade of madoguchi-$name did not restart its unit; systemctl was asked: $(tr '\n' ';' < "$root$calls")"
  # What the system test wrote stays: the configuration, the keys' folder as postinst leaves it.
  [ -s "$root/etc/madoguchi/$name.toml" ] || die "the upgrade lost /etc/madoguchi/$name.toml"
  tls=$(in_root stat -c '%U %G %a' "/etc/madoguchi/$name/tls")
  [ "$tls" = "root madoguchi-$name 750" ] || die "after the upgrade /etc/madoguchi/$name/tls is $tls"
done
[ -s "$root/etc/madoguchi/counter.toml" ] || die "the upgrade lost /etc/madoguchi/counter.toml"
say "upgraded: $(in_root dpkg-query -W -f='${Package} ${Version}, ' madoguchi-app madoguchi-platform madoguchi-insurer madoguchi-acquirer)"
say "passed"
