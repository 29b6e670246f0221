// PLACEHOLDER: the trace helper writes this file (see its task). Declared API:
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>
#include <yaml-cpp/yaml.h>
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "models/trace_config.h"
namespace fleetgrid::models {
struct TraceReport {
  uint64_t rows_read = 0;
  uint64_t sessions_loaded = 0;
  std::map<std::string, uint64_t> refused;  // by reason
  std::vector<std::string> first_refused;   // "file:line: reason", the first few
  uint32_t cars_built = 0;
  int64_t first_start_unix_s = 0;
  int64_t last_end_unix_s = 0;
};
struct TraceSession { int64_t start_unix_s; int64_t end_unix_s; float energy_kwh; };
struct TraceSessions {
  std::vector<std::vector<TraceSession>> cars;  // sorted, non-overlapping
  std::vector<std::string> car_names;
  TraceReport report;
};
absl::Status ParseTraceSection(const YAML::Node& n, const std::string& path, TraceConfig& out);
absl::StatusOr<TraceSessions> ImportSessions(const TraceConfig& config, const std::string& scenario_dir);
}  // namespace fleetgrid::models
