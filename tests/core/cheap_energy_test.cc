// cheap-energy (coordinator/core/policies/cheap_energy.cc): cheapest price zone first,
// plugged-in cars before cars on their battery; dear zones wait for a price fall or for the
// hold to end.
#include <cmath>

#include "coordinator/core/core.h"
#include "coordinator/core/policy_registry.h"
#include "gtest/gtest.h"
#include "tests/core/harness.h"

namespace fleetgrid::core::testing {
namespace {

CoreConfig CheapEnergy(PolicyParams params = {}) {
  return WithPolicy("cheap-energy", std::move(params));
}

// A node in `zone`, connected and reporting whether it is plugged in (heartbeats implied,
// so that it stays while the tests move time by the hour).
NodeId ZoneNode(Harness& h, uint16_t zone, bool plugged) {
  NodeSpec spec;
  spec.owner = OwnerId(h.core().stats().nodes_registered);
  spec.price_zone = zone;
  spec.implicit_heartbeat = true;
  const NodeId n = h.core().RegisterNode(spec);
  EXPECT_TRUE(h.core().Connect(h.now(), n, {}, h.d()).ok());
  EXPECT_TRUE(h.core()
                  .Heartbeat(h.now(), n, plugged ? NodeState::kPlugged : NodeState::kParked,
                             kSocUnknown, h.d())
                  .ok());
  return n;
}

// Would catch: zones taken in id or waiting order instead of by price, or cars on their
// battery served before plugged-in ones.
TEST(CheapEnergyTest, PluggedCarsFirstCheapestZoneFirst) {
  Harness h(CheapEnergy());
  ASSERT_TRUE(h.core().SetEnergyPrice(h.now(), 1, 0.30, h.d()).ok());
  ASSERT_TRUE(h.core().SetEnergyPrice(h.now(), 2, 0.10, h.d()).ok());
  const NodeId dear_battery = ZoneNode(h, 1, false);
  const NodeId dear_plugged = ZoneNode(h, 1, true);
  const NodeId cheap_battery = ZoneNode(h, 2, false);
  const NodeId cheap_plugged = ZoneNode(h, 2, true);
  for (NodeId n : {dear_battery, dear_plugged, cheap_battery, cheap_plugged}) h.Request(n);
  h.Job(4);
  ASSERT_EQ(h.d().assignments.size(), 4u);
  EXPECT_EQ(h.d().assignments[0].node, cheap_plugged);
  EXPECT_EQ(h.d().assignments[1].node, dear_plugged);
  EXPECT_EQ(h.d().assignments[2].node, cheap_battery);
  EXPECT_EQ(h.d().assignments[3].node, dear_battery);
  EXPECT_EQ(h.d().assignments[0].task, TaskId(0));  // tasks in fifo order
}

// Would catch: work given to a zone above max_price before its hold ends, a price fall that
// does not wake the waiting node, or a hold that never ends (the core not woken).
TEST(CheapEnergyTest, ADearZoneWaitsForAPriceFallOrTheHold) {
  Harness h(CheapEnergy({{"max_price", "0.2"}, {"hold", "3600"}}));
  ASSERT_TRUE(h.core().SetEnergyPrice(h.now(), 1, 0.30, h.d()).ok());
  const NodeId car = ZoneNode(h, 1, true);
  h.Request(car);
  h.Job(2);
  EXPECT_TRUE(h.d().assignments.empty());
  EXPECT_EQ(h.core().NextWakeup(), h.now() + Duration::Seconds(3600));
  // The night tariff starts: the waiting car gets the first task at once.
  h.Advance(Duration::Minutes(30));
  h.d().Clear();
  ASSERT_TRUE(h.core().SetEnergyPrice(h.now(), 1, 0.12, h.d()).ok());
  ASSERT_EQ(h.d().assignments.size(), 1u);
  EXPECT_EQ(h.d().assignments[0].node, car);
  h.Result(h.d().assignments[0]);
  // Dear again: the second task waits for its job's hold (an hour after submission).
  ASSERT_TRUE(h.core().SetEnergyPrice(h.now(), 1, 0.30, h.d()).ok());
  EXPECT_TRUE(h.Request(car).empty());
  h.Advance(Duration::Minutes(29));
  h.Tick();
  EXPECT_TRUE(h.d().assignments.empty());
  h.Advance(Duration::Minutes(1));
  h.Tick();
  ASSERT_EQ(h.d().assignments.size(), 1u);
  EXPECT_EQ(h.d().assignments[0].task, TaskId(1));
}

TEST(CheapEnergyTest, BadPricesAndParametersAreRefused) {
  Harness h(CheapEnergy());
  EXPECT_EQ(h.core().SetEnergyPrice(h.now(), 1, -0.1, h.d()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(h.core().SetEnergyPrice(h.now(), 1, std::nan(""), h.d()).code(),
            absl::StatusCode::kInvalidArgument);
  CoreConfig bad = CheapEnergy({{"max_price", "-1"}});
  EXPECT_EQ(Core::Create(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad = CheapEnergy({{"hold", "soon"}});
  EXPECT_EQ(Core::Create(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleetgrid::core::testing
