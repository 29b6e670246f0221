#include "sim/workload/workload.h"

#include <cmath>

namespace fleetgrid::sim {

Workload::Workload(const WorkloadConfig& config, uint32_t fleet_size, uint64_t seed)
    : config_(config), seed_(seed), arrivals_(Rng::Stream(seed, "workload.arrivals")) {
  if (config.kind == WorkloadKind::kBagOfTasks) {
    total_tasks_ = config.BagTasks(fleet_size);
    next_arrival_ = TimePoint::Epoch();
    next_tasks_ = static_cast<uint32_t>(total_tasks_);
  } else if (config.kind == WorkloadKind::kJobTrace) {
    next_tasks_ = config.tasks_per_job;  // the first arrival comes with LoadTrace
  } else if (config.kind == WorkloadKind::kTraining) {
    // No arrivals: the simulator submits each round when the run's last one closed.
  } else {
    total_tasks_ = config.max_jobs * config.tasks_per_job;
    next_tasks_ = config.tasks_per_job;
    next_arrival_ = TimePoint::Epoch() +
                    Duration::FromSecondsF(arrivals_.Exponential(1.0 / config.job_rate_per_s));
  }
}

absl::Status Workload::LoadTrace(const std::string& dir) {
  if (config_.kind != WorkloadKind::kJobTrace) return absl::OkStatus();
  absl::StatusOr<JobTrace> t = LoadJobTrace(config_.job_trace, dir);
  if (!t.ok()) {
    return absl::InvalidArgumentError("workload.job_trace: " + std::string(t.status().message()));
  }
  trace_ = std::move(*t);
  const uint64_t jobs = config_.max_jobs > 0     ? config_.max_jobs
                        : config_.job_trace.loop ? 0
                                                 : trace_.jobs.size();
  total_tasks_ = jobs * config_.tasks_per_job;
  next_arrival_ = TraceArrival();
  return absl::OkStatus();
}

TimePoint Workload::TraceArrival() const {
  const size_t n = trace_.jobs.size();
  if (n == 0) return TimePoint::Infinite();
  const uint64_t pass = jobs_emitted_ / n;
  if (pass > 0 && !config_.job_trace.loop) return TimePoint::Infinite();
  return TimePoint::Epoch() + Duration::FromSecondsF(static_cast<double>(pass) * trace_.period_s +
                                                     trace_.jobs[jobs_emitted_ % n].at_s);
}

void Workload::Advance() {
  ++jobs_emitted_;
  if (config_.kind == WorkloadKind::kBagOfTasks ||
      (config_.max_jobs > 0 && jobs_emitted_ >= config_.max_jobs)) {
    next_arrival_ = TimePoint::Infinite();
    return;
  }
  if (config_.kind == WorkloadKind::kJobTrace) {
    next_arrival_ = TraceArrival();
    return;
  }
  next_arrival_ += Duration::FromSecondsF(arrivals_.Exponential(1.0 / config_.job_rate_per_s));
}

namespace {

// 1-based index of the item a uniform `u` falls on, items taking their `share` in order; 0
// for no items.
template <typename T>
uint32_t ByShare(const std::vector<T>& items, double u) {
  if (items.empty()) return 0;
  for (size_t i = 0; i + 1 < items.size(); ++i) {
    if (u < items[i].share) return static_cast<uint32_t>(i + 1);
    u -= items[i].share;
  }
  return static_cast<uint32_t>(items.size());
}

}  // namespace

uint32_t Workload::NextJobModel() const {
  if (config_.models.empty()) return 0;
  return ByShare(config_.models, Rng::Stream(seed_, "workload.model", jobs_emitted_).Uniform());
}

uint32_t Workload::NextJobClient() const {
  if (config_.clients.empty()) return 0;
  return ByShare(config_.clients, Rng::Stream(seed_, "workload.client", jobs_emitted_).Uniform());
}

double Workload::NextJobWork() const {
  if (trace_.jobs.empty()) return 0;
  return trace_.jobs[jobs_emitted_ % trace_.jobs.size()].work;
}

int32_t Workload::NextJobPriority() const {
  if (trace_.jobs.empty()) return 0;
  return trace_.jobs[jobs_emitted_ % trace_.jobs.size()].priority;
}

double Workload::TaskWork(uint64_t task_index) const {
  const WorkDist& w = config_.work;
  switch (w.kind) {
    case WorkDistKind::kConstant:
      return w.mean;
    case WorkDistKind::kExponential:
      return Rng::Stream(seed_, "workload.work", task_index).Exponential(w.mean);
    case WorkDistKind::kLogNormal: {
      const double mu = std::log(w.mean) - 0.5 * w.sigma * w.sigma;
      return Rng::Stream(seed_, "workload.work", task_index).LogNormal(mu, w.sigma);
    }
  }
  return w.mean;
}

}  // namespace fleetgrid::sim
