// Conversions between the wire API (fleetgrid.v1) and the brain's types, the validation of
// client job specs, and the synthetic task inputs both sides generate.
//
// Ids on the wire are the brain's dense ids + 1 (0 means "not set" on the wire) for nodes,
// jobs and tasks; attempt ids are the brain's AttemptId value (task << 32 | epoch, never 0
// because epochs start at 1). Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "common/sha256.h"  // Sha256 and AsString, which brain*.cc take from here
#include "common/status.h"
#include "coordinator/core/core.h"
#include "fleetgrid/v1/admin.pb.h"
#include "fleetgrid/v1/job.pb.h"
#include "fleetgrid/v1/node.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace fleetgrid::service {

inline uint64_t WireNode(NodeId n) { return uint64_t{n.value()} + 1; }
inline uint64_t WireJob(JobId j) { return uint64_t{j.value()} + 1; }
inline uint64_t WireTask(TaskId t) { return uint64_t{t.value()} + 1; }
// Invalid() when the wire id is 0 or out of range.
NodeId CoreNode(uint64_t wire);
JobId CoreJob(uint64_t wire);
TaskId CoreTask(uint64_t wire);
inline TaskId TaskOfAttempt(uint64_t attempt) {
  return TaskId(static_cast<uint32_t>(attempt >> 32));
}

// Limits a job spec must respect.
struct JobLimits {
  uint32_t max_tasks = 1'000'000;
  uint64_t max_input_bytes = 256ull << 20;
  uint64_t max_output_bytes = 64ull << 20;
  // A checkpoint is one SQLite blob (at most 1e9 bytes) held in memory while it is stored.
  uint64_t max_checkpoint_bytes = 512ull << 20;
  int64_t max_deadline_seconds = 3'155'760'000;  // 100 years
};

// Checks a client's JobSpec and builds the brain's. InvalidArgument naming the field for a
// malformed spec, ResourceExhausted for one past the limits.
absl::StatusOr<core::JobSpec> ToCoreJobSpec(const v1::JobSpec& spec, const JobLimits& limits);

// The largest output accepted for a task of this spec (the spec's cap, or the limit if 0).
uint64_t OutputCap(const core::TaskSpec& t, const JobLimits& limits);

// One page of a List call: where it starts (the page token from the previous reply, or
// `first` when there is none) and how many entries (page_size 0 = 100, at most 1000).
// INVALID_ARGUMENT naming page_token when the token is not a number.
struct Page {
  uint64_t start = 0;
  uint32_t size = 0;
};
absl::StatusOr<Page> ParsePage(const std::string& page_token, uint32_t page_size, uint64_t first);

// The seed of a job's executor (hash.seed or simulated.seed; 0 if none).
uint64_t ExecutorSeed(const v1::JobSpec& spec);

// The synthetic input of task `task_index` of a job whose executor seed is `seed`:
// SHA-256 in counter mode, block i = SHA-256("fleetgrid.input.v1" || le64(seed) ||
// le32(task_index) || le64(i)), truncated to `size` bytes. Any party can regenerate it.
std::string SyntheticInput(uint64_t seed, uint32_t task_index, uint64_t size);

v1::NodeState ToWire(core::NodeState s);
// InvalidArgument for UNSPECIFIED.
absl::StatusOr<core::NodeState> FromWire(v1::NodeState s);
v1::JobState ToWire(core::JobStatus s);
v1::TaskState ToWire(core::TaskStatus s);
v1::CancelReason ToWire(core::CancelReason r);

// Unix time in nanoseconds (common/clock.h's UnixNowNanos) -> proto Timestamp.
google::protobuf::Timestamp ToTimestamp(int64_t unix_ns);

// A car's reported state (Heartbeat, Hello.initial_state): INVALID_ARGUMENT naming the
// field for an UNSPECIFIED state, a SoC outside [0, 1], a negative charging power, a
// confidence outside [0, 1].
absl::Status CheckCarState(const v1::Heartbeat& hb);
// The owner's preferences and the car's battery (EnrollRequest, Hello) as the core's rules;
// INVALID_ARGUMENT naming the field for bad ones (SoC floor outside [0, 1), an empty window,
// per-weekday windows, which the core does not model).
absl::Status OwnerRulesFromWire(const v1::OwnerPreferences& p,
                                const v1::BatteryDescription& battery,
                                const v1::HardwareDescription& hardware, core::OwnerRules* rules,
                                core::BatterySpec* spec);

}  // namespace fleetgrid::service
