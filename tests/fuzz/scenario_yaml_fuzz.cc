// Scenario files (docs/scenarios.md), as `fleetgrid sim` and `fleetgrid node --scenario`
// read them: sim::ParseScenario with `--set` overrides, and node::ApplyScenarioText. The
// input is the YAML text; its lines starting with "#set " (YAML comments) are also given as
// overrides ("#set fleet.size=5"). Checks: an accepted scenario holds what the validation
// promises (shares summing to 1, a positive horizon, a non-empty bag of tasks), and the car
// agent accepts every scenario the simulator accepts.
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "node/fleet_options.h"
#include "node/scenario.h"
#include "sim/scenario/scenario.h"
#include "tests/fuzz/fuzz_target.h"

using namespace fleetgrid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fuzz::AsText(data, size));
  std::vector<std::string> overrides;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("#set ", 0) == 0) overrides.push_back(line.substr(5));
  }
  const auto s = sim::ParseScenario(text, overrides);
  if (s.ok()) {
    FG_FUZZ_CHECK(s->horizon > Duration::Zero());
    double share = 0;
    for (const models::SpeedClass& c : s->fleet.classes) share += c.share;
    FG_FUZZ_CHECK(std::fabs(share - 1) <= 1e-6);
    if (s->workload.kind == sim::WorkloadKind::kBagOfTasks) {
      FG_FUZZ_CHECK(s->workload.BagTasks(s->fleet.size) > 0);
    }
    (void)s->availability.StartProbability();
  }
  node::FleetOptions options;
  const absl::Status applied = node::ApplyScenarioText(text, true, options);
  // The car agent reads only the car sections (models/scenario_sections.h): whatever the
  // simulator accepts, it accepts too.
  FG_FUZZ_CHECK(applied.ok() || !sim::ParseScenario(text).ok());
  return 0;
}
