#!/usr/bin/env bash
# Live-system benchmark: a real coordinator and emulated cars on loopback, next to a bare gRPC
# echo on the same machine (the physical baseline), all measured in one run.
#
#   bench/live.sh [--build DIR] [--cars N] [--procs P] [--quick] [--tls]
#
#   1. echo        bench/echo/grpc_echo_bench: unary and ping-pong round trips, pipelined
#                  message rate, a paced phase (one-way delay and round trip at 1,000
#                  streams), and the fleet-shaped echo: N streams over P client processes, one
#                  TCP connection per 500 streams, one message per stream every 10 s on the
#                  cars' 20 ms grid, one way (not answered, like a heartbeat), served like the
#                  coordinator's Connect (async API over 16 sharded completion queues): one-way
#                  delay p50/p99/p99.9 measured by the server, the same shape as phase 3 with
#                  nothing behind the transport.
#   2. throughput  coordinator (SQLite, synchronous=FULL) + `fleetgrid node` cars, always
#                  parked, a job of short hash tasks: sustained accepted results per second
#                  (each durable before its ack), batched (many slots per car) and unbatched.
#   3. heartbeats  N cars over P node processes, heartbeat every 10 s: time to connect,
#                  heartbeats/s held, heartbeat delay (car send -> brain) p50/p99/p99.9 from
#                  the coordinator's histogram, CPU, memory per connected car.
#   4. requeue     while the N cars stay connected, a probe car holding a task is killed -9:
#                  time until the coordinator declares the attempt lost and requeues it,
#                  against grace + one heartbeat interval.
#
# Default N = 100,000 over P = 8 processes (about 3 GiB for the cars, 2 GiB for the
# coordinator). --quick: N = 10,000 and shorter phases. --tls: the coordinator, cars and
# clients speak TLS (a fresh `fleetgrid coordinator init`; the echo baseline stays
# plaintext), else plaintext on loopback (--insecure). Writes runs/bench-live/summary.json.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build/release
cars=100000
procs=8
quick=0
tls=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --cars) cars="$2"; shift 2 ;;
    --procs) procs="$2"; shift 2 ;;
    --quick) quick=1; cars=10000; procs=2; shift ;;
    --tls) tls=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
secs=20; [[ $quick == 1 ]] && secs=5

if [[ ! -x "$build/cli/fleetgrid" || ! -x "$build/bench/grpc_echo_bench" ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j"$(nproc)" --target fleetgrid grpc_echo_bench
fi
fg="$build/cli/fleetgrid"
echo_bin="$build/bench/grpc_echo_bench"
out=runs/bench-live
rm -rf "$out"; mkdir -p "$out"
source bench/lib.sh
[[ $tls == 1 ]] && use_tls
wait_connected() {  # wait_connected N TIMEOUT_S: seconds it took
  local t0; t0=$(date +%s.%N)
  while [[ "$(metric "$http_port" fleetgrid_nodes_connected)" != "$1" ]]; do
    sleep 0.5
    if (( $(date +%s) - ${t0%.*} > $2 )); then
      echo "only $(metric "$http_port" fleetgrid_nodes_connected) of $1 cars connected" >&2
      exit 1
    fi
  done
  echo "$(date +%s.%N) - $t0" | bc
}

# ---------------------------------------------------------------------------------------
start_echo() {  # start_echo [SERVE ARGS...]: a fresh echo server; sets echo_pid, echo_addr
  rm -f "$work/echo.port"
  "$echo_bin" serve --port-file "$work/echo.port" "$@" 2>/dev/null &
  echo_pid=$!; pids+=("$echo_pid")
  for _ in $(seq 50); do [[ -s "$work/echo.port" ]] && break; sleep 0.1; done
  echo_addr="127.0.0.1:$(cat "$work/echo.port")"
}
echo "== 1. bare gRPC echo (baseline)"
start_echo
"$echo_bin" run --target "$echo_addr" --seconds "$secs" --streams 8 --channels 2 --window 64 \
  --paced-streams 1000 --paced-rate $((cars / 10)) >"$out/echo.json"
kill "$echo_pid"; wait "$echo_pid" 2>/dev/null || true
# The fleet-shaped echo: the transport alone at the heartbeat phase's shape.
start_echo --queues 16 --samples-file "$work/echo-fleet.txt"
hb_window=30; [[ $quick == 1 ]] && hb_window=20  # phase 3's window, whole intervals
echo_pids=()
for i in $(seq 0 $((procs - 1))); do
  "$echo_bin" run --target "$echo_addr" --phases fleet --fleet-streams $((cars / procs)) \
    --fleet-interval 10 --seconds "$hb_window" --seed $((i + 1)) \
    >"$work/echo-fleet-$i.json" &
  echo_pids+=("$!"); pids+=("$!")
done
wait "${echo_pids[@]}"
kill "$echo_pid"; wait "$echo_pid" 2>/dev/null || true
python3 - "$work" "$procs" "$cars" "$out/echo_fleet.json" <<'PY'
import json, sys
work, procs, cars = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
v = sorted(int(x) for x in open(f"{work}/echo-fleet.txt"))  # written by the server at exit
q = lambda p: v[min(len(v) - 1, int(p * len(v)))] / 1e3
json.dump({"streams": cars, "processes": procs, "interval_s": 10, "messages": len(v),
           "one_way_p50_us": q(0.5), "one_way_p99_us": q(0.99), "one_way_p999_us": q(0.999)},
          open(sys.argv[4], "w"), indent=1)
PY

# ---------------------------------------------------------------------------------------
echo "== 2. throughput: short hash tasks, each result durable before its ack"
throughput() {  # throughput NAME CARS SLOTS TASKS
  start_coordinator "$1"
  "$fg" node "${client_tls[@]}" --coordinator "127.0.0.1:$grpc_port" --cars "$2" --slots "$3" \
    --availability never-leaves --report-every 0 >"$work/$1-node.log" 2>&1 &
  local node_pid=$!; pids+=("$node_pid")
  wait_connected "$2" 120 >/dev/null
  cat >"$work/$1.yaml" <<EOF
name: $1
tasks: $4
work_units: 0.001
input_bytes: 0
output_bytes: 32
executor: {kind: hash, rounds: 1, seed: 7}
EOF
  local c0 n0 t0 id
  c0=$(cpu_ticks "$coord_pid"); n0=$(cpu_ticks "$node_pid"); t0=$(date +%s.%N)
  id=$("$fg" submit "$work/$1.yaml" "${client_tls[@]}" --coordinator "127.0.0.1:$grpc_port")
  # Steady rate: results between 10% and 90% of the job, sampled every 100 ms.
  python3 - "$http_port" "$4" "$t0" >"$work/$1.rate" <<'PY'
import sys, time, urllib.request
port, total, t0 = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
def results():
    for line in urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode().splitlines():
        if line.startswith("fleetgrid_results_total "):
            return float(line.split()[1])
    return 0.0
lo = hi = None
while True:
    n, t = results(), time.time()
    if lo is None and n >= 0.1 * total: lo = (n, t)
    if n >= 0.9 * total and hi is None: hi = (n, t)
    if n >= total: break
    time.sleep(0.1)
elapsed = time.time() - t0
rate = (hi[0] - lo[0]) / (hi[1] - lo[1]) if hi[1] > lo[1] else total / elapsed
print("%.0f %.3f" % (rate, elapsed))
PY
  local c1 n1; c1=$(cpu_ticks "$coord_pid"); n1=$(cpu_ticks "$node_pid")
  read -r rate elapsed <"$work/$1.rate"
  "$fg" job "$id" "${client_tls[@]}" --coordinator "127.0.0.1:$grpc_port" | grep -q DONE
  local commits items
  commits=$(metric "$http_port" fleetgrid_store_commits_total)
  items=$(metric "$http_port" fleetgrid_store_commit_items_total)
  echo "{\"name\": \"$1\", \"cars\": $2, \"slots\": $3, \"tasks\": $4, \"tasks_per_s\": $rate," \
       "\"elapsed_s\": $elapsed, \"coordinator_cpu_s\": $(( (c1 - c0) / 100 ))," \
       "\"cars_cpu_s\": $(( (n1 - n0) / 100 )), \"commits\": $commits," \
       "\"changes_per_commit\": $(echo "$items / $commits" | bc)}" >"$out/$1.json"
  kill "$node_pid" "$coord_pid"; wait "$node_pid" "$coord_pid" 2>/dev/null || true
}
tasks=300000; [[ $quick == 1 ]] && tasks=50000
throughput batched 100 64 "$tasks"
throughput unbatched 1000 1 $((tasks / 3))

# ---------------------------------------------------------------------------------------
echo "== 3. heartbeats: $cars cars over $procs processes, every 10 s"
start_coordinator fleet --heartbeat 10s --grace 30s
coord_rss0=$(ps -o rss= -p "$coord_pid")
# The probe car connects first, alone, and takes the only task of a long job.
"$fg" node "${client_tls[@]}" --coordinator "127.0.0.1:$grpc_port" --cars 1 --first-car "$cars" \
  --availability never-leaves --executor simulated --report-every 0 >"$work/probe.log" 2>&1 &
probe_pid=$!; pids+=("$probe_pid")
wait_connected 1 60 >/dev/null
cat >"$work/probe.yaml" <<EOF
name: probe
tasks: 1
work_units: 360000
input_bytes: 0
output_bytes: 32
executor: {kind: simulated, seed: 1}
EOF
"$fg" submit "$work/probe.yaml" "${client_tls[@]}" --coordinator "127.0.0.1:$grpc_port" >/dev/null
while [[ "$(metric "$http_port" fleetgrid_running_attempts)" != "1" ]]; do sleep 0.2; done
per=$((cars / procs))
node_pids=()
for i in $(seq 0 $((procs - 1))); do
  "$fg" node "${client_tls[@]}" --coordinator "127.0.0.1:$grpc_port" --cars "$per" --first-car $((i * per)) \
    --availability never-leaves --report-every 0 >"$work/fleet-$i.log" 2>&1 &
  node_pids+=("$!"); pids+=("$!")
done
connect_s=$(wait_connected $((per * procs + 1)) 900)
sleep 10  # every car has sent a heartbeat since connecting
curl -s "127.0.0.1:$http_port/metrics" >"$work/m1.txt"
c0=$(cpu_ticks "$coord_pid"); n0=0; for p in "${node_pids[@]}"; do n0=$((n0 + $(cpu_ticks "$p"))); done
window=$hb_window
sleep "$window"
curl -s "127.0.0.1:$http_port/metrics" >"$work/m2.txt"
c1=$(cpu_ticks "$coord_pid"); n1=0; for p in "${node_pids[@]}"; do n1=$((n1 + $(cpu_ticks "$p"))); done
coord_rss=$(ps -o rss= -p "$coord_pid")
cars_rss=0; for p in "${node_pids[@]}"; do cars_rss=$((cars_rss + $(ps -o rss= -p "$p"))); done

echo "== 4. requeue: kill -9 the probe car (grace 30 s, heartbeat 10 s)"
lost0=$(metric "$http_port" fleetgrid_attempts_lost_total)
{ kill -9 "$probe_pid"; t_kill=$(date +%s.%N); wait "$probe_pid"; } 2>/dev/null || true
while [[ "$(metric "$http_port" fleetgrid_attempts_lost_total)" == "$lost0" ]]; do
  sleep 0.02
  if (( $(date +%s) - ${t_kill%.*} > 120 )); then echo "probe never declared lost" >&2; exit 1; fi
done
requeue_s=$(echo "$(date +%s.%N) - $t_kill" | bc)

python3 - "$work/m1.txt" "$work/m2.txt" "$window" "$out/heartbeats.json" <<PY
import json, re, sys
def parse(f):
    d = {}
    for line in open(f):
        if line.startswith("#") or not line.strip(): continue
        k, v = line.rsplit(" ", 1); d[k] = float(v)
    return d
a, b, window = parse(sys.argv[1]), parse(sys.argv[2]), float(sys.argv[3])
n = b["fleetgrid_heartbeat_delay_seconds_count"] - a["fleetgrid_heartbeat_delay_seconds_count"]
buckets = sorted((float(re.search(r'le="([^"]+)"', k).group(1)), b[k] - a[k])
                 for k in b if k.startswith("fleetgrid_heartbeat_delay_seconds_bucket")
                 and "+Inf" not in k)
def q(p):  # upper bound of the bucket holding quantile p (buckets are ~9% wide)
    for le, c in buckets:
        if c >= p * n: return le * 1e6
    return float("inf")
json.dump({"cars": $((per * procs)), "processes": $procs, "connect_s": $connect_s,
           "heartbeats_per_s": n / window, "delay_p50_us": q(0.5), "delay_p99_us": q(0.99),
           "delay_p999_us": q(0.999), "coordinator_cpu_pct": ($c1 - $c0) / window,
           "cars_cpu_pct": ($n1 - $n0) / window,
           "coordinator_rss_mib": $coord_rss / 1024,
           "coordinator_bytes_per_car": ($coord_rss - $coord_rss0) * 1024 / $((per * procs)),
           "cars_bytes_per_car": $cars_rss * 1024 / $((per * procs)),
           "requeue_after_kill_s": $requeue_s, "requeue_bound_s": 40},
          open(sys.argv[4], "w"), indent=1)
PY

# ---------------------------------------------------------------------------------------
python3 - "$out" "$tls" <<'PY'
import json, sys, os
out = sys.argv[1]
e = json.load(open(f"{out}/echo.json")); ef = json.load(open(f"{out}/echo_fleet.json"))
b = json.load(open(f"{out}/batched.json")); u = json.load(open(f"{out}/unbatched.json"))
h = json.load(open(f"{out}/heartbeats.json"))
echo_rate = e["pipeline"]["messages_per_s"]
summary = {"transport": "tls" if sys.argv[2] == "1" else "plaintext",
           "echo": e, "echo_fleet": ef, "batched": b, "unbatched": u, "heartbeats": h,
           "tasks_per_s_vs_echo": b["tasks_per_s"] / echo_rate,
           "hb_p99_vs_echo_p99_1000_streams": h["delay_p99_us"] / e["paced"]["one_way_p99_us"],
           "hb_p99_vs_echo_p99_same_streams": h["delay_p99_us"] / ef["one_way_p99_us"]}
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
print()
print("transport: %s (cars, clients and coordinator)" % summary["transport"])
print("bare echo: unary rtt p50/p99 %.0f/%.0f us, ping-pong %.0f/%.0f us, pipelined %.0f msg/s" % (
    e["unary"]["rtt_p50_us"], e["unary"]["rtt_p99_us"], e["pingpong"]["rtt_p50_us"],
    e["pingpong"]["rtt_p99_us"], echo_rate))
p = e["paced"]
print("bare echo paced, 1,000 streams at %d msg/s: %d echoed, one-way p50/p99 %.0f/%.0f us, rtt p99 %.0f us"
      % (p["rate_per_s"], p["messages"], p["one_way_p50_us"], p["one_way_p99_us"], p["rtt_p99_us"]))
print("bare echo fleet-shaped, %d streams over %d processes, every 10 s: %d received, one-way "
      "p50/p99/p99.9 %.0f/%.0f/%.0f us" % (ef["streams"], ef["processes"], ef["messages"],
      ef["one_way_p50_us"], ef["one_way_p99_us"], ef["one_way_p999_us"]))
for r in (b, u):
    print("throughput %-9s %5d cars x %2d slots: %6.0f tasks/s (%.2fx echo msg/s), %d changes/commit"
          % (r["name"], r["cars"], r["slots"], r["tasks_per_s"], r["tasks_per_s"] / echo_rate,
             r["changes_per_commit"]))
print("heartbeats: %d cars (%d procs) connected in %.0f s; %.0f hb/s; delay p50/p99/p99.9 "
      "%.0f/%.0f/%.0f us (p99 %.1fx echo at 1,000 streams, %.2fx echo at the same stream count)"
      % (h["cars"], h["processes"], h["connect_s"], h["heartbeats_per_s"], h["delay_p50_us"],
         h["delay_p99_us"], h["delay_p999_us"], summary["hb_p99_vs_echo_p99_1000_streams"],
         summary["hb_p99_vs_echo_p99_same_streams"]))
print("           coordinator %.0f%% CPU, %.0f MiB (%.0f bytes/car); cars %.0f%% CPU, %.0f bytes/car"
      % (h["coordinator_cpu_pct"], h["coordinator_rss_mib"], h["coordinator_bytes_per_car"],
         h["cars_cpu_pct"], h["cars_bytes_per_car"]))
print("requeue: killed car's attempt lost %.1f s after kill -9 (bound: grace 30 s + heartbeat 10 s)"
      % h["requeue_after_kill_s"])
print("figures in %s/summary.json" % out)
PY
