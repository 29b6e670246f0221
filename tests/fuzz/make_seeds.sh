#!/usr/bin/env bash
# Writes the seed inputs of the protobuf and change-log fuzz targets into corpus/<target>/
# from the readable text below (protoc --encode). The YAML targets' seeds are plain files.
# Run from anywhere; rewrites only seed-* files (regression inputs stay).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
corpus="$here/corpus"

encode() {  # encode TARGET NAME MESSAGE TEXT
  mkdir -p "$corpus/$1"
  printf '%s\n' "$4" | protoc -I"$root/proto" -I/usr/include --encode="fleetgrid.v1.$3" \
    "$root"/proto/fleetgrid/v1/*.proto >"$corpus/$1/seed-$2"
}

# --- submit_job: SubmitJobRequest
encode submit_job count SubmitJobRequest 'spec { name: "hash" task_count: 4 work_units_per_task: 2
  input_size_bytes: 1024 output_size_bytes: 256 executor { kind: EXECUTOR_KIND_HASH hash { rounds: 10 seed: 7 } } }'
encode submit_job list SubmitJobRequest 'spec { name: "list" task_list { tasks { work_units: 3 }
  tasks { work_units: 1 input_size_bytes: 10 executor { kind: EXECUTOR_KIND_SIMULATED } } }
  executor { kind: EXECUTOR_KIND_SIMULATED simulated { seed: 3 failure_probability: 0.25 } }
  replication { copies: 3 quorum: 2 } max_attempts_per_task: 5 deadline { seconds: 60 } priority: -2 }
  '
encode submit_job idempotent SubmitJobRequest 'spec { task_count: 1 work_units_per_task: 1
  executor { kind: EXECUTOR_KIND_SIMULATED } idempotency_key: "k1" }'

# --- enroll: EnrollRequest (the harness's join token is "join-fuzz")
encode enroll plain EnrollRequest 'join_token: "join-fuzz" owner: "alice"
  hardware { speed_work_units_per_s: 2.5 } link { download_bytes_per_s: 1000000 metered: true }
  agent_version: "1.0" display_name: "car"'
encode enroll key EnrollRequest 'join_token: "join-fuzz" owner: "bob" idempotency_key: "enroll-1"'
encode enroll bad_token EnrollRequest 'join_token: "nope" owner: "eve"'

# --- node_message: NodeBatch, one message per stream read; the car is node 1
encode node_message work NodeBatch 'messages { hello { node_id: 1 held_attempts { attempt { attempt_id: 1 lease_epoch: 1 } } } }
  messages { heartbeat { state: NODE_STATE_PLUGGED state_of_charge: 0.5 } }
  messages { work_request { slots: 2 } }
  messages { progress { attempt { attempt_id: 1 lease_epoch: 1 } work_done_units: 0.5 } }'
encode node_message batch NodeBatch 'messages { hello { node_id: 1 initial_state { state: NODE_STATE_PARKED } } }
  messages { batch { messages { heartbeat { state: NODE_STATE_PARKED } } messages { work_request { slots: 1 } }
  messages { attempt_failed { attempt { attempt_id: 4294967297 lease_epoch: 1 } reason: FAILURE_REASON_EXECUTOR_ERROR } } } }
  messages { leave { reason: LEAVE_REASON_OWNER_DRIVING } }'
# An inline result of attempt 1: 3 bytes "abc" with their SHA-256.
encode node_message result NodeBatch 'messages { hello { node_id: 1 held_attempts { attempt { attempt_id: 1 lease_epoch: 1 } } } }
  messages { result_chunk { attempt { attempt_id: 1 lease_epoch: 1 } offset: 0 data: "ab" total_size_bytes: 3 } }
  messages { result_chunk { attempt { attempt_id: 1 lease_epoch: 1 } offset: 2 data: "c" total_size_bytes: 3 last: true
  result_digest { sha256: "\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40\xde\x5d\xae\x22\x23\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10\xff\x61\xf2\x00\x15\xad" } } }'

# --- upload_result: NodeBatch of result chunks of one upload
encode upload_result two_chunks NodeBatch 'messages { result_chunk { attempt { attempt_id: 1 lease_epoch: 1 } offset: 0 data: "ab" total_size_bytes: 3 } }
  messages { result_chunk { attempt { attempt_id: 1 lease_epoch: 1 } offset: 2 data: "c" total_size_bytes: 3 last: true
  result_digest { sha256: "\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40\xde\x5d\xae\x22\x23\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10\xff\x61\xf2\x00\x15\xad" } } }'
encode upload_result bad_digest NodeBatch 'messages { result_chunk { attempt { attempt_id: 4294967297 lease_epoch: 1 } data: "abc" total_size_bytes: 3 last: true
  result_digest { sha256: "0123456789abcdef0123456789abcdef" } } }'
encode upload_result too_large NodeBatch 'messages { result_chunk { attempt { attempt_id: 8589934593 lease_epoch: 1 } data: "x" total_size_bytes: 100000 } }'

# --- list_paging: one selector byte (0 ListJobs, 1 ListTasks, 2 ListNodes, 3 FetchResults,
# 4 GetJob, 5 GetNode), then the request
listing() {  # listing NAME SELECTOR MESSAGE TEXT
  mkdir -p "$corpus/list_paging"
  { printf "\\x$2"; printf '%s\n' "$4" | protoc -I"$root/proto" -I/usr/include \
      --encode="fleetgrid.v1.$3" "$root"/proto/fleetgrid/v1/*.proto; } >"$corpus/list_paging/seed-$1"
}
listing jobs 00 ListJobsRequest 'page_size: 2 page_token: "3" states: JOB_STATE_QUEUED'
listing tasks 01 ListTasksRequest 'job_id: 3 page_size: 50 page_token: "100" include_attempts: true'
listing tasks_running 01 ListTasksRequest 'job_id: 1 states: TASK_STATE_RUNNING include_attempts: true'
listing nodes 02 ListNodesRequest 'page_size: 1 page_token: "1" owner: "bob"'
listing results 03 FetchResultsRequest 'job_id: 1 task_ids: 1 task_ids: 2'
listing job 04 GetJobRequest 'job_id: 2'
listing node 05 GetNodeRequest 'node_id: 3'

# --- change_codec: records, each a 2-byte little-endian length and the record
# (coordinator/service/change_codec.h: version 1, tag, fields little-endian).
mkdir -p "$corpus/change_codec"
python3 - "$corpus/change_codec" <<'PY'
import struct, sys, os
out = sys.argv[1]
def rec(tag, fmt, *vals):
    return bytes([1, tag]) + struct.pack("<" + fmt, *vals)
def frame(*records):
    return b"".join(struct.pack("<H", len(r)) + r for r in records)
node = rec(0, "IIBddqBHB", 0, 0, 0, 1.0, 2.5e6, 50_000_000, 0, 64, 0)
status = rec(1, "qIBBB", 1000, 0, 1, 1, 0)  # connected, parked
name = b"job"
job = bytes([1, 2]) + struct.pack("<qII", 2000, 0, 0) + struct.pack("<I", len(name)) + name + \
      struct.pack("<IdQQI", 2, 1.0, 0, 64, 0) + struct.pack("<BBHqi", 1, 1, 0, 0, 0)
started = rec(4, "qIIIq", 3000, 0, 1, 0, 2**62)
result = rec(6, "qII", 4000, 0, 1) + bytes(range(32))
ended = rec(5, "qIIBd", 5000, 0, 1, 0, 0.0)
check = rec(7, "qIId", 3500, 0, 1, 0.5)
accepted = rec(8, "qIII", 6000, 0, 1, 0)
closed = rec(9, "qIB", 7000, 1, 4)
jobstat = rec(3, "qIB", 7000, 0, 2)
seeds = {
    "register": frame(node, status),
    "job_life": frame(node, status, job, started, check, result, ended, accepted, closed, jobstat),
    "running": frame(node, status, job, started),
}
for k, v in seeds.items():
    open(os.path.join(out, "seed-" + k), "wb").write(v)
PY
echo "seeds written under $corpus"
