#!/usr/bin/env bash
# Seed sweep of the untrusted-results scenario (issue 6): scenarios/cheaters.yaml and its
# replication-1 and plain 2-of-3 variants, each over SEEDS seeds (default 10), in the
# simulator. Prints per variant the mean and 95% confidence interval (Student t, n - 1
# degrees of freedom) of the wrong share, attempts per accepted result and the cheating
# owners' results accepted before distrust (mean over owners per run).
# Usage: bench/seed_sweep.sh [FLEETGRID_BINARY]   (SEEDS=N, JOBS=N in the environment)
set -euo pipefail
fg=${1:-build/dev/cli/fleetgrid}
seeds=${SEEDS:-10}
jobs=${JOBS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

declare -A variants=(
  [reputation]=""
  [quorum2of3]="workload.validation={replication: 3, quorum: 2}"
  [replication1]="workload.validation={replication: 1, quorum: 1}"
)
for v in "${!variants[@]}"; do
  for s in $(seq 1 "$seeds"); do
    args=(sim scenarios/cheaters.yaml --seed "$s" --out "$work/$v/$s" --quiet)
    [[ -n "${variants[$v]}" ]] && args+=(--set "${variants[$v]}")
    while (( $(jobs -rp | wc -l) >= jobs )); do wait -n; done
    "$fg" "${args[@]}" &
  done
done
wait

python3 - "$work" "$seeds" <<'PY'
import json, math, os, sys
work, seeds = sys.argv[1], int(sys.argv[2])
# Two-sided 95% Student t quantiles by degrees of freedom (1..30), else the normal's.
T = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
     2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
     2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
def ci(xs):
    n = len(xs); m = sum(xs) / n
    if n < 2: return m, 0.0
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    return m, (T[n - 2] if n - 1 <= 30 else 1.960) * sd / math.sqrt(n)
print("| validation | seeds | wrong accepted (mean ± 95% CI) | attempts per accepted result | cheater results accepted before distrust (mean per owner) |")
print("|---|---|---|---|---|")
for v in ["replication1", "quorum2of3", "reputation"]:
    wrong, att, before = [], [], []
    for s in range(1, seeds + 1):
        val = json.load(open(os.path.join(work, v, str(s), "summary.json")))["validation"]
        wrong.append(100 * val["wrong_accepted_share"])
        att.append(val["attempts_per_accepted_result"])
        before.append(val["cheater_accepted_before_distrust"]["mean"])
    (wm, wc), (am, ac), (bm, bc) = ci(wrong), ci(att), ci(before)
    print(f"| {v} | {seeds} | {wm:.3f}% ± {wc:.3f} | {am:.3f} ± {ac:.3f} | {bm:.2f} ± {bc:.2f} |")
PY
