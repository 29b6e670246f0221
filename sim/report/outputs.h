// Run outputs: summary.json, timeseries.csv, attempts.csv and the readable summary.
//
// summary.json holds only deterministic values at the top level (same scenario and seed =>
// same bytes); measurements of the run itself (wall time, RSS, events/s, bytes per car) sit
// under "run", which golden comparisons skip. Thread safety: none.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/scenario/scenario.h"
#include "sim/simulator.h"

namespace fleetgrid::sim {

struct RunInfo {
  double wall_s = 0;
  uint64_t peak_rss_bytes = 0;
};

nlohmann::ordered_json SummaryJson(const Scenario& s, const SimResult& r, const RunInfo& run);
// A few lines for people.
std::string HumanSummary(const Scenario& s, const SimResult& r, const RunInfo& run);

// CSV writers (header on construction). They write through a FILE* they own.
class CsvFile {
 public:
  CsvFile() = default;
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;
  ~CsvFile();
  // Opens `path` and writes `header`. False if it cannot be opened.
  bool Open(const std::string& path, const char* header);
  void WriteSample(const Sample& s);
  void WriteAttempt(const AttemptRecord& a);
  void WriteParkedPeriod(const ParkedPeriod& p);
  bool Close();  // false on a write error

 private:
  FILE* f_ = nullptr;
};

inline constexpr const char* kTimeseriesHeader =
    "t_s,cars_available,cars_busy,queue_length,tasks_completed,work_lost_units,cars_plugged,"
    "parked_accelerator_kw,computing_kw";
// kTimeseriesHeader, then parked/plugged/busy per region ("region.<name>.parked", ...)
// and per class ("class.<i>.parked", ...), in the order of Sample::groups.
std::string TimeseriesHeader(const std::vector<std::string>& regions, size_t classes);
inline constexpr const char* kParkedPeriodsHeader = "car,start_s,end_s,plugged";
inline constexpr const char* kAttemptsHeader =
    "attempt,task,car,speed,start_s,end_s,outcome,work_lost_units";

// Peak resident set size of this process, in bytes.
uint64_t PeakRssBytes();

}  // namespace fleetgrid::sim
