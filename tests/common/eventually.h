// Eventually: waits for what another thread or process does (a gRPC server's reply, a
// child process's output), polling every 2 ms up to a deadline. Not a way to let time pass
// for the code under test: in-process coordinators run on a runtime::ManualEnv that the
// test moves (tests/service/harness.h).
#pragma once

#include <chrono>
#include <thread>

#include "common/time.h"

namespace fleetgrid::testing {

template <typename Pred>
bool Eventually(Pred pred, Duration timeout = Duration::Seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout.nanos());
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pred();
}

}  // namespace fleetgrid::testing
