// Runtime: the coordinator's brain (coordinator/core) driven on an injected Env, the one
// driver both worlds run. `fleetgrid coordinator` wraps it in gRPC, sessions and a store
// (service::Brain); `fleetgrid sim` drives it from its event loop; tests drive it on a
// ManualEnv. What it adds to the core, and so what the simulator runs too:
//   - time: every entry point runs at Now() = env.Now() + offset, where a runtime rebuilt
//     from a change log is shifted so that it never runs behind the log (a monotonic clock
//     starts again at a reboot);
//   - wake-ups: Rearm() keeps one env timer at the core's NextWakeup() (only ever moved
//     earlier: a timer that fires early finds nothing due and re-arms); when it fires the
//     runtime Ticks the core and calls the wake-up handler with the decisions pending;
//   - decisions: each call appends to the pending buffer; the owner takes them
//     (TakeDecisions) when it is ready to carry them out, which also counts them in the
//     per-job statistics;
//   - changes for the store: TakeChanges hands over the core's change log (with
//     record_changes) for the owner to make durable, in groups.
// No I/O, no thread, no clock of its own: no gRPC, protobuf, Boost or SQLite.
// Thread safety: none; one owner thread calls everything, and env timers run there.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/core/core.h"
#include "coordinator/runtime/env.h"
#include "coordinator/runtime/job_stats.h"

namespace fleetgrid::runtime {

class Runtime {
 public:
  // A runtime over a new core (empty `log`) or one rebuilt from `log` (core::Core::Restore).
  // InvalidArgument for a bad config (unknown policy), DataLoss for a log that does not
  // rebuild. `env` must outlive the runtime.
  static absl::StatusOr<std::unique_ptr<Runtime>> Create(const core::CoreConfig& config, Env& env,
                                                         std::span<const core::Change> log = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // The brain's time.
  TimePoint Now() const { return env_.Now() + offset_; }
  // What a restored runtime adds to the Env's time.
  Duration offset() const { return offset_; }
  const core::Core& core() const { return *core_; }

  // Called when the wake-up timer has ticked the core, with its decisions pending (the
  // handler takes them and carries them out). Set once, before the first Rearm().
  void SetWakeupHandler(std::function<void()> handler) { on_wakeup_ = std::move(handler); }

  // --- The core's entry points at Now(); decisions go to the pending buffer. Contracts
  // as in core.h. (Inline: the simulator makes millions of these calls.)
  NodeId RegisterNode(const core::NodeSpec& spec) { return core_->RegisterNode(spec); }
  absl::Status Connect(NodeId node, std::span<const core::HeldAttempt> held) {
    return core_->Connect(Now(), node, held, pending_);
  }
  absl::Status Heartbeat(NodeId node, core::NodeState state, float battery_soc) {
    return core_->Heartbeat(Now(), node, state, battery_soc, pending_);
  }
  absl::Status RequestWork(NodeId node, uint32_t slots) {
    return core_->RequestWork(Now(), node, slots, pending_);
  }
  absl::Status Leave(NodeId node) { return core_->Leave(Now(), node, pending_); }
  // The car is known gone, last heard now (the simulator's departure).
  absl::Status NodeSilent(NodeId node) { return core_->NodeSilent(Now(), node); }
  absl::Status Drain(NodeId node) { return core_->Drain(Now(), node, pending_); }
  absl::Status SetOwnerRules(NodeId node, const core::OwnerRules& rules,
                             const core::BatterySpec& battery) {
    return core_->SetOwnerRules(Now(), node, rules, battery, pending_);
  }
  absl::Status SetEnergyPrice(uint16_t zone, double price_per_kwh) {
    return core_->SetEnergyPrice(Now(), zone, price_per_kwh, pending_);
  }
  absl::Status InputStaged(TaskId task) { return core_->InputStaged(Now(), task, pending_); }
  absl::Status StageFailed(TaskId task) { return core_->StageFailed(Now(), task, pending_); }
  absl::Status WarnDeparture(NodeId node, TimePoint departure) {
    return core_->WarnDeparture(Now(), node, departure, pending_);
  }
  absl::StatusOr<core::ResultVerdict> ReportProgress(NodeId node, AttemptId attempt, uint32_t epoch,
                                                     double units_done, bool checkpoint) {
    return core_->ReportProgress(Now(), node, attempt, epoch, units_done, checkpoint, pending_);
  }
  core::ResultVerdict ReportResult(NodeId node, AttemptId attempt, uint32_t epoch,
                                   const core::ResultDigest& digest) {
    return core_->ReportResult(Now(), node, attempt, epoch, digest, pending_);
  }
  core::ResultVerdict ReportFailure(NodeId node, AttemptId attempt, uint32_t epoch) {
    return core_->ReportFailure(Now(), node, attempt, epoch, pending_);
  }
  absl::StatusOr<JobId> SubmitJob(const core::JobSpec& spec);
  absl::Status CancelJob(JobId job) { return core_->CancelJob(Now(), job, pending_); }

  // Decisions of the calls since the last TakeDecisions.
  const core::Decisions& pending() const { return pending_; }
  // Moves them into `out` (cleared first) and counts them in the job statistics. No
  // allocation in steady state: the buffers are swapped.
  void TakeDecisions(core::Decisions& out) {
    out.Clear();
    out.assignments.swap(pending_.assignments);
    out.cancellations.swap(pending_.cancellations);
    out.ended.swap(pending_.ended);
    out.completed.swap(pending_.completed);
    out.job_changes.swap(pending_.job_changes);
    out.checkpoint_requests.swap(pending_.checkpoint_requests);
    out.stage_requests.swap(pending_.stage_requests);
    if (!out.ended.empty() || !out.job_changes.empty()) CountDecisions(out);
  }
  // Moves the core's change log out (appends; record_changes only).
  void TakeChanges(std::vector<core::Change>& out) { core_->TakeChanges(out); }
  // REQUIRES: job < core().job_count().
  const JobStats& job_stats(JobId job) const { return job_stats_[job.value()]; }

  // Arms the env timer for the core's next wake-up if that is earlier than the one armed.
  // Call after a group of calls (the live brain after each request, the simulator after
  // each event): the timer is set where the group leaves the core.
  void Rearm() {
    if (stopped_) return;
    // Only ever move the timer earlier. A heartbeat from the car heard longest ago pushes
    // the next loss deadline later on almost every call; re-arming for that would cost a
    // timer cancel per heartbeat. A timer that fires early finds nothing due and re-arms.
    const TimePoint t = core_->NextWakeup();
    if (t < armed_) ArmAt(t);
  }
  // Cancels the timer; Rearm() does nothing from now on. Idempotent.
  void Stop();

 private:
  Runtime(Env& env, std::unique_ptr<core::Core> core, Duration offset);
  void ArmAt(TimePoint t);
  void OnTimer();
  void CountDecisions(const core::Decisions& d);

  Env& env_;
  std::unique_ptr<core::Core> core_;
  const Duration offset_;
  core::Decisions pending_;
  std::vector<JobStats> job_stats_;
  std::function<void()> on_wakeup_;
  TimePoint armed_ = TimePoint::Infinite();  // runtime time of the armed timer
  Env::TimerId timer_ = 0;
  bool stopped_ = false;
};

}  // namespace fleetgrid::runtime
