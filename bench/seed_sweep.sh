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
source "$(dirname "$0")/sweep.sh"

declare -A variants=(
  [reputation]=""
  [quorum2of3]="workload.validation={replication: 3, quorum: 2}"
  [replication1]="workload.validation={replication: 1, quorum: 1}"
)
sweep scenarios/cheaters.yaml "$seeds" variants
PYTHONPATH="$(dirname "$0")" python3 - "$work" "$seeds" <<'PY'
import json, os, sys
work, seeds = sys.argv[1], int(sys.argv[2])
from ci95 import ci
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
