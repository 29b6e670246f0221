// Where a trace of charging sessions comes from and how its columns are laid out, as a
// scenario's `availability.trace` section gives it (docs/scenarios.md). Plain values;
// models/trace_import.h reads the files.
#pragma once

#include <string>
#include <vector>

namespace fleetgrid::models {

// Each entry names one column or several, joined with one space before parsing (a date
// column and a time column make one timestamp). Empty = the column is absent.
struct TraceColumns {
  std::vector<std::string> start;       // plug-in time (required)
  std::vector<std::string> end;         // plug-out time (required)
  std::vector<std::string> energy_kwh;  // optional
  std::vector<std::string> car;         // car or user id; optional (cars by charger+connector)
  std::vector<std::string> charger;     // charge point id
  std::vector<std::string> connector;   // optional
  std::vector<std::string> site;        // optional
};

struct TraceConfig {
  std::vector<std::string> files;
  TraceColumns columns;
  std::string datetime_format = "%d/%m/%Y %H:%M";  // absl::ParseTime / strptime format
  std::string time_zone = "UTC";                   // of the timestamps in the files
};

}  // namespace fleetgrid::models
