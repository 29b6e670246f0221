#include "coordinator/runtime/runtime.h"

#include <algorithm>
#include <string>
#include <variant>

namespace fleetgrid::runtime {
namespace {

// The latest time a change record carries.
TimePoint LatestTime(std::span<const core::Change> log) {
  TimePoint latest = TimePoint::Epoch();
  for (const core::Change& c : log) {
    std::visit(
        [&](const auto& rec) {
          if constexpr (requires { rec.at; }) latest = std::max(latest, rec.at);
        },
        c);
  }
  return latest;
}

bool Final(core::JobStatus s) {
  return s == core::JobStatus::kDone || s == core::JobStatus::kFailed ||
         s == core::JobStatus::kCancelled;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Create(const core::CoreConfig& config, Env& env,
                                                         std::span<const core::Change> log) {
  if (log.empty()) {
    absl::StatusOr<std::unique_ptr<core::Core>> core = core::Core::Create(config);
    if (!core.ok()) return core.status();
    return std::unique_ptr<Runtime>(new Runtime(env, *std::move(core), Duration::Zero()));
  }
  // A monotonic clock restarts near zero after a reboot: shift the runtime's time so that
  // it never runs behind what the log has seen (leases and losses stay in the future).
  const TimePoint latest = LatestTime(log);
  const TimePoint env_now = env.Now();
  const Duration offset = latest > env_now ? latest - env_now : Duration::Zero();
  absl::StatusOr<std::unique_ptr<core::Core>> core =
      core::Core::Restore(config, log, env_now + offset);
  if (!core.ok()) {
    return absl::DataLossError("cannot rebuild the coordinator: " +
                               std::string(core.status().message()));
  }
  return std::unique_ptr<Runtime>(new Runtime(env, *std::move(core), offset));
}

Runtime::Runtime(Env& env, std::unique_ptr<core::Core> core, Duration offset)
    : env_(env), core_(std::move(core)), offset_(offset), job_stats_(core_->job_count()) {}

Runtime::~Runtime() { Stop(); }

absl::StatusOr<JobId> Runtime::SubmitJob(const core::JobSpec& spec) {
  absl::StatusOr<JobId> job = core_->SubmitJob(Now(), spec, pending_);
  if (job.ok() && job->value() >= job_stats_.size()) job_stats_.resize(job->value() + 1);
  return job;
}

// Assignments and successes, the common case, count nothing: the core counts started
// attempts per task, and a job's start is its change to kRunning.
void Runtime::CountDecisions(const core::Decisions& d) {
  for (const core::AttemptEnded& e : d.ended) {
    if (e.outcome == core::AttemptOutcome::kSucceeded) continue;
    JobStats& j = job_stats_[core_->view().TaskJob(e.task).value()];
    switch (e.outcome) {
      case core::AttemptOutcome::kLost:
      case core::AttemptOutcome::kLeft:
        ++j.attempts_lost;
        j.work_lost_units += e.work_lost_units;
        break;
      case core::AttemptOutcome::kFailed:
      case core::AttemptOutcome::kExpired:
        ++j.attempts_failed;
        j.work_lost_units += e.work_lost_units;
        break;
      case core::AttemptOutcome::kDisagreed:
        ++j.results_invalid;
        // A failed spot-check reopens its task, which still knows its answer.
        if (core_->GetTask(e.task)->spot_check) ++j.spot_checks_failed;
        break;
      default:
        break;
    }
  }
  for (const core::JobChanged& c : d.job_changes) {
    JobStats& j = job_stats_[c.job.value()];
    if (c.status == core::JobStatus::kRunning && j.started.IsInfinite()) j.started = Now();
    if (Final(c.status)) j.finished = Now();
  }
}

void Runtime::ArmAt(TimePoint t) {
  if (timer_ != 0) env_.Cancel(timer_);
  armed_ = t;
  timer_ = env_.At(t - offset_, [this] { OnTimer(); });
}

void Runtime::OnTimer() {
  timer_ = 0;
  armed_ = TimePoint::Infinite();
  if (stopped_) return;
  core_->Tick(Now(), pending_);
  if (on_wakeup_) on_wakeup_();
}

void Runtime::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (timer_ != 0) env_.Cancel(timer_);
  timer_ = 0;
}

}  // namespace fleetgrid::runtime
