// Core queries: snapshots for drivers, reports and tests.
#include <algorithm>
#include <string>

#include "coordinator/core/core.h"

namespace fleetgrid::core {

// ---------------------------------------------------------------- queries

absl::StatusOr<NodeInfo> Core::GetNode(NodeId node) const {
  if (absl::Status s = CheckNode(node); !s.ok()) return s;
  const NodeRec& n = t_.nodes[node.value()];
  NodeInfo info;
  info.id = node;
  info.owner = n.owner;
  info.hw_class = n.hw_class;
  info.speed = n.speed;
  info.memory_bytes = view_.NodeMemory(node);
  info.link = t_.links[node.value()];
  info.state = n.state;
  info.connection = n.conn;
  info.draining = n.draining;
  info.implicit_heartbeat = n.implicit_heartbeat;
  info.battery_soc = n.battery_soc;
  info.max_concurrent = n.max_concurrent;
  info.running = n.running;
  info.waiting_slots = n.wanted;
  info.last_heard = n.last_heard;
  info.idle_since = n.idle_since;
  info.valid_results = n.valid_results;
  info.invalid_results = n.invalid_results;
  if (!t_.trust.empty()) {
    info.consecutive_valid = t_.trust[node.value()].consecutive_valid;
    info.daily_quota = t_.trust[node.value()].quota;
  }
  return info;
}

absl::StatusOr<TaskInfo> Core::GetTask(TaskId task) const {
  if (!task.valid() || task.value() >= t_.tasks.size()) {
    return absl::NotFoundError("unknown task " + std::to_string(task.value()));
  }
  const TaskRec& t = t_.tasks[task.value()];
  const uint32_t job = t_.JobOf(task.value());
  const JobRec& j = t_.jobs[job];
  TaskInfo info;
  info.id = task;
  info.job = JobId(job);
  switch (t.closed()) {
    case TaskRec::kDone:
      info.status = TaskStatus::kDone;
      break;
    case TaskRec::kFailed:
      info.status = TaskStatus::kFailed;
      break;
    case TaskRec::kCancelled:
      info.status = TaskStatus::kCancelled;
      break;
    default:
      info.status = t.live > 0 ? TaskStatus::kRunning : TaskStatus::kPending;
  }
  info.spec = j.tasks ? (*j.tasks)[task.value() - j.first_task] : j.task;
  info.epoch = t.epoch;
  info.attempts = t.attempts;
  info.live_copies = t.live;
  info.ready = t.ready();
  info.unreplicated = t.open() && (t.bits & TaskRec::kSoloBit) != 0;
  info.spot_check = t.open() && (t.bits & TaskRec::kCanaryBit) != 0;
  info.checkpoint_units = view_.TaskCheckpoint(task);
  if (t.closed() == TaskRec::kDone) {
    info.accepted_attempt = MakeAttemptId(task, t.aux);
    info.accepted_node = NodeId(t.link);
  }
  return info;
}

absl::StatusOr<JobInfo> Core::GetJob(JobId job) const {
  if (!job.valid() || job.value() >= t_.jobs.size()) {
    return absl::NotFoundError("unknown job " + std::to_string(job.value()));
  }
  const JobRec& j = t_.jobs[job.value()];
  JobInfo info;
  info.id = job;
  info.name = j.name;
  info.status = j.status;
  info.first_task = TaskId(j.first_task);
  info.task_count = j.task_count;
  info.tasks_done = j.tasks_done;
  info.tasks_closed = j.tasks_closed;
  info.replication = j.replication;
  info.quorum = j.quorum;
  info.max_attempts = j.max_attempts;
  info.priority = j.priority;
  info.submitted = j.submitted;
  info.deadline = j.deadline;
  return info;
}

namespace {
AttemptInfo ToInfo(const AttemptRec& a) {
  AttemptInfo info;
  info.id = Core::MakeAttemptId(TaskId(a.task), a.epoch);
  info.task = TaskId(a.task);
  info.node = NodeId(a.node);
  info.epoch = a.epoch;
  info.reported = a.reported;
  info.progress_units = a.progress_units;
  info.checkpoint_units = a.checkpoint_units;
  info.started = a.started;
  info.lease_deadline = a.lease_deadline;
  return info;
}
}  // namespace

std::vector<AttemptInfo> Core::TaskAttempts(TaskId task) const {
  std::vector<AttemptInfo> out;
  if (!task.valid() || task.value() >= t_.tasks.size()) return out;
  const TaskRec& t = t_.tasks[task.value()];
  if (!t.open()) return out;
  for (uint32_t s = t.link; s != kNil; s = t_.attempts[s].next_in_task) {
    out.push_back(ToInfo(t_.attempts[s]));
  }
  return out;
}

std::vector<AttemptInfo> Core::NodeAttempts(NodeId node) const {
  std::vector<AttemptInfo> out;
  if (!CheckNode(node).ok()) return out;
  for (uint32_t s = t_.nodes[node.value()].attempts_head; s != kNil;
       s = t_.attempts[s].next_in_node) {
    out.push_back(ToInfo(t_.attempts[s]));
  }
  std::sort(out.begin(), out.end(),
            [](const AttemptInfo& a, const AttemptInfo& b) { return a.started < b.started; });
  return out;
}

size_t Core::MemoryBytes() const {
  size_t bytes = t_.tasks.capacity() * sizeof(TaskRec) + t_.nodes.capacity() * sizeof(NodeRec) +
                 t_.links.capacity() * sizeof(LinkSpec) + t_.jobs.capacity() * sizeof(JobRec) +
                 t_.attempts.capacity() * sizeof(AttemptRec) + t_.checkpoints.size() * 32 +
                 t_.predictions.capacity() * sizeof(NodePrediction) +
                 t_.trust.capacity() * sizeof(NodeTrust);
  for (const JobRec& j : t_.jobs) {
    if (j.tasks) bytes += j.tasks->capacity() * sizeof(TaskSpec);
    if (j.known) bytes += j.known->capacity() * sizeof(KnownAnswer);
  }
  return bytes + timers_.MemoryBytes() + policy_->MemoryBytes();
}

}  // namespace fleetgrid::core
