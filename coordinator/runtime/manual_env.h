// ManualEnv: an Env whose clock stands still until a test moves it (Advance/Set). Timers
// that come due are handed, in time order (ties in the order they were set), to the
// executor: by default they run inline in Advance; a threaded owner (the live
// coordinator's brain) installs its own, so that timers run on its thread as they would
// live. Calendar time is the monotonic time plus a fixed start (2026-01-01 by default).
// Thread safety: all methods are safe from any thread; timers run where the executor runs
// them, never under the lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

#include "coordinator/runtime/env.h"

namespace fleetgrid::runtime {

class ManualEnv final : public Env {
 public:
  using Executor = std::function<void(std::function<void()>)>;
  static constexpr int64_t kDefaultUnixStart = 1'767'225'600'000'000'000;  // 2026-01-01

  explicit ManualEnv(TimePoint start = TimePoint::Epoch(), int64_t unix_start = kDefaultUnixStart)
      : now_(start), unix_start_(unix_start) {}

  TimePoint Now() const override;
  int64_t UnixNanos() const override;
  TimerId At(TimePoint when, std::function<void()> fn) override;
  void Cancel(TimerId id) override;

  // Where due timers run (nullptr: inline, on the thread that moves the clock).
  void SetExecutor(Executor executor) override;
  // Moves the clock by `d` (>= 0) and hands every timer due by then to the executor.
  void Advance(Duration d);
  // The same, to `t` (>= Now()).
  void Set(TimePoint t);
  // Steps the clock from timer to timer up to `t`, so that each runs at exactly its due
  // time, including timers that running timers set (as an event loop would). For the
  // inline executor: a posting executor does not run them before the next step.
  void RunUntil(TimePoint t);
  // Timers set and not yet run or cancelled.
  size_t pending() const;
  // When the earliest pending timer is due (Infinite when none).
  TimePoint NextTimer() const;

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  const int64_t unix_start_;
  TimerId next_id_ = 1;
  // By (due time, id): ids grow, so ties run in the order they were set.
  std::map<std::pair<int64_t, TimerId>, std::function<void()>> timers_;
  std::map<TimerId, int64_t> due_of_;
  Executor executor_;
};

}  // namespace fleetgrid::runtime
