// Clients (workload.clients) and the fair-share policy in the simulator: per-client figures
// in summary.json, the fleet split by weight when every client has a backlog, bad keys.
#include <gtest/gtest.h>

#include <string>

#include "tests/sim/run_summary.h"

namespace fleetgrid::sim {
namespace {

// Twenty cars that never leave, far more work than they can do: a 10-task job of 600 units
// every 10 s, half of them lab-a's, half lab-b's.
const char kTwoLabs[] = R"(
name: two-labs
horizon: 6h
fleet:
  size: 20
  classes: [{speed: 1, share: 1}]
  links: [{bandwidth_bytes_per_s: 1e9, latency: 0s, share: 1}]
availability: {model: never-leaves}
workload:
  model: poisson
  job_rate_per_s: 0.1
  tasks_per_job: 10
  work: 600
  input_bytes: 0
  output_bytes: 0
  clients: [{name: lab-a, share: 0.5}, {name: lab-b, share: 0.5}]
outputs: {timeseries_interval: 0}
)";

double ShareOf(const nlohmann::ordered_json& j, size_t client) {
  return j["clients"][client]["share_of_work"].get<double>();
}

// Would catch: weights not reaching the brain, clients not drawn by share, or per-client
// work booked to the wrong client.
TEST(ClientsTest, FairShareSplitsABusyFleetByWeight) {
  const auto fifo = RunSim(kTwoLabs);
  ASSERT_EQ(fifo["clients"].size(), 2u);
  EXPECT_EQ(fifo["clients"][0]["name"], "lab-a");
  EXPECT_NEAR(ShareOf(fifo, 0), 0.5, 0.05);  // fifo: as submitted
  const auto fair =
      RunSim(kTwoLabs, {"policy={name: fair-share, params: {weights: 'lab-a:3,lab-b:1'}}"});
  EXPECT_NEAR(ShareOf(fair, 0), 0.75, 0.02);
  EXPECT_NEAR(ShareOf(fair, 1), 0.25, 0.02);
  // The books: clients' tasks add up to the run's, and the jobs to those submitted.
  const auto& c = fair["clients"];
  EXPECT_EQ(c[0]["tasks_done"].get<uint64_t>() + c[1]["tasks_done"].get<uint64_t>(),
            fair["tasks_completed"].get<uint64_t>());
  EXPECT_EQ(c[0]["jobs"].get<uint64_t>() + c[1]["jobs"].get<uint64_t>(),
            fair["jobs_submitted"].get<uint64_t>());
  // Equal work per task: three of lab-a's tasks done for each of lab-b's.
  EXPECT_NEAR(c[0]["tasks_done"].get<double>() / c[1]["tasks_done"].get<double>(), 3, 0.3);
}

TEST(ClientsTest, BadKeysAreClearErrors) {
  ExpectKeyErrors(
      kTwoLabs,
      {
          {"workload.clients=[{name: a, share: 0.5}]", "workload.clients: shares must sum to 1"},
          {"workload.clients=[{name: a, share: 0.5}, {name: a, share: 0.5}]",
           "workload.clients[1].name: \"a\" is given twice"},
          {"workload.clients=[{share: 1}]", "workload.clients[0].name: required"},
          {"workload.clients=[{name: a, weight: 2}]", "workload.clients[0].weight: unknown key"},
          {"workload.clients=lab", "workload.clients: expected a list"},
          {"policy={name: fair-share, params: {weights: 'lab-a:0'}}", "parameter weights"},
      });
}

}  // namespace
}  // namespace fleetgrid::sim
