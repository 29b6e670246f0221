// Running scenarios in tests: the summary.json of a simulated scenario (EXPECTs that it
// parses and runs; an empty object otherwise; writes no files), the error of one that does
// not, and scratch data files.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
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

// `yaml` with each case's --set override is refused with InvalidArgument, and the message
// holds the case's text (the key path and the problem).
struct KeyErrorCase {
  std::string set;
  std::string want;
};
inline void ExpectKeyErrors(const std::string& yaml, const std::vector<KeyErrorCase>& cases) {
  for (const KeyErrorCase& c : cases) {
    const absl::Status s = RunError(yaml, {c.set});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.set;
    EXPECT_NE(s.message().find(c.want), std::string::npos) << s;
  }
}

// Writes `text` to a file of that name in the test's temporary directory; returns its path.
inline std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// Golden fixed-seed runs: every deterministic key of `got` (a summary; its wall time and
// memory, "run", are dropped) must match tests/golden/<name>.json under the source tree
// FLEETGRID_SOURCE_DIR. Regenerate with FLEETGRID_UPDATE_GOLDEN=1 after an intended change,
// and say why in review.
inline void ExpectGolden(nlohmann::ordered_json got, const std::string& name) {
  got.erase("run");
  const std::string path = std::string(FLEETGRID_SOURCE_DIR) + "/tests/golden/" + name + ".json";
  if (std::getenv("FLEETGRID_UPDATE_GOLDEN")) {
    std::ofstream(path) << got.dump(2) << "\n";
    GTEST_SKIP() << "wrote " << path;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing golden file " << path;
  const auto want = nlohmann::ordered_json::parse(in);
  for (const auto& [key, value] : want.items()) {
    EXPECT_EQ(got[key].dump(), value.dump()) << name << ": key " << key;
  }
  EXPECT_EQ(got.size(), want.size()) << name << ": key sets differ";
}

}  // namespace fleetgrid::sim
