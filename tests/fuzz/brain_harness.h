// A real Brain over a MemoryStore for the fuzz targets that drive the RPC handlers' code.
//
// The brain is rebuilt every `recycle_every` inputs (state stays small and the fuzzer sees
// the same starting state again). With `with_car`, every fresh brain gets one enrolled car
// (wire node id 1, owner "fuzz") with an open session, a job of 16 tasks (job 1, tasks 1-16,
// work 1, outputs up to 64 bytes) and the first 8 of them running on that car: attempt ids
// task << 32 | 1 for core tasks 0-7 (1, 4294967297, ...), lease epoch 1. With
// `with_listings`, also two more cars (owners "alice", "bob") and two more jobs (3 and 2000
// tasks) for the List calls.
//
// Thread safety: one fuzzing thread calls it; the brain's threads call the outboxes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "coordinator/service/brain.h"
#include "coordinator/service/memory_store.h"
#include "coordinator/service/metrics.h"
#include "tests/fuzz/fuzz_target.h"

namespace fleetgrid::fuzz {

// A NodeOutbox that keeps what the brain sends (thread-safe).
class CaptureOutbox final : public service::NodeOutbox {
 public:
  void Send(const v1::CoordinatorMessage& m) override;
  void SendAll(std::vector<v1::CoordinatorMessage> ms) override;
  void Finish(const absl::Status& s) override;
  // Waits (up to 10 s) until `n` assignments arrived; false on timeout.
  bool WaitForAssignments(size_t n);

 private:
  void Count(const v1::CoordinatorMessage& m);
  std::mutex mu_;
  std::condition_variable cv_;
  size_t assignments_ = 0;
};

struct HarnessOptions {
  bool with_car = false;
  bool with_listings = false;
  int recycle_every = 500;
  std::string join_token;  // what the harness's cars present (the brain runs in open mode)
};

class FuzzBrain {
 public:
  explicit FuzzBrain(HarnessOptions options);
  ~FuzzBrain();

  // The brain for this input (rebuilt first when due).
  service::Brain& brain();
  // The car of `with_car`: wire id and the outbox of its open session.
  uint64_t car() const { return 1; }
  const std::shared_ptr<CaptureOutbox>& car_outbox() const { return car_outbox_; }
  const std::string& car_credential() const { return car_credential_; }

  // Runs `call` with a Reply and waits for it. A handler that never answers aborts.
  template <typename T>
  absl::StatusOr<T> Call(const std::function<void(service::Brain::Reply<T>)>& call) {
    auto p = std::make_shared<std::promise<absl::StatusOr<T>>>();
    auto f = p->get_future();
    call([p](absl::StatusOr<T> r) { p->set_value(std::move(r)); });
    FG_FUZZ_CHECK(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    return f.get();
  }
  // Waits until the brain's thread ran everything posted so far.
  void Sync();

  // The limits and options the fuzzed brain runs with (job size capped: the fuzzer finds
  // task_count 1e6 at once, and building a million tasks per input only slows it down).
  static service::ServiceOptions Options();

 private:
  void Build();
  void SetUpCar();
  void SetUpListings();

  HarnessOptions options_;
  int inputs_ = 0;
  service::Metrics metrics_;
  std::unique_ptr<service::MemoryStore> store_;
  std::unique_ptr<service::Brain> brain_;
  std::shared_ptr<CaptureOutbox> car_outbox_;
  std::string car_credential_;  // credential id of the car
};

}  // namespace fleetgrid::fuzz
