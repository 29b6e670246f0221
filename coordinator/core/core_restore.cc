// Core::Restore: rebuild a core by replaying its change records through the same
// primitives that wrote them, then rebuild what is not durable (policy indexes, heartbeat
// list, readiness).
#include <string>
#include <variant>

#include "coordinator/core/core.h"

namespace fleetgrid::core {
namespace {
absl::Status Bad(const std::string& what) {
  return absl::InvalidArgumentError("change log: " + what);
}
}  // namespace

absl::StatusOr<std::unique_ptr<Core>> Core::Restore(const CoreConfig& config,
                                                    std::span<const Change> log, TimePoint now) {
  auto created = Create(config);
  if (!created.ok()) return created.status();
  std::unique_ptr<Core> core = *std::move(created);
  core->restoring_ = true;
  for (size_t i = 0; i < log.size(); ++i) {
    if (absl::Status s = core->ApplyChange(log[i]); !s.ok()) {
      return absl::InvalidArgumentError(std::string(s.message()) + " (record " + std::to_string(i) +
                                        ")");
    }
  }
  core->RebuildAfterRestore(now);
  core->restoring_ = false;
  return core;
}

absl::Status Core::ApplyChange(const Change& change) {
  const auto task_ok = [this](TaskId t) { return t.valid() && t.value() < t_.tasks.size(); };
  const auto node_ok = [this](NodeId n) { return n.valid() && n.value() < t_.nodes.size(); };
  const auto live = [this, &task_ok](TaskId t, uint32_t epoch) {
    return task_ok(t) && t_.tasks[t.value()].open() ? FindLive(t.value(), epoch) : kNil;
  };
  if (const auto* c = std::get_if<change::NodeRegistered>(&change)) {
    if (c->node.value() != t_.nodes.size()) return Bad("node ids out of order");
    RegisterNode(c->spec);
  } else if (const auto* c = std::get_if<change::NodeStatus>(&change)) {
    if (!node_ok(c->node)) return Bad("unknown node");
    PrimNodeStatus(c->at, c->node.value(), c->conn, c->state, c->draining);
  } else if (const auto* c = std::get_if<change::JobSubmitted>(&change)) {
    if (c->job.value() != t_.jobs.size() || c->first_task.value() != t_.tasks.size()) {
      return Bad("job or task ids out of order");
    }
    if (absl::Status s = CheckJobSpec(c->spec); !s.ok()) {
      return Bad("job spec: " + std::string(s.message()));
    }
    PrimJobSubmitted(c->at, c->spec);
  } else if (const auto* c = std::get_if<change::JobStatusChanged>(&change)) {
    if (!c->job.valid() || c->job.value() >= t_.jobs.size()) return Bad("unknown job");
    PrimJobStatus(c->at, c->job.value(), c->status);
  } else if (const auto* c = std::get_if<change::AttemptStarted>(&change)) {
    if (!task_ok(c->task) || !node_ok(c->node)) return Bad("unknown task or node");
    const TaskRec& t = t_.tasks[c->task.value()];
    if (!t.open() || c->epoch != t.epoch + 1) return Bad("attempt epoch out of order");
    PrimAttemptStarted(c->at, c->task.value(), c->node.value(), c->lease_deadline);
  } else if (const auto* c = std::get_if<change::AttemptEnded>(&change)) {
    const uint32_t slot = live(c->task, c->epoch);
    if (slot == kNil) return Bad("ended attempt is not live");
    PrimAttemptEnded(c->at, slot, c->outcome, c->work_lost_units);
  } else if (const auto* c = std::get_if<change::ResultRecorded>(&change)) {
    const uint32_t slot = live(c->task, c->epoch);
    if (slot == kNil || t_.attempts[slot].reported) return Bad("result for no running attempt");
    PrimResultRecorded(c->at, slot, c->digest);
  } else if (const auto* c = std::get_if<change::Checkpointed>(&change)) {
    const uint32_t slot = live(c->task, c->epoch);
    if (slot == kNil) return Bad("checkpoint for no live attempt");
    PrimCheckpoint(c->at, slot, c->units);
  } else if (const auto* c = std::get_if<change::TaskAccepted>(&change)) {
    if (!task_ok(c->task) || !node_ok(c->node)) return Bad("unknown task or node");
    const TaskRec& t = t_.tasks[c->task.value()];
    if (!t.open() || t.live != 0) return Bad("accepted task still has live attempts");
    PrimTaskAccepted(c->at, c->task.value(), c->epoch, c->node.value(), c->digest);
  } else if (const auto* c = std::get_if<change::TaskClosed>(&change)) {
    if (!task_ok(c->task)) return Bad("unknown task");
    const TaskRec& t = t_.tasks[c->task.value()];
    if (!t.open() || t.live != 0) return Bad("closed task still has live attempts");
    PrimTaskClosed(c->at, c->task.value(), c->status);
  }
  return absl::OkStatus();
}

void Core::RebuildAfterRestore(TimePoint now) {
  // Readiness (not durable): recompute from the attempts.
  t_.stats.tasks_ready = 0;
  for (uint32_t task = 0; task < t_.tasks.size(); ++task) {
    TaskRec& t = t_.tasks[task];
    t.bits &= ~TaskRec::kReadyBit;
    if (!t.open()) continue;
    const uint16_t max = MaxAttempts(t_.jobs[t_.JobOf(task)]);
    if (ComputeNeeds(task).copies > 0 && (max == 0 || t.attempts < max)) {
      t.bits |= TaskRec::kReadyBit;
      ++t_.stats.tasks_ready;
    }
  }
  // Policy indexes: never-assigned tasks as fresh ranges, the others requeued (lowest id on
  // top for head-of-queue policies).
  std::vector<uint32_t> requeued;
  for (uint32_t job = 0; job < t_.jobs.size(); ++job) {
    const JobRec& j = t_.jobs[job];
    uint32_t run = kNil;
    for (uint32_t task = j.first_task; task <= j.first_task + j.task_count; ++task) {
      const bool fresh =
          task < j.first_task + j.task_count && t_.tasks[task].ready() && t_.tasks[task].epoch == 0;
      if (fresh && run == kNil) run = task;
      if (!fresh && run != kNil) {
        policy_->OnTasksSubmitted(view_, JobId(job), TaskId(run), task - run);
        run = kNil;
      }
      if (task < j.first_task + j.task_count && t_.tasks[task].ready() && !fresh) {
        requeued.push_back(task);
      }
    }
  }
  for (size_t i = requeued.size(); i-- > 0;) {
    policy_->OnTaskReady(view_, TaskId(requeued[i]), t_.tasks[requeued[i]].epoch,
                         ReadyReason::kRestored);
  }
  // Nodes: connected ones count as heard now; none is waiting.
  for (uint32_t node = 0; node < t_.nodes.size(); ++node) {
    NodeRec& n = t_.nodes[node];
    if (n.conn != NodeConnection::kConnected && n.conn != NodeConnection::kSilent) continue;
    n.last_heard = now;
    if (!n.implicit_heartbeat || n.conn == NodeConnection::kSilent) HbInsert(node);
  }
}

}  // namespace fleetgrid::core
