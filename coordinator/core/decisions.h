// Decisions: what the brain tells its driver to carry out after one call.
//
// The caller owns a Decisions buffer, Clear()s and reuses it: in steady state no call
// allocates. Each entry point appends; it never clears. Thread safety: plain values.
#pragma once

#include <vector>

#include "common/ids.h"
#include "common/time.h"
#include "coordinator/core/types.h"

namespace fleetgrid::core {

// Run `task` on `node` under this lease. `resume_from_units` is the task's last checkpoint.
// `model` / `model_bytes`: the weights the task computes with (0: none); the car downloads
// them first unless it holds them.
struct Assignment {
  NodeId node;
  TaskId task;
  JobId job;
  AttemptId attempt;
  uint32_t epoch = 0;
  TimePoint lease_deadline;  // TimePoint::Infinite() when attempts do not time out
  double resume_from_units = 0;
  bool input_local = false;  // the node holds the input (its data node): no download
  uint32_t model = 0;
  uint64_t model_bytes = 0;
};

// Tell the car to stop this attempt.
struct Cancellation {
  NodeId node;
  TaskId task;
  AttemptId attempt;
  CancelReason reason;
};

// An attempt ended (every outcome, success included). `work_lost_units` is the progress the
// car reported and had not checkpointed (0 for kSucceeded).
struct AttemptEnded {
  NodeId node;
  TaskId task;
  AttemptId attempt;
  AttemptOutcome outcome;
  double work_lost_units = 0;
  TimePoint started;
};

// A task's result was accepted (exactly once per task).
struct TaskCompleted {
  TaskId task;
  JobId job;
  AttemptId attempt;
  NodeId node;
  ResultDigest digest;
};

// Save the attempt's work and upload it off the car before it drives off: the car said it
// leaves at `departure` (Core::WarnDeparture). `start_by` leaves time for the upload (the
// node's link latency + checkpoint bytes / bandwidth, plus a margin); it is the call's `now`
// when the warning came too late for that. The car reports the stored checkpoint with
// ReportProgress(checkpoint = true).
struct CheckpointRequest {
  NodeId node;
  TaskId task;
  AttemptId attempt;
  uint32_t epoch = 0;
  TimePoint start_by;
  TimePoint departure;
};

// Upload `task`'s input (`bytes`) from `node`, its data node, to the coordinator; report
// Core::InputStaged when done, Core::StageFailed when the upload did not finish.
struct StageRequest {
  NodeId node;
  TaskId task;
  uint64_t bytes = 0;
};

struct JobChanged {
  JobId job;
  JobStatus status;
};

struct Decisions {
  std::vector<Assignment> assignments;
  std::vector<Cancellation> cancellations;
  std::vector<AttemptEnded> ended;
  std::vector<TaskCompleted> completed;
  std::vector<JobChanged> job_changes;
  std::vector<CheckpointRequest> checkpoint_requests;
  std::vector<StageRequest> stage_requests;

  void Clear() {
    assignments.clear();
    cancellations.clear();
    ended.clear();
    completed.clear();
    job_changes.clear();
    checkpoint_requests.clear();
    stage_requests.clear();
  }
  bool empty() const {
    return assignments.empty() && cancellations.empty() && ended.empty() && completed.empty() &&
           job_changes.empty() && checkpoint_requests.empty() && stage_requests.empty();
  }
};

}  // namespace fleetgrid::core
