// CalendarQueue: the two-level bucket queue (two_level_queue.h) with linked-list buckets:
// each bucket is an intrusive singly linked list of pooled 32-byte nodes, about one event
// per bucket, so a push is O(1) and touches one cache line. The ring is walked in order and
// a bucket's first node is fetched a few buckets ahead to hide the pool's cache misses.
// Thread safety: none.
#pragma once

#include <string_view>
#include <vector>

#include "sim/engine/two_level_queue.h"

namespace fleetgrid::sim {

class ListRing {
 public:
  static constexpr std::string_view kName = "calendar";
  // About one event per bucket: the next power of two >= pending, 16 to 2^26.
  static size_t BucketsFor(size_t pending) {
    return std::clamp<size_t>(std::bit_ceil(std::max<size_t>(pending, 16)), 16, size_t{1} << 26);
  }
  void Reset(size_t buckets);
  size_t buckets() const { return heads_.size(); }
  void Add(uint64_t slot, const Event& e);
  void Take(uint64_t slot, std::vector<Event>& out);
  void Prefetch(uint64_t slot) const {
    if (const uint32_t head = heads_[slot]; head != kNil) __builtin_prefetch(&pool_[head]);
  }
  void CollectAll(std::vector<Event>& out) const;
  size_t MemoryBytes() const {
    return pool_.capacity() * sizeof(Node) + heads_.capacity() * sizeof(uint32_t);
  }

 private:
  static constexpr uint32_t kNil = 0xffffffffu;
  struct Node {
    int64_t time;
    uint64_t seq;
    uint64_t data;
    uint32_t next;
  };
  std::vector<Node> pool_;
  uint32_t free_head_ = kNil;
  std::vector<uint32_t> heads_;  // bucket list heads
};

class CalendarQueue final : public TwoLevelQueue<ListRing> {};

}  // namespace fleetgrid::sim
