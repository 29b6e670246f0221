#include "coordinator/runtime/manual_env.h"

#include <algorithm>
#include <vector>

namespace fleetgrid::runtime {

TimePoint ManualEnv::Now() const {
  std::lock_guard lock(mu_);
  return now_;
}

int64_t ManualEnv::UnixNanos() const {
  std::lock_guard lock(mu_);
  return unix_start_ + now_.nanos();
}

Env::TimerId ManualEnv::At(TimePoint when, std::function<void()> fn) {
  std::lock_guard lock(mu_);
  const TimerId id = next_id_++;
  timers_.emplace(std::make_pair(when.nanos(), id), std::move(fn));
  due_of_.emplace(id, when.nanos());
  return id;
}

void ManualEnv::Cancel(TimerId id) {
  std::lock_guard lock(mu_);
  auto it = due_of_.find(id);
  if (it == due_of_.end()) return;
  timers_.erase({it->second, id});
  due_of_.erase(it);
}

void ManualEnv::SetExecutor(Executor executor) {
  std::lock_guard lock(mu_);
  executor_ = std::move(executor);
}

void ManualEnv::Advance(Duration d) { Set(Now() + d); }

void ManualEnv::Set(TimePoint t) {
  std::vector<std::function<void()>> due;
  Executor executor;
  {
    std::lock_guard lock(mu_);
    if (t > now_) now_ = t;
    while (!timers_.empty() && timers_.begin()->first.first <= now_.nanos()) {
      auto it = timers_.begin();
      due_of_.erase(it->first.second);
      due.push_back(std::move(it->second));
      timers_.erase(it);
    }
    executor = executor_;
  }
  for (auto& fn : due) {
    if (executor) {
      executor(std::move(fn));
    } else {
      fn();
    }
  }
}

void ManualEnv::RunUntil(TimePoint t) {
  for (TimePoint next = NextTimer(); next <= t; next = NextTimer()) Set(std::max(next, Now()));
  Set(t);
}

size_t ManualEnv::pending() const {
  std::lock_guard lock(mu_);
  return timers_.size();
}

TimePoint ManualEnv::NextTimer() const {
  std::lock_guard lock(mu_);
  return timers_.empty() ? TimePoint::Infinite()
                         : TimePoint::FromNanos(timers_.begin()->first.first);
}

}  // namespace fleetgrid::runtime
