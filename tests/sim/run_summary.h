// Running scenarios in tests: the summary.json of a simulated scenario (EXPECTs that it
// parses and runs; an empty object otherwise; writes no files), the error of one that does
// not, and scratch data files.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
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

// Why a scenario given as YAML text does not parse or run (OK when it does).
inline absl::Status RunError(const std::string& yaml, const std::vector<std::string>& set = {}) {
  auto s = ParseScenario(yaml, set);
  if (!s.ok()) return s.status();
  RunOptions o;
  o.write_files = false;
  return RunScenario(*s, o).status();
}

// Writes `text` to a file of that name in the test's temporary directory; returns its path.
inline std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace fleetgrid::sim
