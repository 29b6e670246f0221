#include "common/clock.h"

#include <cassert>
#include <chrono>

namespace fleetgrid {

TimePoint WallClock::Now() const {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
  return TimePoint::FromNanos(ns.count());
}

int64_t UnixNowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t UnixNowMillis() { return UnixNowNanos() / 1'000'000; }

std::chrono::system_clock::time_point DeadlineAfter(Duration d) {
  assert(d >= Duration::Zero());
  using SystemTime = std::chrono::system_clock::time_point;
  const auto now = std::chrono::system_clock::now();
  const auto left = SystemTime::max() - now;  // in the system clock's own ticks
  const auto want =
      std::chrono::duration_cast<SystemTime::duration>(std::chrono::nanoseconds(d.nanos()));
  if (d.IsInfinite() || want >= left) return SystemTime::max();
  return now + want;
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
