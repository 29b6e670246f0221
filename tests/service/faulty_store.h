// FaultyStore: a Store that wraps another and makes Commit() fail on purpose, for tests of
// what the caller does with each answer of the Store::Commit contract (store.h).
//
//   MemoryStore memory;
//   FaultyStore store(&memory, {.seed = 7, .fail_rate = 0.2,
//                               .code = absl::StatusCode::kUnavailable,
//                               .timing = FaultyStore::Timing::kBefore});
//   store.SetFull(true);   // every Commit() now answers RESOURCE_EXHAUSTED, writes nothing
//
// Each Commit() is, in this order:
//   - refused with RESOURCE_EXHAUSTED ("store full (injected)") while SetFull(true): nothing
//     reaches the inner store;
//   - with probability fail_rate (seeded, reproducible), failed with `code`:
//       Timing::kBefore  the inner store is not called: nothing written (what UNAVAILABLE and
//                        RESOURCE_EXHAUSTED promise);
//       Timing::kAfter   the inner store commits first, then the failure is reported: the
//                        batch IS stored but the caller is told it failed (the "outcome
//                        unknown" of a hard I/O error, e.g. an fsync that failed after the
//                        write). Only meaningful with INTERNAL / DATA_LOSS: the contract
//                        forbids it for UNAVAILABLE and RESOURCE_EXHAUSTED;
//       Timing::kEither  one of the two, 50/50 (seeded);
//   - otherwise passed to the inner store, whose answer is returned as is.
// Load(), ReadResult(), ReadCheckpoint() and commits() are the inner store's.
//
// Thread-safe (one mutex; the inner store is called under it).
#pragma once

#include <mutex>
#include <string>

#include "common/rng.h"
#include "coordinator/service/store.h"

namespace fleetgrid::service {

class FaultyStore final : public Store {
 public:
  enum class Timing { kBefore, kAfter, kEither };
  struct Options {
    uint64_t seed = 1;
    double fail_rate = 0;  // chance per Commit() of an injected failure, in [0, 1]
    absl::StatusCode code = absl::StatusCode::kUnavailable;
    Timing timing = Timing::kBefore;
  };
  // What the wrapper did, per Commit() call.
  struct Counts {
    uint64_t passed = 0;         // handed to the inner store, its answer returned
    uint64_t failed_before = 0;  // injected failure, nothing written
    uint64_t failed_after = 0;   // written by the inner store, reported as failed
    uint64_t refused_full = 0;   // RESOURCE_EXHAUSTED from SetFull(true)
  };

  // `inner` is borrowed and must outlive this.
  FaultyStore(Store* inner, Options options)
      : inner_(inner), options_(options), rng_(Rng::Stream(options.seed, "faulty-store")) {}

  absl::Status Commit(const WriteBatch& batch) override {
    std::lock_guard lock(mu_);
    if (full_) {
      ++counts_.refused_full;
      return absl::ResourceExhaustedError("store full (injected)");
    }
    if (options_.fail_rate <= 0 || !rng_.Bernoulli(options_.fail_rate)) {
      ++counts_.passed;
      return inner_->Commit(batch);
    }
    const bool after = options_.timing == Timing::kAfter ||
                       (options_.timing == Timing::kEither && rng_.Bernoulli(0.5));
    if (after) {
      // The inner store's own failure wins: then nothing was written after all.
      if (absl::Status s = inner_->Commit(batch); !s.ok()) {
        ++counts_.passed;
        return s;
      }
      ++counts_.failed_after;
    } else {
      ++counts_.failed_before;
    }
    return Injected(options_.code);
  }
  absl::StatusOr<StoredState> Load() override { return inner_->Load(); }
  absl::StatusOr<std::string> ReadResult(uint64_t task_id) override {
    return inner_->ReadResult(task_id);
  }
  absl::StatusOr<std::string> ReadCheckpoint(uint64_t task_id,
                                             const std::string& checkpoint_id) override {
    return inner_->ReadCheckpoint(task_id, checkpoint_id);
  }
  uint64_t commits() const override { return inner_->commits(); }
  std::string Describe() const override { return "faulty(" + inner_->Describe() + ")"; }

  // While true, every Commit() answers RESOURCE_EXHAUSTED and writes nothing.
  void SetFull(bool full) {
    std::lock_guard lock(mu_);
    full_ = full;
  }
  // Changes the injected failure rate from the next Commit() on (e.g. 0 to heal the store).
  void SetFailRate(double rate) {
    std::lock_guard lock(mu_);
    options_.fail_rate = rate;
  }
  Counts counts() const {
    std::lock_guard lock(mu_);
    return counts_;
  }

 private:
  static absl::Status Injected(absl::StatusCode code) {
    switch (code) {
      case absl::StatusCode::kUnavailable:
        return absl::UnavailableError("database is locked: busy (injected)");
      case absl::StatusCode::kResourceExhausted:
        return absl::ResourceExhaustedError("database or disk is full (injected)");
      default:
        return absl::Status(code, "disk I/O error (injected)");
    }
  }

  mutable std::mutex mu_;
  Store* inner_;
  Options options_;
  Rng rng_;
  bool full_ = false;
  Counts counts_;
};

}  // namespace fleetgrid::service
