#include "sim/workload/workload.h"

#include <cmath>

namespace fleetgrid::sim {

Workload::Workload(const WorkloadConfig& config, uint32_t fleet_size, uint64_t seed)
    : config_(config), seed_(seed), arrivals_(Rng::Stream(seed, "workload.arrivals")) {
  if (config.kind == WorkloadKind::kBagOfTasks) {
    total_tasks_ = config.BagTasks(fleet_size);
    next_arrival_ = TimePoint::Epoch();
    next_tasks_ = static_cast<uint32_t>(total_tasks_);
  } else {
    total_tasks_ = config.max_jobs * config.tasks_per_job;
    next_tasks_ = config.tasks_per_job;
    next_arrival_ = TimePoint::Epoch() +
                    Duration::FromSecondsF(arrivals_.Exponential(1.0 / config.job_rate_per_s));
  }
}

void Workload::Advance() {
  ++jobs_emitted_;
  if (config_.kind == WorkloadKind::kBagOfTasks ||
      (config_.max_jobs > 0 && jobs_emitted_ >= config_.max_jobs)) {
    next_arrival_ = TimePoint::Infinite();
    return;
  }
  next_arrival_ += Duration::FromSecondsF(arrivals_.Exponential(1.0 / config_.job_rate_per_s));
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
