// overflow (coordinator/core/policies/overflow.cc): cars take work first; datacenter nodes
// take only tasks whose deadline is at risk, and take them before any car.
#include "coordinator/core/core.h"
#include "coordinator/core/policy_registry.h"
#include "gtest/gtest.h"
#include "tests/core/harness.h"

namespace fleetgrid::core::testing {
namespace {

CoreConfig Overflow(PolicyParams params = {}) { return WithPolicy("overflow", std::move(params)); }

NodeId PoolNode(Harness& h, bool datacenter) {
  NodeSpec spec;
  spec.owner = OwnerId(h.core().stats().nodes_registered);
  spec.speed = datacenter ? 13.7 : 1;
  spec.datacenter = datacenter;
  spec.implicit_heartbeat = true;
  return h.core().RegisterNode(spec);
}

// Would catch: the datacenter used for work that is not at risk (paid hours wasted), at-risk
// work left to a car, or a datacenter node never woken when the risk time comes.
TEST(OverflowTest, TheDatacenterTakesOnlyWorkAtRisk) {
  Harness h(Overflow({{"risk", "0.5"}}));
  const NodeId dc = PoolNode(h, true);
  const NodeId car = PoolNode(h, false);
  EXPECT_TRUE(h.Request(dc).empty());
  h.Job(2, 1, 1, 0, 0, /*deadline=*/Duration::Hours(2));
  EXPECT_TRUE(h.d().assignments.empty());  // nothing at risk, no car waiting
  EXPECT_EQ(h.core().NextWakeup(), h.now() + Duration::Hours(1));
  const auto first = h.Request(car);  // a car takes the head at once
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].task, TaskId(0));
  h.Advance(Duration::Hours(1));  // half the deadline used: task 1 is at risk
  h.Tick();
  ASSERT_EQ(h.d().assignments.size(), 1u);
  EXPECT_EQ(h.d().assignments[0].node, dc);
  EXPECT_EQ(h.d().assignments[0].task, TaskId(1));
}

// Would catch: at-risk work given to a waiting car although a datacenter node waits too.
TEST(OverflowTest, AtRiskWorkGoesToTheDatacenterBeforeACar) {
  Harness h(Overflow({{"max_wait", "60"}}));
  const NodeId dc = PoolNode(h, true);
  const NodeId car = PoolNode(h, false);
  h.Request(dc);
  h.Job(2);                              // no deadline: at risk once it waited max_wait
  ASSERT_EQ(h.Request(car).size(), 1u);  // the car takes task 0 at once; task 1 waits
  h.Advance(Duration::Seconds(61));
  const NodeId car2 = PoolNode(h, false);
  const auto got = h.Request(car2);  // a car asks just as task 1 is at risk
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].node, dc);
  EXPECT_EQ(got[0].task, TaskId(1));
}

TEST(OverflowTest, BadParametersAreRefused) {
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"risk", "0"}, {"risk", "1.5"}, {"max_wait", "-1"}, {"margin", "2"}}) {
    EXPECT_EQ(Core::Create(Overflow({{k, v}})).status().code(), absl::StatusCode::kInvalidArgument)
        << k << "=" << v;
  }
}

}  // namespace
}  // namespace fleetgrid::core::testing
