#include "coordinator/service/asio_env.h"

namespace fleetgrid::service {
AsioEnv::~AsioEnv() {
  for (auto& [id, timer] : timers_) timer->cancel();
}

int64_t AsioEnv::UnixNanos() const { return UnixNowNanos(); }

runtime::Env::TimerId AsioEnv::At(TimePoint when, std::function<void()> fn) {
  const TimerId id = next_id_++;
  auto timer = std::make_unique<boost::asio::steady_timer>(io_);
  // A timer for the end of time is registered (it can be cancelled) but never waits: asio's
  // arithmetic would overflow on it.
  if (when.IsInfinite()) {
    timers_.emplace(id, std::move(timer));
    return id;
  }
  timer->expires_at(SteadyTimeOf(when));
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
