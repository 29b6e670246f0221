// NodeFifo: waiting nodes, longest waiting first, with lazy deletion by ticket.
// Thread safety: none.
#pragma once

#include <cstdint>
#include <deque>

#include "coordinator/core/fleet_view.h"
#include "coordinator/core/policy.h"

namespace fleetgrid::core {

class NodeFifo {
 public:
  struct Entry {
    NodeId node;
    uint32_t ticket;
  };
  void Push(NodeId node, uint32_t ticket) { q_.push_back(Entry{node, ticket}); }
  // Drops stale entries at the front.
  void CleanFront(const FleetView& view) {
    while (!q_.empty() && !view.NodeLive(q_.front().node, q_.front().ticket)) q_.pop_front();
  }
  size_t size() const { return q_.size(); }
  const Entry& operator[](size_t i) const { return q_[i]; }
  void PopFront() { q_.pop_front(); }
  // Drops every entry for which `stale(entry)` holds (for queues whose front is not popped
  // often enough to keep them short).
  template <typename StaleFn>
  void EraseIf(StaleFn stale) {
    std::erase_if(q_, stale);
  }
  size_t MemoryBytes() const { return q_.size() * sizeof(Entry); }

  // The pick of the policies that serve the longest-waiting node first: tries the live
  // waiting nodes in order, at most `scan_limit` of them, and matches the first one for which
  // `take(node, &task)` finds a task (it may not, e.g. when replication needs another owner).
  template <typename TakeFn>
  bool PickLongestWaiting(const FleetView& view, uint32_t scan_limit, TakeFn take, Match* out) {
    CleanFront(view);
    uint32_t tried = 0;
    for (size_t i = 0; i < q_.size() && tried < scan_limit; ++i) {
      const Entry e = q_[i];
      if (!view.NodeLive(e.node, e.ticket) || view.NodeFitsNoTask(e.node)) continue;
      ++tried;
      TaskId task;
      if (take(e.node, &task)) {
        if (i == 0) q_.pop_front();
        *out = Match{e.node, task};
        return true;
      }
    }
    return false;
  }

 private:
  std::deque<Entry> q_;
};

}  // namespace fleetgrid::core
