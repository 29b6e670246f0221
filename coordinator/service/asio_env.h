// AsioEnv: the live coordinator's Env (coordinator/runtime/env.h): the monotonic wall
// clock, the calendar clock, and timers as Boost.Asio steady timers on the brain's
// io_context, so that they run on its owner thread.
// Thread safety: Now and UnixNanos from any thread; At and Cancel on the io_context's
// thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>

#include "common/clock.h"
#include "coordinator/runtime/env.h"

namespace fleetgrid::service {

class AsioEnv final : public runtime::Env {
 public:
  explicit AsioEnv(boost::asio::io_context& io) : io_(io) {}
  ~AsioEnv() override;

  TimePoint Now() const override { return clock_.Now(); }
  int64_t UnixNanos() const override;
  TimerId At(TimePoint when, std::function<void()> fn) override;
  void Cancel(TimerId id) override;

 private:
  boost::asio::io_context& io_;
  WallClock clock_;
  TimerId next_id_ = 1;
  std::map<TimerId, std::unique_ptr<boost::asio::steady_timer>> timers_;
};

}  // namespace fleetgrid::service
