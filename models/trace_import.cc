// Trace import is being written (issue 15): a trace scenario is refused with a clear error.
#include "models/trace_import.h"

namespace fleetgrid::models {

absl::Status ParseTraceSection(const YAML::Node&, const std::string&, TraceConfig&) {
  return absl::OkStatus();
}

absl::StatusOr<TraceSessions> ImportSessions(const TraceConfig&, const std::string&) {
  return absl::UnimplementedError("trace replay is not available in this build yet");
}

}  // namespace fleetgrid::models
