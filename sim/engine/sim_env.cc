#include "sim/engine/sim_env.h"

#include <algorithm>

namespace fleetgrid::sim {

runtime::Env::TimerId SimEnv::At(TimePoint when, std::function<void()> fn) {
  ++generation_;
  fn_ = std::move(fn);
  if (when <= horizon_end_) queue_.Push(std::max(when, now_), payload_(generation_));
  return generation_;
}

void SimEnv::Cancel(TimerId id) {
  if (id == generation_) fn_ = nullptr;
}

bool SimEnv::Fire(uint32_t generation) {
  if (generation != (generation_ & 0xffffff) || !fn_) return false;
  std::function<void()> fn = std::move(fn_);
  fn_ = nullptr;
  fn();
  return true;
}

}  // namespace fleetgrid::sim
