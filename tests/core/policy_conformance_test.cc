// One conformance suite run over every registered policy.
#include "coordinator/core/policy_registry.h"
#include "gtest/gtest.h"
#include "tests/core/churn_driver.h"

namespace fleetgrid::core::testing {
namespace {

class PolicyConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  ChurnDriver::Options Opts(uint64_t seed) {
    ChurnDriver::Options o;
    o.policy = GetParam();
    o.seed = seed;
    return o;
  }
};

// Absorb() checks each assignment: never a task twice at once, never an unavailable node.
TEST_P(PolicyConformanceTest, NeverDoubleAssignsNorUsesUnavailableNodes) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    ChurnDriver churn(Opts(seed));
    churn.Submit(60);
    churn.Submit(40);
    for (int i = 0; i < 1500; ++i) churn.Step();
    churn.CheckInvariants();
    EXPECT_GT(churn.assignment_log().size(), 50u);
  }
}

TEST_P(PolicyConformanceTest, DeterministicForASeed) {
  auto run = [&](uint64_t seed) {
    ChurnDriver churn(Opts(seed));
    churn.Submit(50);
    for (int i = 0; i < 800; ++i) churn.Step();
    std::vector<std::pair<uint32_t, uint32_t>> picks;
    for (const auto& a : churn.assignment_log()) picks.emplace_back(a.node.value(), a.task.value());
    return picks;
  };
  EXPECT_EQ(run(11), run(11));
}

TEST_P(PolicyConformanceTest, EveryTaskDoneWhenNodesKeepComingBack) {
  ChurnDriver churn(Opts(5));
  churn.Submit(150);
  churn.Submit(50);
  for (int i = 0; i < 500; ++i) churn.Step();
  ASSERT_TRUE(churn.RunToCompletion(60000));
  EXPECT_EQ(churn.core().stats().tasks_done, churn.core().task_count());
  EXPECT_EQ(churn.core().stats().jobs_done, 2u);
  churn.CheckInvariants();
}

TEST_P(PolicyConformanceTest, ReportsItsName) {
  ChurnDriver churn(Opts(1));
  EXPECT_EQ(churn.core().policy_name(), GetParam());
}

// The suite's properties for a policy with parameters and a driver with options (models,
// price zones, clients, datacenter nodes): over three seeds and these jobs, no double
// assignment, no unavailable node, the books balance, and every task gets done: the
// policy's waits (delay scheduling, holds) must not lose a task nor stall the run.
void ExpectConformsUnderChurn(ChurnDriver::Options o, const std::vector<uint32_t>& jobs) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    o.seed = seed;
    ChurnDriver churn(o);
    for (uint32_t tasks : jobs) churn.Submit(tasks);
    for (int i = 0; i < 1500; ++i) churn.Step();
    churn.CheckInvariants();
    EXPECT_GT(churn.assignment_log().size(), 50u);
    ASSERT_TRUE(churn.RunToCompletion(60000)) << o.policy << " seed " << seed;
    EXPECT_EQ(churn.core().stats().tasks_done, churn.core().task_count());
    churn.CheckInvariants();
  }
}

// fifo with model affinity and delay scheduling, on jobs of three models.
TEST(PolicyConformance, FifoWithModelAffinity) {
  ChurnDriver::Options o;
  o.policy = "fifo";
  o.policy_params = {{"affinity", "true"}, {"affinity_wait", "120"}};
  o.models = 3;
  ExpectConformsUnderChurn(o, {60, 40, 50});
}

// cheap-energy with prices that move above and below its max_price: dear zones wait (for a
// fall or the hold).
TEST(PolicyConformance, CheapEnergyWithMovingPrices) {
  ChurnDriver::Options o;
  o.policy = "cheap-energy";
  o.policy_params = {{"max_price", "0.25"}, {"hold", "600"}};
  o.price_zones = 3;
  ExpectConformsUnderChurn(o, {60, 40});
}

// fair-share with three weighted clients.
TEST(PolicyConformance, FairShareWithWeightedClients) {
  ChurnDriver::Options o;
  o.policy = "fair-share";
  o.policy_params = {{"weights", "c0:3,c1:1,c2:0.5"}};
  o.clients = 3;
  ExpectConformsUnderChurn(o, {60, 40, 50});
}

// overflow with two datacenter nodes that take work only once it waited 10 minutes.
TEST(PolicyConformance, OverflowWithDatacenterNodes) {
  ChurnDriver::Options o;
  o.policy = "overflow";
  o.policy_params = {{"max_wait", "600"}};
  o.datacenter_nodes = 2;
  ExpectConformsUnderChurn(o, {60, 40});
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, PolicyConformanceTest,
                         ::testing::ValuesIn(PolicyRegistry::Global().Names()),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace fleetgrid::core::testing
