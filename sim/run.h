// RunScenario: one simulation run from a validated Scenario to its output folder.
//
// Creates the folder (outputs.dir, default runs/<name>), runs the Simulator with CSV hooks,
// writes summary.json, timeseries.csv (when the interval is > 0) and attempts.csv (when
// outputs.attempts_csv), and prints a progress line on stderr while `progress` is set.
// Errors: Internal/PermissionDenied-style statuses for I/O failures; the simulation
// itself cannot fail once the scenario is valid (except a policy the brain rejects).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "sim/report/outputs.h"
#include "sim/scenario/scenario.h"
#include "sim/simulator.h"

namespace fleetgrid::sim {

struct RunOptions {
  bool progress = false;  // a live progress line on stderr (the CLI sets it only on a terminal)
  bool write_files = true;
};

struct RunOutput {
  SimResult result;
  RunInfo info;
  nlohmann::ordered_json summary;
  std::string dir;
};

absl::StatusOr<RunOutput> RunScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace fleetgrid::sim
