// Internal: what every car of one fleet shares (I/O thread, channels, counters).
// Not part of the public API; include fleet.h.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "fleetgrid/v1/node.grpc.pb.h"
#include "models/cheaters.h"
#include "node/fleet_options.h"

namespace fleetgrid::node {

class Car;

// Counters updated from the I/O thread, read from any thread.
struct FleetCounters {
  std::atomic<uint64_t> available_now{0}, connected_now{0}, enrollments{0}, sessions{0},
      reconnects{0}, heartbeats_sent{0}, work_requests{0}, attempts_assigned{0}, attempts_done{0},
      attempts_rejected{0}, attempts_lost{0}, attempts_failed{0}, results_sent{0},
      results_corrupted{0}, leaves{0}, vanishes{0}, credentials_refused{0}, credentials_renewed{0},
      join_tokens_refused{0}, departure_warnings{0}, checkpoints_uploaded{0},
      checkpoint_bytes_uploaded{0}, checkpoints_refused{0}, attempts_resumed{0};
  std::atomic<double> work_units_resumed{0};
};

// Counts gRPC calls in flight so that Stop() can wait until no callback can still post to
// the io_context. Thread-safe.
class CallTracker {
 public:
  void Started() {
    std::lock_guard l(mu_);
    ++n_;
  }
  void Ended() {
    std::lock_guard l(mu_);
    if (--n_ == 0) cv_.notify_all();
  }
  // True if every call ended before `timeout`.
  template <typename Rep, typename Period>
  bool WaitIdle(std::chrono::duration<Rep, Period> timeout) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, timeout, [&] { return n_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t n_ = 0;
};

struct FleetContext {
  FleetOptions options;
  boost::asio::io_context io;        // run by exactly one thread: all car state lives here
  boost::asio::thread_pool compute;  // hash kernels
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<v1::NodeService::Stub>> stubs;
  FleetCounters counters;
  CallTracker calls;
  bool stopping = false;  // I/O thread only
  // Admission control for (re)connecting cars, I/O thread only: at most
  // options.max_connecting cars are between "wants a session" and Welcome; the rest queue.
  // This paces a fleet's start and its return after a coordinator restart.
  uint32_t connecting = 0;
  std::deque<Car*> connect_queue;

  // Per owner: its index among the cheating owners or models::kHonestOwner; empty = none.
  std::vector<uint32_t> cheaters;

  explicit FleetContext(const FleetOptions& o)
      : options(o),
        compute(o.compute_threads == 0 ? 1 : o.compute_threads),
        cheaters(models::DrawCheatingOwners(o.seed, o.owners, o.malicious_owner_share)) {}
  v1::NodeService::Stub* StubFor(uint32_t car) { return stubs[car % stubs.size()].get(); }
};

}  // namespace fleetgrid::node
