// Training rounds (workload.model: training, docs/workloads.md): synchronous data-parallel
// training. Each of `runs` training runs submits one round at a time: a job of `workers`
// tasks (each computes its shard's gradient: the workload's work, input and output) with
// the round deadline as the job's deadline. The round ends at its barrier, when the last
// worker's result is in; the run then submits its next round. A round still open at its
// deadline fails in the coordinator (its attempts are cancelled) and the run submits it
// again: a departure (its task requeued and recomputed elsewhere) or a straggler delays a
// round, and drops it when the delay passes the deadline.
//
// Stragglers: a round's straggler time is its last result minus its median result (how long
// the round waited on its slowest workers); barrier wait is the worker-time spent waiting
// at the barrier (the sum over workers of last result minus own result).
//
// TrainingRounds only keeps the books; the simulator submits the jobs and reports what
// happened to them. Thread safety: none.
#pragma once

#include <cstdint>
#include <vector>

#include "common/time.h"
#include "sim/stats/histogram.h"

namespace fleetgrid::sim {

struct TrainingConfig {
  uint32_t runs = 1;
  uint32_t workers = 0;  // K, tasks per round
  uint64_t rounds = 0;   // per run; 0 = until the horizon
  Duration round_deadline = Duration::Infinite();
};

struct TrainingResult {
  uint32_t runs = 0;
  uint32_t workers = 0;
  uint64_t rounds_target = 0;     // per run (0 = until the horizon)
  uint64_t rounds_completed = 0;  // reached their barrier before the deadline
  uint64_t rounds_missed = 0;     // failed at their deadline and were run again
  uint64_t rounds_delayed = 0;    // completed although a worker's attempt was lost
  uint64_t missed_with_loss = 0;  // missed rounds that had lost a worker's attempt
  uint64_t worker_attempts_lost = 0;
  double straggler_s = 0;            // sum over completed rounds: last - median result
  double barrier_wait_worker_s = 0;  // sum over completed rounds and workers: last - own
  double missed_s = 0;               // time spent on rounds that were then dropped
  DurationHistogram round_time;      // submission -> barrier, completed rounds
};

class TrainingRounds {
 public:
  explicit TrainingRounds(const TrainingConfig& config);

  // The driver submitted `run`'s next round as job `job`, its tasks first_task ..
  // first_task + workers - 1, at `now`.
  void Submitted(uint32_t run, uint32_t job, uint32_t first_task, TimePoint now);
  // A worker's result was accepted / a worker's attempt was lost (the car left).
  void ResultAccepted(uint32_t job, TimePoint now);
  void AttemptLost(uint32_t task);
  // The round's job closed (done: all results in; else failed or cancelled). Returns the run
  // whose next round the driver must submit now, or kNone when that run is finished.
  static constexpr uint32_t kNone = ~0u;
  uint32_t JobClosed(uint32_t job, bool done, TimePoint now);

  // Whether `job` is a training round (jobs of other sources are not).
  bool IsRound(uint32_t job) const { return job < run_of_job_.size() && run_of_job_[job] != kNone; }
  uint32_t JobOfTask(uint32_t task) const;
  // Every run has completed its rounds (never with rounds = 0).
  bool AllDone() const { return config_.rounds > 0 && finished_runs_ == config_.runs; }
  // Rounds done over all the rounds the runs must do (0 when unbounded).
  double Fraction() const;
  uint64_t RoundOf(uint32_t run) const { return runs_[run].round; }
  const TrainingResult& result() const { return result_; }

 private:
  struct Run {
    uint64_t round = 0;  // rounds completed so far
    uint32_t job = kNone;
    uint32_t first_task = 0;
    TimePoint submitted;
    uint32_t lost = 0;  // attempts of the open round lost
    std::vector<int64_t> results_ns;
  };
  TrainingConfig config_;
  std::vector<Run> runs_;
  std::vector<uint32_t> run_of_job_;  // by job id; kNone for other jobs
  uint32_t finished_runs_ = 0;
  TrainingResult result_;
};

}  // namespace fleetgrid::sim
