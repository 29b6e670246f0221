// SimEnv: the coordinator runtime's Env inside the simulator (ns-3's simulator facade): the
// virtual clock is the event loop's, and the runtime's wake-up timer is one event in the
// loop's queue. The loop moves `now`, and when the timer's event comes due it calls Fire.
// Only one timer is live at a time (the runtime keeps one; a new one supersedes the last,
// whose event is then skipped as stale), so a timer costs one queue entry and no
// allocation. Timers past the horizon are never queued.
// Thread safety: none; the loop's thread.
#pragma once

#include <cstdint>
#include <functional>

#include "coordinator/runtime/env.h"
#include "sim/engine/event_queue.h"

namespace fleetgrid::sim {

class SimEnv final : public runtime::Env {
 public:
  // `now`: the loop's clock. `payload(generation)`: the event data the loop recognises as
  // this timer's (it hands the generation back to Fire).
  SimEnv(const TimePoint& now, EventQueue& queue, TimePoint horizon_end,
         uint64_t (*payload)(uint32_t generation))
      : now_(now), queue_(queue), horizon_end_(horizon_end), payload_(payload) {}

  TimePoint Now() const override { return now_; }
  // Virtual time reads as that many nanoseconds after the Unix epoch.
  int64_t UnixNanos() const override { return now_.nanos(); }
  // REQUIRES: no other timer live (the previous one ran or was cancelled or superseded).
  TimerId At(TimePoint when, std::function<void()> fn) override;
  void Cancel(TimerId id) override;

  // The timer event of `generation` (24 bits, as the loop packs it) came due: runs the timer
  // and returns true, or returns false for a superseded or cancelled one.
  bool Fire(uint32_t generation);

 private:
  const TimePoint& now_;
  EventQueue& queue_;
  const TimePoint horizon_end_;
  uint64_t (*payload_)(uint32_t);
  uint32_t generation_ = 0;
  std::function<void()> fn_;
};

}  // namespace fleetgrid::sim
