#!/usr/bin/env bash
# Many devices through several Mosquitto processes to a cluster of silos (docs/benchmarks.md, "100k devices through
# 6 Mosquitto processes to 2 silos"). Not part of CI: the full run takes 15–25 minutes and most of the machine.
#
#   test/Osr.Orleans.Benchmarks/Ingest/scale.sh [OUT_DIR]
#
# Environment (defaults = the issue's scenario): GENERATORS (50 load-generator processes, each ≤ 2k connections),
# USERS (1330 simulated people per generator ≈ 2,000 devices), BROKERS (6 Mosquitto processes, each under the
# per-process file limit), SILOS (2, one Orleans cluster on a private PostgreSQL), RATE (10000 readings/s in all,
# one reading per message), WARMUP (60s), DURATION (60s), CHECKPOINT (Osr:State:CheckpointInterval, 00:05:00),
# WAVE (5: generators started together, each wave once the previous one registered its devices), BROKER_PORT_BASE
# (21883: the brokers listen on BASE … BASE+BROKERS-1, below the ephemeral port range).
# Build first: dotnet build Osr.Orleans.sln -c Release. Every process this script starts is stopped by PID.
#
#  1. PostgreSQL (scripts/postgres.sh) with the schema; BROKERS Mosquittos (scripts/broker.sh, deploy/mosquitto);
#     SILOS silos in External mode, each consuming every broker's shared subscriptions, grain state on PostgreSQL.
#  2. The brokers are stopped; the generators register their devices through the silos' gateways and write the
#     accounts into one dynamic-security file (--broker-file), copied to every broker; the brokers start again.
#  3. Each generator spreads its devices over all brokers and publishes for WARMUP + DURATION; then the cluster's
#     publish → applied lag (stats --json → ingest.lagMs, the last 60 s), each silo's RSS and GC heap are read.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$(pwd)
generators=${GENERATORS:-50}
users=${USERS:-1330}
brokers=${BROKERS:-6}
silos=${SILOS:-2}
rate=${RATE:-10000}
warmup=${WARMUP:-60s}
duration=${DURATION:-60s}
checkpoint=${CHECKPOINT:-00:05:00}
silo_dll=$root/src/Silo/bin/Release/net10.0/Osr.Orleans.Silo.dll
admin_dll=$root/src/Client/bin/Release/net10.0/osr-admin.dll
work=${1:-$(mktemp -d /tmp/osr-scale.XXXXXX)}
mkdir -p "$work"
export DOTNET_GCgen0size=${DOTNET_GCgen0size:-0x5000000}
password=scale-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
pids=()
broker_ports=()
pg_dir=$work/pg

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for b in $(seq 1 "$brokers"); do [ -d "$work/broker$b" ] && BROKER_DIR=$work/broker$b scripts/broker.sh stop >/dev/null 2>&1 || true; done
  [ -d "$pg_dir" ] && scripts/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

wait_for() { # FILE PATTERN SECONDS
  for _ in $(seq 1 $(( $3 * 10 ))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    if grep -q "^error:" "$1" 2>/dev/null; then echo "failed: $1" >&2; tail -5 "$1" >&2; return 1; fi
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1" >&2; tail -20 "$1" >&2; return 1
}

brokers_do() { # start|stop
  for b in $(seq 1 "$brokers"); do
    if [ "$1" = stop ]; then
      BROKER_DIR=$work/broker$b scripts/broker.sh stop >> "$work/brokers.out" 2>&1
    else
      # Loading 100k accounts while devices already hammer the other brokers can take longer than broker.sh's 10 s:
      # the daemon keeps starting, so wait for its port a while longer.
      local port=${broker_ports[$((b - 1))]}
      MQTT_PORT=$port BROKER_DIR=$work/broker$b OSR_BROKER_PASSWORD=$password scripts/broker.sh >> "$work/brokers.out" 2>&1 || {
        for _ in $(seq 1 1200); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
        (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "broker $b did not start" >&2; return 1; }
      }
    fi
  done
}

echo "work dir $work; $generators generators × $users users, $brokers brokers, $silos silos, $rate readings/s"
pg_port=$(free_port)
scripts/postgres.sh install
PG_FAST=1 scripts/postgres.sh start "$pg_dir" "$pg_port" > "$work/pg.pid"
psql_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql
"$psql_bin" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qtA -c "CREATE DATABASE osr" >/dev/null
cs="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=osr;Maximum Pool Size=40"
dotnet "$admin_dll" db migrate --connection "$cs" > "$work/migrate.log"

# Below the ephemeral range: the brokers are stopped while the generators register, and 100k outgoing
# connections would otherwise take a free port picked from that range before its broker starts again.
broker_base=${BROKER_PORT_BASE:-21883}
for b in $(seq 1 "$brokers"); do
  port=$((broker_base + b - 1))
  if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use (set BROKER_PORT_BASE)" >&2; exit 1; fi
  broker_ports+=("$port")
done
brokers_do start
broker_args=() mqtt_list=""
for b in $(seq 1 "$brokers"); do
  broker_args+=("--Osr:Mqtt:Brokers:$((b - 1))=127.0.0.1:${broker_ports[$((b - 1))]}")
  mqtt_list+="${mqtt_list:+,}127.0.0.1:${broker_ports[$((b - 1))]}"
done

gateway_list="" silo_pids=()
for s in $(seq 1 "$silos"); do
  gateway=$(free_port)
  dotnet "$silo_dll" --Osr:Cluster:Mode=AdoNet --Osr:Cluster:ConnectionString="$cs" \
    --Osr:Storage:Mode=AdoNet --Osr:Storage:ConnectionString="$cs" --Osr:Cluster:SiloName="scale-$s" \
    --Osr:Cluster:SiloPort="$(free_port)" --Osr:Cluster:GatewayPort="$gateway" --Osr:Ops:Port="$(free_port)" \
    --Osr:Ops:BindAddress=127.0.0.1 --Osr:Mqtt:Mode=External "${broker_args[@]}" \
    --Osr:Mqtt:Username=osr-silo --Osr:Mqtt:Password="$password" --Osr:State:CheckpointInterval="$checkpoint" \
    --Osr:Data:Path="$work/silo$s/data" --Osr:Models:Path="$work/silo$s/models" --Logging:LogLevel:Default=Warning \
    > "$work/silo$s.log" 2>&1 &
  pids+=($!); silo_pids+=($!)
  gateway_list+="${gateway_list:+,}127.0.0.1:$gateway"
done
for s in $(seq 1 "$silos"); do wait_for "$work/silo$s.log" "Application started" 180; done
echo "$(date -u +%T) cluster up: gateways $gateway_list, brokers $mqtt_list"

brokers_do stop
# Each generator writes its own file (merging into one shared file would make each of them parse all accounts
# written before it: ≈ 1 GB resident per generator at 90k accounts); they are merged into the brokers' file below.
accounts=$work/broker1/dynamic-security.json
mkdir -p "$work/accounts"
per=$(( rate / generators ))
# In waves of WAVE generators: many .NET processes starting at once on 2 cores take longer than the console's 10 s to
# reach the cluster; a generator that could not is started again (at most 3 times).
wave=${WAVE:-5}
start_generator() { # G
  dotnet "$admin_dll" simulate --users "$users" --rate "$per" --prefix "s${1}x" --mqtt "$mqtt_list" --gateway "$gateway_list" \
    --warmup "$warmup" --duration "$duration" --latency-from intended --connect-concurrency 50 --no-catalog --no-feedback \
    --broker-file "$work/accounts/$1.json" --broker-wait 60m --json > "$work/load$1.json" 2> "$work/load$1.log" &
  gpids[$1]=$!; pids+=($!)
}
declare -A gpids=()
for g in $(seq 1 "$generators"); do
  start_generator "$g"
  if (( g % wave == 0 || g == generators )); then
    for w in $(seq $(( (g - 1) / wave * wave + 1 )) "$g"); do
      for attempt in 1 2 3; do
        wait_for "$work/load$w.log" "broker accounts to" 900 2>/dev/null && break
        grep -q "cannot reach the cluster" "$work/load$w.log" && [ "$attempt" -lt 3 ] || { tail -3 "$work/load$w.log" >&2; exit 1; }
        echo "$(date -u +%T) generator $w could not reach the cluster; starting it again"
        start_generator "$w"
      done
    done
    echo "$(date -u +%T) generators 1–$g registered their devices"
  fi
done
python3 - "$accounts" "$work"/accounts/*.json <<'PY'
import json, sys
target = json.load(open(sys.argv[1]))
for part in sys.argv[2:]:
    d = json.load(open(part))
    target["clients"] += d["clients"]; target["roles"] += d["roles"]
json.dump(target, open(sys.argv[1] + ".tmp", "w"))
PY
mv "$accounts.tmp" "$accounts"
echo "$(date -u +%T) $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['clients']) - 1)" "$accounts") device accounts written"
for b in $(seq 2 "$brokers"); do cp "$accounts" "$work/broker$b/dynamic-security.json"; done
brokers_do start
echo "$(date -u +%T) brokers started; generators connecting"

# RSS of the silos while the load runs (every 10 s).
( while :; do
    line="$(date -u +%T)"; for pid in "${silo_pids[@]}"; do line+=" $(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)"; done
    echo "$line" >> "$work/rss.log"; sleep 10
  done ) &
sampler=$!; pids+=($sampler)

failed=0
for g in "${!gpids[@]}"; do wait "${gpids[$g]}" || failed=$((failed + 1)); done
kill "$sampler" 2>/dev/null || true
echo "$(date -u +%T) generators done ($failed failed)"
sleep 2
dotnet "$admin_dll" stats --json --gateway "$gateway_list" > "$work/stats.json"
python3 - "$work" "$generators" <<'PY'
import glob, json, sys
work = sys.argv[1]
dev = rate = pub = ack = 0
p99s = []
for f in glob.glob(work + "/load*.json"):
    try: d = json.load(open(f))
    except Exception: continue
    dev += d["devices"]; rate += d["achievedRate"]; pub += d["readingsPublished"]; ack += d["readingsAcked"]
s = json.load(open(work + "/stats.json"))
lag = s["ingest"]["lagMs"]
rss = open(work + "/rss.log").read().strip().splitlines()[-1].split()[1:]
print(f"devices={dev} achieved={rate:.0f}/s acked={ack}/{pub} lag count={lag['count']} p50={lag['p50']:.1f} p99={lag['p99']:.1f} p99.9={lag['p999']:.1f} ms; silo RSS kB={rss}")
PY
