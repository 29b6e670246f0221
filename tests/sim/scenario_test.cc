// Scenario parsing: durations, defaults, overrides, and strict validation (every bad case
// names the key path).
#include "sim/scenario/scenario.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fleetgrid::sim {
namespace {

TEST(ScenarioTest, DefaultsAreFleet1Like) {
  auto s = ParseScenario("name: x\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "x");
  EXPECT_EQ(s->seed, 1u);
  EXPECT_EQ(s->horizon, Duration::Seconds(604800));
  EXPECT_EQ(s->grace_period, Duration::Seconds(300));
  EXPECT_EQ(s->fleet.size, 1000u);
  EXPECT_EQ(s->workload.BagTasks(s->fleet.size), 10000u);
  EXPECT_DOUBLE_EQ(s->availability.StartProbability(), 0.75);
  EXPECT_EQ(s->policy.name, "fifo");
  EXPECT_EQ(s->queue, QueueKind::kBucket);
}

TEST(ScenarioTest, Fleet1FileMatchesTheSpec) {
  auto s = LoadScenario(std::string(FLEETGRID_SOURCE_DIR) + "/scenarios/fleet1.yaml");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "fleet1");
  EXPECT_EQ(s->fleet.size, 1000u);
  ASSERT_EQ(s->fleet.classes.size(), 3u);
  EXPECT_EQ(s->fleet.classes[0].speed, 1);
  EXPECT_EQ(s->fleet.classes[0].share, 0.50);
  EXPECT_EQ(s->fleet.classes[1].speed, 2);
  EXPECT_EQ(s->fleet.classes[1].share, 0.35);
  EXPECT_EQ(s->fleet.classes[2].speed, 5);
  EXPECT_EQ(s->fleet.classes[2].share, 0.15);
  ASSERT_EQ(s->fleet.links.size(), 1u);
  EXPECT_EQ(s->fleet.links[0].bandwidth_bytes_per_s, 2.5e6);
  EXPECT_EQ(s->fleet.links[0].latency, Duration::Millis(50));
  EXPECT_EQ(s->availability.kind, models::AvailabilityKind::kExponentialOnOff);
  EXPECT_EQ(s->availability.mean_on, Duration::Seconds(21600));
  EXPECT_EQ(s->availability.mean_off, Duration::Seconds(7200));
  EXPECT_DOUBLE_EQ(s->availability.StartProbability(), 0.75);
  EXPECT_EQ(s->workload.kind, WorkloadKind::kBagOfTasks);
  EXPECT_EQ(s->workload.BagTasks(s->fleet.size), 10000u);
  EXPECT_EQ(s->workload.work.kind, WorkDistKind::kConstant);
  EXPECT_EQ(s->workload.work.mean, 3600);
  EXPECT_EQ(s->workload.input_bytes, 50'000'000u);
  EXPECT_EQ(s->workload.output_bytes, 5'000'000u);
  EXPECT_EQ(s->horizon, Duration::Seconds(604800));
  EXPECT_EQ(s->grace_period, Duration::Seconds(300));
  EXPECT_EQ(s->policy.name, "fifo");
}

TEST(ScenarioTest, OverridesAnyKey) {
  auto s = LoadScenario(
      std::string(FLEETGRID_SOURCE_DIR) + "/scenarios/fleet1.yaml",
      {"fleet.size=20000", "seed=9", "fleet.classes.0.share=0.4", "fleet.classes.1.share=0.45",
       "policy.params.k=3", "outputs.timeseries_interval=1h", "availability.mean_on=\"3h\""});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fleet.size, 20000u);
  EXPECT_EQ(s->workload.BagTasks(s->fleet.size), 200000u);
  EXPECT_EQ(s->seed, 9u);
  EXPECT_EQ(s->fleet.classes[0].share, 0.4);
  EXPECT_EQ(s->policy.params.at("k"), "3");
  EXPECT_EQ(s->outputs.timeseries_interval, Duration::Hours(1));
  EXPECT_EQ(s->availability.mean_on, Duration::Hours(3));
}

TEST(ScenarioTest, OverrideCanReplaceAList) {
  auto s = ParseScenario("name: x\n", {"fleet.classes=[{speed: 3, share: 1}]"});
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->fleet.classes.size(), 1u);
  EXPECT_EQ(s->fleet.classes[0].speed, 3);
}

TEST(ScenarioTest, MissingFileIsNotFound) {
  auto s = LoadScenario("/no/such/scenario.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.status().message().find("/no/such/scenario.yaml"), std::string::npos);
}

struct BadCase {
  const char* label;
  std::string yaml;
  std::vector<std::string> overrides;
  std::string expect;  // the message must start with this (key path + ": ")
};

// Printed by name, so test listings (and ctest's) stay one short line per case.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.label; }

class BadScenarioTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadScenarioTest, NamesTheKey) {
  const BadCase& c = GetParam();
  auto s = ParseScenario(c.yaml, c.overrides);
  ASSERT_FALSE(s.ok()) << c.label;
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(s.status().message()).rfind(c.expect, 0), 0u)
      << "message: " << s.status().message() << "\nexpected to start with: " << c.expect;
}

const char kTwoClasses[] =
    "fleet:\n  classes:\n    - {speed: 1, share: 0.5}\n    - {speed: 2, share: 0.5}\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, BadScenarioTest,
    ::testing::Values(
        BadCase{"unknown_top_key", "flet: {}\n", {}, "flet: unknown key"},
        // yaml-cpp would keep the first of the two and drop the second without a word.
        BadCase{"key_twice",
                "workload: {model: poisson}\nhorizon: 1d\nworkload: {model: job-trace}\n",
                {},
                "workload: given twice (again on line 3)"},
        BadCase{"nested_key_twice", "fleet: {size: 3, size: 4}\n", {}, "fleet.size: given twice"},
        BadCase{"unknown_nested_key", "fleet: {sise: 3}\n", {}, "fleet.sise: unknown key"},
        BadCase{"wrong_type_size", "fleet: {size: many}\n", {}, "fleet.size: expected a number"},
        BadCase{"fractional_size", "fleet: {size: 2.5}\n", {}, "fleet.size: expected a whole"},
        BadCase{"negative_size", "fleet: {size: -5}\n", {}, "fleet.size: must be >= 1"},
        BadCase{"shares_not_one",
                "fleet:\n  classes:\n    - {speed: 1, share: 0.5}\n    - {speed: 2, share: 0.4}\n",
                {},
                "fleet.classes: shares must sum to 1"},
        BadCase{"share_out_of_range",
                kTwoClasses,
                {"fleet.classes.1.share=1.5"},
                "fleet.classes[1].share: must be <= 1"},
        BadCase{"class_unknown_key",
                "fleet:\n  classes:\n    - {sped: 1}\n",
                {},
                "fleet.classes[0].sped: unknown key"},
        BadCase{"zero_speed",
                "fleet:\n  classes:\n    - {speed: 0}\n",
                {},
                "fleet.classes[0].speed: must be > 0"},
        BadCase{"link_shares",
                "fleet:\n  links:\n    - {share: 0.3, bandwidth_bytes_per_s: 1}\n",
                {},
                "fleet.links: shares must sum to 1"},
        BadCase{"link_bad_latency",
                "fleet:\n  links:\n    - {latency: fast}\n",
                {},
                "fleet.links[0].latency: expected a duration"},
        BadCase{"bad_duration",
                "availability: {mean_on: 6 hours}\n",
                {},
                "availability.mean_on: unknown duration unit"},
        BadCase{"negative_duration",
                "availability: {mean_off: -2h}\n",
                {},
                "availability.mean_off: must not be negative"},
        BadCase{"zero_mean_on",
                "availability: {mean_on: 0}\n",
                {},
                "availability.mean_on: must be > 0"},
        BadCase{"unknown_availability_model",
                "availability: {model: markov}\n",
                {},
                "availability.model: unknown model"},
        BadCase{"start_probability",
                "availability: {start_available: 1.2}\n",
                {},
                "availability.start_available: must be <= 1"},
        BadCase{"negative_rate",
                "workload: {model: poisson, job_rate_per_s: -1}\n",
                {},
                "workload.job_rate_per_s: must be >= 0"},
        BadCase{"zero_rate_poisson",
                "workload: {model: poisson}\n",
                {},
                "workload.job_rate_per_s: must be > 0"},
        BadCase{"unknown_distribution",
                "workload: {work: {distribution: gamma}}\n",
                {},
                "workload.work.distribution: unknown distribution"},
        BadCase{"negative_work", "workload: {work: -3}\n", {}, "workload.work: must be > 0"},
        BadCase{"work_unknown_key",
                "workload: {work: {mean: 3, shape: 2}}\n",
                {},
                "workload.work.shape: unknown key"},
        BadCase{"negative_bytes",
                "workload: {input_bytes: -1}\n",
                {},
                "workload.input_bytes: must be >= 0"},
        BadCase{"empty_bag",
                "workload: {tasks_per_car: 0}\n",
                {},
                "workload.tasks: the bag of tasks is empty"},
        BadCase{"bad_bool",
                "outputs: {attempts_csv: maybe}\n",
                {},
                "outputs.attempts_csv: expected true or false"},
        BadCase{"bad_queue", "engine: {queue: ladder}\n", {}, "engine.queue: unknown event queue"},
        BadCase{"zero_horizon", "horizon: 0\n", {}, "horizon: must be > 0"},
        BadCase{"policy_param_list",
                "policy: {name: fifo, params: {x: [1, 2]}}\n",
                {},
                "policy.params.x: expected a scalar"},
        BadCase{"fleet_not_map", "fleet: 12\n", {}, "fleet: expected a map"},
        BadCase{"override_unknown_key", "name: x\n", {"fleet.sizee=3"}, "fleet.sizee: unknown key"},
        BadCase{"override_bad_value",
                "name: x\n",
                {"fleet.size=lots"},
                "fleet.size: expected a number"},
        BadCase{"override_no_equals", "name: x\n", {"fleet.size"}, "--set fleet.size: expected"},
        BadCase{"override_bad_index",
                kTwoClasses,
                {"fleet.classes.9.share=1"},
                "fleet.classes.9: --set: no list item"},
        // Found by fuzz_scenario_yaml: an index too long for std::stoull threw.
        BadCase{"override_huge_index",
                kTwoClasses,
                {"fleet.classes.99999999999999999999999.share=1"},
                "fleet.classes.99999999999999999999999: --set: no list item"}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace fleetgrid::sim
