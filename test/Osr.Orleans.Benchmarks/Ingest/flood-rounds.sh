#!/usr/bin/env bash
# Flood control, resolvable: K rounds of one run without flood and one with one flooding device (control on, defaults),
# the order alternating per round (ABBA…), each run on a fresh silo (docs/benchmarks.md, "Flood control"). Not part of CI.
#
#   test/Osr.Orleans.Benchmarks/Ingest/flood-rounds.sh OUT_DIR
#
# Environment: ROUNDS (default 10), WARMUP (default 10s), DURATION (measured window, default 60s), DEVICES (default 1000),
# RATE (readings/s, default 1000). Build first: dotnet build -c Release test/Osr.Orleans.Benchmarks.
# PHASE=T (e.g. 20s) runs phased instead: each round is one run on a fresh silo in which the flood runs only in every
# other period T of the wall clock (--flood-phase T), so both conditions share a silo; a DURATION of many periods (e.g.
# 600s) gives many pairs per run. Then: … ingest flood-stats OUT_DIR --phase T (the same T).
# SILO_ARGS (the driver's --silo-args, e.g. limits raised out of reach to see what the flood costs without control).
# OUT_DIR gets, per run, rNN-without|flood|phased.samples (every latency of the window, µs, and its send time), .md (the driver's report) and .log
# (its stderr), and runs.tsv (round, condition, position, start UTC, 1-minute load average at the start, exit code,
# samples file). A failed run is tried once more. Then: … ingest flood-stats OUT_DIR.
# The driver starts and stops its processes by PID (also on Ctrl+C); this script starts nothing else.
set -euo pipefail
out=${1:?usage: flood-rounds.sh OUT_DIR}
cd "$(dirname "$0")/../../.."
rounds=${ROUNDS:-10}
warmup=${WARMUP:-10s}
duration=${DURATION:-60s}
devices=${DEVICES:-1000}
rate=${RATE:-1000}
bench_dll=test/Osr.Orleans.Benchmarks/bin/Release/net10.0/Osr.Orleans.Benchmarks.dll
[ -f "$bench_dll" ] || { echo "build first: dotnet build -c Release test/Osr.Orleans.Benchmarks" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -f "$out/runs.tsv" ] || printf 'round\tcondition\tposition\tstart_utc\tload1\texit\tsamples\n' > "$out/runs.tsv"

one_run() { # ROUND CONDITION POSITION
  local name; name=$(printf 'r%02d-%s' "$1" "$2")
  local flood=(); [ "$2" = flood ] && flood=(--flood 1); [ "$2" = phased ] && flood=(--flood 1 --flood-phase "$PHASE")
  for attempt in 1 2; do
    local start load1 rc=0
    start=$(date -u +%FT%TZ); load1=$(cut -d' ' -f1 /proc/loadavg)
    rm -f "$out/$name.samples" "$out/$name.md"
    dotnet "$bench_dll" ingest run --devices "$devices" --rate "$rate" --target grains --warmup "$warmup" --duration "$duration" \
      "${flood[@]}" ${SILO_ARGS:+"--silo-args=$SILO_ARGS"} --samples-out "$out/$name.samples" --report "$out/$name.md" > /dev/null 2> "$out/$name.log" || rc=$?
    [ -s "$out/$name.samples" ] || { [ "$rc" -ne 0 ] || rc=3; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$start" "$load1" "$rc" "$name.samples" >> "$out/runs.tsv"
    echo "round $1 $2: exit $rc, load $load1, $(grep -ho 'p50 [0-9.]*, p99 [0-9.]*' "$out/$name.log" | tail -1) ms"
    [ "$rc" -eq 0 ] && return 0
    echo "  failed (attempt $attempt), see $out/$name.log" >&2
  done
}

for r in $(seq 1 "$rounds"); do
  if [ -n "${PHASE:-}" ]; then one_run "$r" phased 1
  elif [ $((r % 2)) -eq 1 ]; then one_run "$r" without 1; one_run "$r" flood 2
  else one_run "$r" flood 1; one_run "$r" without 2; fi
done
echo "done: dotnet $bench_dll ingest flood-stats $out${PHASE:+ --phase $PHASE}"
