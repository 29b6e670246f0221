// Sim and live agree on a car's daily life (issue 15): one scenario with weekly routines in
// Berlin (a Monday morning on which most cars leave home), run by the simulator and by the car
// agent (node::Fleet with the scenario, as `fleetgrid node --scenario ... --time-scale 600`
// runs it) against an in-process coordinator. The share of cars the coordinator sees
// connected, averaged per model hour, equals the simulator's share of parked cars within
// 4 points (both replay the same periods; the live side lags by its connection latency,
// about a model second per real millisecond at this time scale). The cars report their
// named hardware, which `fleetgrid nodes` lists.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "coordinator/service/coordinator.h"
#include "node/fleet.h"
#include "node/scenario.h"
#include "sim/scenario/scenario.h"
#include "sim/simulator.h"
#include "tests/integration/process.h"

namespace fleetgrid::testing {
namespace {

constexpr uint32_t kCars = 300;
constexpr double kTimeScale = 600;   // a model hour in 6 real seconds
constexpr int kHours = 6;            // 06:00 - 12:00 on a Monday in Berlin
constexpr int kSamplesPerHour = 12;  // every 5 model minutes

constexpr const char* kScenario = R"(
seed: 11
start: 2024-01-08T05:00:00Z
horizon: 6h
fleet:
  size: 300
  classes: [{hardware: HW3, share: 0.5}, {hardware: HW4, share: 0.5}]
regions:
  - name: berlin
    time_zone: Europe/Berlin
    availability: {model: routine, routines: {home-charger: 0.6, commuter: 0.4}, jitter: 20m}
workload: {tasks: 1, work: 1e12}
outputs: {timeseries_interval: 5m}
)";

std::vector<double> SimulatedParkedShare() {
  auto scenario = sim::ParseScenario(kScenario);
  EXPECT_TRUE(scenario.ok()) << scenario.status();
  std::vector<double> share;
  sim::SimHooks hooks;
  hooks.on_sample = [&share](const sim::Sample& s) {
    share.push_back(static_cast<double>(s.cars_available) / kCars);
  };
  auto simulator = sim::Simulator::Create(*scenario, std::move(hooks));
  EXPECT_TRUE(simulator.ok()) << simulator.status();
  EXPECT_TRUE((*simulator)->Run().ok());
  return share;
}

TEST(DailyLifeLive, TheCoordinatorSeesTheSimulatorsHourlyParkedProfile) {
  const std::vector<double> simulated = SimulatedParkedShare();
  ASSERT_GE(simulated.size(), static_cast<size_t>(kHours * kSamplesPerHour));

  const std::string dir = TempDir("daily-life");
  service::CoordinatorOptions co;
  co.listen = "127.0.0.1:0";
  co.metrics_listen = "";
  co.db_path = dir + "/fleetgrid.db";
  co.service.heartbeat_interval = Duration::Millis(500);
  co.service.heartbeat_grace = Duration::Seconds(2);
  auto c = service::Coordinator::Start(co);
  ASSERT_TRUE(c.ok()) << c.status();
  service::Coordinator& coord = **c;

  node::FleetOptions fo;
  fo.coordinator = coord.address();
  fo.cars = kCars;
  fo.time_scale = kTimeScale;
  fo.availability.vanish_probability = 0;  // say Leave: the coordinator sees it at once
  fo.backoff.initial = Duration::Millis(20);
  fo.backoff.max = Duration::Millis(200);
  ASSERT_TRUE(node::ApplyScenarioText(kScenario, /*take_seed=*/true, fo).ok());
  node::Fleet fleet(fo);
  const WallClock clock;
  const TimePoint t0 = clock.Now();
  ASSERT_TRUE(fleet.Start().ok());

  // Sample what the coordinator sees at each model sample time.
  std::vector<double> live;
  const Duration step = Duration::FromSecondsF(300 / kTimeScale);
  for (int k = 0; k < kHours * kSamplesPerHour; ++k) {
    const TimePoint at = t0 + Duration::Nanos(step.nanos() * k);
    std::this_thread::sleep_for(std::chrono::nanoseconds((at - clock.Now()).nanos()));
    live.push_back(static_cast<double>(coord.metrics().nodes_connected.load()) / kCars);
  }
  // Every car reported its class: HW3 (8 GiB) or HW4 (16 GiB), about half each.
  const CliResult nodes = RunCli({"nodes", "--insecure", "--coordinator", coord.address()}, dir);
  fleet.Stop();
  EXPECT_EQ(nodes.rc, 0) << nodes.err;
  int hw3 = 0, hw4 = 0, rows = 0;
  std::istringstream lines(nodes.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("NODE", 0) == 0 || line.empty()) continue;
    ++rows;
    hw3 += line.find(" HW3 ") != std::string::npos && line.find(" 8 GiB ") != std::string::npos;
    hw4 += line.find(" HW4 ") != std::string::npos && line.find(" 16 GiB ") != std::string::npos;
  }
  // A car away all morning never enrolled.
  EXPECT_LE(rows, static_cast<int>(kCars));
  EXPECT_GT(rows, static_cast<int>(kCars * 0.9)) << nodes.out;
  EXPECT_EQ(hw3 + hw4, rows) << nodes.out;
  EXPECT_NEAR(static_cast<double>(hw3) / rows, 0.5, 0.1);

  // Per model hour; the first half hour is skipped (300 cars connecting for the first time).
  for (int h = 0; h < kHours; ++h) {
    double sim_mean = 0, live_mean = 0;
    int n = 0;
    for (int k = h * kSamplesPerHour; k < (h + 1) * kSamplesPerHour; ++k) {
      if (k < 6) continue;
      sim_mean += simulated[k];
      live_mean += live[k];
      ++n;
    }
    sim_mean /= n;
    live_mean /= n;
    EXPECT_NEAR(live_mean, sim_mean, 0.04) << "model hour " << h << " (06:00 + " << h << " h)";
  }
  // And the morning did happen: more than a third of the cars left between 06:00 and 12:00.
  EXPECT_GT(simulated[6] - simulated.back(), 0.33);
}

}  // namespace
}  // namespace fleetgrid::testing
