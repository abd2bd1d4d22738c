#!/usr/bin/env bash
# The main job on embedded defaults: builds the solution, starts one silo (localhost
# clustering, in-memory storage, embedded MQTT broker on 127.0.0.1:1883), then simulated
# users stream readings over real MQTT while a live table shows their filtered state and
# activity label. Ctrl+C (or DURATION, e.g. DURATION=3m) ends it and stops the silo.
#
#   USERS=12 CYCLE=6m DURATION= scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

USERS="${USERS:-12}"
CYCLE="${CYCLE:-6m}"
DURATION="${DURATION:-}"
MQTT_PORT="${MQTT_PORT:-1883}"
GATEWAY_PORT="${GATEWAY_PORT:-30000}"
SILO_PORT="${SILO_PORT:-11111}"
out=src/Silo/bin/Release/net10.0
admin=src/Client/bin/Release/net10.0/osr-admin.dll

echo "building (Release)…"
dotnet build Osr.Orleans.sln -c Release -v q -nologo >/dev/null

mkdir -p .osr
echo "starting the silo (log: .osr/silo.log)…"
dotnet "$out/Osr.Orleans.Silo.dll" \
  --Osr:Mqtt:Port="$MQTT_PORT" --Osr:Mqtt:BindAddress=127.0.0.1 \
  --Osr:Cluster:GatewayPort="$GATEWAY_PORT" --Osr:Cluster:SiloPort="$SILO_PORT" \
  >.osr/silo.log 2>&1 &
silo=$!
cleanup() {
  if kill -0 "$silo" 2>/dev/null; then
    kill -TERM "$silo" 2>/dev/null || true
    wait "$silo" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

for _ in $(seq 1 120); do
  if grep -q "Application started" .osr/silo.log 2>/dev/null; then break; fi
  if ! kill -0 "$silo" 2>/dev/null; then echo "the silo exited:" >&2; cat .osr/silo.log >&2; exit 1; fi
  sleep 0.5
done
grep -q "Application started" .osr/silo.log || { echo "the silo did not start in 60 s" >&2; exit 1; }

args=(simulate --users "$USERS" --cycle "$CYCLE" --watch --gateway "127.0.0.1:$GATEWAY_PORT" --mqtt "127.0.0.1:$MQTT_PORT")
if [ -n "$DURATION" ]; then args+=(--duration "$DURATION"); fi
dotnet "$admin" "${args[@]}"
echo
echo "one user in detail:"
dotnet "$admin" user show sim-u00001 --gateway "127.0.0.1:$GATEWAY_PORT" || true
