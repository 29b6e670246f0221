// CoreStats: counters the brain keeps for drivers and reports. Plain value.
//
// Invariant (checked by tests): attempts_started == attempts_succeeded + attempts_lost +
// attempts_left + attempts_failed + attempts_expired + attempts_cancelled +
// attempts_disagreed + attempts_live.
#pragma once

#include <cstdint>

namespace fleetgrid::core {

struct CoreStats {
  // Nodes
  uint64_t nodes_registered = 0;
  uint64_t nodes_connected = 0;  // kConnected or kSilent
  uint64_t nodes_waiting = 0;    // asked for work and have a free requested slot
  uint64_t nodes_lost = 0;       // loss events (a node may be lost many times)
  uint64_t inputs_staged = 0;    // data-local inputs uploaded by their data nodes
  uint64_t self_suspicions = 0;  // times the loss guard blamed the driver (see LossGuard)
  uint64_t losses_paced = 0;     // losses the guard's pace held back past their deadline
  // Jobs
  uint64_t jobs_submitted = 0;
  uint64_t jobs_done = 0;
  uint64_t jobs_failed = 0;
  uint64_t jobs_cancelled = 0;
  // Tasks
  uint64_t tasks_submitted = 0;
  uint64_t tasks_done = 0;  // accepted results (exactly one per task)
  uint64_t tasks_failed = 0;
  uint64_t tasks_cancelled = 0;
  uint64_t tasks_ready = 0;  // open tasks that want another copy now
  // Attempts
  uint64_t attempts_started = 0;
  uint64_t attempts_succeeded = 0;
  uint64_t attempts_lost = 0;
  uint64_t attempts_left = 0;
  uint64_t attempts_failed = 0;
  uint64_t attempts_expired = 0;
  uint64_t attempts_cancelled = 0;
  uint64_t attempts_disagreed = 0;
  uint64_t attempts_live = 0;  // running, or reported and waiting for a quorum
  // Reports
  uint64_t reports_rejected = 0;
  uint64_t reports_duplicate = 0;
  // Untrusted results (adaptive replication, spot-checks, quotas)
  uint64_t results_unreplicated = 0;  // accepted on one result of a trusted node
  uint64_t spot_checks_passed = 0;
  uint64_t spot_checks_failed = 0;
  uint64_t quota_holds = 0;                 // times a node was held back by its daily quota
  uint64_t nodes_with_invalid_results = 0;  // nodes that returned at least one invalid result
  // Owner rules and departures
  uint64_t attempts_ended_by_rules = 0;  // ended with CancelReason::kOwnerRule
  uint64_t departure_warnings = 0;       // Core::WarnDeparture calls
  uint64_t checkpoint_requests = 0;      // Decisions::checkpoint_requests issued
  double work_lost_units = 0;            // sum of AttemptEnded::work_lost_units
};

}  // namespace fleetgrid::core
