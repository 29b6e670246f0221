// Plain value types of the brain: node, job and task specs, and the enums its decisions use.
//
// Thread safety: plain values. Units: work in work units (a speed-1 car does 1 unit/s),
// bytes in bytes, time in typed Duration / TimePoint.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "common/time.h"

namespace fleetgrid::core {

// The car's own state, as it reports it in heartbeats.
enum class NodeState : uint8_t { kDriving, kParked, kPlugged, kCharging };

// Where the coordinator believes the node is (derived from calls, not reported by the car).
enum class NodeConnection : uint8_t {
  kRegistered,  // never connected
  kConnected,   // heard from (or implicit heartbeats) within its grace
  kSilent,      // the driver said no heartbeats come any more; lost at last_heard + grace
  kLost,        // silent past its grace; its attempts ended kLost
  kLeft,        // clean leave
};

struct LinkSpec {
  double bandwidth_bytes_per_s = 2.5e6;
  Duration latency = Duration::Millis(50);
  bool metered = false;
  bool operator==(const LinkSpec&) const = default;
};

// A reported state of charge that says "not known" (any other value must lie in [0, 1]).
inline constexpr float kSocUnknown = -1;

struct NodeSpec {
  OwnerId owner;
  uint8_t hw_class = 0;  // index into the caller's class table (HW3/HW4/AI5, or a sim speed class)
  double speed = 1.0;    // work units per second
  LinkSpec link;
  uint16_t max_concurrent = 1;      // attempts at once
  bool implicit_heartbeat = false;  // simulator: heartbeats implied while connected (NodeSilent)
  uint64_t memory_bytes = 0;        // memory usable by tasks; 0 = unknown (every task fits)
  // The electricity price zone the car buys in (a region, a tariff): the driver tells the
  // brain each zone's price (Core::SetEnergyPrice) for price-aware policies.
  uint16_t price_zone = 0;
  // A datacenter accelerator in a hybrid pool (always there, paid by the hour), not a car:
  // overflow policies keep it for work whose deadline is at risk.
  bool datacenter = false;
};

struct TaskSpec {
  double work_units = 0;
  uint64_t input_bytes = 0;
  uint64_t output_bytes = 0;
  // Memory the task needs; 0 = none. A task runs only on a node whose memory_bytes is at
  // least this, or unknown (0): a node that does not say is trusted to fit, as before
  // nodes reported memory (FleetView::MemoryFits).
  uint64_t memory_bytes = 0;
  // Bytes of the task's checkpoint (0 = the task cannot checkpoint): what a car uploads when
  // asked to save its work before a departure (Decisions::checkpoint_requests).
  uint64_t checkpoint_bytes = 0;
  // Model weights the task computes with (batch inference; docs/workloads.md): an id (0 =
  // none) and their size. A car that does not hold them downloads them before the input;
  // the core remembers the model each node last returned a result with (FleetView::
  // HoldsModel), so that policies can send a model's tasks to cars that hold it.
  uint32_t model = 0;
  uint64_t model_bytes = 0;
  // Data-local input (the fleet's own camera clips; docs/workloads.md): the node whose
  // storage holds the input (kNoDataNode = none). The task runs there without a download,
  // or on another node once the input was staged: uploaded by its car to the coordinator
  // (JobSpec::stage_after, Decisions::stage_requests).
  static constexpr uint32_t kNoDataNode = 0xffffffff;
  uint32_t data_node = kNoDataNode;
};

// sha-256 of the output (the simulator derives one from the task id).
using ResultDigest = std::array<uint8_t, 32>;

// Adaptive replication (BOINC style), off by default. A copy assigned while the task has no
// other live copy, to a node with at least `trust_threshold` consecutive validated results,
// runs alone with probability `skip_probability` and is accepted on that single result.
// Trust also weighs in the vote: with `untrusted_quorum` > quorum, agreeing results of which
// none comes from a trusted node (streak >= trust_threshold) need `untrusted_quorum` votes
// instead of `quorum` (more copies are issued as needed), so that untrusted colluders must
// outnumber the honest by more to win (credibility-based voting, after Sarmenta 2002).
struct AdaptiveReplication {
  uint16_t trust_threshold = 0;  // 0 = off
  double skip_probability = 0;   // in [0, 1]
  uint8_t untrusted_quorum = 0;  // 0 = quorum (off); else in [quorum, 64]
};

// A spot-check: the task at `task_index` (within its job) has a known correct digest, given
// by the driver. It runs one copy at a time; a result that differs is invalid (the attempt
// ends kDisagreed, a strike for its node) and the task is issued again. Cars cannot tell a
// spot-check from any other task: its Assignment is the same.
struct KnownAnswer {
  uint32_t task_index = 0;
  ResultDigest digest{};
};

struct JobSpec {
  std::string name;
  uint32_t task_count = 0;
  TaskSpec task;                // every task's spec when `tasks` is empty
  std::vector<TaskSpec> tasks;  // explicit per-task specs (then size == task_count)
  uint8_t replication = 1;      // copies run at once, on distinct owners
  uint8_t quorum = 1;           // agreeing results (same digest, distinct owners) to accept
  uint16_t max_attempts = 0;    // per task, 0 = config default; task (and job) FAILED past it
  Duration deadline = Duration::Infinite();  // from submission; job FAILED after it
  int32_t priority = 0;                      // higher runs first where the policy honours priority
  bool allow_metered = true;                 // false: its tasks never go to nodes on metered links
  // Who submitted it (live: the API token's id; sim: workload.clients), for fair share
  // across clients; "" is the default client.
  std::string client;
  // Data-local tasks: how long a ready task waits for its data node before the core asks
  // that node to stage (upload) its input so that any node may run it; Infinite = never.
  Duration stage_after = Duration::Infinite();
  AdaptiveReplication adaptive;            // off unless trust_threshold > 0
  std::vector<KnownAnswer> known_answers;  // spot-checks; distinct task indexes
};

// An attempt a reconnecting car says it still holds.
struct HeldAttempt {
  AttemptId attempt;
  uint32_t epoch = 0;
};

enum class AttemptOutcome : uint8_t {
  kSucceeded,  // its result was accepted (or agreed with the accepted one)
  kLost,       // node silent past grace
  kLeft,       // clean leave, or the car reported driving
  kFailed,     // the car reported failure
  kExpired,    // lease deadline passed
  kCancelled,  // job cancelled / failed / past deadline, or copy not needed any more
  kDisagreed,  // lost the quorum vote
};

enum class ResultVerdict : uint8_t {
  kAccepted,       // task done (quorum met); for progress: progress recorded
  kPendingQuorum,  // result recorded, waiting for agreeing results
  kDuplicate,      // already seen: acknowledge again, count nothing
  kRejectedStaleEpoch,
  kRejectedUnknownAttempt,
  kRejectedWrongNode,
  kRejectedTaskClosed,
};

enum class JobStatus : uint8_t { kQueued, kRunning, kDone, kFailed, kCancelled };
enum class TaskStatus : uint8_t { kPending, kRunning, kDone, kFailed, kCancelled };

enum class CancelReason : uint8_t {
  kJobCancelled,
  kJobFailed,     // a sibling task hit its retry limit
  kDeadline,      // the job's deadline passed
  kLeaseExpired,  // the attempt's lease deadline passed
  kTaskAccepted,  // quorum reached: this copy is not needed
  kOwnerRule,     // an owner rule would break (unplugged, SoC floor, window closed, energy cap)
};

std::string_view ToString(NodeState);
std::string_view ToString(NodeConnection);
std::string_view ToString(AttemptOutcome);
std::string_view ToString(ResultVerdict);
std::string_view ToString(JobStatus);
std::string_view ToString(TaskStatus);
std::string_view ToString(CancelReason);

// True for the verdicts that reject the report (nothing changed).
constexpr bool IsRejected(ResultVerdict v) { return v >= ResultVerdict::kRejectedStaleEpoch; }

}  // namespace fleetgrid::core
