#!/usr/bin/env bash
# A PostgreSQL primary and its streaming replica on this machine, for the read-replica tests (README, "Read replicas").
#
#   bash scripts/replica.sh start   # primary on 127.0.0.1:$PRIMARY_PORT, replica (pg_basebackup -R) on $REPLICA_PORT
#   bash scripts/replica.sh test    # start, run tests/core/test_replica.py against them, stop
#   bash scripts/replica.sh stop    # stop both and remove their data
#
# Both clusters live under $REPLICA_DIR (default /tmp/search-replica) and belong to the `postgres` user (PostgreSQL
# refuses to run as root). Needs the PostgreSQL server binaries (Debian: postgresql-15); without them, `test` says so
# and exits 0, and the test itself is skipped with that reason.
set -euo pipefail
cd "$(dirname "$0")/.."

REPLICA_DIR="${REPLICA_DIR:-/tmp/search-replica}"
PRIMARY_PORT="${PRIMARY_PORT:-55440}"
REPLICA_PORT="${REPLICA_PORT:-55441}"
PYTHON="${PYTHON:-.venv/bin/python}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

available() {
  [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_basebackup" ] && [ -x "$PG_BIN/pg_ctl" ]
}

wait_ready() {
  for _ in $(seq 60); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
    sleep 0.5
  done
  echo "PostgreSQL on port $1 did not start" >&2
  return 1
}

start() {
  available || { echo "PostgreSQL server binaries not found (PG_BIN=$PG_BIN)" >&2; return 1; }
  stop quietly
  mkdir -p "$REPLICA_DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres "$REPLICA_DIR"; fi
  as_postgres "$PG_BIN/initdb" -D "$REPLICA_DIR/primary" -U postgres --auth=trust --locale=C.UTF-8 -E UTF8 >/dev/null
  cat >> "$REPLICA_DIR/primary/postgresql.conf" <<EOF
port = $PRIMARY_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$REPLICA_DIR'
wal_level = replica
max_wal_senders = 4
fsync = off
EOF
  echo "host replication postgres 127.0.0.1/32 trust" >> "$REPLICA_DIR/primary/pg_hba.conf"
  as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR/primary" -l "$REPLICA_DIR/primary.log" -w start >/dev/null
  wait_ready "$PRIMARY_PORT"
  as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DIR/replica" -R -X stream
  cat >> "$REPLICA_DIR/replica/postgresql.conf" <<EOF
port = $REPLICA_PORT
hot_standby = on
EOF
  as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR/replica" -l "$REPLICA_DIR/replica.log" -w start >/dev/null
  wait_ready "$REPLICA_PORT"
  echo "primary: postgres://postgres@127.0.0.1:$PRIMARY_PORT/catalogue"
  echo "replica: postgres://postgres@127.0.0.1:$REPLICA_PORT/catalogue (streaming from the primary)"
}

stop() {
  for cluster in replica primary; do
    if [ -f "$REPLICA_DIR/$cluster/postmaster.pid" ]; then
      as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR/$cluster" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$REPLICA_DIR"
  [ "${1:-}" = quietly ] || echo "stopped; $REPLICA_DIR removed"
}

run_tests() {
  if ! available; then
    echo "Read-replica test not run: PostgreSQL server binaries not found (install postgresql, or set PG_BIN)."
    return 0
  fi
  trap 'stop quietly' EXIT
  start
  DATABASE_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/catalogue" \
    DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/catalogue" \
    "$PYTHON" -m pytest -q tests/core/test_replica.py "$@"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  test) shift; run_tests "$@" ;;
  *) echo "usage: $0 start|stop|test" >&2; exit 2 ;;
esac
