// BucketQueue: the two-level bucket queue (two_level_queue.h) with wide, contiguous
// buckets: a vector sized for about 32 events, not a linked list of one or two. A push
// appends to a bucket whose tail is usually in cache (there are few buckets); reaching a
// bucket sorts its events in one cache-friendly pass. This trades a short sort per bucket
// for the pointer chasing of linked buckets, which at millions of pending events is a cache
// miss per event. Thread safety: none.
#pragma once

#include <string_view>
#include <vector>

#include "sim/engine/two_level_queue.h"

namespace fleetgrid::sim {

class VectorRing {
 public:
  static constexpr std::string_view kName = "bucket";
  static constexpr size_t kPerBucket = 32;  // target events per bucket
  static size_t BucketsFor(size_t pending) {
    return std::clamp<size_t>(std::bit_ceil(std::max<size_t>(pending / kPerBucket, 16)), 16,
                              size_t{1} << 24);
  }
  void Reset(size_t buckets) {
    ring_.clear();
    ring_.resize(buckets);
  }
  size_t buckets() const { return ring_.size(); }
  void Add(uint64_t slot, const Event& e) { ring_[slot].push_back(e); }
  void Take(uint64_t slot, std::vector<Event>& out);
  void Prefetch(uint64_t) const {}
  void CollectAll(std::vector<Event>& out) const {
    for (const auto& b : ring_) out.insert(out.end(), b.begin(), b.end());
  }
  size_t MemoryBytes() const;

 private:
  std::vector<std::vector<Event>> ring_;
};

class BucketQueue final : public TwoLevelQueue<VectorRing> {};

}  // namespace fleetgrid::sim
