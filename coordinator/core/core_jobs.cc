// Core entry points for jobs: submit (with validation) and cancel.
#include <cmath>
#include <string>
#include <vector>

#include "coordinator/core/core.h"

namespace fleetgrid::core {
namespace {

absl::Status ValidTask(const TaskSpec& t, const std::string& field) {
  if (!std::isfinite(t.work_units) || t.work_units < 0) {
    return absl::InvalidArgumentError(field + ".work_units must be finite and >= 0");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Core::CheckJobSpec(const JobSpec& spec) const {
  if (spec.task_count == 0) return absl::InvalidArgumentError("task_count must be >= 1");
  if (uint64_t{spec.task_count} + t_.tasks.size() >= kNil) {
    return absl::ResourceExhaustedError("task_count: too many tasks in one core");
  }
  if (!spec.tasks.empty() && spec.tasks.size() != spec.task_count) {
    return absl::InvalidArgumentError("tasks: size must be 0 or task_count");
  }
  if (spec.replication < 1 || spec.replication > 64) {
    return absl::InvalidArgumentError("replication must be in [1, 64]");
  }
  if (spec.quorum < 1 || spec.quorum > spec.replication) {
    return absl::InvalidArgumentError("quorum must be in [1, replication]");
  }
  const AdaptiveReplication& ar = spec.adaptive;
  if (!(ar.skip_probability >= 0 && ar.skip_probability <= 1)) {
    return absl::InvalidArgumentError("adaptive.skip_probability must be in [0, 1]");
  }
  if (ar.trust_threshold > 0 && spec.quorum < 2) {
    return absl::InvalidArgumentError("adaptive.trust_threshold needs quorum >= 2");
  }
  if (ar.untrusted_quorum != 0 &&
      (ar.trust_threshold == 0 || ar.untrusted_quorum < spec.quorum || ar.untrusted_quorum > 64)) {
    return absl::InvalidArgumentError(
        "adaptive.untrusted_quorum must be 0 or in [quorum, 64], with trust_threshold > 0");
  }
  if (!spec.known_answers.empty()) {
    std::vector<bool> seen(spec.task_count, false);
    for (const KnownAnswer& k : spec.known_answers) {
      if (k.task_index >= spec.task_count) {
        return absl::InvalidArgumentError("known_answers: task_index " +
                                          std::to_string(k.task_index) + " >= task_count");
      }
      if (seen[k.task_index]) {
        return absl::InvalidArgumentError("known_answers: task_index " +
                                          std::to_string(k.task_index) + " given twice");
      }
      seen[k.task_index] = true;
    }
  }
  if (spec.deadline <= Duration::Zero()) {
    return absl::InvalidArgumentError("deadline must be positive");
  }
  if (spec.client.size() > 256) return absl::InvalidArgumentError("client: over 256 bytes");
  if (spec.tasks.empty()) {
    FG_RETURN_IF_ERROR(ValidTask(spec.task, "task"));
  } else {
    for (size_t i = 0; i < spec.tasks.size(); ++i) {
      FG_RETURN_IF_ERROR(ValidTask(spec.tasks[i], "tasks[" + std::to_string(i) + "]"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<JobId> Core::SubmitJob(TimePoint now, const JobSpec& spec, Decisions& out) {
  FG_RETURN_IF_ERROR(CheckJobSpec(spec));
  const uint32_t job = static_cast<uint32_t>(t_.jobs.size());
  const uint32_t first = static_cast<uint32_t>(t_.tasks.size());
  PrimJobSubmitted(now, spec);
  // Every task wants its first copies now.
  for (uint32_t task = first; task < first + spec.task_count; ++task) {
    t_.tasks[task].bits |= TaskRec::kReadyBit;
  }
  t_.stats.tasks_ready += spec.task_count;
  policy_->OnTasksSubmitted(view_, JobId(job), TaskId(first), spec.task_count);
  if (!spec.stage_after.IsInfinite() && t_.data_local_on) {
    for (uint32_t task = first; task < first + spec.task_count; ++task) {
      if (t_.SpecOf(task).data_node != TaskSpec::kNoDataNode) {
        timers_.Push(now + spec.stage_after, TimerKind::kStage, task, 0);
      }
    }
  }
  out.job_changes.push_back({JobId(job), JobStatus::kQueued});
  MatchAll(now, out);
  return JobId(job);
}

void Core::StageTimer(TimePoint now, uint32_t task, Decisions& out) {
  TaskRec& t = t_.tasks[task];
  if (!t.open() || (t.bits & (TaskRec::kStagedBit | TaskRec::kStagingBit)) != 0) return;
  const JobRec& j = t_.jobs[t_.JobOf(task)];
  // Poll again later while it runs on its data node or that node is away.
  const TimePoint again = now + std::max(j.stage_after, Duration::Seconds(60));
  const uint32_t d = t_.SpecOf(task).data_node;
  const NodeRec& n = t_.nodes[d];
  const bool present = n.conn == NodeConnection::kConnected && n.state != NodeState::kDriving;
  if (!t.ready() || !present) {
    timers_.Push(again, TimerKind::kStage, task, 0);
    return;
  }
  t.bits |= TaskRec::kStagingBit;
  out.stage_requests.push_back({NodeId(d), TaskId(task), t_.SpecOf(task).input_bytes});
}

absl::StatusOr<TaskRec*> Core::StagingTask(TaskId task) {
  if (!task.valid() || task.value() >= t_.tasks.size()) {
    return absl::NotFoundError("unknown task " + std::to_string(task.value()));
  }
  TaskRec& t = t_.tasks[task.value()];
  if ((t.bits & TaskRec::kStagingBit) == 0) {
    return absl::FailedPreconditionError("task " + std::to_string(task.value()) +
                                         " is not being staged");
  }
  return &t;
}

absl::Status Core::InputStaged(TimePoint now, TaskId task, Decisions& out) {
  FG_ASSIGN_OR_RETURN(TaskRec * staging, StagingTask(task));
  TaskRec& t = *staging;
  t.bits = static_cast<uint8_t>((t.bits & ~TaskRec::kStagingBit) | TaskRec::kStagedBit);
  ++t_.stats.inputs_staged;
  if (t.ready()) policy_->OnTaskReady(view_, task, t.epoch, ReadyReason::kStaged);
  MatchAll(now, out);
  return absl::OkStatus();
}

absl::Status Core::StageFailed(TimePoint now, TaskId task, Decisions& out) {
  FG_ASSIGN_OR_RETURN(TaskRec * staging, StagingTask(task));
  TaskRec& t = *staging;
  t.bits &= ~TaskRec::kStagingBit;
  const JobRec& j = t_.jobs[t_.JobOf(task.value())];
  timers_.Push(now + std::max(j.stage_after, Duration::Seconds(60)), TimerKind::kStage,
               task.value(), 0);
  MatchAll(now, out);
  return absl::OkStatus();
}

absl::Status Core::CancelJob(TimePoint now, JobId job, Decisions& out) {
  if (!job.valid() || job.value() >= t_.jobs.size()) {
    return absl::NotFoundError("unknown job " + std::to_string(job.value()));
  }
  const JobStatus s = t_.jobs[job.value()].status;
  if (s != JobStatus::kQueued && s != JobStatus::kRunning) {
    return absl::FailedPreconditionError("job " + std::to_string(job.value()) +
                                         " already finished");
  }
  CloseJob(now, job.value(), JobStatus::kCancelled, CancelReason::kJobCancelled, kNil, out);
  MatchAll(now, out);
  return absl::OkStatus();
}

}  // namespace fleetgrid::core
