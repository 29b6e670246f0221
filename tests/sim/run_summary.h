// The summary.json of a simulated scenario, for tests: EXPECTs that it parses and runs (an
// empty object otherwise), and writes no files.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/run.h"
#include "sim/scenario/scenario.h"

namespace fleetgrid::sim {

inline nlohmann::ordered_json SummaryOf(const absl::StatusOr<Scenario>& s) {
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return {};
  RunOptions o;
  o.write_files = false;
  auto out = RunScenario(*s, o);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? out->summary : nlohmann::ordered_json{};
}

// A scenario given as YAML text, with --set overrides.
inline nlohmann::ordered_json RunSim(const std::string& yaml,
                                     const std::vector<std::string>& set = {}) {
  return SummaryOf(ParseScenario(yaml, set));
}

}  // namespace fleetgrid::sim
