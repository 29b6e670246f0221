#include "node/backoff.h"

#include <algorithm>
#include <cmath>

namespace fleetgrid::node {

Duration Backoff::CurrentBase() const {
  const double s = policy_.initial.SecondsF() * std::pow(policy_.multiplier, attempt_);
  return std::min(Duration::FromSecondsF(s), policy_.max);
}

Duration Backoff::Next() {
  const Duration base = CurrentBase();
  if (attempt_ < 64) ++attempt_;
  const double f = 1.0 - policy_.jitter * rng_.Uniform();  // in (1 - jitter, 1]
  return Duration::FromSecondsF(base.SecondsF() * f);
}

}  // namespace fleetgrid::node
