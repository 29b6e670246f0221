// Core primitives: the only code that writes durable state. Each appends its change record
// (when recording) and is replayed unchanged by Core::Restore, so live and restored cores
// cannot drift apart.
#include <algorithm>
#include <utility>

#include "coordinator/core/core.h"

namespace fleetgrid::core {

void Core::Record(Change change) {
  if (config_.record_changes && !restoring_) changes_.push_back(std::move(change));
}

void Core::TakeChanges(std::vector<Change>& into) {
  into.insert(into.end(), std::make_move_iterator(changes_.begin()),
              std::make_move_iterator(changes_.end()));
  changes_.clear();
}

// ---------------------------------------------------------------- primitives

void Core::PrimNodeStatus(TimePoint at, uint32_t node, NodeConnection conn, NodeState state,
                          bool draining) {
  NodeRec& n = t_.nodes[node];
  const auto connected = [](NodeConnection c) {
    return c == NodeConnection::kConnected || c == NodeConnection::kSilent;
  };
  if (connected(n.conn) != connected(conn)) {
    if (connected(conn)) {
      ++t_.stats.nodes_connected;
    } else {
      --t_.stats.nodes_connected;
    }
  }
  if (conn == NodeConnection::kLost && n.conn != NodeConnection::kLost) ++t_.stats.nodes_lost;
  n.conn = conn;
  n.state = state;
  n.draining = draining;
  Record(change::NodeStatus{at, NodeId(node), conn, state, draining});
}

void Core::PrimJobSubmitted(TimePoint at, const JobSpec& spec) {
  const uint32_t id = static_cast<uint32_t>(t_.jobs.size());
  const uint32_t first = static_cast<uint32_t>(t_.tasks.size());
  JobRec& j = t_.jobs.emplace_back();
  j.name = spec.name;
  j.first_task = first;
  j.task_count = spec.task_count;
  j.task = spec.task;
  if (!spec.tasks.empty()) j.tasks = std::make_unique<std::vector<TaskSpec>>(spec.tasks);
  j.replication = spec.replication;
  j.quorum = spec.quorum;
  j.max_attempts = spec.max_attempts != 0 ? spec.max_attempts : config_.default_max_attempts;
  j.priority = spec.priority;
  j.allow_metered = spec.allow_metered;
  j.stage_after = spec.stage_after;
  if (!spec.client.empty() || !t_.job_client.empty()) {
    auto [it, added] =
        t_.client_index.try_emplace(spec.client, static_cast<uint32_t>(t_.client_names.size()));
    if (added) {
      t_.client_names.push_back(spec.client);
      t_.client_speed.push_back(0);
    }
    t_.job_client.resize(id + 1, 0);
    t_.job_client[id] = it->second;
  }
  bool data_local = spec.task.data_node != TaskSpec::kNoDataNode;
  for (const TaskSpec& t : spec.tasks) data_local |= t.data_node != TaskSpec::kNoDataNode;
  j.data_local = data_local;
  if (data_local) t_.data_local_on = true;
  if (!spec.allow_metered) t_.metered_refused = true;
  j.submitted = at;
  j.deadline = at + spec.deadline;
  j.adaptive = spec.adaptive;
  j.min_memory = spec.task.memory_bytes;
  if (!spec.tasks.empty()) {
    j.min_memory = spec.tasks[0].memory_bytes;
    for (const TaskSpec& t : spec.tasks) j.min_memory = std::min(j.min_memory, t.memory_bytes);
  }
  if (spec.task.memory_bytes != 0) t_.memory_on = true;
  for (const TaskSpec& t : spec.tasks) t_.memory_on |= t.memory_bytes != 0;
  bool models = spec.task.model != 0;
  for (const TaskSpec& t : spec.tasks) models |= t.model != 0;
  if (models && t_.held_model.empty()) t_.held_model.assign(t_.nodes.size(), 0);
  t_.open_job_memory.insert(j.min_memory);
  t_.tasks.resize(size_t{first} + spec.task_count);
  if (!spec.known_answers.empty()) {
    j.known = std::make_unique<std::vector<KnownAnswer>>(spec.known_answers);
    std::sort(j.known->begin(), j.known->end(), [](const KnownAnswer& x, const KnownAnswer& y) {
      return x.task_index < y.task_index;
    });
    for (const KnownAnswer& k : *j.known)
      t_.tasks[first + k.task_index].bits |= TaskRec::kCanaryBit;
  }
  if (spec.quorum >= 2 || spec.adaptive.trust_threshold > 0 || !spec.known_answers.empty()) {
    EnsureTrust();  // this job's results build (or use) reputation
  }
  ++t_.stats.jobs_submitted;
  t_.stats.tasks_submitted += spec.task_count;
  if (!j.deadline.IsInfinite()) timers_.Push(j.deadline, TimerKind::kJobDeadline, id, 0);
  if (config_.record_changes && !restoring_) {
    Record(change::JobSubmitted{at, JobId(id), TaskId(first), spec});
  }
}

void Core::PrimJobStatus(TimePoint at, uint32_t job, JobStatus status) {
  const bool was_open = t_.jobs[job].status <= JobStatus::kRunning;
  t_.jobs[job].status = status;
  if (was_open && status > JobStatus::kRunning) {
    t_.open_job_memory.erase(t_.open_job_memory.find(t_.jobs[job].min_memory));
  }
  switch (status) {
    case JobStatus::kDone:
      ++t_.stats.jobs_done;
      break;
    case JobStatus::kFailed:
      ++t_.stats.jobs_failed;
      break;
    case JobStatus::kCancelled:
      ++t_.stats.jobs_cancelled;
      break;
    default:
      break;
  }
  Record(change::JobStatusChanged{at, JobId(job), status});
}

uint32_t Core::AllocAttempt() {
  if (t_.free_attempt != kNil) {
    const uint32_t slot = t_.free_attempt;
    t_.free_attempt = t_.attempts[slot].next_in_task;
    return slot;
  }
  t_.attempts.emplace_back();
  return static_cast<uint32_t>(t_.attempts.size() - 1);
}

uint32_t Core::PrimAttemptStarted(TimePoint at, uint32_t task, uint32_t node, TimePoint lease) {
  TaskRec& t = t_.tasks[task];
  NodeRec& n = t_.nodes[node];
  const uint32_t slot = AllocAttempt();
  AttemptRec& a = t_.attempts[slot];
  a.task = task;
  a.epoch = ++t.epoch;
  a.node = node;
  a.reported = false;
  a.progress_units = 0;
  auto cp = t_.checkpoints.empty() ? t_.checkpoints.end() : t_.checkpoints.find(task);
  a.checkpoint_units = cp == t_.checkpoints.end() ? 0.0f : cp->second;
  a.start_units = a.checkpoint_units;
  a.started = at;
  a.lease_deadline = lease;
  // Append to the task's list (oldest first) and push on the node's.
  a.next_in_task = kNil;
  if (t.link == kNil) {
    t.link = slot;
  } else {
    uint32_t s = t.link;
    while (t_.attempts[s].next_in_task != kNil) s = t_.attempts[s].next_in_task;
    t_.attempts[s].next_in_task = slot;
  }
  a.next_in_node = n.attempts_head;
  n.attempts_head = slot;
  if (t_.jobs[t_.JobOf(task)].adaptive.trust_threshold > 0) DecideSolo(task, a.epoch, node);
  if (config_.quota.daily != 0) {
    NodeTrust& tr = t_.trust[node];
    const uint16_t day = QuotaDay(at, node);
    if (tr.day != day) {
      tr.day = day;
      tr.used = 0;
    }
    if (tr.used != UINT16_MAX) ++tr.used;
  }
  ++n.running;
  if (t.attempts != UINT16_MAX) ++t.attempts;
  ++t.live;
  ++t_.stats.attempts_started;
  ++t_.stats.attempts_live;
  if (!t_.job_client.empty()) t_.client_speed[t_.ClientOf(t_.JobOf(task))] += n.speed;
  if (!lease.IsInfinite()) timers_.Push(lease, TimerKind::kLeaseExpiry, task, a.epoch);
  Record(change::AttemptStarted{at, TaskId(task), a.epoch, NodeId(node), lease});
  return slot;
}

void Core::UnlinkFromNode(uint32_t slot) {
  AttemptRec& a = t_.attempts[slot];
  NodeRec& n = t_.nodes[a.node];
  uint32_t* p = &n.attempts_head;
  while (*p != slot) p = &t_.attempts[*p].next_in_node;
  *p = a.next_in_node;
  a.next_in_node = kNil;
  --n.running;
}

void Core::PrimAttemptEnded(TimePoint at, uint32_t slot, AttemptOutcome outcome, double work_lost) {
  AttemptRec& a = t_.attempts[slot];
  TaskRec& t = t_.tasks[a.task];
  Record(change::AttemptEnded{at, TaskId(a.task), a.epoch, outcome, work_lost});
  if (!a.reported) UnlinkFromNode(slot);
  uint32_t* p = &t.link;
  while (*p != slot) p = &t_.attempts[*p].next_in_task;
  *p = a.next_in_task;
  --t.live;
  CoreStats& s = t_.stats;
  --s.attempts_live;
  if (!t_.job_client.empty()) {
    double& speed = t_.client_speed[t_.ClientOf(t_.JobOf(a.task))];
    speed = std::max(0.0, speed - t_.nodes[a.node].speed);  // no float drift below 0
  }
  s.work_lost_units += work_lost;
  NodeRec& n = t_.nodes[a.node];
  switch (outcome) {
    case AttemptOutcome::kSucceeded:
      ++s.attempts_succeeded;
      ++n.valid_results;
      NoteWeightsHeld(a);
      break;
    case AttemptOutcome::kLost:
      ++s.attempts_lost;
      break;
    case AttemptOutcome::kLeft:
      ++s.attempts_left;
      break;
    case AttemptOutcome::kFailed:
      ++s.attempts_failed;
      break;
    case AttemptOutcome::kExpired:
      ++s.attempts_expired;
      break;
    case AttemptOutcome::kCancelled:
      ++s.attempts_cancelled;
      break;
    case AttemptOutcome::kDisagreed:
      ++s.attempts_disagreed;
      if (n.invalid_results++ == 0) ++s.nodes_with_invalid_results;
      break;
  }
  UpdateTrust(at, slot, outcome);
  a.task = kNil;
  a.next_in_task = t_.free_attempt;
  t_.free_attempt = slot;
}

// A node that returned a result of a model's task holds that model's weights.
void Core::NoteWeightsHeld(const AttemptRec& a) {
  if (t_.held_model.empty()) return;
  const uint32_t m = t_.SpecOf(a.task).model;
  uint32_t& held = t_.held_model[a.node];
  if (m == 0 || held == m) return;
  if (held != 0) --t_.model_holders[held];
  held = m;
  ++t_.model_holders[m];
}

void Core::PrimResultRecorded(TimePoint at, uint32_t slot, const ResultDigest& digest) {
  AttemptRec& a = t_.attempts[slot];
  NoteWeightsHeld(a);
  UnlinkFromNode(slot);  // the node's slot is free; the result waits on the task
  a.reported = true;
  a.digest = digest;
  Record(change::ResultRecorded{at, TaskId(a.task), a.epoch, digest});
}

void Core::PrimCheckpoint(TimePoint at, uint32_t slot, double units) {
  AttemptRec& a = t_.attempts[slot];
  a.checkpoint_units = static_cast<float>(units);
  a.progress_units = std::max(a.progress_units, a.checkpoint_units);
  float& cp = t_.checkpoints[a.task];
  cp = std::max(cp, a.checkpoint_units);
  Record(change::Checkpointed{at, TaskId(a.task), a.epoch, units});
}

void Core::PrimTaskAccepted(TimePoint at, uint32_t task, uint32_t epoch, uint32_t node,
                            const ResultDigest& digest) {
  TaskRec& t = t_.tasks[task];
  if (t.ready()) --t_.stats.tasks_ready;
  t.bits = TaskRec::kDone;
  t.link = node;
  t.aux = epoch;
  JobRec& j = t_.jobs[t_.JobOf(task)];
  ++j.tasks_done;
  ++j.tasks_closed;
  ++t_.stats.tasks_done;
  if (!t_.checkpoints.empty()) t_.checkpoints.erase(task);
  Record(change::TaskAccepted{at, TaskId(task), epoch, NodeId(node), digest});
}

void Core::PrimTaskClosed(TimePoint at, uint32_t task, TaskStatus status) {
  TaskRec& t = t_.tasks[task];
  if (t.ready()) --t_.stats.tasks_ready;
  t.bits = status == TaskStatus::kFailed ? TaskRec::kFailed : TaskRec::kCancelled;
  ++t_.jobs[t_.JobOf(task)].tasks_closed;
  if (status == TaskStatus::kFailed) {
    ++t_.stats.tasks_failed;
  } else {
    ++t_.stats.tasks_cancelled;
  }
  if (!t_.checkpoints.empty()) t_.checkpoints.erase(task);
  Record(change::TaskClosed{at, TaskId(task), status});
}

}  // namespace fleetgrid::core
