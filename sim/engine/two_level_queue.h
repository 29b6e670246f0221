// TwoLevelQueue<Ring>: the two-level bucket queue behind CalendarQueue and BucketQueue.
//
// Level 1 is a ring of nb buckets, each 2^shift ns wide, covering the next nb buckets after
// the current one; level 2 is an overflow min-heap for events beyond the ring's span, which
// move into the ring as it turns. Reaching a bucket moves its events into `current_`, sorted
// so that back() comes first; events pushed into a bucket already reached go to a small
// "late" heap. The ring is rebuilt (bucket count from the pending count, width so that it
// spans about three times the mean distance of pending events from now) whenever the
// pending count doubles or halves.
//
// `Ring` is how buckets are stored, and only that:
//   static constexpr std::string_view kName;
//   static size_t BucketsFor(size_t pending);     // a power of two
//   void Reset(size_t buckets);                  // empty ring of that many buckets
//   size_t buckets() const;
//   void Add(uint64_t slot, const Event& e);     // slot = bucket & (buckets - 1)
//   void Take(uint64_t slot, std::vector<Event>& out);  // append the bucket, empty it
//   void Prefetch(uint64_t slot) const;          // the ring is walked in order
//   void CollectAll(std::vector<Event>& out) const;
//   size_t MemoryBytes() const;
//
// The pop order depends only on (time, seq), never on the geometry: results are identical
// to HeapQueue's. Times must be in [0, 2^62). Thread safety: none.
#pragma once

#include <algorithm>
#include <bit>
#include <vector>

#include "sim/engine/event_queue.h"

namespace fleetgrid::sim {

template <typename Ring>
class TwoLevelQueue : public EventQueue {
 public:
  TwoLevelQueue() { ResetRing(16); }

  void Push(TimePoint time, uint64_t data) override {
    Insert(Event{time, next_seq_++, data});
    ++size_;
    if (size_ >= resize_hi_) Resize();
  }

  const Event& Top() override {
    Settle();
    return LateFirst() ? late_.front() : current_.back();
  }

  Event Pop() override {
    Settle();
    Event e;
    if (LateFirst()) {
      std::pop_heap(late_.begin(), late_.end(), HeapAfter);
      e = late_.back();
      late_.pop_back();
    } else {
      e = current_.back();
      current_.pop_back();
    }
    --size_;
    last_pop_ = e.time.nanos();
    if (size_ < resize_lo_) Resize();
    return e;
  }

  size_t size() const override { return size_; }
  size_t MemoryBytes() const override {
    return ring_.MemoryBytes() +
           (current_.capacity() + late_.capacity() + far_.capacity()) * sizeof(Event);
  }
  std::string_view name() const override { return Ring::kName; }

  // Test hooks: the current geometry.
  int shift_for_testing() const { return shift_; }
  size_t buckets_for_testing() const { return ring_.buckets(); }

 private:
  // Heap order for std::push_heap/pop_heap: front() is the event that comes first. A
  // function object, not a function pointer, so that the heap and sort calls inline it.
  struct After {
    bool operator()(const Event& a, const Event& b) const { return Before(b, a); }
  };
  static constexpr After HeapAfter{};

  int64_t Bucket(int64_t t) const { return t >> shift_; }
  uint64_t Slot(int64_t bucket) const { return static_cast<uint64_t>(bucket) & mask_; }
  void ResetRing(size_t buckets) {
    ring_.Reset(buckets);
    buckets_ = static_cast<int64_t>(buckets);
    mask_ = buckets - 1;
  }

  void Insert(const Event& e) {
    const int64_t b = Bucket(e.time.nanos());
    if (b <= cur_) {
      late_.push_back(e);
      std::push_heap(late_.begin(), late_.end(), HeapAfter);
    } else if (b - cur_ <= buckets_) {
      ring_.Add(Slot(b), e);
      ++ring_count_;
    } else {
      far_.push_back(e);
      std::push_heap(far_.begin(), far_.end(), HeapAfter);
    }
  }

  // Makes current_ or late_ non-empty. REQUIRES: size_ > 0.
  void Settle() {
    while (current_.empty() && late_.empty()) {
      // Jump over an empty ring straight to the overflow's first bucket.
      if (ring_count_ == 0) cur_ = Bucket(far_.front().time.nanos()) - 1;
      ++cur_;
      ring_.Prefetch(Slot(cur_ + 4));
      ring_.Take(Slot(cur_), current_);
      ring_count_ -= current_.size();
      MigrateFar();
      SortCurrent();
    }
  }

  // Moves overflow events that the ring now spans into it (or into current_).
  void MigrateFar() {
    const int64_t limit = cur_ + buckets_;
    while (!far_.empty() && Bucket(far_.front().time.nanos()) <= limit) {
      std::pop_heap(far_.begin(), far_.end(), HeapAfter);
      const Event e = far_.back();
      far_.pop_back();
      if (Bucket(e.time.nanos()) <= cur_) {
        current_.push_back(e);
      } else {
        Insert(e);
      }
    }
  }

  // Descending, so that back() comes first; a short bucket by insertion sort.
  void SortCurrent() {
    const size_t n = current_.size();
    if (n > 24) {
      std::sort(current_.begin(), current_.end(), HeapAfter);
      return;
    }
    for (size_t i = 1; i < n; ++i) {
      const Event e = current_[i];
      size_t j = i;
      for (; j > 0 && Before(current_[j - 1], e); --j) current_[j] = current_[j - 1];
      current_[j] = e;
    }
  }

  bool LateFirst() const {
    if (late_.empty()) return false;
    if (current_.empty()) return true;
    return Before(late_.front(), current_.back());
  }

  // Gathers everything, re-estimates the geometry and re-inserts (keeping each event's seq).
  void Resize() {
    std::vector<Event> all;
    all.reserve(size_);
    all.insert(all.end(), current_.begin(), current_.end());
    all.insert(all.end(), late_.begin(), late_.end());
    all.insert(all.end(), far_.begin(), far_.end());
    ring_.CollectAll(all);
    const size_t n = all.size();
    const size_t nb = Ring::BucketsFor(n);
    double sum = 0;
    for (const Event& e : all) sum += static_cast<double>(e.time.nanos() - last_pop_);
    const double mean = n > 0 ? std::max(1.0, sum / static_cast<double>(n)) : 1.0;
    const double width = std::max(1.0, 3.0 * mean / static_cast<double>(nb));
    shift_ = std::clamp(static_cast<int>(std::bit_width(static_cast<uint64_t>(width))) - 1, 0, 40);

    ResetRing(nb);
    current_.clear();
    late_.clear();
    far_.clear();
    ring_count_ = 0;
    cur_ = Bucket(last_pop_) - 1;
    for (const Event& e : all) Insert(e);
    resize_hi_ = std::max<size_t>(64, 2 * n);
    resize_lo_ = n >= 256 ? n / 2 : 0;
  }

  Ring ring_;
  int64_t buckets_ = 0;  // ring_.buckets(), a power of two
  uint64_t mask_ = 0;    // buckets_ - 1
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
