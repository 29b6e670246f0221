// TaskQueue: ready tasks by job priority (highest first); within a level, requeued tasks
// in a LIFO stack in front of the fresh tasks in submission order (FLEET-1's queue).
//
// Fresh tasks are stored as id ranges (O(1) memory per job). Lazy deletion: an entry is
// live iff FleetView::TaskLive(task, ticket); fresh entries carry ticket 0.
// With a single priority level every operation is O(1) amortized.
// Thread safety: none.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "absl/functional/function_ref.h"
#include "coordinator/core/fleet_view.h"
#include "coordinator/core/policy.h"

namespace fleetgrid::core {

class TaskQueue {
 public:
  explicit TaskQueue(bool honour_priority = true) : honour_priority_(honour_priority) {}

  void PushFresh(int32_t priority, TaskId first, uint32_t count);
  // To the head of its level (most recently pushed first).
  void PushFront(int32_t priority, TaskId task, uint32_t ticket);
  // The first live task in queue order that `node` may run, scanning at most `scan_limit`
  // live entries. The taken entry goes stale once the core assigns it.
  bool Take(const FleetView& view, NodeId node, uint32_t scan_limit, TaskId* out);
  // The first live task of the highest non-empty level, in queue order, that `node` may run
  // and `want` accepts, scanning at most `scan_limit` live entries (affinity: a task whose
  // model the node holds). Taken from the middle, the entry goes stale once assigned.
  bool TakeMatching(const FleetView& view, NodeId node, uint32_t scan_limit,
                    absl::FunctionRef<bool(TaskId)> want, TaskId* out);
  // The head of the queue (the first live task of the highest level), left in place.
  bool Front(const FleetView& view, TaskId* out);
  size_t MemoryBytes() const;

 private:
  struct Entry {
    uint32_t task;
    uint32_t ticket;
  };
  struct Range {
    uint32_t first;
    uint32_t end;
  };
  struct Level {
    std::vector<Entry> stack;  // back = head of the queue
    std::deque<Range> fresh;
    bool empty() const { return stack.empty() && fresh.empty(); }
  };
  // Drops stale entries at the head of the level.
  static void CleanHead(const FleetView& view, Level& level);
  Level& LevelFor(int32_t priority);

  bool honour_priority_;
  std::map<int32_t, Level, std::greater<>> levels_;
};

// A policy whose ready tasks wait in one TaskQueue (fifo's order): the notifications that
// fill it. The policy decides which node takes which of them.
class TaskQueuePolicy : public SchedulingPolicy {
 public:
  explicit TaskQueuePolicy(bool honour_priority) : tasks_(honour_priority) {}
  void OnTaskReady(const FleetView& view, TaskId task, uint32_t ticket, ReadyReason) override {
    tasks_.PushFront(view.TaskPriority(task), task, ticket);
  }
  void OnTasksSubmitted(const FleetView& view, JobId job, TaskId first, uint32_t count) override {
    tasks_.PushFresh(view.JobPriority(job), first, count);
  }

 protected:
  TaskQueue tasks_;
};

}  // namespace fleetgrid::core
