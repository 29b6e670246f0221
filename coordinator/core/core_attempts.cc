// Core entry points for attempt reports: progress / checkpoint, result, failure.
#include <algorithm>
#include <cmath>

#include "coordinator/core/core.h"

namespace fleetgrid::core {

absl::StatusOr<ResultVerdict> Core::ReportProgress(TimePoint now, NodeId node, AttemptId attempt,
                                                   uint32_t epoch, double units_done,
                                                   bool checkpoint, Decisions& out) {
  FG_RETURN_IF_ERROR(CheckNode(node));
  if (!std::isfinite(units_done) || units_done < 0) {
    return absl::InvalidArgumentError("units_done must be finite and >= 0");
  }
  uint32_t slot = kNil;
  const ResultVerdict v = Lookup(node, attempt, epoch, &slot);
  if (v != ResultVerdict::kAccepted) return CountVerdict(v);
  Touch(now, node.value());
  AttemptRec& a = t_.attempts[slot];
  if (a.reported) return CountVerdict(ResultVerdict::kDuplicate);
  a.progress_units = std::max(a.progress_units, static_cast<float>(units_done));
  if (checkpoint && static_cast<float>(units_done) > a.checkpoint_units) {
    PrimCheckpoint(now, slot, units_done);
  }
  MatchAll(now, out);
  return ResultVerdict::kAccepted;
}

ResultVerdict Core::ReportResult(TimePoint now, NodeId node, AttemptId attempt, uint32_t epoch,
                                 const ResultDigest& digest, Decisions& out) {
  uint32_t slot = kNil;
  const ResultVerdict v = Lookup(node, attempt, epoch, &slot);
  if (v != ResultVerdict::kAccepted) return CountVerdict(v);
  Touch(now, node.value());
  AttemptRec& a = t_.attempts[slot];
  if (a.reported) return CountVerdict(ResultVerdict::kDuplicate);
  const uint32_t task = a.task;
  const JobRec& j = t_.jobs[t_.JobOf(task)];
  const uint8_t bits = t_.tasks[task].bits;
  if ((bits & TaskRec::kCanaryBit) != 0) {  // spot-check: compare with the known answer
    if (digest == *KnownDigest(task)) {
      ++t_.stats.spot_checks_passed;
      a.digest = digest;
      Accept(now, task, slot, out);
      MatchAll(now, out);
      return ResultVerdict::kAccepted;
    }
    // An invalid result. The car hears what it hears for any result still being checked.
    ++t_.stats.spot_checks_failed;
    EndAttempt(now, slot, AttemptOutcome::kDisagreed, out, nullptr);
    Settle(now, task, ReadyReason::kRequeued, out);
    MatchAll(now, out);
    return ResultVerdict::kPendingQuorum;
  }
  if (j.quorum == 1 || (bits & TaskRec::kSoloBit) != 0) {  // the first result wins
    if (j.quorum != 1) ++t_.stats.results_unreplicated;
    a.digest = digest;
    Accept(now, task, slot, out);
    MatchAll(now, out);
    return ResultVerdict::kAccepted;
  }
  PrimResultRecorded(now, slot, digest);
  // The reporter's group first; with untrusted_quorum another group may have qualified
  // since its last result (one of its nodes became trusted meanwhile).
  uint32_t winner = GroupQualifies(task, slot) ? slot : kNil;
  if (winner == kNil && j.adaptive.untrusted_quorum != 0) {
    for (uint32_t s = t_.tasks[task].link; s != kNil && winner == kNil;
         s = t_.attempts[s].next_in_task) {
      if (t_.attempts[s].reported && GroupQualifies(task, s)) winner = s;
    }
  }
  if (winner != kNil) {
    Accept(now, task, winner, out);
    MatchAll(now, out);
    return winner == slot ? ResultVerdict::kAccepted : ResultVerdict::kPendingQuorum;
  }
  Settle(now, task, ReadyReason::kRequeued, out);  // disagreement may call for another copy
  MatchAll(now, out);
  return ResultVerdict::kPendingQuorum;
}

ResultVerdict Core::ReportFailure(TimePoint now, NodeId node, AttemptId attempt, uint32_t epoch,
                                  Decisions& out) {
  uint32_t slot = kNil;
  const ResultVerdict v = Lookup(node, attempt, epoch, &slot);
  if (v != ResultVerdict::kAccepted) return CountVerdict(v);
  Touch(now, node.value());
  if (t_.attempts[slot].reported) return CountVerdict(ResultVerdict::kDuplicate);
  const uint32_t task = t_.attempts[slot].task;
  EndAttempt(now, slot, AttemptOutcome::kFailed, out, nullptr);
  Settle(now, task, ReadyReason::kRequeued, out);
  MatchAll(now, out);
  return ResultVerdict::kAccepted;
}

}  // namespace fleetgrid::core
