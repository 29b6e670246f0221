#include "coordinator/core/types.h"

namespace fleetgrid::core {

std::string_view ToString(NodeState s) {
  switch (s) {
    case NodeState::kDriving:
      return "driving";
    case NodeState::kParked:
      return "parked";
    case NodeState::kPlugged:
      return "plugged";
    case NodeState::kCharging:
      return "charging";
  }
  return "?";
}

std::string_view ToString(NodeConnection c) {
  switch (c) {
    case NodeConnection::kRegistered:
      return "registered";
    case NodeConnection::kConnected:
      return "connected";
    case NodeConnection::kSilent:
      return "silent";
    case NodeConnection::kLost:
      return "lost";
    case NodeConnection::kLeft:
      return "left";
  }
  return "?";
}

std::string_view ToString(AttemptOutcome o) {
  switch (o) {
    case AttemptOutcome::kSucceeded:
      return "succeeded";
    case AttemptOutcome::kLost:
      return "lost";
    case AttemptOutcome::kLeft:
      return "left";
    case AttemptOutcome::kFailed:
      return "failed";
    case AttemptOutcome::kExpired:
      return "expired";
    case AttemptOutcome::kCancelled:
      return "cancelled";
    case AttemptOutcome::kDisagreed:
      return "disagreed";
  }
  return "?";
}

std::string_view ToString(ResultVerdict v) {
  switch (v) {
    case ResultVerdict::kAccepted:
      return "accepted";
    case ResultVerdict::kPendingQuorum:
      return "pending-quorum";
    case ResultVerdict::kDuplicate:
      return "duplicate";
    case ResultVerdict::kRejectedStaleEpoch:
      return "rejected-stale-epoch";
    case ResultVerdict::kRejectedUnknownAttempt:
      return "rejected-unknown-attempt";
    case ResultVerdict::kRejectedWrongNode:
      return "rejected-wrong-node";
    case ResultVerdict::kRejectedTaskClosed:
      return "rejected-task-closed";
  }
  return "?";
}

std::string_view ToString(JobStatus s) {
  switch (s) {
    case JobStatus::kQueued:
      return "queued";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kDone:
      return "done";
    case JobStatus::kFailed:
      return "failed";
    case JobStatus::kCancelled:
      return "cancelled";
  }
  return "?";
}

std::string_view ToString(TaskStatus s) {
  switch (s) {
    case TaskStatus::kPending:
      return "pending";
    case TaskStatus::kRunning:
      return "running";
    case TaskStatus::kDone:
      return "done";
    case TaskStatus::kFailed:
      return "failed";
    case TaskStatus::kCancelled:
      return "cancelled";
  }
  return "?";
}

std::string_view ToString(CancelReason r) {
  switch (r) {
    case CancelReason::kJobCancelled:
      return "job-cancelled";
    case CancelReason::kJobFailed:
      return "job-failed";
    case CancelReason::kDeadline:
      return "deadline";
    case CancelReason::kLeaseExpired:
      return "lease-expired";
    case CancelReason::kTaskAccepted:
      return "task-accepted";
    case CancelReason::kOwnerRule:
      return "owner-rule";
  }
  return "?";
}

}  // namespace fleetgrid::core
