// What happened to a job's attempts, counted from the brain's decisions: the figures a
// client sees in `fleetgrid jobs get` and the simulator can report per job. Kept by the
// runtime (runtime.h), so both worlds count them the same way. Not persisted: after a
// coordinator restart they count from zero. (Attempts started are not here: the core counts
// them per task, and keeps them across restarts.)
#pragma once

#include <cstdint>

#include "common/time.h"

namespace fleetgrid::runtime {

struct JobStats {
  uint64_t attempts_lost = 0;     // the car left or went silent (kLost, kLeft)
  uint64_t attempts_failed = 0;   // the car reported failure, or the lease expired
  uint64_t results_invalid = 0;   // lost a quorum vote or failed a spot-check
  uint64_t spot_checks_failed = 0;
  double work_lost_units = 0;
  // Runtime time the job started running (its first assignment) and reached its final
  // status; Infinite until then.
  TimePoint started = TimePoint::Infinite();
  TimePoint finished = TimePoint::Infinite();
};

}  // namespace fleetgrid::runtime
