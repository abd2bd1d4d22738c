#!/usr/bin/env bash
# How long `osr-admin devices import` takes to create N device accounts in Mosquitto's dynamic security (External mode).
#
#   test/Osr.Orleans.Benchmarks/Ingest/accounts.sh [N]     (default 10000; after dotnet build Osr.Orleans.sln -c Release)
#
# Starts a private Mosquitto (scripts/broker.sh) and one External-mode silo on free loopback ports, imports N devices,
# prints the wall time and the size of the broker's dynamic-security file, then stops both by PID.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
n=${1:-10000}
dir=$(mktemp -d /tmp/osr-accounts.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
mqtt=$(free_port); gateway=$(free_port); silo_port=$(free_port); ops=$(free_port)
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
silo=""
cleanup() {
  if [ -n "$silo" ]; then kill "$silo" 2>/dev/null || true; wait "$silo" 2>/dev/null || true; fi
  BROKER_DIR="$dir/broker" scripts/broker.sh stop >/dev/null || true
}
trap cleanup EXIT
MQTT_PORT=$mqtt BROKER_DIR="$dir/broker" OSR_BROKER_USER=osr-silo OSR_BROKER_PASSWORD="$password" scripts/broker.sh >/dev/null
dotnet src/Silo/bin/Release/net10.0/Osr.Orleans.Silo.dll --Osr:Mqtt:Mode=External --Osr:Mqtt:Brokers:0="127.0.0.1:$mqtt" \
  --Osr:Mqtt:Username=osr-silo --Osr:Mqtt:Password="$password" --Osr:Cluster:GatewayPort="$gateway" --Osr:Cluster:SiloPort="$silo_port" \
  --Osr:Ops:Port="$ops" --Osr:Ops:BindAddress=127.0.0.1 --Osr:Data:Path="$dir/data" --Osr:Models:Path="$dir/models" >"$dir/silo.log" 2>&1 &
silo=$!
for _ in $(seq 1 240); do
  if curl -fs "http://127.0.0.1:$ops/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 "$silo" 2>/dev/null || { cat "$dir/silo.log" >&2; exit 1; }
  sleep 0.5
done
{ echo "deviceId,userId,kind"; for i in $(seq 1 "$n"); do echo "acct-d$i,acct-u$i,watch"; done; } >"$dir/devices.csv"
start=$(date +%s.%N)
dotnet src/Client/bin/Release/net10.0/osr-admin.dll devices import "$dir/devices.csv" --gateway "127.0.0.1:$gateway" >"$dir/secrets.csv"
end=$(date +%s.%N)
lines=$(($(wc -l <"$dir/secrets.csv")))
size=$(stat -c %s "$dir"/broker/*dynamic-security*.json 2>/dev/null | head -1 || echo "?")
python3 -c "print(f'{$n} devices imported in {$end-$start:.1f} s ({$n/($end-$start):.0f}/s); {$lines} output lines; dynamic-security file {int(\"$size\" or 0)/1e6:.1f} MB; load {open(\"/proc/loadavg\").read().split()[0]}')"
