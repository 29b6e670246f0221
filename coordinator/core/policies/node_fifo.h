// NodeFifo: waiting nodes, longest waiting first, with lazy deletion by ticket.
// Thread safety: none.
#pragma once

#include <cstdint>
#include <deque>

#include "coordinator/core/fleet_view.h"

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
  size_t MemoryBytes() const { return q_.size() * sizeof(Entry); }

 private:
  std::deque<Entry> q_;
};

}  // namespace fleetgrid::core
