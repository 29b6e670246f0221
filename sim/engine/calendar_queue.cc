#include "sim/engine/calendar_queue.h"

namespace fleetgrid::sim {

void ListRing::Reset(size_t buckets) {
  pool_.clear();
  free_head_ = kNil;
  heads_.assign(buckets, kNil);
}

void ListRing::Add(uint64_t slot, const Event& e) {
  uint32_t idx;
  if (free_head_ != kNil) {
    idx = free_head_;
    free_head_ = pool_[idx].next;
  } else {
    idx = static_cast<uint32_t>(pool_.size());
    pool_.emplace_back();
  }
  uint32_t& head = heads_[slot];
  pool_[idx] = Node{e.time.nanos(), e.seq, e.data, head};
  head = idx;
}

void ListRing::Take(uint64_t slot, std::vector<Event>& out) {
  uint32_t& head = heads_[slot];
  for (uint32_t idx = head; idx != kNil;) {
    Node& n = pool_[idx];
    out.push_back(Event{TimePoint::FromNanos(n.time), n.seq, n.data});
    const uint32_t next = n.next;
    n.next = free_head_;
    free_head_ = idx;
    idx = next;
  }
  head = kNil;
}

void ListRing::CollectAll(std::vector<Event>& out) const {
  for (uint32_t head : heads_) {
    for (uint32_t idx = head; idx != kNil; idx = pool_[idx].next) {
      const Node& n = pool_[idx];
      out.push_back(Event{TimePoint::FromNanos(n.time), n.seq, n.data});
    }
  }
}

}  // namespace fleetgrid::sim
