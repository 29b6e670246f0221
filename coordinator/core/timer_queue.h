// TimerQueue: a min-heap of (time, kind, id, generation) with lazy invalidation: the owner
// checks on pop whether the entry still matters. Equal times pop in push order.
// Thread safety: none.
#pragma once

#include <cstdint>
#include <vector>

#include "common/time.h"

namespace fleetgrid::core {

// kRuleOpen: a waiting node barred by a window or its daily energy cap may take work again
// (gen = its wait ticket); kWindowEnd: a node's allowed window closes on its attempts.
enum class TimerKind : uint8_t {
  kLeaseExpiry,
  kJobDeadline,
  kQuotaReset,
  kRuleOpen,
  kWindowEnd,
  kStage,  // a data-local task has waited stage_after for its data node
};

struct Timer {
  TimePoint at;
  uint64_t seq = 0;  // push order (tie-break)
  TimerKind kind;
  uint32_t id = 0;   // task (lease), job (deadline) or node (quota reset, rules)
  uint32_t gen = 0;  // epoch for leases
};

class TimerQueue {
 public:
  void Push(TimePoint at, TimerKind kind, uint32_t id, uint32_t gen);
  bool empty() const { return heap_.empty(); }
  const Timer& top() const { return heap_.front(); }
  void Pop();
  size_t size() const { return heap_.size(); }
  size_t MemoryBytes() const { return heap_.capacity() * sizeof(Timer); }

 private:
  std::vector<Timer> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace fleetgrid::core
