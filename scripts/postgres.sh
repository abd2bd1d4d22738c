#!/usr/bin/env bash
# A private PostgreSQL instance on loopback, for tests and scripts/cluster.sh. Never touches the
# machine's own clusters: the data directory, socket and log live under DIR.
#
#   scripts/postgres.sh install              installs Debian's postgresql package if missing
#   scripts/postgres.sh start DIR PORT       initdb (first time) + start on 127.0.0.1:PORT; prints the PID
#   scripts/postgres.sh stop DIR             fast shutdown (waits for it)
#   scripts/postgres.sh kill DIR             kill -9 of the postmaster (crash tests)
#   scripts/postgres.sh url DIR PORT         the Npgsql connection string for the instance
#
# The superuser is "postgres" with trust authentication on loopback only (a test instance).
# PG_FAST=1 turns fsync off (tests: the OS is never crashed, only the server processes).
set -euo pipefail

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

install() {
  if [ -n "$(pg_bin)" ]; then return 0; fi
  if [ "$(id -u)" != "0" ]; then
    echo "PostgreSQL is missing: install the Debian package postgresql (as root)" >&2
    exit 1
  fi
  echo "installing postgresql (Debian package)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  # The package may start its own main cluster; ours never uses it, and leaving it stopped keeps
  # port 5432 and the CPU free.
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_lsclusters -h 2>/dev/null | while read -r ver name _; do pg_ctlcluster "$ver" "$name" stop 2>/dev/null || true; done
  fi
}

# Runs a PostgreSQL binary as the postgres user when we are root (initdb refuses root).
as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local dir=$1 port=$2 bin
  install
  bin=$(pg_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ "$(id -u)" = "0" ] && chown postgres:postgres "$dir" && chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir.initdb.log" 2>&1 \
      || { cat "$dir.initdb.log" >&2; exit 1; }
  fi
  local opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=128MB"
  [ "${PG_FAST:-0}" = "1" ] && opts="$opts -c fsync=off -c full_page_writes=off"
  as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null
  head -n 1 "$dir/postmaster.pid"
}

stop() {
  local dir=$1 bin
  bin=$(pg_bin)
  [ -f "$dir/postmaster.pid" ] || return 0
  as_pg "$bin/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null || true
}

kill9() {
  local dir=$1
  [ -f "$dir/postmaster.pid" ] || return 0
  local pid
  pid=$(head -n 1 "$dir/postmaster.pid")
  kill -9 "$pid" 2>/dev/null || true
  # the backends exit when the postmaster is gone; wait for the port to close
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}

case "${1:-}" in
  install) install ;;
  start) start "${2:?DIR}" "${3:?PORT}" ;;
  stop) stop "${2:?DIR}" ;;
  kill) kill9 "${2:?DIR}" ;;
  url) echo "Host=127.0.0.1;Port=${3:?PORT};Username=postgres;Database=postgres" ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
