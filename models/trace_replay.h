// Trace replay is being written (issue 15); until it lands, a trace scenario is refused by
// ImportSessions with a clear error, so this model is never built.
#pragma once
#include <cstdint>
#include <memory>

#include "models/availability.h"
#include "models/trace_import.h"

namespace fleetgrid::models {

class TraceReplay final : public AvailabilityModel {
 public:
  TraceReplay(std::shared_ptr<const TraceSessions>, int64_t) {}
  Start Initial(uint32_t) const override { return {false, TimePoint::Infinite(), false}; }
  Span Next(uint32_t, uint32_t, TimePoint, bool) const override {
    return {TimePoint::Infinite(), false};
  }
};

}  // namespace fleetgrid::models
