// HeapQueue: the baseline event set, an implicit 4-ary min-heap of (time, seq, data).
//
// O(log n) push and pop; a 4-ary heap halves the depth of a binary heap and keeps the four
// children of a node in one or two cache lines. Thread safety: none.
#pragma once

#include <vector>

#include "sim/engine/event_queue.h"

namespace fleetgrid::sim {

class HeapQueue final : public EventQueue {
 public:
  void Push(TimePoint time, uint64_t data) override;
  const Event& Top() override { return heap_.front(); }
  Event Pop() override;
  size_t size() const override { return heap_.size(); }
  size_t MemoryBytes() const override { return heap_.capacity() * sizeof(Event); }
  std::string_view name() const override { return "heap4"; }

 private:
  std::vector<Event> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace fleetgrid::sim
