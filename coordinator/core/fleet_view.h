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
  // Memory the task needs (TaskSpec::memory_bytes; 0 = none).
  uint64_t TaskMemory(TaskId task) const;
  // Data-local tasks: the node that holds the input (TaskSpec::kNoDataNode = none), and
  // whether the input was staged (then any node may read it).
  uint32_t TaskDataNode(TaskId task) const {
    return t_.data_local_on ? t_.SpecOf(task.value()).data_node : TaskSpec::kNoDataNode;
  }
  bool TaskStaged(TaskId task) const {
    return (t_.tasks[task.value()].bits & TaskRec::kStagedBit) != 0;
  }
  // The model whose weights the task computes with (TaskSpec::model; 0 = none).
  uint32_t TaskModel(TaskId task) const {
    return t_.held_model.empty() ? 0 : t_.SpecOf(task.value()).model;
  }
  uint32_t TaskLiveCopies(TaskId task) const { return t_.tasks[task.value()].live; }
  uint32_t TaskAttempts(TaskId task) const { return t_.tasks[task.value()].attempts; }
  TimePoint TaskDeadline(TaskId task) const { return t_.jobs[t_.JobOf(task.value())].deadline; }
  int32_t TaskPriority(TaskId task) const { return t_.jobs[t_.JobOf(task.value())].priority; }

  // --- Jobs and clients
  // The job's client (JobSpec::client) as an index: 0 is "", the others in order of first
  // submission; client_count() of them.
  uint32_t JobClient(JobId job) const { return t_.ClientOf(job.value()); }
  uint32_t client_count() const { return static_cast<uint32_t>(t_.client_names.size()); }
  const std::string& ClientName(uint32_t client) const { return t_.client_names[client]; }
  // Summed speed of the nodes running the client's attempts now.
  double ClientSpeed(uint32_t client) const { return t_.client_speed[client]; }
  int32_t JobPriority(JobId job) const { return t_.jobs[job.value()].priority; }
  TimePoint JobDeadline(JobId job) const { return t_.jobs[job.value()].deadline; }
  TimePoint JobSubmitted(JobId job) const { return t_.jobs[job.value()].submitted; }
  uint32_t JobFirstTask(JobId job) const { return t_.jobs[job.value()].first_task; }
  // Some of the job's tasks have a data node (TaskSpec::data_node).
  bool JobDataLocal(JobId job) const { return t_.jobs[job.value()].data_local; }

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
  // Memory usable by tasks (NodeSpec::memory_bytes; 0 = unknown).
  uint64_t NodeMemory(NodeId node) const {
    return node.value() < t_.node_memory.size() ? t_.node_memory[node.value()] : 0;
  }
  // Does `task` fit in `node`'s memory? Yes when the task needs none or the node's memory
  // is unknown (0): an unknown node is trusted, as before nodes reported memory.
  bool MemoryFits(NodeId node, TaskId task) const {
    const uint64_t have = NodeMemory(node);
    return have == 0 || TaskMemory(task) <= have;
  }
  // True when `node` is too small for every open task (its memory is known and below the
  // least any open job's tasks need): policies skip it without scanning tasks, and without
  // counting it against their scan limit, so that many small waiting cars cannot hide a
  // large node from a job that only the large node can run.
  // A node barred by its owner's rules (NodeBarred) fits no task either.
  bool NodeFitsNoTask(NodeId node) const {
    if (NodeBarred(node)) return true;
    if (!t_.memory_on || t_.open_job_memory.empty()) return false;
    const uint64_t have = NodeMemory(node);
    return have != 0 && have < *t_.open_job_memory.begin();
  }
  // The node's electricity price zone (NodeSpec::price_zone) and that zone's price per kWh
  // now (Core::SetEnergyPrice; 0 until the driver says).
  uint16_t NodePriceZone(NodeId node) const {
    return node.value() < t_.node_zone.size() ? t_.node_zone[node.value()] : 0;
  }
  double ZonePrice(uint16_t zone) const {
    return zone < t_.zone_price.size() ? t_.zone_price[zone] : 0.0;
  }
  double NodePrice(NodeId node) const { return ZonePrice(NodePriceZone(node)); }
  // A datacenter node of a hybrid pool (NodeSpec::datacenter), not a car.
  bool NodeInDatacenter(NodeId node) const {
    return node.value() < t_.node_datacenter.size() && t_.node_datacenter[node.value()] != 0;
  }
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
  // The model of the node's last reported result (0 = none): it holds those weights.
  uint32_t NodeModel(NodeId node) const {
    return t_.held_model.empty() ? 0 : t_.held_model[node.value()];
  }
  // Nodes that hold the model's weights (registered ones, present or not).
  uint32_t ModelHolders(uint32_t model) const { return t_.ModelHolders(model); }
  bool HoldsModel(NodeId node, TaskId task) const {
    return t_.HoldsModel(node.value(), task.value());
  }
  const NodePrediction& NodePredicted(NodeId node) const {
    static const NodePrediction kUnknown;
    return node.value() < t_.predictions.size() ? t_.predictions[node.value()] : kUnknown;
  }

  // --- Owner rules and stays (owner_rules.h). Time-dependent answers are at now(): the
  // time of the call being served.
  TimePoint now() const { return t_.now; }
  bool OnGrid(NodeId node) const {
    const NodeState s = t_.nodes[node.value()].state;
    return s == NodeState::kPlugged || s == NodeState::kCharging;
  }
  // The node's rules, or null when it has none.
  const OwnerRules* NodeRules(NodeId node) const {
    if (node.value() >= t_.energy.size()) return nullptr;
    const uint32_t r = t_.energy[node.value()].rules;
    return r == kNil ? nullptr : &t_.rule_sets[r];
  }
  // Seconds `node` is busy to finish `task` from its last checkpoint: download, compute and
  // upload over its link.
  double TaskSeconds(NodeId node, TaskId task) const;
  // Energy that takes on `node`'s battery spec (0 without one).
  double TaskEnergyWh(NodeId node, TaskId task) const;
  // A rule bars `node` from any work now (task-independent: off the grid under
  // plugged_only, outside its windows, its daily energy spent, or at its SoC floor).
  bool NodeBarred(NodeId node) const {
    return node.value() < t_.energy.size() && t_.energy[node.value()].rules != kNil &&
           NodeBarredSlow(node);
  }
  // Would running `task` on `node` now keep every owner rule? Counts the energy first:
  // the task (and the node's running attempts) must finish inside the window, within the
  // day's energy cap, and, off the grid, above the SoC floor.
  bool RulesAllow(NodeId node, TaskId task) const {
    return node.value() >= t_.energy.size() || t_.energy[node.value()].rules == kNil ||
           RulesAllowSlow(node, task);
  }
  // How much longer `node` is expected to stay parked: the departure it warned of, else the
  // median of its own past stays longer than its current one (the fleet's while it has
  // none), else Infinite. Learned only for policies that LearnsStays().
  Duration ExpectedStay(NodeId node) const;

  // May `node` run a copy of `task` now? (the task fits in the node's memory, no live copy
  // of it runs on a node of the same owner, and the owner's rules allow it). Every policy
  // picks through this, and the core refuses picks that fail it: no policy can give a task
  // to a node too small for it, or against its owner's rules.
  bool Eligible(NodeId node, TaskId task) const {
    if (t_.memory_on && !MemoryFits(node, task)) return false;
    if (!t_.InputReachable(node.value(), task.value())) return false;
    if (t_.metered_refused && t_.links[node.value()].metered &&
        !t_.jobs[t_.JobOf(task.value())].allow_metered) {
      return false;
    }
    if (!RulesAllow(node, task)) return false;
    const TaskRec& r = t_.tasks[task.value()];
    return r.live == 0 || EligibleSlow(node, r);
  }

 private:
  bool EligibleSlow(NodeId node, const TaskRec& r) const;
  bool NodeBarredSlow(NodeId node) const;
  bool RulesAllowSlow(NodeId node, TaskId task) const;
  const Tables& t_;
};

}  // namespace fleetgrid::core
