// The hybrid pool (datacenter_pool, docs/economics.md): datacenter nodes beside the cars,
// the overflow policy that keeps them for work whose deadline is at risk, per-side figures,
// bad keys.
#include <gtest/gtest.h>

#include <string>

#include "tests/sim/run_summary.h"

namespace fleetgrid::sim {
namespace {

// Four cars of speed 1 that never leave and one H100 (speed 13.7); twelve tasks of an hour
// on a car, due 2h10m after they come in. The cars do four at a time: the last four would
// end at 3 h. Under overflow (risk 0.5) the H100 takes the four still waiting at 65 min.
const char kHybrid[] = R"(
name: hybrid-small
horizon: 1d
fleet:
  size: 4
  classes: [{speed: 1, share: 1}]
  links: [{bandwidth_bytes_per_s: 1e9, latency: 0s, share: 1}]
availability: {model: never-leaves}
workload: {tasks: 12, work: 3600, input_bytes: 0, output_bytes: 0, deadline: 130m}
datacenter_pool: {count: 1, hardware: H100, latency: 0s}
policy: {name: overflow, params: {risk: 0.5}}
outputs: {timeseries_interval: 0}
)";

// Would catch: the datacenter idle when work is at risk, work lost at the deadline although
// it could take it, or its work not counted apart from the fleet's.
TEST(HybridTest, TheDatacenterTakesTheWorkAtRisk) {
  const auto j = RunSim(kHybrid);
  ASSERT_TRUE(j["all_done"].get<bool>()) << j.dump();
  EXPECT_EQ(j["tasks_completed"].get<int>(), 12);
  const auto& p = j["datacenter_pool"];
  EXPECT_EQ(p["succeeded"].get<int>(), 4);
  EXPECT_DOUBLE_EQ(p["work_done_units"].get<double>(), 4 * 3600);
  EXPECT_DOUBLE_EQ(p["fleet_work_done_units"].get<double>(), 8 * 3600);
  EXPECT_NEAR(p["share_of_work"].get<double>(), 1.0 / 3, 1e-12);
  // Four tasks one after another on the H100 (1979 / 144 HW3s): 4 x 3600 / 13.74 s busy.
  EXPECT_NEAR(p["busy_hours"].get<double>(), 4 * 3600 / (1979.0 / 144) / 3600, 1e-6);
  EXPECT_EQ(j["deadline"]["jobs_failed"].get<int>(), 0);
}

// Would catch: the datacenter taking work that is not at risk under overflow, or a pool that
// does nothing without it; and without the pool the deadline cuts the last four tasks.
TEST(HybridTest, OverflowAgainstFifoAndAgainstNoPool) {
  const auto early = RunSim(kHybrid, {"workload.deadline=5h"});  // nothing is ever at risk
  EXPECT_EQ(early["datacenter_pool"]["succeeded"].get<int>(), 0);
  EXPECT_EQ(early["tasks_completed"].get<int>(), 12);
  const auto fifo = RunSim(kHybrid, {"policy=fifo"});  // the H100 is one more node
  EXPECT_GT(fifo["datacenter_pool"]["succeeded"].get<int>(), 4);
  const auto cars = RunSim(kHybrid, {"datacenter_pool.count=0", "policy=fifo"});
  EXPECT_FALSE(cars.contains("datacenter_pool"));
  EXPECT_EQ(cars["tasks_completed"].get<int>(), 8);
  EXPECT_EQ(cars["deadline"]["tasks_cancelled"].get<int>(), 4);
  EXPECT_EQ(cars["deadline"]["jobs_failed"].get<int>(), 1);
}

TEST(HybridTest, BadKeysAreClearErrors) {
  ExpectKeyErrors(
      kHybrid,
      {
          {"datacenter_pool={hardware: H100}", "datacenter_pool.count: required"},
          {"datacenter_pool={count: 2, hardware: TPU9}",
           "datacenter_pool.hardware: unknown hardware"},
          {"datacenter_pool={count: 2, racks: 1}", "datacenter_pool.racks: unknown key"},
          {"datacenter_pool={count: -1}", "datacenter_pool.count"},
          {"workload.deadline=0s", "workload.deadline: must be > 0"},
          {"policy={name: overflow, params: {risk: 2}}", "parameter risk must be in (0, 1]"},
      });
}

}  // namespace
}  // namespace fleetgrid::sim
