// Checkpoints, departure warnings and owner rules in the simulator (docs/owner_rules.md).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tests/sim/run_summary.h"

namespace fleetgrid::sim {
namespace {

// Tasks too long to finish: every attempt ends with its car's departure. No transfers, no
// latency: computing starts on arrival, and a checkpoint is stored as it is taken.
const char kEndless[] = R"(
name: endless
horizon: 3d
fleet:
  size: 400
  links: [{bandwidth_bytes_per_s: 1e9, latency: 0s, share: 1}]
availability: {model: exponential-on-off, mean_on: 1000s, mean_off: 1000s}
workload:
  tasks_per_car: 2
  work: 1e7
  input_bytes: 0
  output_bytes: 0
outputs: {timeseries_interval: 0}
)";

// With the car's stay T ~ Exp(rate l), computing at speed 1 from its arrival, and a
// checkpoint every C units, the work lost at its departure is T mod C, whose mean is
// E[T mod C] = 1/l - C e^(-lC) / (1 - e^(-lC)).
double ExpectedLoss(double mean_stay, double c) {
  const double l = 1 / mean_stay;
  return mean_stay - c * std::exp(-l * c) / (1 - std::exp(-l * c));
}

TEST(LostWorkClosedFormTest, CheckpointsEveryCUnitsMatchTheFormula) {
  for (double c : {300.0, 1500.0}) {
    const auto j = RunSim(kEndless, {"workload.checkpoint.interval=" + std::to_string(c)});
    const double lost = j["work_lost_units"].get<double>();
    const double n = j["attempts_lost"].get<double>();
    ASSERT_GT(n, 50000);
    // About 100k departures; the loss per departure has sd < C/sqrt(12) + ..., so the
    // standard error of the mean is a few units.
    EXPECT_NEAR(lost / n, ExpectedLoss(1000, c), 0.02 * ExpectedLoss(1000, c)) << "C = " << c;
    EXPECT_GT(j["checkpoints"]["attempts_resumed"].get<double>(), 0.5 * n);
  }
  // Without checkpoints every departure loses its whole stay: the mean stay, 1000.
  const auto j = RunSim(kEndless);
  EXPECT_NEAR(j["work_lost_units"].get<double>() / j["attempts_lost"].get<double>(), 1000, 20);
  EXPECT_FALSE(j.contains("checkpoints"));
}

// FLEET-1's tasks, small: periodic checkpoints keep most of the work that departures took.
const char kSmallFleet1[] = R"(
name: small
horizon: 7d
fleet:
  size: 300
  classes: [{speed: 1, share: 0.5}, {speed: 2, share: 0.35}, {speed: 5, share: 0.15}]
  links: [{bandwidth_bytes_per_s: 2.5e6, latency: 50ms, share: 1}]
availability: {model: exponential-on-off, mean_on: 6h, mean_off: 2h}
workload: {tasks_per_car: 10, work: 3600, input_bytes: 50000000, output_bytes: 5000000}
outputs: {timeseries_interval: 0}
)";

TEST(CheckpointTest, PeriodicCheckpointsCutLostWorkAndMoveBytes) {
  const auto plain = RunSim(kSmallFleet1);
  const auto cp = RunSim(kSmallFleet1, {"workload.checkpoint={interval: 600, size: 200MB}"});
  EXPECT_EQ(cp["tasks_completed"], plain["tasks_completed"]);
  EXPECT_LT(cp["work_lost_units"].get<double>(), 0.5 * plain["work_lost_units"].get<double>());
  const auto& c = cp["checkpoints"];
  EXPECT_GT(c["stored"].get<uint64_t>(), 0u);
  EXPECT_GT(c["uploads_cut"].get<uint64_t>(), 0u);  // 80 s uploads: some are cut
  EXPECT_EQ(c["bytes_uploaded"].get<uint64_t>(),
            (c["stored"].get<uint64_t>() + c["uploads_cut"].get<uint64_t>()) * 200'000'000u);
  EXPECT_GT(c["attempts_resumed"].get<uint64_t>(), 0u);
}

// Cars that say 10 minutes ahead when they leave: the coordinator asks each running
// attempt for a checkpoint one upload (80 s) and a margin before the departure, so nearly
// every attempt still running at the departure keeps its work. A warning that is off by
// minutes (noise) comes too late for many of them.
TEST(CheckpointTest, WarnedDeparturesKeepTheirWork) {
  const std::vector<std::string> cp = {"workload.checkpoint={interval: 0, size: 200MB}"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), cp.begin(), cp.end());
    return RunSim(kSmallFleet1, extra);
  };
  const auto silent = with({});
  const auto exact = with({"departure_warnings={share: 1, lead: 10min, noise: 0s}"});
  const auto noisy = with({"departure_warnings={share: 1, lead: 10min, noise: 5min}"});
  const double lost_silent = silent["work_lost_units"].get<double>();
  const double lost_exact = exact["work_lost_units"].get<double>();
  const double lost_noisy = noisy["work_lost_units"].get<double>();
  EXPECT_LT(lost_exact, 0.2 * lost_silent);
  EXPECT_GT(lost_noisy, 2 * lost_exact);
  EXPECT_LT(lost_noisy, lost_silent);
  EXPECT_EQ(silent["checkpoints"]["checkpoint_requests"], 0);
  const auto& c = exact["checkpoints"];
  const double met = c["requests_met"].get<double>();
  const double missed = c["requests_missed"].get<double>();
  ASSERT_GT(met, 100);
  // Missed: only requests that came while the attempt was still downloading its input.
  EXPECT_GT(met, 0.9 * (met + missed));
  EXPECT_LE(met + missed, c["checkpoint_requests"].get<double>());
  EXPECT_GT(c["departure_warnings"].get<double>(), 0.9 * exact["attempts_lost"].get<double>());
  EXPECT_EQ(exact["tasks_completed"], silent["tasks_completed"]);
}

// Would catch: a region's own owner rules ignored (its cars computing unplugged) or applied
// to the other region too.
TEST(OwnerRulesTest, ARegionsOwnRulesHoldForItsCarsOnly) {
  const char kTwoRegions[] = R"(
name: regions
horizon: 1d
fleet: {size: 200}
availability: {model: exponential-on-off, mean_on: 6h, mean_off: 2h, plugged_share: 0}
regions:
  - {name: strict, share: 0.5, owner_rules: {plugged_only: true}}
  - {name: lenient, share: 0.5}
workload: {tasks_per_car: 2, work: 3600, input_bytes: 0, output_bytes: 0}
outputs: {timeseries_interval: 0}
)";
  const auto j = RunSim(kTwoRegions);
  ASSERT_EQ(j["regions"].size(), 2u);
  EXPECT_EQ(j["regions"][0]["busy_car_s"].get<double>(), 0) << "strict cars never plugged in";
  EXPECT_GT(j["regions"][1]["busy_car_s"].get<double>(), 0);
  EXPECT_EQ(j["owner_rules"]["violations"].get<double>(), 0);
  // A bad rule in a region names its key.
  auto bad = ParseScenario(kTwoRegions, {"regions.0.owner_rules.min_soc=1.5"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("regions[0].owner_rules.min_soc"), std::string::npos)
      << bad.status();
}

TEST(CheckpointTest, BadKeysAreClearErrors) {
  for (const auto& [set, key] : std::vector<std::pair<std::string, std::string>>{
           {"workload.checkpoint={interval: -5}", "workload.checkpoint.interval"},
           {"workload.checkpoint={size: lots}", "workload.checkpoint.size"},
           {"workload.checkpoint={}", "workload.checkpoint"},
           {"departure_warnings={share: 1.5}", "departure_warnings.share"},
           {"departure_warnings={lead: -1min}", "departure_warnings.lead"}}) {
    auto s = ParseScenario(kSmallFleet1, {set});
    ASSERT_FALSE(s.ok()) << set;
    EXPECT_NE(s.status().message().find(key), std::string_view::npos) << s.status();
  }
}

}  // namespace
}  // namespace fleetgrid::sim
