// Clock: where "now" comes from. The brain never reads a clock; its drivers do.
//
// WallClock reads the monotonic steady clock (leases must not jump with the calendar);
// ManualClock is moved only by tests; the simulator's virtual clock lives in sim/engine.
// Thread safety: WallClock is thread-safe; ManualClock is safe for one thread at a time.
#pragma once

#include "common/time.h"

namespace fleetgrid {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// Monotonic time since an unspecified start (std::chrono::steady_clock).
class WallClock final : public Clock {
 public:
  TimePoint Now() const override;
};

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

}  // namespace fleetgrid
