// Randomized property test: random interleavings of joins, leaves, silent departures,
// requests, results, duplicates and stale reports, failures and ticks; every invariant is
// checked after every step.
#include "coordinator/core/policy_registry.h"
#include "gtest/gtest.h"
#include "tests/core/churn_driver.h"

namespace fleetgrid::core::testing {
namespace {

bool RunProperty(const std::string& policy, uint64_t seed) {
  ChurnDriver::Options o;
  o.policy = policy;
  o.seed = seed;
  o.nodes = 16;
  o.owners = 6;
  o.replication = true;
  o.max_attempts = true;
  o.attempt_timeout = seed % 2 == 0 ? Duration::Minutes(20) : Duration::Infinite();
  ChurnDriver churn(o);
  for (int job = 0; job < 3; ++job) churn.Submit(25);
  for (int i = 0; i < 1200; ++i) {
    churn.Step();
    churn.CheckInvariants();
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "policy " << policy << " seed " << seed << " step " << i;
      return false;
    }
    if (i == 600) churn.Submit(20);
  }
  EXPECT_GT(churn.completed(), 0u);
  return true;
}

TEST(CorePropertyTest, InvariantsHoldUnderRandomInterleavingsFifo) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    if (!RunProperty("fifo", seed)) return;
  }
}

TEST(CorePropertyTest, InvariantsHoldUnderRandomInterleavingsEveryPolicy) {
  for (const std::string& name : PolicyRegistry::Global().Names()) {
    for (uint64_t seed = 100; seed <= 101; ++seed) {
      if (!RunProperty(name, seed)) return;
    }
  }
}

}  // namespace
}  // namespace fleetgrid::core::testing
