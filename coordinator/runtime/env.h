// Env: where the coordinator runtime gets its time and its timers (LevelDB's Env, ns-3's
// simulator facade). The same runtime runs on three of them:
//   - live, `fleetgrid coordinator`: the monotonic wall clock and Asio timers
//     (coordinator/service/asio_env.h);
//   - tests: a manual clock whose timers run when the test advances it (manual_env.h);
//   - the simulator: its virtual clock and event queue (sim/sim_env.h).
// Times are the Env's own monotonic time; the runtime adds its offset (runtime.h).
// Thread safety: Now and UnixNanos may be called from any thread (a live coordinator checks
// credentials on gRPC threads); At and Cancel come from the owner thread, and timers run
// there.
#pragma once

#include <cstdint>
#include <functional>

#include "common/time.h"

namespace fleetgrid::runtime {

class Env {
 public:
  using TimerId = uint64_t;
  virtual ~Env() = default;

  // Monotonic time: never runs backwards.
  virtual TimePoint Now() const = 0;
  // Calendar time, nanoseconds since the Unix epoch: for what people and other machines
  // read (timestamps on the wire, credential expiry). May jump; never used for deadlines.
  virtual int64_t UnixNanos() const = 0;
  // Runs `fn` once, on the owner thread, when Now() reaches `when` (soon if it already
  // has). Ids are never 0.
  virtual TimerId At(TimePoint when, std::function<void()> fn) = 0;
  // `fn` of that timer will not run. No effect on a timer that ran or was cancelled.
  virtual void Cancel(TimerId id) = 0;

  // Where timers run. An owner with a thread of its own (the live brain) hands its executor
  // here, so that an Env whose time is moved from elsewhere (ManualEnv, by a test) runs them
  // on that thread; nullptr goes back to the default. Envs whose timers already run on the
  // owner thread (Asio, the simulator) ignore it.
  virtual void SetExecutor(std::function<void(std::function<void()>)> executor) { (void)executor; }

  // `fn` after `delay` from now.
  TimerId After(Duration delay, std::function<void()> fn) {
    return At(Now() + delay, std::move(fn));
  }
};

}  // namespace fleetgrid::runtime
