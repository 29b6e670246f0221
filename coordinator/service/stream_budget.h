// StreamBudget: caps on the long-lived streams a coordinator holds open, so that a flood of
// them (a broken or hostile car, a runaway client) ends in a clear RESOURCE_EXHAUSTED for the
// flooder instead of memory and threads taken from everyone else.
//
// A stream takes a Ticket when it starts and gives it back (the Ticket's destructor) when it
// ends. Per-key counts are kept only while a key holds streams.
// Thread safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/status/status.h"

namespace fleetgrid::service {

class StreamBudget {
 public:
  // `what` names the streams in errors ("car sessions"); 0 = no cap.
  StreamBudget(std::string what, uint64_t max_total, uint64_t max_per_key)
      : what_(std::move(what)), max_total_(max_total), max_per_key_(max_per_key) {}

  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& o) noexcept : budget_(std::exchange(o.budget_, nullptr)), key_(o.key_) {}
    Ticket& operator=(Ticket&& o) noexcept {
      if (this != &o) {
        Release();
        budget_ = std::exchange(o.budget_, nullptr);
        key_ = o.key_;
      }
      return *this;
    }
    ~Ticket() { Release(); }
    bool held() const { return budget_ != nullptr; }

   private:
    friend class StreamBudget;
    Ticket(StreamBudget* b, uint64_t key) : budget_(b), key_(key) {}
    void Release() {
      if (budget_) std::exchange(budget_, nullptr)->Give(key_);
    }
    StreamBudget* budget_ = nullptr;
    uint64_t key_ = 0;
  };

  // A ticket for one more stream of `key` (a node id, or 0 for "any"), or RESOURCE_EXHAUSTED
  // naming the cap that is full.
  absl::Status Take(uint64_t key, Ticket* ticket) {
    std::lock_guard lock(mu_);
    if (max_total_ != 0 && total_ >= max_total_) {
      return absl::ResourceExhaustedError("too many " + what_ + " open (cap " +
                                          std::to_string(max_total_) + "); retry later");
    }
    uint64_t& mine = per_key_[key];
    if (max_per_key_ != 0 && mine >= max_per_key_) {
      return absl::ResourceExhaustedError("node " + std::to_string(key) + " holds too many " +
                                          what_ + " open (cap " + std::to_string(max_per_key_) +
                                          " each)");
    }
    ++mine;
    ++total_;
    *ticket = Ticket(this, key);
    return absl::OkStatus();
  }

  uint64_t open() const {
    std::lock_guard lock(mu_);
    return total_;
  }

 private:
  void Give(uint64_t key) {
    std::lock_guard lock(mu_);
    --total_;
    auto it = per_key_.find(key);
    if (--it->second == 0) per_key_.erase(it);
  }

  const std::string what_;
  const uint64_t max_total_;
  const uint64_t max_per_key_;
  mutable std::mutex mu_;
  uint64_t total_ = 0;
  std::unordered_map<uint64_t, uint64_t> per_key_;
};

}  // namespace fleetgrid::service
