# Shared by the live benchmarks (sourced): process bookkeeping and the coordinator's metrics.
# Needs $fg (the fleetgrid binary) set by the caller; sets $work (a temporary folder removed
# at exit, with every process in $pids).
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

metric() {  # metric PORT NAME: the value of one metric line
  curl -s "127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n {print $2}'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user+system, 1/100 s
# The transport of the coordinator and of every client command: plaintext on loopback
# (--insecure) unless use_tls has run.
coord_tls=(--insecure)
client_tls=(--insecure)
use_tls() {  # TLS with the material of a fresh `fleetgrid coordinator init`
  "$fg" coordinator init --dir "$work/pki" >/dev/null
  coord_tls=(--tls-cert "$work/pki/server.pem" --tls-key "$work/pki/server.key")
  client_tls=(--tls-ca "$work/pki/ca.pem")
}
# start_coordinator NAME ARGS...: sets coord_pid, grpc_port, http_port. The command runs behind
# ${coord_prefix[@]} when the caller sets it (e.g. taskset -c 0).
start_coordinator() {
  local name=$1; shift
  ${coord_prefix[@]+"${coord_prefix[@]}"} "$fg" coordinator "${coord_tls[@]}" --listen 127.0.0.1:0 \
    --metrics-listen 127.0.0.1:0 --db "$work/$name.db" "$@" >"$work/$name.log" 2>&1 &
  coord_pid=$!; pids+=("$coord_pid")
  for _ in $(seq 100); do
    grep -q "listening on" "$work/$name.log" 2>/dev/null && break
    sleep 0.1
  done
  grpc_port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/$name.log")
  http_port=$(sed -n 's/.*metrics on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/$name.log")
  [[ -n "$grpc_port" && -n "$http_port" ]] || { cat "$work/$name.log"; exit 1; }
}
