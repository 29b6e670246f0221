// Reads charging-session files (CSV with a header row) into per-car session lists, the
// input of models/trace_replay.h. The layout is the scenario's: `columns` maps each field
// (start, end, energy_kwh, car, charger, connector, site) to one or several column names,
// whose values are joined with one space before parsing, so that files of any operator
// load without code changes (docs/scenarios.md "Trace replay").
//
// Cars: a row's car is its `car` value; a row without one (no `car` column, or an empty
// cell) becomes the car of its charger and connector ("cp <charger>/<connector>"). Cars are
// ordered by name. A car's sessions are sorted by start; a session that overlaps the one
// before is merged into it (one car cannot be plugged twice), and counted. Sessions that only
// touch (one ends the minute the next begins: at a charge point, one vehicle leaves as the
// next arrives) stay apart, with an away period of zero length between them.
//
// Rows: each refused row is counted by reason (missing start, unparsable end, end before
// start, zero length, ...; a bad energy keeps the row, energy unknown); the first few are kept as
// "file:line: reason". A file with more than half of its rows refused is an error naming its first
// refused lines. Thread safety: functions only; the result is a plain value.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "models/trace_config.h"

namespace fleetgrid::models {

inline constexpr int64_t kWeekSeconds = 7 * 86'400;

// What an import read, refused and built; the simulator prints it (summary.json `traces`).
struct TraceReport {
  uint64_t files = 0;
  uint64_t rows_read = 0;        // data rows (header and blank lines not counted)
  uint64_t sessions_loaded = 0;  // rows accepted
  uint64_t sessions_merged = 0;  // accepted rows merged into an overlapping one
  uint64_t energy_unknown = 0;   // accepted rows whose energy is empty, unparsable or < 0
  std::map<std::string, uint64_t> refused;  // rows refused, by reason
  std::vector<std::string> first_refused;   // "file:line: reason", the first kMaxListed
  uint32_t cars_built = 0;
  uint32_t cars_by_charger = 0;  // of which named by charger and connector (no car id)
  uint32_t sites = 0;            // distinct sites (0 without a `site` column)
  int64_t first_start_unix_s = 0;
  int64_t last_end_unix_s = 0;
  // The replay's frame (models/trace_replay.h): the Monday 00:00, in the trace's time zone,
  // on or before the first session, and the loop period (the span from there to the last
  // session's end, rounded up to whole weeks).
  int64_t anchor_unix_s = 0;
  int64_t period_s = 0;

  static constexpr size_t kMaxListed = 5;
  uint64_t RowsRefused() const;
};

// One plugged-in period of one car, Unix seconds, start < end.
struct TraceSession {
  int64_t start_unix_s;
  int64_t end_unix_s;
  float energy_kwh;  // summed over merged rows; NaN when the files do not say
};

struct TraceSessions {
  std::vector<std::vector<TraceSession>> cars;  // per car: sorted, disjoint (may touch)
  std::vector<std::string> car_names;           // "<car id>" or "cp <charger>/<connector>"
  std::vector<std::string> car_sites;           // site of each car's first session ("" if none)
  absl::TimeZone time_zone;                     // of the files' timestamps
  TraceReport report;
};

// Fills `out` from an `availability.trace` section; `path` names it in messages
// ("availability.trace.columns.start: required"). Checks the keys, that start, end and
// either car or charger are given, and that the time zone is known; not the files.
absl::Status ParseTraceSection(const YAML::Node& n, const std::string& path, TraceConfig& out);

// Reads the files (paths relative to `scenario_dir`, absolute ones as they are).
// INVALID_ARGUMENT (a scenario error: `fleetgrid sim` exits 2) "files[i]: cannot read
// <path>" for a missing file, "columns.<key>: <file> has no column \"<name>\"" for a missing
// column, or
// "<file>: n of m rows refused (...); first: <file>:<line>: <reason>; ..." for a mostly bad
// file, or when no session is left at all.
absl::StatusOr<TraceSessions> ImportSessions(const TraceConfig& config,
                                             const std::string& scenario_dir);

}  // namespace fleetgrid::models
