// SchedulingPolicy: decides which waiting node runs which ready task.
//
// The core keeps the state; a policy keeps only its own incremental indexes, fed by
// notifications, and answers Pick(). Contract:
//  - OnTaskReady(task, ticket): the task wants another copy (submitted, requeued, or still
//    short of copies after an assignment). Entries go stale when the task is assigned,
//    closed or re-notified; check FleetView::TaskLive(task, ticket) (lazy deletion).
//  - OnNodeWaiting(node, ticket): the node wants work (again); same lazy-deletion rule.
//  - Withdrawn notifications are hints; policies may ignore them and rely on tickets.
//  - Pick(): choose one live (node, task) pair with view.Eligible(node, task), or return
//    false if it finds none. The core assigns it, then re-notifies the task/node if they
//    still want more. Called while both a ready task and a waiting node exist.
//  - Pure and deterministic: same notifications and view, same picks; randomness only from
//    the Rng the registry hands in.
// Thread safety: none (owned by one Core).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/ids.h"
#include "common/time.h"
#include "coordinator/core/fleet_view.h"

namespace fleetgrid::core {

enum class ReadyReason : uint8_t {
  kSubmitted,   // fresh task of a new job
  kRequeued,    // a copy ended without a result (lost, left, failed, expired)
  kMoreCopies,  // just assigned, but replication wants more copies
  kRestored,    // rebuilt after Core::Restore
  kStaged,      // a data-local task's input was staged: any node may run it now
};

struct Match {
  NodeId node;
  TaskId task;
};

class SchedulingPolicy {
 public:
  virtual ~SchedulingPolicy() = default;

  // The registry name and parameters, e.g. "fifo" or "random(seed=7)": goes into results.
  virtual std::string_view name() const = 0;

  virtual void OnTaskReady(const FleetView& view, TaskId task, uint32_t ticket,
                           ReadyReason reason) = 0;
  // `count` fresh tasks first..first+count-1 of one job, all with ticket 0. Default: one
  // OnTaskReady each; queue-like policies store the range in O(1).
  virtual void OnTasksSubmitted(const FleetView& view, JobId job, TaskId first, uint32_t count);
  virtual void OnTaskWithdrawn(const FleetView& /*view*/, TaskId /*task*/) {}

  virtual void OnNodeWaiting(const FleetView& view, NodeId node, uint32_t ticket) = 0;
  virtual void OnNodeWithdrawn(const FleetView& /*view*/, NodeId /*node*/) {}

  virtual bool Pick(const FleetView& view, TimePoint now, Match* out) = 0;

  // True for a policy that reads FleetView::ExpectedStay: the core then learns each node's
  // parked stays (32 bytes per node, coordinator/core/stay_history.h).
  virtual bool LearnsStays() const { return false; }

  // When Pick() last declined a match it could have made, to wait for a better node (delay
  // scheduling), the time it wants to be asked again; Infinite otherwise. It must be later
  // than the Pick() call that set it. The core wakes up then (Core::NextWakeup).
  virtual TimePoint RetryAt() const { return TimePoint::Infinite(); }

  // Bytes held by the policy's indexes (for memory reports).
  virtual size_t MemoryBytes() const { return 0; }
};

}  // namespace fleetgrid::core
