// BucketQueue: a calendar queue with wide, contiguous buckets (a two-level bucket queue).
//
// Like CalendarQueue, a ring of 2^k buckets of width 2^s ns covers the near future and an
// overflow min-heap holds the rest. The difference is the bucket: a contiguous vector sized
// for about 32 events, not a linked list of one or two. A push appends to a bucket whose
// tail is usually in cache (there are few buckets); reaching a bucket sorts its events in
// one cache-friendly pass. This trades a short sort per bucket for the pointer chasing of
// linked buckets, which at millions of pending events is a cache miss per event.
//
// The pop order depends only on (time, seq): identical to HeapQueue's. Times must be in
// [0, 2^62). Thread safety: none.
#pragma once

#include <vector>

#include "sim/engine/event_queue.h"

namespace fleetgrid::sim {

class BucketQueue final : public EventQueue {
 public:
  BucketQueue();

  void Push(TimePoint time, uint64_t data) override;
  const Event& Top() override;
  Event Pop() override;
  size_t size() const override { return size_; }
  size_t MemoryBytes() const override;
  std::string_view name() const override { return "bucket"; }

 private:
  int64_t Bucket(int64_t t) const { return t >> shift_; }
  void Insert(const Event& e);
  void Settle();  // makes current_ or late_ non-empty. REQUIRES: size_ > 0.
  void MigrateFar();
  void Resize();
  bool LateFirst() const;

  std::vector<std::vector<Event>> ring_;
  uint64_t mask_ = 0;
  int shift_ = 20;
  int64_t cur_ = -1;            // every bucket <= cur_ has been loaded into current_/late_
  size_t ring_count_ = 0;       // events in the ring
  std::vector<Event> current_;  // the loaded bucket, sorted so that back() comes first
  std::vector<Event> late_;     // min-heap: pushes into an already loaded bucket
  std::vector<Event> far_;      // min-heap: beyond the ring's span
  size_t size_ = 0;
  size_t resize_hi_ = 64;
  size_t resize_lo_ = 0;
  int64_t last_pop_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace fleetgrid::sim
