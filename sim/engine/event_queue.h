// EventQueue: the simulator's pending-event set, ordered by (time, insertion order).
//
// Events carry a 64-bit payload the engine interprets (see sim/simulator.cc: car id, kind,
// generation). Pop order is by time, and events at the same time come out in the order they
// were pushed (each push takes a sequence number), so a run is deterministic whatever the
// implementation. The set is an interface with several implementations (ns-3 style); one
// conformance suite (tests/sim/event_queue_test.cc) runs over every one of them.
//
// Contract shared by all implementations:
//   - Push(t, data) REQUIRES t >= the time of the last popped event (a discrete-event
//     simulation never schedules into the past). Times are finite.
//   - Top()/Pop() REQUIRE !empty().
// Thread safety: none.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/time.h"

namespace fleetgrid::sim {

struct Event {
  TimePoint time;
  uint64_t seq = 0;   // insertion order, assigned by the queue
  uint64_t data = 0;  // opaque payload
};

// Strict "comes before": earlier time, then earlier insertion.
inline bool Before(const Event& a, const Event& b) {
  return a.time < b.time || (a.time == b.time && a.seq < b.seq);
}

class EventQueue {
 public:
  virtual ~EventQueue() = default;

  virtual void Push(TimePoint time, uint64_t data) = 0;
  // The next event (earliest time, then earliest push). REQUIRES: !empty().
  virtual const Event& Top() = 0;
  // Removes and returns Top(). REQUIRES: !empty().
  virtual Event Pop() = 0;
  virtual size_t size() const = 0;
  bool empty() const { return size() == 0; }
  // Bytes held by the structure (capacity, not just live events), for memory reports.
  virtual size_t MemoryBytes() const = 0;
  virtual std::string_view name() const = 0;
};

enum class QueueKind : uint8_t { kHeap4, kCalendar, kBucket };

// "heap" (4-ary heap), "calendar" (linked-list buckets) or "bucket" (wide contiguous
// buckets); InvalidArgument otherwise.
absl::StatusOr<QueueKind> ParseQueueKind(std::string_view name);
std::unique_ptr<EventQueue> MakeEventQueue(QueueKind kind);

}  // namespace fleetgrid::sim
