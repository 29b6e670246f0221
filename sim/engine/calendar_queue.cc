#include "sim/engine/calendar_queue.h"

#include <algorithm>
#include <bit>

namespace fleetgrid::sim {
namespace {

// Heap order for std::push_heap/pop_heap: front() is the event that comes first.
bool HeapAfter(const Event& a, const Event& b) { return Before(b, a); }

}  // namespace

CalendarQueue::CalendarQueue() : heads_(16, kNil), mask_(15) {}

size_t CalendarQueue::MemoryBytes() const {
  return pool_.capacity() * sizeof(Node) + heads_.capacity() * sizeof(uint32_t) +
         (current_.capacity() + late_.capacity() + far_.capacity()) * sizeof(Event);
}

void CalendarQueue::Push(TimePoint time, uint64_t data) {
  Insert(Event{time, next_seq_++, data});
  ++size_;
  if (size_ >= resize_hi_) Resize();
}

void CalendarQueue::Insert(const Event& e) {
  const int64_t b = Bucket(e.time.nanos());
  if (b <= cur_) {
    late_.push_back(e);
    std::push_heap(late_.begin(), late_.end(), HeapAfter);
  } else if (b - cur_ <= static_cast<int64_t>(heads_.size())) {
    uint32_t idx;
    if (free_head_ != kNil) {
      idx = free_head_;
      free_head_ = pool_[idx].next;
    } else {
      idx = static_cast<uint32_t>(pool_.size());
      pool_.emplace_back();
    }
    uint32_t& head = heads_[static_cast<uint64_t>(b) & mask_];
    pool_[idx] = Node{e.time.nanos(), e.seq, e.data, head};
    head = idx;
    ++ring_count_;
  } else {
    far_.push_back(e);
    std::push_heap(far_.begin(), far_.end(), HeapAfter);
  }
}

void CalendarQueue::LoadBucket(int64_t b) {
  uint32_t& head = heads_[static_cast<uint64_t>(b) & mask_];
  for (uint32_t idx = head; idx != kNil;) {
    Node& n = pool_[idx];
    current_.push_back(Event{TimePoint::FromNanos(n.time), n.seq, n.data});
    const uint32_t next = n.next;
    n.next = free_head_;
    free_head_ = idx;
    idx = next;
    --ring_count_;
  }
  head = kNil;
}

void CalendarQueue::MigrateFar() {
  const int64_t limit = cur_ + static_cast<int64_t>(heads_.size());
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

void CalendarQueue::Settle() {
  while (current_.empty() && late_.empty()) {
    // Jump over an empty ring straight to the overflow's first bucket.
    if (ring_count_ == 0) cur_ = Bucket(far_.front().time.nanos()) - 1;
    ++cur_;
    // The ring is walked in order: start fetching a bucket's first node a few buckets ahead
    // (lists are short, so this hides most of the pool's cache misses).
    if (const uint32_t ahead = heads_[static_cast<uint64_t>(cur_ + 4) & mask_]; ahead != kNil) {
      __builtin_prefetch(&pool_[ahead]);
    }
    LoadBucket(cur_);
    MigrateFar();
    SortCurrent();
  }
}

void CalendarQueue::SortCurrent() {
  // Descending, so that back() comes first. Buckets hold a few events: insertion sort.
  const size_t n = current_.size();
  if (n > 24) {
    std::sort(current_.begin(), current_.end(),
              [](const Event& a, const Event& b) { return Before(b, a); });
    return;
  }
  for (size_t i = 1; i < n; ++i) {
    const Event e = current_[i];
    size_t j = i;
    for (; j > 0 && Before(current_[j - 1], e); --j) current_[j] = current_[j - 1];
    current_[j] = e;
  }
}

bool CalendarQueue::LateFirst() const {
  if (late_.empty()) return false;
  if (current_.empty()) return true;
  return Before(late_.front(), current_.back());
}

const Event& CalendarQueue::Top() {
  Settle();
  return LateFirst() ? late_.front() : current_.back();
}

Event CalendarQueue::Pop() {
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

void CalendarQueue::Resize() {
  // Gather everything, re-estimate the geometry, re-insert (keeping each event's seq).
  std::vector<Event> all;
  all.reserve(size_);
  all.insert(all.end(), current_.begin(), current_.end());
  all.insert(all.end(), late_.begin(), late_.end());
  all.insert(all.end(), far_.begin(), far_.end());
  for (int64_t i = 0; i < static_cast<int64_t>(heads_.size()); ++i) {
    for (uint32_t idx = heads_[i]; idx != kNil; idx = pool_[idx].next) {
      const Node& n = pool_[idx];
      all.push_back(Event{TimePoint::FromNanos(n.time), n.seq, n.data});
    }
  }
  const size_t n = all.size();
  // Bucket count: the next power of two >= n, at least 16, at most 2^26.
  const size_t nb = std::clamp<size_t>(std::bit_ceil(std::max<size_t>(n, 16)), 16, size_t{1} << 26);
  // Width: the ring spans about three times the mean distance of pending events from now.
  double sum = 0;
  for (const Event& e : all) sum += static_cast<double>(e.time.nanos() - last_pop_);
  const double mean = n > 0 ? std::max(1.0, sum / static_cast<double>(n)) : 1.0;
  const double width = std::max(1.0, 3.0 * mean / static_cast<double>(nb));
  shift_ = std::clamp(static_cast<int>(std::bit_width(static_cast<uint64_t>(width))) - 1, 0, 40);

  pool_.clear();
  free_head_ = kNil;
  heads_.assign(nb, kNil);
  mask_ = nb - 1;
  current_.clear();
  late_.clear();
  far_.clear();
  ring_count_ = 0;
  cur_ = Bucket(last_pop_) - 1;
  for (const Event& e : all) Insert(e);
  resize_hi_ = std::max<size_t>(64, 2 * n);
  resize_lo_ = n >= 256 ? n / 2 : 0;
}

}  // namespace fleetgrid::sim
