// CalendarQueue: a two-level bucket queue (calendar queue with an overflow heap).
//
// Level 1 is a ring of nb buckets, each 2^shift ns wide, covering the next nb buckets after
// the current one. A bucket is an intrusive singly linked list of pooled nodes (push is O(1)
// and touches one cache line). When the queue reaches a bucket it moves its events into a
// small array sorted by (time, seq) and pops from it; events pushed into the bucket being
// drained go to a small "late" heap. Events beyond the ring's span wait in an overflow
// min-heap and move into the ring as it turns. The ring is resized (width and bucket count
// re-estimated from the pending events) whenever the pending count doubles or halves, so a
// bucket holds a few events whatever the density.
//
// The pop order depends only on (time, seq), never on the bucket geometry: results are
// identical to HeapQueue's. Times must be in [0, 2^62). Thread safety: none.
#pragma once

#include <vector>

#include "sim/engine/event_queue.h"

namespace fleetgrid::sim {

class CalendarQueue final : public EventQueue {
 public:
  CalendarQueue();

  void Push(TimePoint time, uint64_t data) override;
  const Event& Top() override;
  Event Pop() override;
  size_t size() const override { return size_; }
  size_t MemoryBytes() const override;
  std::string_view name() const override { return "calendar"; }

  // Test hooks: the current geometry.
  int shift_for_testing() const { return shift_; }
  size_t buckets_for_testing() const { return heads_.size(); }

 private:
  static constexpr uint32_t kNil = 0xffffffffu;
  struct Node {
    int64_t time;
    uint64_t seq;
    uint64_t data;
    uint32_t next;
  };

  int64_t Bucket(int64_t t) const { return t >> shift_; }
  void Insert(const Event& e);
  void Settle();  // makes current_ or late_ non-empty. REQUIRES: size_ > 0.
  void LoadBucket(int64_t b);
  void MigrateFar();
  void SortCurrent();
  void Resize();
  bool LateFirst() const;

  std::vector<Node> pool_;
  uint32_t free_head_ = kNil;
  std::vector<uint32_t> heads_;  // ring of bucket list heads
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
