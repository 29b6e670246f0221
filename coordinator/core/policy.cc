#include "coordinator/core/policy.h"

namespace fleetgrid::core {

void SchedulingPolicy::OnTasksSubmitted(const FleetView& view, JobId, TaskId first,
                                        uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    OnTaskReady(view, TaskId(first.value() + i), 0, ReadyReason::kSubmitted);
  }
}

}  // namespace fleetgrid::core
