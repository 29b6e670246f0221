// Job arrivals replayed from a CSV trace (workload.model: job-trace, docs/workloads.md):
// each kept row is one job, submitted at its trace time (relative to the first kept row)
// divided by `rate_scale`. A job's tasks get the trace's run time (end - start columns) x
// `work_per_second` work units when the scenario names run columns and the row has both,
// else the workload's work distribution. Made for the Google 2011 cluster job trace
// (../shared/data/google-cluster-2011-jobs, CC-BY 4.0, John Wilkes and Charles Reiss), read
// through column names so that other job traces load without code changes.
// Thread safety: plain values and a pure loader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fleetgrid::sim {

struct JobTraceConfig {
  std::string file;                      // CSV, relative to the scenario file
  std::string submit_column = "submit";  // the job's submission time
  double time_unit_s = 1;                // seconds per unit of the time columns (s, ms, us)
  std::string run_start_column;          // with run_end_column: the job's run time
  std::string run_end_column;
  std::string priority_column;  // integer job priority (Google: scheduling class)
  std::string keep_column;      // keep only rows whose value is one of keep_values
  std::vector<std::string> keep_values;
  double rate_scale = 1;       // arrivals come this many times faster (gaps divided by it)
  double work_per_second = 1;  // work units per second of trace run time
  bool loop = false;           // replay the file again (shifted by its span) until the horizon
};

struct TraceJob {
  double at_s = 0;  // seconds after the run's start (before any loop)
  double work = 0;  // per task; <= 0: draw from the work distribution
  int32_t priority = 0;
};

struct JobTrace {
  std::vector<TraceJob> jobs;  // by arrival
  double period_s = 0;         // one pass of the file, for `loop`
  uint64_t rows = 0;           // data rows read
  uint64_t kept = 0;           // of which kept by the filter
  uint64_t with_run_time = 0;  // kept rows that had a run time
};

// Reads the file (relative to `dir` unless absolute). Errors are InvalidArgument naming the
// file and line ("jobs.csv:7: submit_us \"x\" is not a number").
absl::StatusOr<JobTrace> LoadJobTrace(const JobTraceConfig& config, const std::string& dir);

}  // namespace fleetgrid::sim
