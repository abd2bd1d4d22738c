#!/usr/bin/env bash
# Runs every test: unit, cluster (Orleans TestingHost) and integration (a real silo with its
# embedded MQTT broker on free loopback ports, real MQTTnet clients and mosquitto_pub, a real
# Mosquitto for External mode started by scripts/broker.sh, a real PostgreSQL started here on loopback).
# Usage: scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v mosquitto_pub >/dev/null 2>&1 || ! command -v mosquitto_ctrl >/dev/null 2>&1 || [ ! -x /usr/sbin/mosquitto ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing mosquitto and mosquitto-clients (the broker and MQTT clients the integration tests use)" >&2
    apt-get update -qq && apt-get install -y -qq mosquitto mosquitto-clients >/dev/null
  else
    echo "Mosquitto is missing: install the Debian packages mosquitto and mosquitto-clients" >&2
    exit 1
  fi
fi

# A private PostgreSQL for the tests that need one (installed from Debian's packages if missing),
# on its own port and data directory, stopped by PID when the run ends.
scripts/postgres.sh install
pg_dir=$(mktemp -d /tmp/osr-test-pg.XXXXXX)
pg_port=${OSR_TEST_PG_PORT:-25432}
PG_FAST=1 scripts/postgres.sh start "$pg_dir" "$pg_port" >/dev/null
child=""
trap 'scripts/postgres.sh stop "$pg_dir"; rm -rf "$pg_dir" "$pg_dir.initdb.log"' EXIT
# Stopped from outside (CI's time limit, Ctrl+C): end the tests and still stop PostgreSQL (EXIT), so that a later run
# finds its port free. The tests run in the background because bash acts on a signal only between commands.
trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; exit 143' TERM INT
export OSR_TEST_POSTGRES
OSR_TEST_POSTGRES=$(scripts/postgres.sh url "$pg_dir" "$pg_port")

dotnet build Osr.Orleans.sln -c Release -warnaserror -v q -nologo
# A test that hangs is killed after 5 minutes, named in the output and counted as a failure,
# instead of stalling the whole run (no test comes near that: the slowest takes ~20 s).
# The console logger at "minimal" prints each failed test's message and stack (passing tests stay silent).
dotnet test Osr.Orleans.sln -c Release --no-build -v q --nologo --logger "console;verbosity=minimal" \
  --blame-hang-timeout 5m --blame-hang-dump-type mini "$@" &
child=$!
wait "$child"
