#!/usr/bin/env bash
# FLEET-1 benchmark series: runs scenarios/fleet1.yaml at N = 1e3, 1e4, 1e5, 1e6 (and 1e7
# with --with-10m) from a Release build and prints a table.
#
#   bench/fleet1.sh [--with-10m] [--build DIR] [--seed N] [--queue bucket|calendar|heap]
#
# Builds DIR (default build-sim-release, CMAKE_BUILD_TYPE=Release) if its fleetgrid binary
# is missing. Each run writes runs/bench-fleet1-N/; the figures come from its summary.json.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build-sim-release
sizes=(1000 10000 100000 1000000)
seed=1
queue=bucket
while [[ $# -gt 0 ]]; do
  case "$1" in
    --with-10m) sizes+=(10000000); shift ;;
    --build) build="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --queue) queue="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

bin="$build/cli/fleetgrid"
if [[ ! -x "$bin" ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target fleetgrid
fi

printf '%-9s %8s %12s %10s %10s %12s %12s %12s %8s\n' N wall_s events events/s rss_MiB \
  bytes/car completed makespan_s lost
for n in "${sizes[@]}"; do
  out="runs/bench-fleet1-$n"
  "$bin" sim scenarios/fleet1.yaml --set fleet.size="$n" --set engine.queue="$queue" \
    --seed "$seed" --out "$out" --quiet
  python3 - "$out/summary.json" "$n" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); n = int(sys.argv[2]); r = s["run"]
mk = s["makespan_s"]
print("%-9d %8.2f %12d %10.3g %10.1f %12.0f %12d %12s %8d" % (
    n, r["wall_s"], s["events"], r["events_per_s"], r["peak_rss_bytes"] / 2**20,
    r["bytes_per_car"], s["tasks_completed"], "%.1f" % mk if mk is not None else "null",
    s["attempts_lost"]))
PY
done
