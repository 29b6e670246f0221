// Core: the coordinator's brain. Jobs, tasks, attempts, leases, the node registry and the
// scheduling policy, driven by calls that each carry `now`. No I/O, no threads, no clock.
//
// The live service (wall clock) and the simulator (virtual clock) drive the same Core.
// Every entry point appends what the driver must carry out to a caller-owned Decisions
// (never clearing it). NextWakeup() is the earliest time Tick() is needed.
// Equal-time calls are processed in call order; decisions are deterministic for a given
// config and call sequence. `now` must not decrease from call to call.
// Thread safety: none; one thread (or one lock) at a time.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/ids.h"
#include "common/status.h"
#include "common/time.h"
#include "coordinator/core/change_log.h"
#include "coordinator/core/config.h"
#include "coordinator/core/decisions.h"
#include "coordinator/core/fleet_view.h"
#include "coordinator/core/policy.h"
#include "coordinator/core/stats.h"
#include "coordinator/core/tables.h"
#include "coordinator/core/timer_queue.h"
#include "coordinator/core/types.h"
#include "coordinator/core/views.h"

namespace fleetgrid::core {

class Core {
 public:
  // InvalidArgument for an unknown policy or bad parameters.
  static absl::StatusOr<std::unique_ptr<Core>> Create(const CoreConfig& config);
  // Rebuilds a core from a change log (see change_log.h). Connected nodes count as heard at
  // `now` (no eviction storm after a coordinator restart); no node is waiting for work.
  // InvalidArgument if the log is inconsistent.
  static absl::StatusOr<std::unique_ptr<Core>> Restore(const CoreConfig& config,
                                                       std::span<const Change> log, TimePoint now);

  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;
  ~Core();

  // --- Nodes. NotFound for an unknown node id.
  // Once per car; dense ids 0, 1, 2, ... The node starts kRegistered (not connected).
  NodeId RegisterNode(const NodeSpec& spec);
  // The car (re)connects. `held`: attempts it still has (id + epoch); its other live
  // attempts end kLost now. Cancels a pending loss (kSilent). Clears nothing else.
  absl::Status Connect(TimePoint now, NodeId node, std::span<const HeldAttempt> held,
                       Decisions& out);
  // kDriving => its attempts end kLeft and it stops waiting (until it asks again while
  // parked). Refreshes last heard. `battery_soc` in [0, 1], or kSocUnknown; anything else is
  // InvalidArgument and changes nothing. Attempts an owner rule now forbids end
  // (CancelReason::kOwnerRule).
  absl::Status Heartbeat(TimePoint now, NodeId node, NodeState state, float battery_soc,
                         Decisions& out);
  // The node wants up to `slots` tasks beyond those it runs (capped at max_concurrent -
  // running; repeated requests do not add up; 0 withdraws). Assignments come now or later.
  // A node not kConnected (registered, silent, lost, left) is connected first as by Connect
  // with nothing held: a silent node's attempts end kLost now. FailedPrecondition if it is
  // driving or draining.
  absl::Status RequestWork(TimePoint now, NodeId node, uint32_t slots, Decisions& out);
  // Clean leave: attempts end kLeft now; the node is kLeft until it connects again.
  absl::Status Leave(TimePoint now, NodeId node, Decisions& out);
  // The driver knows no more heartbeats come (sim: the car drove off at last_heard). The
  // node stops waiting and is lost at last_heard + grace (inside Tick). REQUIRES: connected.
  absl::Status NodeSilent(TimePoint last_heard, NodeId node);
  // No new work for this node (running attempts continue) until Undrain.
  absl::Status Drain(TimePoint now, NodeId node, Decisions& out);
  absl::Status Undrain(TimePoint now, NodeId node, Decisions& out);
  // The electricity price (per kWh) in a price zone (NodeSpec::price_zone) from now on, for
  // price-aware policies (FleetView::NodePrice); 0 until set. When it falls, waiting nodes
  // are matched again. InvalidArgument for a negative or non-finite price.
  absl::Status SetEnergyPrice(TimePoint now, uint16_t zone, double price_per_kwh, Decisions& out);
  // Attach predictions for availability-aware policies (see NodePrediction).
  absl::Status SetNodePrediction(NodeId node, const NodePrediction& prediction);
  // The owner's rules and the car's battery (owner_rules.h; soft state, sent again by the car
  // after a restart). Attempts the new rules forbid end now (CancelReason::kOwnerRule).
  // InvalidArgument naming the key for bad rules; nothing changes then.
  absl::Status SetOwnerRules(TimePoint now, NodeId node, const OwnerRules& rules,
                             const BatterySpec& battery, Decisions& out);
  // The car says it drives off at `departure`: its running attempts get a CheckpointRequest
  // timed for the upload to finish first, and so do attempts assigned to it before then.
  // Availability-aware policies read it as the car's remaining stay. InvalidArgument for a
  // departure in the past, FailedPrecondition if the node is not connected.
  absl::Status WarnDeparture(TimePoint now, NodeId node, TimePoint departure, Decisions& out);
  // Data-local tasks: the data node finished uploading the task's input (any node may run
  // it now), or did not (the core asks again later). NotFound for an unknown task,
  // FailedPrecondition when no staging was asked for it.
  absl::Status InputStaged(TimePoint now, TaskId task, Decisions& out);
  absl::Status StageFailed(TimePoint now, TaskId task, Decisions& out);

  // --- Attempts. Rejections change nothing (counted in stats().reports_rejected).
  // kAccepted when recorded. `checkpoint`: the car saved its state at units_done.
  absl::StatusOr<ResultVerdict> ReportProgress(TimePoint now, NodeId node, AttemptId attempt,
                                               uint32_t epoch, double units_done, bool checkpoint,
                                               Decisions& out);
  ResultVerdict ReportResult(TimePoint now, NodeId node, AttemptId attempt, uint32_t epoch,
                             const ResultDigest& digest, Decisions& out);
  // The car could not run the attempt; it ends kFailed and the task is retried.
  ResultVerdict ReportFailure(TimePoint now, NodeId node, AttemptId attempt, uint32_t epoch,
                              Decisions& out);

  // --- Jobs. Validation errors: InvalidArgument naming the field.
  absl::StatusOr<JobId> SubmitJob(TimePoint now, const JobSpec& spec, Decisions& out);
  // Running attempts cancelled, open tasks kCancelled, job kCancelled. FailedPrecondition if
  // the job already finished.
  absl::Status CancelJob(TimePoint now, JobId job, Decisions& out);

  // --- Time
  // Fires everything due at or before now: node losses, lease expiries, job deadlines.
  void Tick(TimePoint now, Decisions& out);
  // Earliest time Tick is needed; TimePoint::Infinite() if none. Amortized O(log n): it
  // drops timers that no longer matter (so, though const, not safe to call concurrently).
  TimePoint NextWakeup() const;

  // --- Queries
  const CoreStats& stats() const { return t_.stats; }
  std::string_view policy_name() const { return policy_->name(); }
  const CoreConfig& config() const { return config_; }
  const FleetView& view() const { return view_; }
  uint32_t node_count() const { return static_cast<uint32_t>(t_.nodes.size()); }
  uint32_t task_count() const { return static_cast<uint32_t>(t_.tasks.size()); }
  uint32_t job_count() const { return static_cast<uint32_t>(t_.jobs.size()); }
  absl::StatusOr<NodeInfo> GetNode(NodeId node) const;
  absl::StatusOr<TaskInfo> GetTask(TaskId task) const;
  absl::StatusOr<JobInfo> GetJob(JobId job) const;
  // Live attempts (running or waiting for quorum), oldest assignment first.
  std::vector<AttemptInfo> TaskAttempts(TaskId task) const;
  std::vector<AttemptInfo> NodeAttempts(NodeId node) const;
  // The attempt id of (task, epoch): ids encode both, so any report can be traced.
  static AttemptId MakeAttemptId(TaskId task, uint32_t epoch) {
    return AttemptId((uint64_t{task.value()} << 32) | epoch);
  }
  // Change log (record_changes only): records since the last TakeChanges.
  const std::vector<Change>& changes() const { return changes_; }
  void TakeChanges(std::vector<Change>& into);  // moves them out (appends)
  // Approximate bytes held (tables + policy indexes), for memory reports.
  size_t MemoryBytes() const;

 private:
  explicit Core(const CoreConfig& config, std::unique_ptr<SchedulingPolicy> policy);

  // What SubmitJob requires of a spec (and Restore of a JobSubmitted record).
  absl::Status CheckJobSpec(const JobSpec& spec) const;

  // Primitives: the only code that changes durable state. Each appends its change record
  // (record_changes) and is replayed as-is by Restore.
  void PrimNodeStatus(TimePoint at, uint32_t node, NodeConnection conn, NodeState state,
                      bool draining);
  void PrimJobSubmitted(TimePoint at, const JobSpec& spec);
  void PrimJobStatus(TimePoint at, uint32_t job, JobStatus status);
  uint32_t PrimAttemptStarted(TimePoint at, uint32_t task, uint32_t node, TimePoint lease);
  void PrimAttemptEnded(TimePoint at, uint32_t slot, AttemptOutcome outcome, double work_lost);
  void PrimResultRecorded(TimePoint at, uint32_t slot, const ResultDigest& digest);
  void NoteWeightsHeld(const AttemptRec& a);
  void PrimCheckpoint(TimePoint at, uint32_t slot, double units);
  void PrimTaskAccepted(TimePoint at, uint32_t task, uint32_t epoch, uint32_t node,
                        const ResultDigest& digest);
  void PrimTaskClosed(TimePoint at, uint32_t task, TaskStatus status);
  void Record(Change change);

  // Decisions built on the primitives.
  void EndAttempt(TimePoint now, uint32_t slot, AttemptOutcome outcome, Decisions& out,
                  const CancelReason* cancel);
  void EndNodeAttempts(TimePoint now, uint32_t node, AttemptOutcome outcome, Decisions& out);
  void Settle(TimePoint now, uint32_t task, ReadyReason reason, Decisions& out);
  void Accept(TimePoint now, uint32_t task, uint32_t winner, Decisions& out);
  void CloseJob(TimePoint now, uint32_t job, JobStatus status, CancelReason reason,
                uint32_t failed_task, Decisions& out);
  void FinishTaskInJob(TimePoint now, uint32_t task, Decisions& out);
  void Assign(TimePoint now, uint32_t node, uint32_t task, Decisions& out);
  void MatchAll(TimePoint now, Decisions& out);
  void StopWaiting(uint32_t node);
  // Owner rules (core_owner.cc).
  void EnforceRules(TimePoint now, uint32_t node, Decisions& out);
  void CountEnergy(TimePoint now, uint32_t slot);  // an attempt ends: its energy is spent
  void ArmRuleTimers(TimePoint now, uint32_t node);
  // The task whose input is being staged; NotFound / FailedPrecondition otherwise.
  absl::StatusOr<TaskRec*> StagingTask(TaskId task);
  void StageTimer(TimePoint now, uint32_t task, Decisions& out);
  // Counts the attempt's transfers against the node's metered daily cap (owner rules).
  void BookMeteredBytes(TimePoint now, uint32_t node, uint32_t task);
  void AskCheckpoint(TimePoint now, uint32_t slot, TimePoint departure, Decisions& out);
  void StayBegins(TimePoint at, uint32_t node);
  void StayEnds(TimePoint at, uint32_t node);
  void LoseNode(TimePoint at, uint32_t node, Decisions& out);
  // Loss guard (LossGuard): the earliest time the head of the heartbeat list may be lost,
  // and whether the nodes due by `now` are many enough to blame ourselves (then they count
  // as heard at `now`).
  TimePoint HbDue() const;
  bool SuspectSelf(TimePoint now);
  void FireTimer(const Timer& timer, Decisions& out);
  bool TimerLive(const Timer& timer) const;
  void ConnectInternal(TimePoint now, uint32_t node, std::span<const HeldAttempt> held,
                       Decisions& out);
  // The node wants `want` more tasks (REQUIRES: want > 0), unless its daily quota is spent:
  // then it is held back until the next day (kQuotaReset timer).
  void StartWaiting(TimePoint now, uint32_t node, uint16_t want);
  // Untrusted results (core_trust.cc).
  void EnsureTrust();  // keeps t_.trust one per node from now on (nodes registered later too)
  bool OverQuota(TimePoint now, uint32_t node) const;
  void HoldForQuota(TimePoint now, uint32_t node);
  void QuotaReset(TimePoint now, uint32_t node);
  // Reputation and quota after an attempt ended (accepted, invalid or withdrawn). A node held
  // back by its quota that the outcome lifts above what it used today asks again.
  void UpdateTrust(TimePoint now, uint32_t slot, AttemptOutcome outcome);
  // Decides, for the copy being started, whether it runs alone (adaptive replication).
  void DecideSolo(uint32_t task, uint32_t epoch, uint32_t node);
  const ResultDigest* KnownDigest(uint32_t task) const;  // spot-check answer or null
  // Is `node` trusted for `job` (adaptive replication on, streak >= its threshold)?
  bool Trusted(uint32_t node, const JobRec& job) const;
  // Agreeing results `job` needs, for a group with (or without) a trusted node.
  uint32_t QuorumFor(const JobRec& job, bool trusted) const;
  // Do the reported results agreeing with `slot`'s reach the quorum their group needs?
  bool GroupQualifies(uint32_t task, uint32_t slot) const;

  // Helpers.
  struct Needs {
    uint32_t copies = 0;   // more copies wanted now
    uint32_t running = 0;  // live attempts without a result
  };
  Needs ComputeNeeds(uint32_t task) const;
  uint32_t FindLive(uint32_t task, uint32_t epoch) const;  // slot or kNil
  // The verdict for a report, or kAccepted with *slot set when it names a live attempt.
  ResultVerdict Lookup(NodeId node, AttemptId attempt, uint32_t epoch, uint32_t* slot) const;
  ResultVerdict CountVerdict(ResultVerdict v);
  void Touch(TimePoint now, uint32_t node);
  void HbRemove(uint32_t node);
  void HbInsert(uint32_t node);  // sorted by last_heard, searching from the tail
  TimePoint HbDeadline(uint32_t node) const {
    return t_.nodes[node].last_heard + config_.heartbeat_grace;
  }
  uint32_t AllocAttempt();
  void UnlinkFromNode(uint32_t slot);
  uint16_t MaxAttempts(const JobRec& job) const;
  absl::Status CheckNode(NodeId node) const;
  absl::Status ApplyChange(const Change& change);
  void RebuildAfterRestore(TimePoint now);

  CoreConfig config_;
  std::unique_ptr<SchedulingPolicy> policy_;
  Tables t_;
  FleetView view_{t_};
  mutable TimerQueue timers_;  // NextWakeup() drops stale entries at the top
  std::vector<Change> changes_;
  uint32_t hb_head_ = kNil;  // heartbeat list: earliest loss deadline first
  uint32_t hb_tail_ = kNil;
  uint32_t hb_size_ = 0;
  TimePoint no_suspicion_before_ = TimePoint::Epoch();
  TimePoint next_suspicion_check_ = TimePoint::Epoch();
  // GCRA over the times losses are declared (Tick's `now`, not the deadlines: after a pause
  // every deadline is in the past, and pacing by them would pace nothing).
  TimePoint pace_tat_ = TimePoint::Epoch();
  bool pace_held_ = false;  // the last Tick left a due node to the pace
  bool restoring_ = false;
  std::vector<uint32_t> scratch_;
};

}  // namespace fleetgrid::core
