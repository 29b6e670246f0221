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
  if (j.quorum == 1) {  // FLEET-1 path: the first result wins
    a.digest = digest;
    Accept(now, task, slot, out);
    MatchAll(now, out);
    return ResultVerdict::kAccepted;
  }
  PrimResultRecorded(now, slot, digest);
  uint32_t agree = 0;
  for (uint32_t s = t_.tasks[task].link; s != kNil; s = t_.attempts[s].next_in_task) {
    if (t_.attempts[s].reported && t_.attempts[s].digest == digest) ++agree;
  }
  if (agree >= j.quorum) {
    Accept(now, task, slot, out);
    MatchAll(now, out);
    return ResultVerdict::kAccepted;
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
