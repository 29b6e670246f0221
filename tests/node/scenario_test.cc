// `fleetgrid node --scenario`: the car sections of a scenario file become fleet options.
#include "node/scenario.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "models/departure_warnings.h"

namespace fleetgrid::node {
namespace {

TEST(ScenarioTest, TakesAvailabilityClassesLinksBatteryAndSeed) {
  FleetOptions o;
  ASSERT_TRUE(ApplyScenarioText(R"(
seed: 42
fleet:
  size: 10
  classes:
    - {speed: 1, share: 0.5}
    - {speed: 4, share: 0.5}
  links:
    - {bandwidth_bytes_per_s: 1e6, latency: 80ms, share: 0.25}
    - {bandwidth_bytes_per_s: 1e7, latency: 20ms, share: 0.75}
  battery: {capacity_wh: 60000, max_charging_power_w: 7400}
availability:
  model: never-leaves
  mean_on: 1h
  mean_off: 10m
workload: {tasks_per_car: 3}
)",
                                /*take_seed=*/true, o)
                  .ok());
  EXPECT_EQ(o.seed, 42u);
  EXPECT_EQ(o.availability.model.kind, models::AvailabilityKind::kNeverLeaves);
  EXPECT_EQ(o.availability.model.mean_on, Duration::Hours(1));
  EXPECT_EQ(o.availability.model.mean_off, Duration::Minutes(10));
  ASSERT_EQ(o.speed_classes.size(), 2u);
  EXPECT_EQ(o.speed_classes[1].speed, 4);
  ASSERT_EQ(o.links.size(), 2u);
  EXPECT_EQ(o.links[0].bandwidth_bytes_per_s, 1e6);
  EXPECT_EQ(o.links[0].latency, Duration::Millis(80));
  EXPECT_EQ(o.links[1].share, 0.75);
  EXPECT_EQ(o.battery.capacity_wh, 60000);
  EXPECT_EQ(o.battery.max_charging_power_w, 7400);
}

TEST(ScenarioTest, KeepsTheSeedGivenOnTheCommandLine) {
  FleetOptions o;
  o.seed = 7;
  ASSERT_TRUE(ApplyScenarioText("seed: 42\n", /*take_seed=*/false, o).ok());
  EXPECT_EQ(o.seed, 7u);
}

TEST(ScenarioTest, RejectsBadFilesNamingTheKeyAndKeepsOptions) {
  FleetOptions o;
  absl::Status s = ApplyScenarioText("availability: {mean_on: -1h}", true, o);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("availability.mean_on"), std::string::npos) << s;
  s = ApplyScenarioText("availability: {model: trace}", true, o);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("availability.trace: required with model: trace"), std::string::npos)
      << s;
  s = ApplyScenarioText("availability: {model: teleport}", true, o);
  EXPECT_NE(s.message().find("availability.model: unknown model \"teleport\""), std::string::npos)
      << s;
  s = ApplyScenarioText("fleet: {links: [{bandwidth_bytes_per_s: 0}]}", true, o);
  EXPECT_NE(s.message().find("fleet.links[0].bandwidth_bytes_per_s"), std::string::npos) << s;
  s = ApplyScenarioText("fleet: {battery: {capacity_kwh: 60}}", true, o);
  EXPECT_NE(s.message().find("fleet.battery.capacity_kwh: unknown key"), std::string::npos) << s;
  EXPECT_EQ(ApplyScenarioText("- a list\n", true, o).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(o.seed, FleetOptions{}.seed);
  EXPECT_EQ(o.availability.model.mean_on, Duration::Hours(6));
  EXPECT_EQ(o.links.size(), 1u);
  EXPECT_EQ(ApplyScenario("/nonexistent/x.yaml", true, o).code(), absl::StatusCode::kNotFound);
}

// Would catch: the owner rules or departure warnings of a scenario not reaching the cars.
TEST(ScenarioTest, TakesOwnerRulesAndDepartureWarnings) {
  FleetOptions o;
  ASSERT_TRUE(ApplyScenarioText(R"(
fleet:
  owner_rules: {plugged_only: true, min_soc: 0.25, windows: ["22:00-06:00"], daily_energy_wh: 3000}
departure_warnings: {share: 0.5, lead: 5m, noise: 1m}
)",
                                true, o)
                  .ok());
  EXPECT_TRUE(o.owner_rules.given);
  EXPECT_TRUE(o.owner_rules.plugged_only);
  EXPECT_EQ(o.owner_rules.min_soc, 0.25);
  ASSERT_EQ(o.owner_rules.windows.size(), 1u);
  EXPECT_EQ(o.owner_rules.windows[0], std::make_pair(79200, 21600));
  EXPECT_EQ(o.owner_rules.daily_energy_wh, 3000);
  EXPECT_EQ(o.departure_warnings.share, 0.5);
  EXPECT_EQ(o.departure_warnings.lead, Duration::Minutes(5));
  EXPECT_EQ(o.departure_warnings.noise, Duration::Minutes(1));
  absl::Status s = ApplyScenarioText("departure_warnings: {share: 2}", true, o);
  EXPECT_NE(s.message().find("departure_warnings.share"), std::string::npos) << s;
  s = ApplyScenarioText("departure_warnings: {lead: -5m}", true, o);
  EXPECT_NE(s.message().find("departure_warnings.lead"), std::string::npos) << s;
  s = ApplyScenarioText("departure_warnings: {ahead: 5m}", true, o);
  EXPECT_NE(s.message().find("departure_warnings.ahead: unknown key"), std::string::npos) << s;
  EXPECT_EQ(o.departure_warnings.share, 0.5);  // unchanged on error
}

// Would catch: a process split changing which cars warn (the simulator draws car i's from
// the i-th draw of one stream), or a share not honoured.
TEST(DepartureWarningsTest, WhichCarsWarnDoesNotDependOnTheSplit) {
  const std::vector<bool> all = models::DrawWarningCars(9, 0.3, 0, 10'000);
  const std::vector<bool> tail = models::DrawWarningCars(9, 0.3, 4000, 6000);
  EXPECT_TRUE(std::equal(tail.begin(), tail.end(), all.begin() + 4000));
  const auto warn = std::count(all.begin(), all.end(), true);
  EXPECT_NEAR(static_cast<double>(warn) / all.size(), 0.3, 0.02);
  for (bool w : models::DrawWarningCars(9, 0, 0, 100)) EXPECT_FALSE(w);
  for (bool w : models::DrawWarningCars(9, 1, 0, 100)) EXPECT_TRUE(w);
}

}  // namespace
}  // namespace fleetgrid::node
