#include "coordinator/core/timer_queue.h"

#include <algorithm>

namespace fleetgrid::core {
namespace {
// Min-heap order: earliest time first, then push order.
bool Later(const Timer& a, const Timer& b) { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
}  // namespace

void TimerQueue::Push(TimePoint at, TimerKind kind, uint32_t id, uint32_t gen) {
  heap_.push_back(Timer{at, next_seq_++, kind, id, gen});
  std::push_heap(heap_.begin(), heap_.end(), Later);
}

void TimerQueue::Pop() {
  std::pop_heap(heap_.begin(), heap_.end(), Later);
  heap_.pop_back();
}

}  // namespace fleetgrid::core
