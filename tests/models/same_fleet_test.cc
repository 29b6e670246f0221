// Same scenario + seed = the same fleet in both worlds (issue 14): the first 10,000 cars of
// a scenario, drawn through the simulator (what it registers with the brain, and when it
// connects and silences each car) and through the car agent's path (`fleetgrid node
// --scenario ... --first-car F --cars N`: node::ApplyScenarioText, node::DrawCars,
// node::FleetAvailability) under two process splits, have the same class, link and first
// 48 h of availability switching, car by car.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "node/fleet.h"
#include "node/scenario.h"
#include "sim/scenario/scenario.h"
#include "sim/simulator.h"

namespace fleetgrid {
namespace {

constexpr uint32_t kCars = 10'000;
// Regions are contiguous blocks in the order given: eu, us, then the datacenter.
constexpr uint32_t kFleetCars = 8'000;
const Duration kWindow = Duration::Hours(48);

// Three speed classes, two link classes, three regions (weekly routines with a rush hour in
// Berlin, Weibull periods in Chicago, and a datacenter group with its own classes that never
// leaves); one task so large that the run goes to the horizon with the cars doing nothing but
// come and go.
std::string ScenarioText(uint64_t seed) {
  return "seed: " + std::to_string(seed) + R"(
horizon: 48h
fleet:
  size: 10000
  classes:
    - {speed: 1, share: 0.50}
    - {speed: 2, share: 0.35}
    - {speed: 5, share: 0.15}
  links:
    - {bandwidth_bytes_per_s: 2.5e6, latency: 50ms, share: 0.6}
    - {bandwidth_bytes_per_s: 2.0e7, latency: 15ms, share: 0.4}
start: 2024-03-04T00:00:00Z
availability: {model: exponential-on-off, mean_on: 6h, mean_off: 2h}
regions:
  - name: eu
    share: 0.4
    time_zone: Europe/Berlin
    availability: {model: routine, routines: {home-charger: 0.5, commuter: 0.3, depot: 0.2}}
    events: [{kind: rush, from: "07:00", to: "08:00", share: 0.2}]
  - name: us
    share: 0.4
    time_zone: America/Chicago
    availability: {model: weibull, shape: 0.6}
  - name: datacenter
    share: 0.2
    availability: {model: never-leaves}
    classes: [{speed: 40, share: 0.5}, {speed: 80, share: 0.5}]
workload: {tasks: 1, work: 1e12}
)";
}

struct CarView {
  double speed = 0;
  uint8_t speed_class = 0;
  double bandwidth = 0;
  Duration latency;
  // (time, parked) for every change of state in [0, 48 h], starting with "parked at 0".
  std::vector<std::pair<int64_t, bool>> switches;
  bool operator==(const CarView&) const = default;
};

std::vector<CarView> ThroughTheSimulator(uint64_t seed) {
  auto scenario = sim::ParseScenario(ScenarioText(seed));
  EXPECT_TRUE(scenario.ok()) << scenario.status();
  sim::CoreTrace trace;
  sim::SimHooks hooks;
  hooks.trace = &trace;
  auto simulator = sim::Simulator::Create(*scenario, std::move(hooks));
  EXPECT_TRUE(simulator.ok()) << simulator.status();
  EXPECT_TRUE((*simulator)->Run().ok());
  std::vector<CarView> cars(kCars);
  EXPECT_EQ(trace.nodes.size(), kCars);
  for (uint32_t i = 0; i < kCars && i < trace.nodes.size(); ++i) {
    const core::NodeSpec& n = trace.nodes[i];
    cars[i].speed = n.speed;
    cars[i].speed_class = n.hw_class;
    cars[i].bandwidth = n.link.bandwidth_bytes_per_s;
    cars[i].latency = n.link.latency;
  }
  for (const sim::CoreTrace::Entry& e : trace.calls) {
    if (e.call == sim::CoreTrace::Call::kConnect) {
      cars[e.node].switches.emplace_back(e.t.nanos(), true);
    } else if (e.call == sim::CoreTrace::Call::kNodeSilent) {
      cars[e.node].switches.emplace_back(e.t.nanos(), false);
    }
  }
  return cars;
}

// One `fleetgrid node` process emulating cars [first, first + count).
void ThroughTheCarAgent(uint64_t seed, uint32_t first, uint32_t count, std::vector<CarView>& cars) {
  node::FleetOptions o;
  o.first_car = first;
  o.cars = count;
  ASSERT_TRUE(node::ApplyScenarioText(ScenarioText(seed), /*take_seed=*/true, o).ok());
  const models::FleetDraw draw = node::DrawCars(o);
  const auto availability = node::FleetAvailability(o);
  ASSERT_TRUE(availability.ok()) << availability.status();
  for (uint32_t i = 0; i < count; ++i) {
    CarView& v = cars[first + i];
    v.speed_class = draw.speed_class[i];
    v.speed =
        models::ClassTable(o.speed_classes, o.availability.regions)[draw.speed_class[i]].speed;
    v.bandwidth = o.links[draw.link_class[i]].bandwidth_bytes_per_s;
    v.latency = o.links[draw.link_class[i]].latency;
    models::CarPeriods periods(*availability, first + i);
    const TimePoint end = TimePoint::Epoch() + kWindow;
    for (models::CarPeriods::Period p = periods.Next(); p.start <= end; p = periods.Next()) {
      if (p.start != TimePoint::Epoch() || p.available) {
        v.switches.emplace_back(p.start.nanos(), p.available);
      }
      if (p.end.IsInfinite()) break;
    }
  }
}

std::vector<CarView> ThroughTheCarAgent(uint64_t seed, const std::vector<uint32_t>& splits) {
  std::vector<CarView> cars(kCars);
  uint32_t first = 0;
  for (uint32_t next : splits) {
    ThroughTheCarAgent(seed, first, next - first, cars);
    first = next;
  }
  return cars;
}

void ExpectSameCars(const std::vector<CarView>& sim, const std::vector<CarView>& node) {
  ASSERT_EQ(sim.size(), node.size());
  int reported = 0;
  for (uint32_t i = 0; i < sim.size(); ++i) {
    if (sim[i] == node[i]) continue;
    ADD_FAILURE() << "car " << i << " differs: speed " << sim[i].speed << " vs " << node[i].speed
                  << ", bandwidth " << sim[i].bandwidth << " vs " << node[i].bandwidth
                  << ", switches " << sim[i].switches.size() << " vs " << node[i].switches.size();
    if (++reported == 5) return;
  }
}

TEST(SameFleet, First10000CarsMatchUnderTwoProcessSplits) {
  const std::vector<CarView> sim = ThroughTheSimulator(1);
  // The fleet is not degenerate: both link classes, all speeds, cars that come and go.
  size_t switches = 0, fast_links = 0, fast_cars = 0;
  for (uint32_t i = 0; i < kFleetCars; ++i) {
    const CarView& c = sim[i];
    switches += c.switches.size();
    fast_links += c.bandwidth > 1e7;
    fast_cars += c.speed == 5;
  }
  EXPECT_GT(switches, 5 * kFleetCars);
  EXPECT_NEAR(static_cast<double>(fast_links) / kFleetCars, 0.4, 0.03);
  EXPECT_NEAR(static_cast<double>(fast_cars) / kFleetCars, 0.15, 0.02);
  // The datacenter block draws from its own classes and never leaves.
  size_t fastest = 0;
  for (uint32_t i = kFleetCars; i < kCars; ++i) {
    EXPECT_TRUE(sim[i].speed == 40 || sim[i].speed == 80) << "car " << i;
    const std::vector<std::pair<int64_t, bool>> parked_from_0 = {{0, true}};
    EXPECT_EQ(sim[i].switches, parked_from_0) << "car " << i;
    fastest += sim[i].speed == 80;
  }
  EXPECT_NEAR(static_cast<double>(fastest) / (kCars - kFleetCars), 0.5, 0.04);

  ExpectSameCars(sim, ThroughTheCarAgent(1, {kCars}));
  ExpectSameCars(sim, ThroughTheCarAgent(1, {3'000, kCars}));
  ExpectSameCars(sim, ThroughTheCarAgent(1, {1, 4'999, 7'777, kCars}));
}

TEST(SameFleet, AnotherSeedIsAnotherFleet) {
  const std::vector<CarView> a = ThroughTheCarAgent(1, {kCars});
  const std::vector<CarView> b = ThroughTheCarAgent(2, {kCars});
  int same = 0;
  for (uint32_t i = 0; i < kFleetCars; ++i) same += a[i] == b[i];
  EXPECT_LT(same, 100);
}

}  // namespace
}  // namespace fleetgrid
