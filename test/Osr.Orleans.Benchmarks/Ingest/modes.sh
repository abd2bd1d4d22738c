#!/usr/bin/env bash
# Ingest publish → applied lag: embedded broker vs external Mosquitto vs bare Mosquitto (docs/benchmarks.md,
# "Ingest: embedded vs external vs bare Mosquitto"). Not part of CI: each point takes about a minute.
#
#   test/Osr.Orleans.Benchmarks/Ingest/modes.sh [OUT_CSV]
#
# Environment: RATES (readings/s, default "1000 2000 5000"), USERS (simulated users per generator, default 700 ≈ 1,050
# devices), GENERATORS (load-generator processes per point, default 1; each ≤ 2k connections), WARMUP (default 5s),
# DURATION (default 20s), MODES (default "embedded external bare").
# Build first: dotnet build Osr.Orleans.sln -c Release. Every process this script starts is stopped by PID.
#
# Per point, a fresh target is started, so the silo's 60 s window (stats --json → ingest.lagMs) holds exactly the
# point's warm-up and measured readings:
#   embedded  one silo, its embedded MQTTnet broker; lag = ingest.lagMs (reading ts → its grain applied it)
#   external  Mosquitto (scripts/broker.sh) → one silo in External mode; lag = ingest.lagMs
#   bare      Mosquitto (anonymous, no plugin, same limits as deploy/mosquitto) → one subscriber (ingest
#             lag-subscriber); lag = reading ts → arrival at the subscriber; no grains
# The load is osr-admin simulate (QoS 1, --latency-from intended: a reading's ts is its intended send time).
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$(pwd)
out=${1:-}
rates=${RATES:-1000 2000 5000}
users=${USERS:-700}
generators=${GENERATORS:-1}
warmup=${WARMUP:-5s}
duration=${DURATION:-20s}
modes=${MODES:-embedded external bare}
silo_dll=$root/src/Silo/bin/Release/net10.0/Osr.Orleans.Silo.dll
admin_dll=$root/src/Client/bin/Release/net10.0/osr-admin.dll
bench_dll=$root/test/Osr.Orleans.Benchmarks/bin/Release/net10.0/Osr.Orleans.Benchmarks.dll
work=$(mktemp -d /tmp/osr-modes.XXXXXX)
export DOTNET_GCgen0size=${DOTNET_GCgen0size:-0x5000000}
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_for() { # FILE PATTERN SECONDS
  for _ in $(seq 1 $(( $3 * 10 ))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; tail -20 "$1" >&2; return 1
}

start_silo() { # DIR MQTT_PORT GATEWAY EXTRA…
  local dir=$1 mqtt=$2 gateway=$3; shift 3
  mkdir -p "$dir/data" "$dir/models"
  dotnet "$silo_dll" --Osr:Mqtt:Port="$mqtt" --Osr:Mqtt:BindAddress=127.0.0.1 --Osr:Cluster:GatewayPort="$gateway" \
    --Osr:Cluster:SiloPort="$(free_port)" --Osr:Ops:Port=0 --Osr:Data:Path="$dir/data" --Osr:Models:Path="$dir/models" \
    --Logging:LogLevel:Default=Warning "$@" > "$dir/silo.log" 2>&1 &
  pids+=($!)
  wait_for "$dir/silo.log" "Application started" 90
}

gpids=()
load_start() { # DIR MQTT_PORT RATE PROVISION_ARGS…  (starts the generators; load_wait waits for them)
  local dir=$1 mqtt=$2 rate=$3; shift 3
  local per=$(( rate / generators ))
  gpids=()
  for g in $(seq 1 "$generators"); do
    dotnet "$admin_dll" simulate --users "$users" --rate "$per" --prefix "m${g}x" --mqtt "127.0.0.1:$mqtt" \
      --warmup "$warmup" --duration "$duration" --latency-from intended --connect-concurrency 200 --json "$@" \
      > "$dir/load$g.json" 2> "$dir/load$g.log" &
    gpids+=($!); pids+=($!)
  done
}
load_wait() { for pid in "${gpids[@]}"; do wait "$pid" || echo "generator $pid exited with $?" >&2; done; }
load() { load_start "$@"; load_wait; }

lag_of_silo() { # GATEWAY → "count p50 p99 p999"
  dotnet "$admin_dll" stats --json --gateway "127.0.0.1:$1" |
    python3 -c 'import json,sys; l=json.load(sys.stdin)["ingest"]["lagMs"]; print(l["count"], l["p50"], l["p99"], l["p999"])'
}

achieved() { # DIR → "devices achieved_rate acked_of_published" summed over the generators
  python3 - "$1" <<'PY'
import glob, json, sys
dev = rate = pub = ack = 0
for f in glob.glob(sys.argv[1] + "/load*.json"):
    d = json.load(open(f))
    dev += d["devices"]; rate += d["achievedRate"]; pub += d["readingsPublished"]; ack += d["readingsAcked"]
print(dev, round(rate), f"{ack}/{pub}")
PY
}

[ -n "$out" ] && [ ! -f "$out" ] && echo "mode,offered_per_s,devices,achieved_per_s,acked_of_published,count,p50_ms,p99_ms,p999_ms,loadavg_1m,utc" > "$out"
echo "work dir $work"
for rate in $rates; do
  for mode in $modes; do
    dir=$work/$mode-$rate; mkdir -p "$dir"
    mqtt=$(free_port); gateway=$(free_port)
    case $mode in
      embedded)
        start_silo "$dir" "$mqtt" "$gateway"
        load "$dir" "$mqtt" "$rate" --gateway "127.0.0.1:$gateway" --no-catalog --no-feedback
        sleep 2 # the silos report their counters once a second
        read -r count p50 p99 p999 < <(lag_of_silo "$gateway");;
      external)
        MQTT_PORT=$mqtt BROKER_DIR=$dir/broker scripts/broker.sh > "$dir/broker.out" 2>&1
        pids+=("$(cat "$dir/broker/mosquitto.pid")")
        start_silo "$dir" "$(free_port)" "$gateway" --Osr:Mqtt:Mode=External --Osr:Mqtt:Brokers:0="127.0.0.1:$mqtt" \
          --Osr:Mqtt:Username=osr-silo --Osr:Mqtt:Password="$(cat "$dir/broker/silo-password")"
        # The devices' accounts go into the broker's file while it is stopped (one dynamic-security command per
        # device would take minutes at 10k devices; docs/operations.md "External broker: large fleets").
        stopped=$(cat "$dir/broker/mosquitto.pid")
        MQTT_PORT=$mqtt BROKER_DIR=$dir/broker scripts/broker.sh stop >> "$dir/broker.out" 2>&1
        kept=(); for pid in "${pids[@]}"; do [ "$pid" = "$stopped" ] || kept+=("$pid"); done; pids=("${kept[@]}")   # not killed again later: its PID may be reused
        load_start "$dir" "$mqtt" "$rate" --gateway "127.0.0.1:$gateway" --no-catalog --no-feedback \
          --broker-file "$dir/broker/dynamic-security.json"
        for g in $(seq 1 "$generators"); do wait_for "$dir/load$g.log" "broker accounts to" 600; done
        MQTT_PORT=$mqtt BROKER_DIR=$dir/broker scripts/broker.sh >> "$dir/broker.out" 2>&1
        pids+=("$(cat "$dir/broker/mosquitto.pid")")
        load_wait
        sleep 2
        read -r count p50 p99 p999 < <(lag_of_silo "$gateway");;
      bare)
        sed -e "s|^listener .*|listener $mqtt 127.0.0.1|" -e "s|^persistence .*|persistence false|" \
            -e "/^persistence_location/d" -e "/^plugin/d" -e "s|^allow_anonymous .*|allow_anonymous true|" \
            deploy/mosquitto/mosquitto.conf > "$dir/mosquitto.conf"
        "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 &
        pids+=($!)
        for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/"$mqtt") 2>/dev/null && break; sleep 0.1; done
        dotnet "$bench_dll" ingest lag-subscriber --port "$mqtt" > "$dir/subscriber.log" 2>&1 &
        pids+=($!)
        wait_for "$dir/subscriber.log" "Application started" 30
        load "$dir" "$mqtt" "$rate" --no-provision
        sleep 2
        read -r count p50 p99 p999 < <(grep '^{' "$dir/subscriber.log" | tail -1 |
          python3 -c 'import json,sys; l=json.load(sys.stdin); print(l["count"], l["p50"], l["p99"], l["p999"])');;
    esac
    load1=$(cut -d' ' -f1 /proc/loadavg)
    read -r devices rate_done acked < <(achieved "$dir")
    echo "$mode $rate devices=$devices achieved=$rate_done acked=$acked count=$count p50=$p50 p99=$p99 p999=$p999 load1=$load1"
    [ -n "$out" ] && echo "$mode,$rate,$devices,$rate_done,$acked,$count,$(printf '%.2f,%.2f,%.2f' "$p50" "$p99" "$p999"),$load1,$(date -u +%FT%TZ)" >> "$out"
    cleanup
  done
done
