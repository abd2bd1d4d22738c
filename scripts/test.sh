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
# on its own data directory and the first free port from 25432 (OSR_TEST_PG_PORT pins one), stopped
# when the run ends — also when it is stopped from outside (bash runs the EXIT trap on TERM), and
# a second signal does not cut that short.
scripts/postgres.sh install
pg_dir=$(mktemp -d /tmp/osr-test-pg.XXXXXX)
pg_port=${OSR_TEST_PG_PORT:-}
if [ -z "$pg_port" ]; then
  for pg_port in $(seq 25432 25531); do
    (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null || break
  done
fi
trap 'trap "" INT TERM; scripts/postgres.sh stop "$pg_dir"; rm -rf "$pg_dir" "$pg_dir.initdb.log"' EXIT
PG_FAST=1 scripts/postgres.sh start "$pg_dir" "$pg_port" >/dev/null
export OSR_TEST_POSTGRES
OSR_TEST_POSTGRES=$(scripts/postgres.sh url "$pg_dir" "$pg_port")

dotnet build Osr.Orleans.sln -c Release -warnaserror -v q -nologo
# A test that hangs is killed after 5 minutes, named in the output and counted as a failure,
# instead of stalling the whole run (no test comes near that: the slowest takes ~20 s).
# The console logger at "minimal" prints each failed test's message and stack (passing tests stay silent).
dotnet test Osr.Orleans.sln -c Release --no-build -v q --nologo --logger "console;verbosity=minimal" \
  --blame-hang-timeout 5m --blame-hang-dump-type mini "$@"
