#!/usr/bin/env bash
# Issue 16's comparison on FLEET-2 (scenarios/fleet2.yaml), scaled down: fifo vs the
# availability-aware policy vs availability-aware + departure warnings + checkpoints, each
# over SEEDS seeds (default 10). FLEET-2's fleet (regions, routines, HW3/HW4/AI5) and its
# week of job arrivals (log-normal tasks, mean 4 h of a HW3) at CARS cars (default 2000):
# the arrival rate scaled by CARS / 1M, arrivals stopping after 7 days, then up to 7 more
# days to drain, so that the makespan (the last result) means something.
# Prints per variant the mean and 95% confidence interval (Student t) of the share of work
# lost, the makespan and the tasks done per parked car-hour.
# Usage: bench/owner_compare.sh [FLEETGRID_BINARY]   (SEEDS, CARS, JOBS)
set -euo pipefail
fg=${1:-build/dev/cli/fleetgrid}
seeds=${SEEDS:-10}
cars=${CARS:-2000}
source "$(dirname "$0")/sweep.sh"

rate=$(python3 -c "print(0.248 * $cars / 1e6)")
max_jobs=$(python3 -c "print(round(0.248 * $cars / 1e6 * 7 * 86400))")
base=(--set "fleet.size=$cars" --set horizon=14d --set "workload.job_rate_per_s=$rate"
      --set "workload.max_jobs=$max_jobs" --set outputs.timeseries_interval=0)
declare -A variants=(
  [fifo]="policy=fifo"
  [aware]="policy=availability-aware"
  [aware_warn_cp]="policy=availability-aware|departure_warnings={share: 0.5, lead: 10min, noise: 2min}|workload.checkpoint={interval: 1800, size: 200MB}"
)
sweep scenarios/fleet2.yaml "$seeds" variants "${base[@]}"
PYTHONPATH="$(dirname "$0")" python3 - "$work" "$seeds" <<'PY'
import json, os, sys
work, seeds = sys.argv[1], int(sys.argv[2])
from ci95 import ci
print("| variant | seeds | work lost (HW3-hours) | work lost (share of work computed) | makespan (h) | tasks per parked car-hour | all done |")
print("|---|---|---|---|---|---|---|")
means = {}
for v in ["fifo", "aware", "aware_warn_cp"]:
    units, lost, span, rate, done = [], [], [], [], 0
    for s in range(1, seeds + 1):
        j = json.load(open(os.path.join(work, v, str(s), "summary.json")))
        units.append(j["work_lost_units"] / 3600)
        lost.append(100 * j["work_lost_units"] / (j["work_lost_units"] + j["work_done_units"]))
        span.append(j["end_s"] / 3600)
        rate.append(j["tasks_completed"] / (j["available_car_s"] / 3600))
        done += 1 if j["all_done"] else 0
    (um, uc), (lm, lc), (sm, sc), (rm, rc) = ci(units), ci(lost), ci(span), ci(rate)
    means[v] = (um, lm)
    print(f"| {v} | {seeds} | {um:.0f} ± {uc:.0f} | {lm:.2f}% ± {lc:.2f} | {sm:.1f} ± {sc:.1f} | {rm:.4f} ± {rc:.4f} | {done}/{seeds} |")
print()
for v in ["aware", "aware_warn_cp"]:
    print(f"{v} loses {100 * (1 - means[v][0] / means['fifo'][0]):.0f}% less work than fifo"
          f" ({100 * (1 - means[v][1] / means['fifo'][1]):.0f}% less as a share of work computed)")
PY
