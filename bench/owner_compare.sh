#!/usr/bin/env bash
# Issue 16's comparison on FLEET-2 (scenarios/fleet2.yaml), scaled down: fifo vs the
# availability-aware policy vs availability-aware + departure warnings + checkpoints, each
# over SEEDS seeds (default 10). FLEET-2's fleet (regions, routines, HW3/HW4/AI5) and task
# sizes (log-normal, mean 4 h of a HW3), at CARS cars (default 2000) with a bag of
# TASKS_PER_CAR tasks per car (default 3) so that makespan means something.
# Prints per variant the mean and 95% confidence interval (Student t) of the share of work
# lost, the makespan and the tasks done per parked car-hour.
# Usage: bench/owner_compare.sh [FLEETGRID_BINARY]   (SEEDS, CARS, TASKS_PER_CAR, JOBS)
set -euo pipefail
fg=${1:-build/dev/cli/fleetgrid}
seeds=${SEEDS:-10}
cars=${CARS:-2000}
per_car=${TASKS_PER_CAR:-3}
jobs=${JOBS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

base=(--set "fleet.size=$cars" --set horizon=28d
      --set "workload={model: bag-of-tasks, tasks_per_car: $per_car, work: {distribution: lognormal, mean: 14400, sigma: 1.0}, input_bytes: 20000000, output_bytes: 1000000}"
      --set outputs.timeseries_interval=0)
declare -A variants=(
  [fifo]="policy=fifo"
  [aware]="policy=availability-aware"
  [aware_warn_cp]="policy=availability-aware|departure_warnings={share: 0.5, lead: 10min, noise: 2min}|workload.checkpoint={interval: 1800, size: 200MB}"
)
for v in fifo aware aware_warn_cp; do
  for s in $(seq 1 "$seeds"); do
    args=(sim scenarios/fleet2.yaml --seed "$s" --out "$work/$v/$s" --quiet "${base[@]}")
    IFS='|' read -ra sets <<<"${variants[$v]}"
    for x in "${sets[@]}"; do args+=(--set "$x"); done
    while (( $(jobs -rp | wc -l) >= jobs )); do wait -n; done
    "$fg" "${args[@]}" &
  done
done
wait

python3 - "$work" "$seeds" <<'PY'
import json, math, os, sys
work, seeds = sys.argv[1], int(sys.argv[2])
T = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
     2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
     2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
def ci(xs):
    n = len(xs); m = sum(xs) / n
    if n < 2: return m, 0.0
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    return m, (T[n - 2] if n - 1 <= 30 else 1.960) * sd / math.sqrt(n)
print("| variant | seeds | work lost (share of work computed) | makespan (h) | tasks per parked car-hour | all done |")
print("|---|---|---|---|---|---|")
means = {}
for v in ["fifo", "aware", "aware_warn_cp"]:
    lost, span, rate, done = [], [], [], 0
    for s in range(1, seeds + 1):
        j = json.load(open(os.path.join(work, v, str(s), "summary.json")))
        lost.append(100 * j["work_lost_units"] / (j["work_lost_units"] + j["work_done_units"]))
        span.append(j["end_s"] / 3600)
        rate.append(j["tasks_completed"] / (j["available_car_s"] / 3600))
        done += 1 if j["all_done"] else 0
    (lm, lc), (sm, sc), (rm, rc) = ci(lost), ci(span), ci(rate)
    means[v] = lm
    print(f"| {v} | {seeds} | {lm:.2f}% ± {lc:.2f} | {sm:.1f} ± {sc:.1f} | {rm:.4f} ± {rc:.4f} | {done}/{seeds} |")
print()
for v in ["aware", "aware_warn_cp"]:
    print(f"{v} loses {100 * (1 - means[v] / means['fifo']):.0f}% less work than fifo (share of work lost)")
PY
