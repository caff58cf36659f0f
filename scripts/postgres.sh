#!/usr/bin/env bash
# Runs a PostgreSQL of our own, without systemd, for the platform's PostgreSQL
# tests: Debian's server binaries, a cluster under .run/postgres, reached only
# through a Unix socket in that folder (no TCP port at all).
#
#   scripts/postgres.sh start       start (or reuse our running) cluster; prints the env to export
#   scripts/postgres.sh stop        stop the cluster we started (its data stay until `make clean-run`)
#   scripts/postgres.sh run CMD...  start, run CMD with the env set, stop; exits with CMD's status
#
# The env: MADOGUCHI_PG_URL, a libpq connection string (host=<socket folder>
# port=... user=madoguchi dbname=madoguchi) that the platform's `[database]
# postgres = ...` takes as it is.
#
# initdb and postgres refuse to run as root. As root we run them as a system
# user of our own, $pg_user (created once, no login shell, no home); as anyone
# else, as that user. The socket is that user's alone (unix_socket_permissions
# 0700): only it and root reach the server, so the cluster trusts local
# connections without a password. fsync is off: this cluster holds test data
# only, and a test that kills the server is not one we have; never copy these
# settings to a real database.
set -euo pipefail

name=postgres.sh
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

# Whether every folder from / down to $1 lets other users through (o+x): the cluster's
# owner is not the checkout's.
others_can_reach() {
  local d="$1"
  while [ -n "$d" ] && [ "$d" != "/" ]; do
    [ -e "$d" ] || { d=$(dirname "$d"); continue; }
    [ "$(( 0$(stat -c %a "$d") & 1 ))" -eq 1 ] || return 1
    d=$(dirname "$d")
  done
}

run_dir="$run_root/postgres"
# As root in a checkout other users cannot enter (under /root, say), the cluster goes to
# a folder of its own in the temporary folder ($TMPDIR) instead, named for the checkout
# so that two checkouts do not share one.
if [ -z "${MADOGUCHI_RUN_DIR:-}" ] && [ "$(id -u)" -eq 0 ] && ! others_can_reach "$top"; then
  run_dir="$(dirname "$(mktemp -u)")/madoguchi-postgres-$(printf '%s' "$top" | sha256sum | cut -c1-12)"
fi
data="$run_dir/data"
sock="$run_dir/socket"
log_file="$run_dir/postgres.log"
port="${MADOGUCHI_PG_PORT:-5432}"
bin="${MADOGUCHI_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
pg_user="madoguchi-pg"
db="madoguchi"

# Runs "$@" as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}

make_owner() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! getent passwd "$pg_user" >/dev/null; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$pg_user" \
      || die "cannot create the system user $pg_user (initdb and postgres refuse to run as root)"
  fi
}

print_env() {
  echo "export MADOGUCHI_PG_URL='host=$sock port=$port user=$db dbname=$db'"
  echo "export MADOGUCHI_PG_LOG='$log_file'"
}

running() {
  [ -f "$data/postmaster.pid" ] && as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

psql_() {
  psql -X -q -h "$sock" -p "$port" -U "$db" "$@"
}

start() {
  [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] \
    || die "PostgreSQL's server is not installed: run 'make deps' (apt package postgresql)"
  command -v psql >/dev/null || die "psql is not installed: run 'make deps' (apt package postgresql-client)"
  if running; then started_here=0; print_env; return 0; fi
  make_owner
  mkdir -p "$run_dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown "$pg_user": "$run_dir"
    runuser -u "$pg_user" -- test -w "$run_dir" \
      || die "$pg_user cannot reach $run_dir: a folder above it is closed to other users (as /root is). Work in a checkout others may traverse, or point MADOGUCHI_RUN_DIR at such a folder."
  fi
  chmod 0700 "$run_dir"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$data" -U "$db" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null \
      || die "initdb failed in $data"
    cat >> "$data/postgresql.conf" <<EOF

# scripts/postgres.sh: a test cluster, reached through its socket folder only.
listen_addresses = ''
unix_socket_directories = '$sock'
unix_socket_permissions = 0700
port = $port
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
  fi
  as_owner mkdir -p "$sock"
  echo "=== postgres started $(date -u +%FT%TZ)" | as_owner tee -a "$log_file" >/dev/null
  as_owner "$bin/pg_ctl" start -D "$data" -l "$log_file" -w -t 30 >/dev/null \
    || { tail -n 20 "$log_file" >&2; die "postgres did not start; see $log_file"; }
  started_here=1
  if ! psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    psql_ -d postgres -c "CREATE DATABASE $db" || die "cannot create the database $db"
  fi
  print_env
}

stop() {
  if running; then
    as_owner "$bin/pg_ctl" stop -D "$data" -m fast -w -t 30 >/dev/null || true
  fi
}

announce() {
  echo "postgres.sh: $("$bin/postgres" --version | awk "{print \$3}") on $sock" >&2
}

daemon_main "$@"
