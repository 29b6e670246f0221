#!/usr/bin/env bash
# FLEET-2 against FLEET-1 at the same N, in the same run (issue 15's target: FLEET-2's wall
# time under 2x FLEET-1's). Alternates the two scenarios `--repeat` times from one Release
# build and prints each run and the median ratio.
#
#   bench/fleet2.sh [--cars N] [--repeat R] [--build DIR]
#
# Default N = 1,000,000 (FLEET-2's own size), R = 3. Builds DIR (default build-sim-release)
# if its fleetgrid binary is missing. Runs write runs/bench-fleet{1,2}-N-R/.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build-sim-release
cars=1000000
repeat=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cars) cars="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

bin="$build/cli/fleetgrid"
if [[ ! -x "$bin" ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target fleetgrid
fi

printf '%-7s %-4s %9s %9s %12s %10s %9s %10s %8s\n' scenario run wall_s user_s events \
  events/s rss_MiB completed lost
for r in $(seq "$repeat"); do
  for s in fleet1 fleet2; do
    out="runs/bench-$s-$cars-$r"
    mkdir -p "$out"
    /usr/bin/time -f "%U" -o "$out/user_s" "$bin" sim "scenarios/$s.yaml" \
      --set fleet.size="$cars" --out "$out" --quiet
    python3 - "$s" "$r" "$out/summary.json" "$out/user_s" <<'PY'
import json, sys
s = json.load(open(sys.argv[3])); r = s["run"]
user = float(open(sys.argv[4]).read().split()[-1])
print("%-7s %-4s %9.2f %9.2f %12d %10.3g %9.1f %10d %8d" % (
    sys.argv[1], sys.argv[2], r["wall_s"], user, s["events"], r["events_per_s"],
    r["peak_rss_bytes"] / 2**20, s["tasks_completed"], s["attempts_lost"]))
PY
  done
done
python3 - "$cars" "$repeat" <<'PY'
import json, statistics, sys
cars, repeat = sys.argv[1], int(sys.argv[2])
wall = {s: [json.load(open(f"runs/bench-{s}-{cars}-{r}/summary.json"))["run"]["wall_s"]
            for r in range(1, repeat + 1)] for s in ("fleet1", "fleet2")}
user = {s: [float(open(f"runs/bench-{s}-{cars}-{r}/user_s").read().split()[-1])
            for r in range(1, repeat + 1)] for s in ("fleet1", "fleet2")}
m = {k: statistics.median(v) for k, v in wall.items()}
u = {k: statistics.median(v) for k, v in user.items()}
print(f"median wall: FLEET-1 {m['fleet1']:.2f} s, FLEET-2 {m['fleet2']:.2f} s, "
      f"ratio {m['fleet2'] / m['fleet1']:.2f}x (user time ratio {u['fleet2'] / u['fleet1']:.2f}x)")
PY
