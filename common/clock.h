// Clock: where "now" comes from. The brain never reads a clock; its drivers do.
//
// WallClock reads the monotonic steady clock (leases must not jump with the calendar);
// ManualClock is moved only by tests; the simulator's virtual clock lives in sim/engine.
// UnixNowNanos/UnixNowMillis read the calendar, for timestamps only. This file and clock.cc
// are the only places outside tests that read std::chrono's clocks.
// Thread safety: WallClock and the free functions are thread-safe; ManualClock is safe for
// one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>

#include "common/time.h"

namespace fleetgrid {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// Monotonic time since an unspecified start: std::chrono::steady_clock's epoch, so that
// SteadyTimeOf() converts its time points exactly (for asio's steady timers).
class WallClock final : public Clock {
 public:
  TimePoint Now() const override;
};

// The std::chrono::steady_clock time point of a WallClock time point.
inline std::chrono::steady_clock::time_point SteadyTimeOf(TimePoint t) {
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(t.nanos()));
}

// A clock that stands still until the test moves it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint::Epoch()) : now_(start) {}
  TimePoint Now() const override { return now_; }
  // REQUIRES: d >= 0 (time never runs backwards).
  void Advance(Duration d);
  // REQUIRES: t >= Now().
  void Set(TimePoint t);

 private:
  TimePoint now_;
};

// Calendar time (std::chrono::system_clock) since 1970-01-01 UTC. It jumps when the
// machine's clock is set: use it for timestamps on the wire and in the store (issued at,
// expires at), never to measure elapsed time or to time a lease (use a Clock).
int64_t UnixNowNanos();
int64_t UnixNowMillis();  // UnixNowNanos() / 1,000,000

// A deadline `d` from now for gRPC (ClientContext::set_deadline, Server::Shutdown), which
// takes system_clock time points. Saturates: Duration::Infinite() or anything past the
// clock's range gives time_point::max(), which gRPC reads as no deadline.
// REQUIRES: d >= 0.
std::chrono::system_clock::time_point DeadlineAfter(Duration d);

}  // namespace fleetgrid
