#!/usr/bin/env bash
# The power the fleet offers and draws, by hour of day (UTC), from a run's timeseries.csv:
# parked cars' accelerators (GW), what the computing cars drew (GW, awake car included),
# and parked cars, each the mean over the run's days, with the week's min and max of the
# parked accelerators. Usage: bench/what_if_hours.sh runs/fleet-what-if/timeseries.csv
set -euo pipefail
csv=${1:?usage: $0 timeseries.csv}
awk -F, '
NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
{
  h = int(($col["t_s"] % 86400) / 3600)
  p = $col["parked_accelerator_kw"] / 1e6; d = $col["computing_kw"] / 1e6
  n[h]++; park[h] += p; draw[h] += d; cars[h] += $col["cars_available"]
  if (!(h in lo) || p < lo[h]) lo[h] = p
  if (!(h in hi) || p > hi[h]) hi[h] = p
}
END {
  printf "| UTC hour | parked cars (M) | parked accelerators GW (min-max) | computing draw GW |\n"
  printf "|---|---|---|---|\n"
  for (h = 0; h < 24; ++h) {
    printf "| %02d | %.2f | %.3f (%.3f-%.3f) | %.3f |\n", h, cars[h] / n[h] / 1e6, park[h] / n[h], lo[h], hi[h], draw[h] / n[h]
  }
}' "$csv"
