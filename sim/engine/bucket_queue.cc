#include "sim/engine/bucket_queue.h"

#include <algorithm>
#include <bit>

namespace fleetgrid::sim {
namespace {

constexpr size_t kPerBucket = 32;  // target events per bucket

bool HeapAfter(const Event& a, const Event& b) { return Before(b, a); }

}  // namespace

BucketQueue::BucketQueue() : ring_(16), mask_(15) {}

size_t BucketQueue::MemoryBytes() const {
  size_t bytes = ring_.capacity() * sizeof(std::vector<Event>);
  for (const auto& b : ring_) bytes += b.capacity() * sizeof(Event);
  return bytes + (current_.capacity() + late_.capacity() + far_.capacity()) * sizeof(Event);
}

void BucketQueue::Push(TimePoint time, uint64_t data) {
  Insert(Event{time, next_seq_++, data});
  ++size_;
  if (size_ >= resize_hi_) Resize();
}

void BucketQueue::Insert(const Event& e) {
  const int64_t b = Bucket(e.time.nanos());
  if (b <= cur_) {
    late_.push_back(e);
    std::push_heap(late_.begin(), late_.end(), HeapAfter);
  } else if (b - cur_ <= static_cast<int64_t>(ring_.size())) {
    ring_[static_cast<uint64_t>(b) & mask_].push_back(e);
    ++ring_count_;
  } else {
    far_.push_back(e);
    std::push_heap(far_.begin(), far_.end(), HeapAfter);
  }
}

void BucketQueue::MigrateFar() {
  const int64_t limit = cur_ + static_cast<int64_t>(ring_.size());
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

void BucketQueue::Settle() {
  while (current_.empty() && late_.empty()) {
    if (ring_count_ == 0) cur_ = Bucket(far_.front().time.nanos()) - 1;
    ++cur_;
    std::vector<Event>& bucket = ring_[static_cast<uint64_t>(cur_) & mask_];
    ring_count_ -= bucket.size();
    // Copy rather than swap: each slot keeps its own storage, so one burst of equal-time
    // events does not leave a huge buffer wandering around the ring.
    current_.assign(bucket.begin(), bucket.end());
    if (bucket.capacity() > 4 * kPerBucket) {
      std::vector<Event>().swap(bucket);
    } else {
      bucket.clear();
    }
    MigrateFar();
    std::sort(current_.begin(), current_.end(), HeapAfter);  // descending: back() first
  }
}

bool BucketQueue::LateFirst() const {
  if (late_.empty()) return false;
  if (current_.empty()) return true;
  return Before(late_.front(), current_.back());
}

const Event& BucketQueue::Top() {
  Settle();
  return LateFirst() ? late_.front() : current_.back();
}

Event BucketQueue::Pop() {
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

void BucketQueue::Resize() {
  std::vector<Event> all;
  all.reserve(size_);
  all.insert(all.end(), current_.begin(), current_.end());
  all.insert(all.end(), late_.begin(), late_.end());
  all.insert(all.end(), far_.begin(), far_.end());
  for (const auto& b : ring_) all.insert(all.end(), b.begin(), b.end());
  const size_t n = all.size();
  const size_t nb =
      std::clamp<size_t>(std::bit_ceil(std::max<size_t>(n / kPerBucket, 16)), 16, size_t{1} << 24);
  // The ring spans about three times the mean distance of pending events from now.
  double sum = 0;
  for (const Event& e : all) sum += static_cast<double>(e.time.nanos() - last_pop_);
  const double mean = n > 0 ? std::max(1.0, sum / static_cast<double>(n)) : 1.0;
  const double width = std::max(1.0, 3.0 * mean / static_cast<double>(nb));
  shift_ = std::clamp(static_cast<int>(std::bit_width(static_cast<uint64_t>(width))) - 1, 0, 40);

  ring_.clear();
  ring_.resize(nb);
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
