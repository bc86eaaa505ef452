#!/usr/bin/env bash
# A private, throwaway PostgreSQL for the server's tests.
#
#   tools/pg-test.sh COMMAND [ARG...]
#
# Runs COMMAND with ALLYSHARE_TEST_POSTGRES_URL set to a PostgreSQL server it may create and
# drop databases on (each TestServer makes its own). When the variable is already set, that
# server is used and nothing is started. Otherwise: `initdb` into a temporary folder (as the
# unprivileged `postgres` system user Debian's package creates when this runs as root: initdb
# refuses root), the server on a free loopback port (no Unix socket, no TCP beyond loopback),
# and at the end, also when COMMAND fails or the script is interrupted, the server stopped and
# the folder removed. Exits with COMMAND's status.
set -euo pipefail

[ "$#" -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }

if [ -n "${ALLYSHARE_TEST_POSTGRES_URL:-}" ]; then
  exec "$@"
fi

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] || { echo "error: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
  echo "$dir"
}
BIN="$(pg_bin)"

# Who runs the server: this user, or `postgres` when this is root.
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "error: no 'postgres' system user (apt-get install postgresql)" >&2; exit 1; }
  as_pg() { runuser -u postgres -- "$@"; }
  ROLE=postgres
else
  as_pg() { "$@"; }
  ROLE="$(id -un)"
fi

DIR="$(mktemp -d -t allyshare-pg.XXXXXX)"
chmod 755 "$DIR"
DATA="$DIR/data"
LOG="$DIR/log/server.log"
mkdir "$DATA" "$DIR/log"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DATA" "$DIR/log"; fi

stop() {
  if [ -f "$DATA/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}
trap stop EXIT
trap 'exit 130' INT TERM

# A free loopback port: the kernel's pick for a socket bound to port 0.
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"

as_pg "$BIN/initdb" -D "$DATA" -U "$ROLE" -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
# Tests only: durability off (the folder is removed anyway), room for many test databases.
as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start -o \
  "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories='' -c fsync=off \
   -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" >/dev/null \
  || { cat "$LOG" >&2; exit 1; }

export ALLYSHARE_TEST_POSTGRES_URL="postgres://$ROLE@127.0.0.1:$PORT/postgres"
echo "==> a throwaway PostgreSQL on 127.0.0.1:$PORT ($("$BIN/postgres" --version))"
status=0
"$@" || status=$?
exit "$status"
