#include "sim/workload/training.h"

#include <algorithm>

namespace fleetgrid::sim {

TrainingRounds::TrainingRounds(const TrainingConfig& config) : config_(config) {
  runs_.resize(config.runs);
  result_.runs = config.runs;
  result_.workers = config.workers;
  result_.rounds_target = config.rounds;
}

void TrainingRounds::Submitted(uint32_t run, uint32_t job, uint32_t first_task, TimePoint now) {
  if (job >= run_of_job_.size()) run_of_job_.resize(job + 1, kNone);
  run_of_job_[job] = run;
  Run& r = runs_[run];
  r.job = job;
  r.first_task = first_task;
  r.submitted = now;
  r.lost = 0;
  r.results_ns.clear();
}

uint32_t TrainingRounds::JobOfTask(uint32_t task) const {
  // Rounds are open one per run; a task belongs to the open round whose range holds it.
  for (const Run& r : runs_) {
    if (r.job != kNone && task >= r.first_task && task - r.first_task < config_.workers) {
      return r.job;
    }
  }
  return kNone;
}

void TrainingRounds::ResultAccepted(uint32_t job, TimePoint now) {
  if (!IsRound(job)) return;
  Run& r = runs_[run_of_job_[job]];
  if (r.job == job) r.results_ns.push_back(now.nanos());
}

void TrainingRounds::AttemptLost(uint32_t task) {
  const uint32_t job = JobOfTask(task);
  if (job == kNone) return;
  ++runs_[run_of_job_[job]].lost;
  ++result_.worker_attempts_lost;
}

uint32_t TrainingRounds::JobClosed(uint32_t job, bool done, TimePoint now) {
  if (!IsRound(job)) return kNone;
  const uint32_t run = run_of_job_[job];
  Run& r = runs_[run];
  if (r.job != job) return kNone;
  r.job = kNone;
  if (done) {
    ++result_.rounds_completed;
    if (r.lost > 0) ++result_.rounds_delayed;
    result_.round_time.Add(now - r.submitted);
    std::vector<int64_t>& t = r.results_ns;
    std::sort(t.begin(), t.end());
    if (!t.empty()) {
      const int64_t last = t.back();
      result_.straggler_s += static_cast<double>(last - t[(t.size() - 1) / 2]) * 1e-9;
      for (int64_t x : t) result_.barrier_wait_worker_s += static_cast<double>(last - x) * 1e-9;
    }
    ++r.round;
    if (config_.rounds > 0 && r.round >= config_.rounds) {
      ++finished_runs_;
      return kNone;
    }
  } else {
    ++result_.rounds_missed;
    if (r.lost > 0) ++result_.missed_with_loss;
    result_.missed_s += (now - r.submitted).SecondsF();
  }
  return run;
}

double TrainingRounds::Fraction() const {
  if (config_.rounds == 0) return 0;
  return static_cast<double>(result_.rounds_completed) /
         (static_cast<double>(config_.rounds) * config_.runs);
}

}  // namespace fleetgrid::sim
