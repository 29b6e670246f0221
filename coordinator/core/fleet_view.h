// FleetView: the read-only view of the fleet and the pending work that policies decide on.
//
// Cheap inline accessors over the core's tables. Valid only during the policy callback
// that received it (the core mutates the tables between calls).
// Lazy deletion: a policy's index entry for a task or node carries the ticket it was given;
// the entry is live iff TaskLive(task, ticket) / NodeLive(node, ticket).
#pragma once

#include <cstdint>

#include "common/ids.h"
#include "common/time.h"
#include "coordinator/core/tables.h"

namespace fleetgrid::core {

class FleetView {
 public:
  explicit FleetView(const Tables& t) : t_(t) {}

  // Counters, e.g. stats().tasks_ready and stats().nodes_waiting (live index sizes).
  const CoreStats& stats() const { return t_.stats; }

  // --- Tasks
  uint32_t task_count() const { return static_cast<uint32_t>(t_.tasks.size()); }
  // Open tasks that want another copy now (the policy's task index size, stale excluded).
  bool TaskReady(TaskId task) const { return t_.tasks[task.value()].ready(); }
  // Is this index entry current? (ready and not assigned since the ticket was issued)
  bool TaskLive(TaskId task, uint32_t ticket) const {
    const TaskRec& r = t_.tasks[task.value()];
    return r.ready() && r.epoch == ticket;
  }
  JobId TaskJob(TaskId task) const { return JobId(t_.JobOf(task.value())); }
  double TaskWork(TaskId task) const;
  double TaskCheckpoint(TaskId task) const {
    auto it = t_.checkpoints.find(task.value());
    return it == t_.checkpoints.end() ? 0.0 : it->second;
  }
  double TaskRemainingWork(TaskId task) const { return TaskWork(task) - TaskCheckpoint(task); }
  uint32_t TaskLiveCopies(TaskId task) const { return t_.tasks[task.value()].live; }
  uint32_t TaskAttempts(TaskId task) const { return t_.tasks[task.value()].attempts; }
  TimePoint TaskDeadline(TaskId task) const { return t_.jobs[t_.JobOf(task.value())].deadline; }
  int32_t TaskPriority(TaskId task) const { return t_.jobs[t_.JobOf(task.value())].priority; }

  // --- Jobs
  int32_t JobPriority(JobId job) const { return t_.jobs[job.value()].priority; }
  TimePoint JobDeadline(JobId job) const { return t_.jobs[job.value()].deadline; }
  TimePoint JobSubmitted(JobId job) const { return t_.jobs[job.value()].submitted; }
  uint32_t JobFirstTask(JobId job) const { return t_.jobs[job.value()].first_task; }

  // --- Nodes
  uint32_t node_count() const { return static_cast<uint32_t>(t_.nodes.size()); }
  bool NodeWaiting(NodeId node) const { return t_.nodes[node.value()].waiting(); }
  bool NodeLive(NodeId node, uint32_t ticket) const {
    const NodeRec& r = t_.nodes[node.value()];
    return r.waiting() && r.wait_ticket == ticket;
  }
  double NodeSpeed(NodeId node) const { return t_.nodes[node.value()].speed; }
  OwnerId NodeOwner(NodeId node) const { return t_.nodes[node.value()].owner; }
  uint8_t NodeHwClass(NodeId node) const { return t_.nodes[node.value()].hw_class; }
  TimePoint NodeIdleSince(NodeId node) const { return t_.nodes[node.value()].idle_since; }
  NodeState NodeReportedState(NodeId node) const { return t_.nodes[node.value()].state; }
  float NodeBattery(NodeId node) const { return t_.nodes[node.value()].battery_soc; }
  uint32_t NodeValidResults(NodeId node) const { return t_.nodes[node.value()].valid_results; }
  uint32_t NodeInvalidResults(NodeId node) const { return t_.nodes[node.value()].invalid_results; }
  // Validated results since the last invalid one (0 while no job validates results).
  uint32_t NodeConsecutiveValid(NodeId node) const {
    return node.value() < t_.trust.size() ? t_.trust[node.value()].consecutive_valid : 0;
  }
  const LinkSpec& NodeLink(NodeId node) const { return t_.links[node.value()]; }
  const NodePrediction& NodePredicted(NodeId node) const {
    static const NodePrediction kUnknown;
    return node.value() < t_.predictions.size() ? t_.predictions[node.value()] : kUnknown;
  }

  // May `node` run a copy of `task` now? (no live copy of it on a node of the same owner)
  bool Eligible(NodeId node, TaskId task) const {
    const TaskRec& r = t_.tasks[task.value()];
    return r.live == 0 || EligibleSlow(node, r);
  }

 private:
  bool EligibleSlow(NodeId node, const TaskRec& r) const;
  const Tables& t_;
};

}  // namespace fleetgrid::core
