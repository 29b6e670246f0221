// Workload model: what work arrives and when.
//
// Bag of tasks: one job of T tasks at t=0. Poisson: jobs arrive with exponential gaps
// (stream "workload.arrivals"), each of tasks_per_job tasks, until max_jobs or the horizon.
// Job trace: jobs arrive as the trace's rows (LoadTrace reads the file first), each of
// tasks_per_job tasks with the row's work and priority.
// Task work is constant or drawn per task from sub-stream ("workload.work", task index), so
// a task's size does not depend on when it arrives or on other models.
// Thread safety: none.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "common/rng.h"
#include "common/time.h"
#include "sim/scenario/scenario.h"
#include "sim/workload/job_trace.h"

namespace fleetgrid::sim {

class Workload {
 public:
  Workload(const WorkloadConfig& config, uint32_t fleet_size, uint64_t seed);
  // Job trace only: reads the trace (relative to `dir`) and sets the first arrival.
  absl::Status LoadTrace(const std::string& dir);
  const JobTrace& trace() const { return trace_; }

  // Time of the next job arrival (TimePoint::Infinite() when no more), and its task count.
  TimePoint NextArrival() const { return next_arrival_; }
  uint32_t NextJobTasks() const { return next_tasks_; }
  // Consumes the arrival returned by NextArrival and draws the one after it.
  void Advance();
  // Work of each task of the next job from the trace, or <= 0 when its tasks draw from
  // the work distribution (TaskWork); its priority.
  double NextJobWork() const;
  int32_t NextJobPriority() const;
  // The next job's model: 1-based index into config.models (0 when there are none), drawn
  // by share from its own stream ("workload.model", job index).
  uint32_t NextJobModel() const;
  // The next job's client: 1-based index into config.clients (0 when there are none), drawn
  // by share from its own stream ("workload.client", job index).
  uint32_t NextJobClient() const;

  // Whether every task has the same work (the work distribution's constant, no trace work).
  bool constant_work() const {
    return config_.work.kind == WorkDistKind::kConstant &&
           (config_.kind != WorkloadKind::kJobTrace || trace_.with_run_time == 0);
  }
  // Work of the task with this global index (0-based over all jobs).
  double TaskWork(uint64_t task_index) const;
  uint64_t input_bytes() const { return config_.input_bytes; }
  uint64_t output_bytes() const { return config_.output_bytes; }
  // Total tasks that will ever arrive, or 0 when unbounded (Poisson without max_jobs).
  uint64_t total_tasks() const { return total_tasks_; }

 private:
  TimePoint TraceArrival() const;  // of job jobs_emitted_, looping when configured

  WorkloadConfig config_;
  uint64_t seed_;
  Rng arrivals_;
  uint64_t jobs_emitted_ = 0;
  uint64_t total_tasks_ = 0;
  TimePoint next_arrival_ = TimePoint::Infinite();
  uint32_t next_tasks_ = 0;
  JobTrace trace_;
  uint64_t trace_pass_ = 0;  // looped passes over the trace before the next job's row
};

}  // namespace fleetgrid::sim
