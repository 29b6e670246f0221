// Metered data links (docs/economics.md, "Data"): an owner's daily cap keeps transfers that
// would pass it off the car's cellular link, a job may refuse metered links, and metered
// bytes are billed to the owner at the link's price.
#include <gtest/gtest.h>

#include <string>

#include "tests/sim/run_summary.h"

namespace fleetgrid::sim {
namespace {

// Ten cars that never leave, on a metered link capped at 100 MB a day; tasks of 30 MB in,
// nothing out, ten seconds of work.
const char kCapped[] = R"(
name: metered
horizon: 47h
fleet:
  size: 10
  classes: [{hardware: HW4, share: 1}]
  links: [{bandwidth_bytes_per_s: 1e8, latency: 0s, share: 1, metered: true, price_per_gb: 2}]
  owner_rules: {metered_daily_cap: 100MB}
availability: {model: never-leaves}
workload: {tasks: 200, work: 40, input_bytes: 30000000, output_bytes: 0}
outputs: {timeseries_interval: 0}
)";

// Would catch: a cap not enforced, enforced per attempt instead of per day, or never reset.
TEST(MeteredTest, TheDailyCapLimitsWhatACarMovesPerDay) {
  const auto j = RunSim(kCapped);
  // Three 30 MB tasks fit in 100 MB: three per car on each of the two days.
  EXPECT_EQ(j["tasks_completed"].get<int>(), 10 * 3 * 2);
  EXPECT_DOUBLE_EQ(j["data"]["metered_bytes"].get<double>(), 60 * 30e6);
  EXPECT_DOUBLE_EQ(j["data"]["transfer_bytes"].get<double>(), 60 * 30e6);
  // Without the cap every task runs on the first day.
  const auto free = RunSim(kCapped, {"fleet.owner_rules={plugged_only: false}"});
  EXPECT_EQ(free["tasks_completed"].get<int>(), 200);
}

// Would catch: a big transfer placed on a metered car whose cap it passes; Wi-Fi cars must
// take them all. Half the cars on Wi-Fi, half metered; tasks of 500 MB against a 100 MB cap.
TEST(MeteredTest, BigTransfersStayOffCappedMeteredLinks) {
  const auto j =
      RunSim(kCapped, {"fleet.links=[{bandwidth_bytes_per_s: 1e8, latency: 0s, share: 0.5}, "
                       "{bandwidth_bytes_per_s: 1e8, latency: 0s, share: 0.5, metered: true}]",
                       "workload.input_bytes=500000000", "workload.tasks=40"});
  EXPECT_TRUE(j["all_done"].get<bool>());
  EXPECT_DOUBLE_EQ(j["data"]["metered_bytes"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(j["data"]["transfer_bytes"].get<double>(), 40 * 500e6);
}

// Would catch: allow_metered ignored. On an all-metered fleet nothing runs; on a mixed one
// nothing moves over a metered link.
TEST(MeteredTest, AJobCanRefuseMeteredLinks) {
  const auto none = RunSim(kCapped, {"workload.allow_metered=false"});
  EXPECT_EQ(none["tasks_completed"].get<int>(), 0);
  const auto mixed =
      RunSim(kCapped, {"workload.allow_metered=false", "fleet.owner_rules={plugged_only: false}",
                       "fleet.links=[{bandwidth_bytes_per_s: 1e8, latency: 0s, share: 0.5}, "
                       "{bandwidth_bytes_per_s: 1e8, latency: 0s, share: 0.5, metered: true}]"});
  EXPECT_TRUE(mixed["all_done"].get<bool>());
  EXPECT_DOUBLE_EQ(mixed["data"]["metered_bytes"].get<double>(), 0);
}

// One car, two tasks of 0.5 GB over a metered link at 2 per GB: 2.00 of data, paid by the
// owner. Would catch: bytes billed per MB or GiB, or not taken from the owner's net.
TEST(MeteredTest, MeteredBytesAreBilledToTheOwner) {
  const std::vector<std::string> set = {"fleet.size=1", "workload.tasks=2",
                                        "workload.input_bytes=500000000",
                                        "fleet.owner_rules={plugged_only: false}"};
  auto with = set;
  with.push_back("economics={}");
  const auto j = RunSim(kCapped, with);
  ASSERT_TRUE(j["all_done"].get<bool>());
  const auto& e = j["economics"];
  EXPECT_NEAR(e["data_cost"].get<double>(), 2.00, 0.005);
  EXPECT_NEAR(e["owner_net"].get<double>(),
              e["owner_payouts"].get<double>() - e["electricity_cost"].get<double>() -
                  e["battery_wear_cost"].get<double>() - 2.00,
              1e-9);
}

TEST(MeteredTest, BadKeysAreClearErrors) {
  ExpectKeyErrors(
      kCapped,
      {
          {"fleet.links=[{bandwidth_bytes_per_s: 1e8, share: 1, price_per_gb: 2}]",
           "fleet.links[0].price_per_gb: only for a metered link"},
          {"fleet.links=[{bandwidth_bytes_per_s: 1e8, share: 1, metered: sometimes}]",
           "fleet.links[0].metered"},
          {"fleet.owner_rules={metered_daily_cap: lots}", "fleet.owner_rules.metered_daily_cap"},
          {"workload.allow_metered=2", "workload.allow_metered"},
      });
}

}  // namespace
}  // namespace fleetgrid::sim
