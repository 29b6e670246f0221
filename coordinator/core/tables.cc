#include "coordinator/core/tables.h"

#include <algorithm>

#include "coordinator/core/fleet_view.h"

namespace fleetgrid::core {

uint32_t Tables::JobOf(uint32_t task) const {
  // Jobs own contiguous, increasing task ranges; the common case is a single job.
  if (jobs.size() == 1) return 0;
  auto it = std::upper_bound(jobs.begin(), jobs.end(), task,
                             [](uint32_t t, const JobRec& j) { return t < j.first_task; });
  return static_cast<uint32_t>(it - jobs.begin()) - 1;
}

double FleetView::TaskWork(TaskId task) const { return t_.SpecOf(task.value()).work_units; }

uint64_t FleetView::TaskMemory(TaskId task) const {
  return t_.memory_on ? t_.SpecOf(task.value()).memory_bytes : 0;
}

bool FleetView::EligibleSlow(NodeId node, const TaskRec& r) const {
  const OwnerId owner = t_.nodes[node.value()].owner;
  for (uint32_t a = r.link; a != kNil; a = t_.attempts[a].next_in_task) {
    if (t_.nodes[t_.attempts[a].node].owner == owner) return false;
  }
  return true;
}

}  // namespace fleetgrid::core
