#include "sim/engine/event_queue.h"

#include <string>

#include "sim/engine/bucket_queue.h"
#include "sim/engine/calendar_queue.h"
#include "sim/engine/heap_queue.h"

namespace fleetgrid::sim {

absl::StatusOr<QueueKind> ParseQueueKind(std::string_view name) {
  if (name == "heap" || name == "heap4") return QueueKind::kHeap4;
  if (name == "calendar") return QueueKind::kCalendar;
  if (name == "bucket") return QueueKind::kBucket;
  return absl::InvalidArgumentError("unknown event queue '" + std::string(name) +
                                    "' (expected heap, calendar or bucket)");
}

std::unique_ptr<EventQueue> MakeEventQueue(QueueKind kind) {
  switch (kind) {
    case QueueKind::kHeap4:
      return std::make_unique<HeapQueue>();
    case QueueKind::kCalendar:
      return std::make_unique<CalendarQueue>();
    case QueueKind::kBucket:
      return std::make_unique<BucketQueue>();
  }
  return nullptr;
}

}  // namespace fleetgrid::sim
