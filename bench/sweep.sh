# Shared by the seed sweeps (sourced): runs one scenario's variants over seeds, JOBS at a time.
# Needs $fg (the fleetgrid binary); sets $work (a temporary folder removed at exit).
# sweep SCENARIO SEEDS VARIANTS_ARRAY_NAME [SIM ARGS...]: each variant is a '|'-separated list
# of --set overrides (empty: none); run v, seed s writes $work/v/s/summary.json.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sweep() {
  local scenario=$1 seeds=$2
  local -n vs=$3
  shift 3
  local v s x
  for v in "${!vs[@]}"; do
    for s in $(seq 1 "$seeds"); do
      local args=(sim "$scenario" --seed "$s" --out "$work/$v/$s" --quiet "$@")
      local sets=()
      [[ -n "${vs[$v]}" ]] && IFS='|' read -ra sets <<<"${vs[$v]}"
      for x in "${sets[@]}"; do args+=(--set "$x"); done
      while (( $(jobs -rp | wc -l) >= ${JOBS:-2} )); do wait -n; done
      "$fg" "${args[@]}" &
    done
  done
  wait
}
