// Tables: the brain's compact state (one record per task, node, job, live attempt).
//
// Internal layout shared by Core (which mutates it) and FleetView (read-only, for policies).
// Drivers use Core's queries instead. Ids are dense indexes into these vectors.
// Thread safety: none (owned by one Core).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/ids.h"
#include "common/time.h"
#include "coordinator/core/owner_rules.h"
#include "coordinator/core/stats.h"
#include "coordinator/core/stay_history.h"
#include "coordinator/core/types.h"

namespace fleetgrid::core {

inline constexpr uint32_t kNil = std::numeric_limits<uint32_t>::max();

// 16 bytes per task. A task's job comes from its id (jobs own contiguous id ranges).
struct TaskRec {
  uint32_t epoch = 0;     // epoch of the last assignment (0 = never assigned)
  uint32_t link = kNil;   // open: first live attempt slot; done: node of the accepted result
  uint32_t aux = 0;       // done: epoch of the accepted attempt
  uint16_t attempts = 0;  // attempts started (against max_attempts)
  uint8_t live = 0;       // live attempts (running, or reported and waiting for quorum)
  uint8_t bits = 0;       // kStatusMask: TaskRec::Closed; kReadyBit: wants another copy now

  static constexpr uint8_t kOpen = 0, kDone = 1, kFailed = 2, kCancelled = 3;
  static constexpr uint8_t kStatusMask = 3;
  static constexpr uint8_t kReadyBit = 4;
  static constexpr uint8_t kSoloBit = 8;      // open: runs unreplicated (adaptive replication)
  static constexpr uint8_t kCanaryBit = 16;   // open: a spot-check (the job knows its answer)
  static constexpr uint8_t kStagedBit = 32;   // data-local: the input is with the coordinator
  static constexpr uint8_t kStagingBit = 64;  // data-local: its data node is uploading it
  uint8_t closed() const { return bits & kStatusMask; }
  bool open() const { return closed() == kOpen; }
  bool ready() const { return (bits & kReadyBit) != 0; }
};
static_assert(sizeof(TaskRec) == 16);

// One live attempt (running, or reported and waiting for quorum); slots are recycled.
struct AttemptRec {
  uint32_t task = kNil;
  uint32_t epoch = 0;
  uint32_t node = kNil;
  uint32_t next_in_task = kNil;  // singly linked list of the task's live attempts
  uint32_t next_in_node = kNil;  // singly linked list of the node's live attempts
  bool reported = false;         // result in, waiting for quorum
  float progress_units = 0;      // last reported progress
  float checkpoint_units = 0;    // last checkpointed progress
  float start_units = 0;         // the checkpoint it resumed from
  TimePoint started;
  TimePoint lease_deadline;
  ResultDigest digest{};  // valid when reported
};

struct NodeRec {
  OwnerId owner;
  float speed = 1;
  uint32_t attempts_head = kNil;  // live attempts
  uint32_t wait_ticket = 0;       // bumped each time the node starts waiting (lazy deletion)
  uint32_t hb_prev = kNil;        // heartbeat list, ordered by loss deadline
  uint32_t hb_next = kNil;
  TimePoint idle_since;  // when it last started waiting
  TimePoint last_heard;
  uint32_t valid_results = 0;
  uint32_t invalid_results = 0;
  uint16_t max_concurrent = 1;
  uint16_t running = 0;  // live attempts
  uint16_t wanted = 0;   // requested slots not yet filled
  uint8_t hw_class = 0;
  NodeState state = NodeState::kParked;
  NodeConnection conn = NodeConnection::kRegistered;
  bool implicit_heartbeat = false;
  bool draining = false;
  bool in_hb_list = false;
  float battery_soc = 1;

  bool waiting() const { return wanted > 0; }
};

// A node's reputation and daily quota: 10 bytes, in a vector of its own that stays empty
// (costing nothing) until a job validates results (quorum >= 2, spot-checks) or a daily
// quota is configured. Rebuilt exactly by Restore: every change follows from the replayed
// AttemptStarted / AttemptEnded records (and the config), so it needs no record of its own.
struct NodeTrust {
  uint16_t consecutive_valid = 0;  // validated results since the last invalid one (saturates)
  uint16_t quota = 0;              // today's assignment quota (HostQuota)
  uint16_t used = 0;               // assignments on day `day`
  uint16_t day = 0;                // day number (mod 2^16) that `used` counts
  bool held = false;               // held back by the quota; a kQuotaReset timer is pending
};
static_assert(sizeof(NodeTrust) == 10);

// The quota day (mod 2^16) of `node` at `at`: 24 h periods from TimePoint::Epoch(), shifted
// by a fixed per-node offset in [0, 24 h) (core_trust.cc).
uint16_t QuotaDay(TimePoint at, uint32_t node);

struct JobRec {
  std::string name;
  uint32_t first_task = 0;
  uint32_t task_count = 0;
  TaskSpec task;                                 // when `tasks` is empty
  std::unique_ptr<std::vector<TaskSpec>> tasks;  // explicit specs only
  uint8_t replication = 1;
  uint8_t quorum = 1;
  bool allow_metered = true;                    // its tasks may run on nodes with metered links
  bool data_local = false;                      // some of its tasks have a data node
  Duration stage_after = Duration::Infinite();  // data-local: JobSpec::stage_after
  uint16_t max_attempts = 0;                    // 0 = unlimited
  int32_t priority = 0;
  AdaptiveReplication adaptive;
  std::unique_ptr<std::vector<KnownAnswer>> known;  // spot-checks sorted by index, or null
  TimePoint submitted;
  TimePoint deadline = TimePoint::Infinite();
  uint64_t min_memory = 0;  // the least memory any of its tasks needs
  JobStatus status = JobStatus::kQueued;
  uint32_t tasks_done = 0;
  uint32_t tasks_closed = 0;  // done + failed + cancelled
};

// Predictions a driver may attach to a node, for availability-aware policies. Extend with
// new fields (defaults mean "unknown"); policies that do not read them are unaffected.
struct NodePrediction {
  TimePoint departure = TimePoint::Infinite();  // expected time the car drives off
  double departure_confidence = 0;              // 0..1
};

// A node's owner rules, battery and energy books: 64 bytes, in a vector that stays empty
// until a driver sets some node's rules (Core::SetOwnerRules), then one per node. Soft state,
// not in the change log (see owner_rules.h).
struct NodeEnergy {
  uint32_t rules = kNil;  // index into Tables::rule_sets; kNil = no rules
  float soc = kSocUnknown;
  BatterySpec battery;
  TimePoint soc_at;     // when `soc` was reported
  double drawn_wh = 0;  // drawn off the grid since then by attempts that have ended
  int64_t day = std::numeric_limits<int64_t>::min();       // local day that day_wh counts
  double day_wh = 0;                                       // compute energy on that day
  int64_t data_day = std::numeric_limits<int64_t>::min();  // local day that data_bytes counts
  uint64_t data_bytes = 0;  // bytes of the attempts assigned that day, on a metered link
};

// A node's parked stays (for policies that LearnsStays()): when it parked, and its history.
struct NodeStay {
  TimePoint since = TimePoint::Infinite();  // Infinite = not parked
  StayHistory history;
};

struct Tables {
  std::vector<TaskRec> tasks;
  std::vector<NodeRec> nodes;
  std::vector<LinkSpec> links;  // per node (cold)
  // Per node memory in bytes (0 = unknown); empty until a node reports some (then one per
  // node, nodes registered later too).
  std::vector<uint64_t> node_memory;
  // Electricity: each node's price zone (empty while every node is in zone 0) and each
  // zone's price per kWh (Core::SetEnergyPrice; 0 until told).
  std::vector<uint16_t> node_zone;
  std::vector<uint8_t> node_datacenter;  // NodeSpec::datacenter; empty while no node is one
  // Clients (JobSpec::client): names by index (0 = ""), each job's client (empty while every
  // job is the default client's), and per client the summed speed of the nodes running its
  // attempts (its share of the fleet's compute now, for fair share).
  std::vector<std::string> client_names{""};
  std::map<std::string, uint32_t, std::less<>> client_index{{"", 0}};
  std::vector<uint32_t> job_client;
  std::vector<double> client_speed{0.0};
  uint32_t ClientOf(uint32_t job) const { return job < job_client.size() ? job_client[job] : 0; }
  std::vector<double> zone_price;
  bool memory_on = false;        // some job's tasks need memory: FleetView::Eligible checks it
  bool metered_refused = false;  // some job refuses metered links: Eligible checks it
  bool data_local_on = false;    // some task has a data node: Eligible checks it
  // Per node, the model (TaskSpec::model) of its last reported result; empty until a job
  // has a model (then one per node, nodes registered later too).
  std::vector<uint32_t> held_model;
  std::unordered_map<uint32_t, uint32_t> model_holders;  // model -> nodes holding it
  // JobRec::min_memory of every open job (queued or running): begin() is the least memory
  // any open task needs, so a node with less fits none (FleetView::NodeFitsNoTask).
  std::multiset<uint64_t> open_job_memory;
  std::vector<JobRec> jobs;
  std::vector<AttemptRec> attempts;  // slab; free slots chained through next_in_task
  uint32_t free_attempt = kNil;
  std::unordered_map<uint32_t, float> checkpoints;  // task -> checkpointed units (sparse)
  std::vector<NodePrediction> predictions;          // empty until a driver sets one
  std::vector<NodeTrust> trust;                     // per node; empty until needed
  bool trust_on = false;           // trust is needed: kept one per node, nodes registered later too
  std::vector<NodeEnergy> energy;  // empty until a node has rules or a battery
  std::vector<OwnerRules> rule_sets;  // interned: a fleet has few distinct rule sets
  std::map<OwnerRules, uint32_t> rule_index;
  std::vector<NodeStay> stays;                    // one per node while learn_stays
  std::array<uint64_t, kStayBins> fleet_stays{};  // every node's stays (the prior for new cars)
  bool learn_stays = false;
  TimePoint now;  // of the call being served; set before the policy picks
  CoreStats stats;

  // REQUIRES: task < tasks.size(). O(log jobs).
  uint32_t JobOf(uint32_t task) const;
  const TaskSpec& SpecOf(uint32_t task) const {
    const JobRec& j = jobs[JobOf(task)];
    return j.tasks ? (*j.tasks)[task - j.first_task] : j.task;
  }
  uint32_t ModelHolders(uint32_t model) const {
    auto it = model_holders.find(model);
    return it == model_holders.end() ? 0 : it->second;
  }
  // May `node` read `task`'s input? (its data node, or the input was staged, or the task
  // has no data node)
  bool InputReachable(uint32_t node, uint32_t task) const {
    if (!data_local_on) return true;
    const uint32_t d = SpecOf(task).data_node;
    return d == TaskSpec::kNoDataNode || d == node || (tasks[task].bits & TaskRec::kStagedBit);
  }
  // Does `node` hold the weights of `task`'s model? (false for a task without one)
  bool HoldsModel(uint32_t node, uint32_t task) const {
    if (held_model.empty()) return false;
    const uint32_t m = SpecOf(task).model;
    return m != 0 && held_model[node] == m;
  }
};

}  // namespace fleetgrid::core
