#!/usr/bin/env bash
# The main job on embedded defaults: one silo (localhost clustering, grain state in SQLite,
# embedded MQTT broker on 127.0.0.1:1883, event log and model files under .osr/demo).
#
#  1. learn: the silo runs on the event clock while simulated people live LEARN_DAYS days in
#     fast-forward; the simulator brings a demo catalogue, ALS is trained, pushes are decided with
#     the neutral propensity prior, and the simulated people answer them (opened, converted,
#     dismissed). A propensity model is trained from those logged decisions and promoted if it
#     beats the prior. Skipped when LEARN_DAYS=0.
#  2. live: the same silo restarts on the wall clock and simulated users stream readings over real
#     MQTT; a live table shows each user's filtered state, label and the latest push they received.
#     Ctrl+C (or DURATION, e.g. DURATION=3m) ends it; then one user is explained in detail
#     (state, candidates with affinity/propensity/OSR, last decisions and why) and the stats.
#
#   USERS=12 CYCLE=6m DURATION= LEARN_DAYS=3 LEARN_USERS=60 scripts/demo.sh
#
# MQTT=external runs the same demo through a local Mosquitto (scripts/broker.sh, installed if missing, state in
# .osr/demo/broker) that the silo consumes in External mode (docs/operations.md, "External broker").
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# An 80 MB gen-0 budget for the silo and the simulator (docs/operations.md, "GC"): where the CPU
# reports no L3 cache the runtime's default is ~2 MB and the processes collect 40× as often.
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x5000000}"

USERS="${USERS:-12}"
CYCLE="${CYCLE:-6m}"
DURATION="${DURATION:-}"
LEARN_DAYS="${LEARN_DAYS:-3}"
LEARN_USERS="${LEARN_USERS:-60}"
MQTT_PORT="${MQTT_PORT:-1883}"
GATEWAY_PORT="${GATEWAY_PORT:-30000}"
SILO_PORT="${SILO_PORT:-11111}"
OPS_PORT="${OPS_PORT:-8080}"
MQTT="${MQTT:-embedded}"
DIR=.osr/demo
out=src/Silo/bin/Release/net10.0
admin=src/Client/bin/Release/net10.0/osr-admin.dll
endpoints=(--gateway "127.0.0.1:$GATEWAY_PORT")

echo "building (Release)…"
dotnet build Osr.Orleans.sln -c Release -v q -nologo >/dev/null

rm -rf "$DIR"
mkdir -p "$DIR"
silo=""
stop_silo() {
  if [ -n "$silo" ] && kill -0 "$silo" 2>/dev/null; then
    kill -TERM "$silo" 2>/dev/null || true
    wait "$silo" 2>/dev/null || true
  fi
  silo=""
}
broker_args=()
stop_all() {
  stop_silo
  if [ "$MQTT" = external ]; then BROKER_DIR="$DIR/broker" scripts/broker.sh stop >/dev/null || true; fi
}
trap stop_all EXIT INT TERM
case "$MQTT" in
  embedded) ;;
  external)
    echo "starting Mosquitto on 127.0.0.1:$MQTT_PORT (scripts/broker.sh, log: $DIR/broker/mosquitto.log)…"
    broker_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    MQTT_PORT="$MQTT_PORT" BROKER_DIR="$DIR/broker" OSR_BROKER_USER=osr-silo OSR_BROKER_PASSWORD="$broker_password" scripts/broker.sh
    broker_args=(--Osr:Mqtt:Mode=External --Osr:Mqtt:Brokers:0="127.0.0.1:$MQTT_PORT"
      --Osr:Mqtt:Username=osr-silo --Osr:Mqtt:Password="$broker_password")
    ;;
  *) echo "MQTT must be embedded or external, got '$MQTT'" >&2; exit 2 ;;
esac

# start_silo LOG [extra configuration…]
start_silo() {
  local log="$1"; shift
  dotnet "$out/Osr.Orleans.Silo.dll" \
    --Osr:Mqtt:Port="$MQTT_PORT" --Osr:Mqtt:BindAddress=127.0.0.1 \
    --Osr:Mqtt:ConnectRatePerAddress=0 \
    --Osr:Cluster:GatewayPort="$GATEWAY_PORT" --Osr:Cluster:SiloPort="$SILO_PORT" \
    --Osr:Ops:Port="$OPS_PORT" --Osr:Ops:BindAddress=127.0.0.1 \
    --Osr:Data:Path="$DIR/data" --Osr:Models:Path="$DIR/models" "${broker_args[@]}" "$@" \
    >"$log" 2>&1 &
  silo=$!
  for _ in $(seq 1 120); do
    if grep -q "Application started" "$log" 2>/dev/null; then return 0; fi
    if ! kill -0 "$silo" 2>/dev/null; then echo "the silo exited:" >&2; cat "$log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "the silo did not start in 60 s (log: $log)" >&2
  exit 1
}

if [ "$LEARN_DAYS" -gt 0 ]; then
  echo
  echo "== 1. learning: $LEARN_USERS simulated people live $LEARN_DAYS days on the event clock (log: $DIR/learn.log)"
  start_silo "$DIR/learn.log" --Osr:Clock=Event \
    --Osr:Ingest:MaxReadingsPerSecond=100000 --Osr:Ingest:Burst=1000000
  dotnet "$admin" simulate --clock event --days "$LEARN_DAYS" --users "$LEARN_USERS" \
    --mqtt "127.0.0.1:$MQTT_PORT" "${endpoints[@]}"
  echo
  echo "training the propensity model from the logged pushes and what the people did with them…"
  dotnet "$admin" model train propensity --promote-if-better "${endpoints[@]}" || echo "(propensity training failed; the live part uses the neutral prior)"
  stop_silo
fi

echo
echo "== 2. live: $USERS simulated users over real MQTT, wall clock (log: $DIR/silo.log)"
start_silo "$DIR/silo.log"
args=(simulate --users "$USERS" --cycle "$CYCLE" --watch --mqtt "127.0.0.1:$MQTT_PORT" "${endpoints[@]}")
if [ -n "$DURATION" ]; then args+=(--duration "$DURATION"); fi
dotnet "$admin" "${args[@]}" || true
echo
echo "one user in detail:"
dotnet "$admin" user show sim-u00001 "${endpoints[@]}" || true
echo
dotnet "$admin" stats "${endpoints[@]}" || true
