#include "coordinator/service/asio_env.h"

#include <algorithm>
#include <chrono>


namespace fleetgrid::service {
namespace {

std::chrono::steady_clock::time_point SteadyAt(TimePoint t) {
  // Saturate far beyond any run: the steady clock's time_point overflows on Infinite().
  constexpr int64_t kCenturyNs = int64_t{100} * 365 * 86'400 * 1'000'000'000;
  return std::chrono::steady_clock::time_point(
      std::chrono::nanoseconds(std::min(t.nanos(), kCenturyNs)));
}

}  // namespace

AsioEnv::~AsioEnv() {
  for (auto& [id, timer] : timers_) timer->cancel();
}

int64_t AsioEnv::UnixNanos() const { return UnixNowNanos(); }

runtime::Env::TimerId AsioEnv::At(TimePoint when, std::function<void()> fn) {
  const TimerId id = next_id_++;
  auto timer = std::make_unique<boost::asio::steady_timer>(io_);
  timer->expires_at(SteadyAt(when));
  // A timer that already fired has its handler queued: Cancel cannot stop it, so the
  // handler runs fn only while the timer is still registered.
  timer->async_wait([this, id, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (ec) return;
    auto it = timers_.find(id);
    if (it == timers_.end()) return;
    timers_.erase(it);
    fn();
  });
  timers_.emplace(id, std::move(timer));
  return id;
}

void AsioEnv::Cancel(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second->cancel();
  timers_.erase(it);
}

}  // namespace fleetgrid::service
