// Core: construction, helpers, the decisions built on the primitives, and matching.
// Primitives: core_primitives.cc; queries: core_queries.cc; entry points: core_nodes.cc,
// core_attempts.cc, core_jobs.cc; replay: core_restore.cc.
#include "coordinator/core/core.h"

#include <algorithm>
#include <utility>

#include "coordinator/core/policy_registry.h"

namespace fleetgrid::core {

absl::StatusOr<std::unique_ptr<Core>> Core::Create(const CoreConfig& config) {
  if (config.quota.initial > config.quota.daily) {
    return absl::InvalidArgumentError("quota.initial must be <= quota.daily");
  }
  if (config.heartbeat_grace <= Duration::Zero()) {
    return absl::InvalidArgumentError("heartbeat_grace must be positive");
  }
  if (config.attempt_timeout <= Duration::Zero()) {
    return absl::InvalidArgumentError("attempt_timeout must be positive");
  }
  const LossGuard& g = config.loss_guard;
  if (!(g.suspect_fraction >= 0 && g.suspect_fraction <= 1)) {
    return absl::InvalidArgumentError("loss_guard.suspect_fraction must be in [0, 1]");
  }
  if (g.suspect_fraction > 0 && g.suspect_window < Duration::Zero()) {
    return absl::InvalidArgumentError("loss_guard.suspect_window must not be negative");
  }
  if (!(g.max_losses_per_second >= 0) || g.max_losses_per_second > 1e9) {
    return absl::InvalidArgumentError("loss_guard.max_losses_per_second must be in [0, 1e9]");
  }
  if (g.max_losses_per_second > 0 && g.loss_burst == 0) {
    return absl::InvalidArgumentError("loss_guard.loss_burst must be at least 1");
  }
  auto policy = PolicyRegistry::Global().Create(config.policy, config.policy_params, config.seed);
  if (!policy.ok()) return policy.status();
  return std::unique_ptr<Core>(new Core(config, *std::move(policy)));
}

Core::Core(const CoreConfig& config, std::unique_ptr<SchedulingPolicy> policy)
    : config_(config), policy_(std::move(policy)) {
  t_.learn_stays = policy_->LearnsStays();
}

Core::~Core() = default;

// ---------------------------------------------------------------- helpers

uint16_t Core::MaxAttempts(const JobRec& job) const { return job.max_attempts; }

uint32_t Core::FindLive(uint32_t task, uint32_t epoch) const {
  for (uint32_t s = t_.tasks[task].link; s != kNil; s = t_.attempts[s].next_in_task) {
    if (t_.attempts[s].epoch == epoch) return s;
  }
  return kNil;
}

Core::Needs Core::ComputeNeeds(uint32_t task) const {
  const TaskRec& t = t_.tasks[task];
  const JobRec& j = t_.jobs[t_.JobOf(task)];
  Needs needs;
  if ((j.replication == 1 && j.quorum == 1) ||
      (t.bits & (TaskRec::kSoloBit | TaskRec::kCanaryBit)) != 0) {
    // FLEET-1 path: one copy, no vote (also unreplicated copies and spot-checks)
    needs.running = t.live;
    needs.copies = t.live == 0 ? 1 : 0;
    return needs;
  }
  // The fewest further agreeing results any digest group needs (the quorum with none in).
  int64_t min_need = j.quorum;
  for (uint32_t s = t.link; s != kNil; s = t_.attempts[s].next_in_task) {
    const AttemptRec& a = t_.attempts[s];
    if (!a.reported) {
      ++needs.running;
      continue;
    }
    uint32_t agree = 0;
    bool trusted = false;
    for (uint32_t o = t.link; o != kNil; o = t_.attempts[o].next_in_task) {
      const AttemptRec& b = t_.attempts[o];
      if (b.reported && b.digest == a.digest) {
        ++agree;
        if (j.adaptive.untrusted_quorum != 0) trusted |= Trusted(b.node, j);
      }
    }
    min_need = std::min(min_need, int64_t{QuorumFor(j, trusted)} - agree);
  }
  // A group that qualified after its last result (trust rose meanwhile) is accepted at the
  // next result: ask for one.
  min_need = std::max<int64_t>(min_need, 1);
  // Keep `replication` copies live; past that, enough running copies to still reach quorum.
  const int64_t by_copies = int64_t{j.replication} - t.live;
  const int64_t by_quorum = min_need - needs.running;
  needs.copies = static_cast<uint32_t>(std::max<int64_t>({by_copies, by_quorum, 0}));
  return needs;
}

ResultVerdict Core::CountVerdict(ResultVerdict v) {
  if (IsRejected(v)) ++t_.stats.reports_rejected;
  if (v == ResultVerdict::kDuplicate) ++t_.stats.reports_duplicate;
  return v;
}

ResultVerdict Core::Lookup(NodeId node, AttemptId attempt, uint32_t epoch, uint32_t* slot) const {
  const uint64_t id = attempt.value();
  const uint32_t task = static_cast<uint32_t>(id >> 32);
  const uint32_t id_epoch = static_cast<uint32_t>(id);
  if (!attempt.valid() || task >= t_.tasks.size() || id_epoch == 0 ||
      id_epoch > t_.tasks[task].epoch || node.value() >= t_.nodes.size()) {
    return ResultVerdict::kRejectedUnknownAttempt;
  }
  if (epoch != id_epoch) return ResultVerdict::kRejectedStaleEpoch;
  const TaskRec& t = t_.tasks[task];
  if (t.closed() == TaskRec::kDone && t.aux == epoch) {
    return t.link == node.value() ? ResultVerdict::kDuplicate : ResultVerdict::kRejectedWrongNode;
  }
  const uint32_t s = t.open() ? FindLive(task, epoch) : kNil;
  if (s == kNil) {
    // Not live: superseded (ended, task moved on) or the task is closed.
    return t.open() ? ResultVerdict::kRejectedStaleEpoch : ResultVerdict::kRejectedTaskClosed;
  }
  if (t_.attempts[s].node != node.value()) return ResultVerdict::kRejectedWrongNode;
  *slot = s;
  return ResultVerdict::kAccepted;
}

absl::Status Core::CheckNode(NodeId node) const {
  if (!node.valid() || node.value() >= t_.nodes.size()) {
    return absl::NotFoundError("unknown node " + std::to_string(node.value()));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- decisions

void Core::EndAttempt(TimePoint now, uint32_t slot, AttemptOutcome outcome, Decisions& out,
                      const CancelReason* cancel) {
  const AttemptRec& a = t_.attempts[slot];
  const TaskId task(a.task);
  const NodeId node(a.node);
  const AttemptId id = MakeAttemptId(task, a.epoch);
  const TimePoint started = a.started;
  double lost = 0;
  if (outcome != AttemptOutcome::kSucceeded && outcome != AttemptOutcome::kDisagreed &&
      !a.reported) {
    lost = std::max(0.0, double{a.progress_units} - double{a.checkpoint_units});
  }
  if (cancel != nullptr && !a.reported) out.cancellations.push_back({node, task, id, *cancel});
  if (!t_.energy.empty()) CountEnergy(now, slot);
  PrimAttemptEnded(now, slot, outcome, lost);
  out.ended.push_back({node, task, id, outcome, lost, started});
}

void Core::EndNodeAttempts(TimePoint now, uint32_t node, AttemptOutcome outcome, Decisions& out) {
  // Requeue in the order the attempts were assigned, so the newest ends on top.
  scratch_.clear();
  for (uint32_t s = t_.nodes[node].attempts_head; s != kNil; s = t_.attempts[s].next_in_node) {
    scratch_.push_back(s);
  }
  for (size_t i = scratch_.size(); i-- > 0;) {
    const uint32_t slot = scratch_[i];
    const uint32_t task = t_.attempts[slot].task;
    if (task == kNil) continue;  // ended meanwhile (its job failed)
    EndAttempt(now, slot, outcome, out, nullptr);
    Settle(now, task, ReadyReason::kRequeued, out);
  }
}

void Core::Settle(TimePoint now, uint32_t task, ReadyReason reason, Decisions& out) {
  TaskRec& t = t_.tasks[task];
  if (!t.open()) return;
  const Needs needs = ComputeNeeds(task);
  const JobRec& j = t_.jobs[t_.JobOf(task)];
  const uint16_t max = MaxAttempts(j);
  bool want = needs.copies > 0;
  if (want && max != 0 && t.attempts >= max) {
    want = false;
    if (needs.running == 0) {  // retry limit reached and nothing left that could succeed
      if (t.ready()) {
        t.bits &= ~TaskRec::kReadyBit;
        --t_.stats.tasks_ready;
      }
      CloseJob(now, t_.JobOf(task), JobStatus::kFailed, CancelReason::kJobFailed, task, out);
      return;
    }
  }
  if (want && !t.ready()) {
    t.bits |= TaskRec::kReadyBit;
    ++t_.stats.tasks_ready;
    if (!restoring_) policy_->OnTaskReady(view_, TaskId(task), t.epoch, reason);
  } else if (!want && t.ready()) {
    t.bits &= ~TaskRec::kReadyBit;
    --t_.stats.tasks_ready;
    if (!restoring_) policy_->OnTaskWithdrawn(view_, TaskId(task));
  }
}

void Core::FinishTaskInJob(TimePoint now, uint32_t task, Decisions& out) {
  const uint32_t job = t_.JobOf(task);
  JobRec& j = t_.jobs[job];
  if (j.tasks_done == j.task_count && j.status != JobStatus::kDone) {
    PrimJobStatus(now, job, JobStatus::kDone);
    out.job_changes.push_back({JobId(job), JobStatus::kDone});
  }
}

void Core::Accept(TimePoint now, uint32_t task, uint32_t winner, Decisions& out) {
  const ResultDigest digest = t_.attempts[winner].digest;
  const uint32_t epoch = t_.attempts[winner].epoch;
  const uint32_t node = t_.attempts[winner].node;
  const CancelReason reason = CancelReason::kTaskAccepted;
  TaskRec& t = t_.tasks[task];
  while (t.link != kNil) {
    // Others first, the winner last; agreeing copies succeed, the rest lose the vote.
    uint32_t s = t.link;
    if (s == winner) s = t_.attempts[s].next_in_task;
    if (s == kNil) s = winner;
    const AttemptRec& a = t_.attempts[s];
    if (s == winner || (a.reported && a.digest == digest)) {
      EndAttempt(now, s, AttemptOutcome::kSucceeded, out, nullptr);
    } else if (a.reported) {
      EndAttempt(now, s, AttemptOutcome::kDisagreed, out, nullptr);
    } else {
      EndAttempt(now, s, AttemptOutcome::kCancelled, out, &reason);
    }
  }
  PrimTaskAccepted(now, task, epoch, node, digest);
  out.completed.push_back({TaskId(task), JobId(t_.JobOf(task)), MakeAttemptId(TaskId(task), epoch),
                           NodeId(node), digest});
  FinishTaskInJob(now, task, out);
}

void Core::CloseJob(TimePoint now, uint32_t job, JobStatus status, CancelReason reason,
                    uint32_t failed_task, Decisions& out) {
  JobRec& j = t_.jobs[job];
  for (uint32_t task = j.first_task; task < j.first_task + j.task_count; ++task) {
    TaskRec& t = t_.tasks[task];
    if (!t.open()) continue;
    while (t.link != kNil) EndAttempt(now, t.link, AttemptOutcome::kCancelled, out, &reason);
    PrimTaskClosed(now, task, task == failed_task ? TaskStatus::kFailed : TaskStatus::kCancelled);
    if (!restoring_) policy_->OnTaskWithdrawn(view_, TaskId(task));
  }
  PrimJobStatus(now, job, status);
  out.job_changes.push_back({JobId(job), status});
}

void Core::StopWaiting(uint32_t node) {
  NodeRec& n = t_.nodes[node];
  if (n.wanted == 0) return;
  n.wanted = 0;
  --t_.stats.nodes_waiting;
  policy_->OnNodeWithdrawn(view_, NodeId(node));
}

void Core::Assign(TimePoint now, uint32_t node, uint32_t task, Decisions& out) {
  TaskRec& t = t_.tasks[task];
  t.bits &= ~TaskRec::kReadyBit;
  --t_.stats.tasks_ready;
  const TimePoint lease = now + config_.attempt_timeout;
  const uint32_t slot = PrimAttemptStarted(now, task, node, lease);
  const uint32_t job = t_.JobOf(task);
  if (t_.jobs[job].status == JobStatus::kQueued) {
    PrimJobStatus(now, job, JobStatus::kRunning);
    out.job_changes.push_back({JobId(job), JobStatus::kRunning});
  }
  const AttemptRec& a = t_.attempts[slot];
  const TaskSpec& spec = t_.SpecOf(task);
  out.assignments.push_back(
      {NodeId(node), TaskId(task), JobId(job), MakeAttemptId(TaskId(task), a.epoch), a.epoch, lease,
       double{a.checkpoint_units}, spec.data_node == node, spec.model, spec.model_bytes});
  if (node < t_.predictions.size()) {
    const NodePrediction& p = t_.predictions[node];
    if (p.departure_confidence >= 1 && p.departure > now)
      AskCheckpoint(now, slot, p.departure, out);
  }
  if (!t_.energy.empty()) {
    BookMeteredBytes(now, node, task);
    ArmRuleTimers(now, node);
  }
  NodeRec& n = t_.nodes[node];
  if (--n.wanted == 0) {
    --t_.stats.nodes_waiting;
  } else if (OverQuota(now, node)) {
    StopWaiting(node);
    HoldForQuota(now, node);
  } else {
    n.idle_since = now;  // still wants more: queue again behind the others
    policy_->OnNodeWaiting(view_, NodeId(node), ++n.wait_ticket);
  }
  Settle(now, task, ReadyReason::kMoreCopies, out);
}

void Core::MatchAll(TimePoint now, Decisions& out) {
  t_.now = now;
  while (t_.stats.tasks_ready > 0 && t_.stats.nodes_waiting > 0) {
    Match m;
    if (!policy_->Pick(view_, now, &m)) return;
    // A policy bug must not corrupt the state: reject picks that break the contract.
    if (m.node.value() >= t_.nodes.size() || m.task.value() >= t_.tasks.size() ||
        !view_.NodeWaiting(m.node) || !view_.TaskReady(m.task) || !view_.Eligible(m.node, m.task)) {
      return;
    }
    if (OverQuota(now, m.node.value())) {  // its quota shrank while it waited
      StopWaiting(m.node.value());
      HoldForQuota(now, m.node.value());
      continue;
    }
    Assign(now, m.node.value(), m.task.value(), out);
  }
}

}  // namespace fleetgrid::core
