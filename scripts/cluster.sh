#!/usr/bin/env bash
# Several silos for real, on one machine: a private PostgreSQL, N silo processes in one Orleans
# cluster (ADO.NET membership, grain storage and reminders on PostgreSQL), each with its own embedded
# MQTT broker, and the simulator spread over their brokers with the live table.
#
#  1. PostgreSQL: installed from Debian's packages if missing (scripts/postgres.sh), a private
#     instance under .osr/cluster/pg on 127.0.0.1:PG_PORT, database "osr", migrated with
#     `osr-admin db migrate --connection …`.
#  2. SILOS silo processes (default 3): silo i listens on MQTT 1883+i, gateway 30000+i, silo port
#     11111+i, ops HTTP 8080+i (health, metrics); logs and PIDs under .osr/cluster (silo-i.log, silo-i.pid).
#  3. the simulator: USERS simulated people, their devices spread over the silos' brokers; a device
#     whose silo dies reconnects to another one (docs/operations.md, "Devices and silo failure").
#     Try it: `kill -9 $(cat .osr/cluster/silo-1.pid)` in another terminal and watch the broker column.
#
# Ctrl+C (or DURATION, e.g. DURATION=2m) ends the simulator; then the cluster's stats are shown and
# everything this script started is stopped by PID (silos, then PostgreSQL).
#
#   SILOS=3 USERS=60 DURATION= PG_PORT=55432 MQTT_PORT=1883 GATEWAY_PORT=30000 SILO_PORT=11111 OPS_PORT=8080 scripts/cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# An 80 MB gen-0 budget for the silos and the simulator (docs/operations.md, "GC").
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x5000000}"

SILOS="${SILOS:-3}"
USERS="${USERS:-60}"
DURATION="${DURATION:-}"
PG_PORT="${PG_PORT:-55432}"
MQTT_PORT="${MQTT_PORT:-1883}"
GATEWAY_PORT="${GATEWAY_PORT:-30000}"
SILO_PORT="${SILO_PORT:-11111}"
OPS_PORT="${OPS_PORT:-8080}"
DIR=.osr/cluster
out=src/Silo/bin/Release/net10.0
admin=src/Client/bin/Release/net10.0/osr-admin.dll

if ! [[ "$SILOS" =~ ^[0-9]+$ ]] || [ "$SILOS" -lt 1 ] || [ "$SILOS" -gt 16 ]; then
  echo "SILOS must be a number from 1 to 16, not '$SILOS'" >&2
  exit 2
fi

# Leftovers of an earlier run that did not get to clean up: only processes whose PID files this script
# wrote and that still run the silo.
if [ -d "$DIR" ]; then
  for pidfile in "$DIR"/silo-*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null && grep -q "Osr.Orleans.Silo.dll" "/proc/$pid/cmdline" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  scripts/postgres.sh stop "$DIR/pg" || true
fi

echo "building (Release)…"
dotnet build Osr.Orleans.sln -c Release -v q -nologo >/dev/null

rm -rf "$DIR"
mkdir -p "$DIR"
silos=()
pg_started=""
cleanup() {
  trap - EXIT INT TERM
  for pid in "${silos[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${silos[@]}"; do wait "$pid" 2>/dev/null || true; done
  silos=()
  if [ -n "$pg_started" ]; then scripts/postgres.sh stop "$DIR/pg" || true; fi
}
trap cleanup EXIT INT TERM

echo
echo "== PostgreSQL on 127.0.0.1:$PG_PORT (data and log under $DIR/pg)"
scripts/postgres.sh install
scripts/postgres.sh start "$DIR/pg" "$PG_PORT" >"$DIR/pg.pid"
pg_started=1
psql_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/psql
if [ "$("$psql_bin" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qtA -c "SELECT 1 FROM pg_database WHERE datname = 'osr'")" != "1" ]; then
  "$psql_bin" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qtA -c "CREATE DATABASE osr" >/dev/null
fi
cs="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=osr;Maximum Pool Size=40"

echo "migrating the schema…"
dotnet "$admin" db migrate --connection "$cs"

echo
echo "== $SILOS silos (logs: $DIR/silo-N.log)"
mqtt_list=""
gateway_list=""
for i in $(seq 0 $((SILOS - 1))); do
  log="$DIR/silo-$i.log"
  dotnet "$out/Osr.Orleans.Silo.dll" \
    --Osr:Cluster:Mode=AdoNet --Osr:Cluster:ConnectionString="$cs" \
    --Osr:Storage:Mode=AdoNet --Osr:Storage:ConnectionString="$cs" \
    --Osr:Cluster:SiloPort=$((SILO_PORT + i)) --Osr:Cluster:GatewayPort=$((GATEWAY_PORT + i)) \
    --Osr:Mqtt:Port=$((MQTT_PORT + i)) --Osr:Mqtt:BindAddress=127.0.0.1 \
    --Osr:Mqtt:ConnectRatePerAddress=0 \
    --Osr:Ops:Port=$((OPS_PORT + i)) --Osr:Ops:BindAddress=127.0.0.1 \
    --Osr:Data:Path="$DIR/silo-$i/data" --Osr:Models:Path="$DIR/silo-$i/models" \
    >"$log" 2>&1 &
  silos+=($!)
  echo $! >"$DIR/silo-$i.pid"
  mqtt_list+="${mqtt_list:+,}127.0.0.1:$((MQTT_PORT + i))"
  gateway_list+="${gateway_list:+,}127.0.0.1:$((GATEWAY_PORT + i))"
done

for i in $(seq 0 $((SILOS - 1))); do
  log="$DIR/silo-$i.log"
  pid=${silos[$i]}
  started=""
  for _ in $(seq 1 240); do
    if grep -q "Application started" "$log" 2>/dev/null; then started=1; break; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "silo $i exited:" >&2; cat "$log" >&2; exit 1; fi
    sleep 0.5
  done
  if [ -z "$started" ]; then echo "silo $i did not start in 120 s (log: $log)" >&2; exit 1; fi
  echo "  silo $i: PID $pid, MQTT 127.0.0.1:$((MQTT_PORT + i)), gateway 127.0.0.1:$((GATEWAY_PORT + i)), http://127.0.0.1:$((OPS_PORT + i))/health/ready"
done

echo
echo "== the simulator: $USERS users over $mqtt_list (kill -9 \$(cat $DIR/silo-1.pid) to watch devices move)"
args=(simulate --users "$USERS" --watch --mqtt "$mqtt_list" --gateway "$gateway_list")
if [ -n "$DURATION" ]; then args+=(--duration "$DURATION"); fi
dotnet "$admin" "${args[@]}" || true
echo
dotnet "$admin" stats --gateway "$gateway_list" || true
