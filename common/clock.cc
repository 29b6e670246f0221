#include "common/clock.h"

#include <cassert>
#include <chrono>

namespace fleetgrid {

TimePoint WallClock::Now() const {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
  return TimePoint::FromNanos(ns.count());
}

void ManualClock::Advance(Duration d) {
  assert(d >= Duration::Zero());
  now_ += d;
}

void ManualClock::Set(TimePoint t) {
  assert(t >= now_);
  now_ = t;
}

}  // namespace fleetgrid
