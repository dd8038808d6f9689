#!/bin/sh
# The part of the public postgres image's entrypoint the chart relies on, for the node's
# locally assembled image: on an empty PGDATA, initdb with POSTGRES_USER as the bootstrap
# superuser (password from POSTGRES_PASSWORD), create POSTGRES_DB, run the *.sh scripts of
# /docker-entrypoint-initdb.d (POSTGRES_INITDB_DIR in tests) against a server listening on a
# private socket only (the chart's creates the application role), then run postgres listening
# on every address of the pod. The password goes through a file, never argv.
set -eu
: "${PGDATA:?PGDATA is required}" "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
initdir="${POSTGRES_INITDB_DIR:-/docker-entrypoint-initdb.d}"

run_init_scripts() {
  sock=$(mktemp -d)
  pg_ctl -D "$PGDATA" -w -s -o "-c listen_addresses='' -c unix_socket_directories=$sock" start
  for f in "$initdir"/*.sh; do
    [ -f "$f" ] || continue
    echo "postgres-entrypoint: running $f"
    # As the public image: the script sees POSTGRES_USER, POSTGRES_DB and the rest of the env.
    PGHOST="$sock" POSTGRES_USER="$user" POSTGRES_DB="$db" sh -eu "$f"
  done
  pg_ctl -D "$PGDATA" -w -s -m fast stop
  rmdir "$sock"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"; chmod 0700 "$PGDATA"
  pwfile=$(mktemp); printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    postgres --single -D "$PGDATA" -j postgres >/dev/null <<SQL
CREATE DATABASE "$db" OWNER "$user";
SQL
  fi
  run_init_scripts
fi
if [ "${1:-postgres}" = postgres ]; then
  [ $# -gt 0 ] && shift
  exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
fi
exec "$@"
