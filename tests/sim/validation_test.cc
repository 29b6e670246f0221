// Untrusted results at fleet scale: scenarios/cheaters.yaml (30% of the owners colluding on
// one wrong answer) run in full. With a 2-of-3 quorum over distinct owners plus reputation
// (adaptive replication, spot-checks, daily quota) almost no wrong result is accepted;
// with replication 1 the cheaters' share is accepted, so the check can fail.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/scenario/scenario.h"
#include "tests/sim/run_summary.h"

namespace fleetgrid::sim {
namespace {

const std::string kSource = FLEETGRID_SOURCE_DIR;

nlohmann::ordered_json RunWith(const std::vector<std::string>& overrides) {
  return SummaryOf(LoadScenario(kSource + "/scenarios/cheaters.yaml", overrides))["validation"];
}

// The scenario as it is (1,000 cars, 300 owners, 90 colluding, 30,000 ten-minute tasks): it
// runs in a fraction of a second.
const std::vector<std::string> kSmall = {};

nlohmann::ordered_json RunSmall() { return RunWith(kSmall); }

std::vector<std::string> With(std::vector<std::string> v, const std::vector<std::string>& more) {
  v.insert(v.end(), more.begin(), more.end());
  return v;
}

TEST(CheatersTest, QuorumAndReputationAcceptAlmostNoWrongResult) {
  const auto v = RunSmall();
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v["cheating_owners"], 90);
  EXPECT_GT(v["results_accepted"].get<uint64_t>(), 29000u);
  EXPECT_LE(v["wrong_accepted_share"].get<double>(), 0.001) << v.dump();
  EXPECT_GT(v["results_unreplicated"].get<uint64_t>(), 0u);  // adaptive replication at work
  EXPECT_GT(v["spot_checks_failed"].get<uint64_t>(), 0u);
  EXPECT_EQ(v["cheaters_never_caught"], 0);
}

TEST(CheatersTest, WithoutReplicationTheCheatersShareIsAccepted) {
  const auto v = RunWith(With(kSmall, {"workload.validation={replication: 1, quorum: 1}"}));
  ASSERT_TRUE(v.is_object());
  // About 30% of the cars cheat and every result is accepted as it comes.
  EXPECT_GT(v["wrong_accepted_share"].get<double>(), 0.2) << v.dump();
  EXPECT_NEAR(v["attempts_per_accepted_result"].get<double>(), 1.0, 0.1);
}

TEST(CheatersTest, ColludersBeatAPlainQuorumMoreThanLoneCheaters) {
  const std::vector<std::string> plain = {"workload.validation={replication: 3, quorum: 2}"};
  const auto colluding = RunWith(With(kSmall, plain));
  const auto alone = RunWith(With(kSmall, With(plain, {"fleet.malicious.colluding=false"})));
  ASSERT_TRUE(colluding.is_object());
  ASSERT_TRUE(alone.is_object());
  EXPECT_GT(colluding["wrong_accepted_share"].get<double>(), 0.05) << colluding.dump();
  EXPECT_EQ(alone["wrong_accepted_share"].get<double>(), 0.0) << alone.dump();
}

TEST(CheatersTest, SameSeedSameFigures) { EXPECT_EQ(RunSmall().dump(), RunSmall().dump()); }

}  // namespace
}  // namespace fleetgrid::sim

namespace fleetgrid::sim {
namespace {

std::string ParseError(const std::string& yaml) {
  auto s = ParseScenario(yaml);
  return s.ok() ? "ok" : std::string(s.status().message());
}

TEST(CheatersScenarioTest, BadKeysAreNamed) {
  EXPECT_NE(ParseError("fleet: {malicious: {owner_share: 1.5}}")
                .find("fleet.malicious.owner_share: must be <= 1"),
            std::string::npos);
  EXPECT_NE(ParseError("fleet: {malicious: {share: 0.3}}").find("fleet.malicious"),
            std::string::npos);
  EXPECT_NE(ParseError("fleet: {size: 10, owners: 11}").find("fleet.owners"), std::string::npos);
  EXPECT_NE(ParseError("workload: {validation: {replication: 2, quorum: 3}}")
                .find("workload.validation.quorum"),
            std::string::npos);
  EXPECT_NE(ParseError("workload: {validation: {trust_threshold: 5}}")
                .find("workload.validation.trust_threshold"),
            std::string::npos);
  EXPECT_NE(ParseError("workload: {validation: {spot_check_rate: -1}}")
                .find("workload.validation.spot_check_rate"),
            std::string::npos);
  EXPECT_NE(ParseError("workload: {validation: {daily_quota: 4, initial_quota: 5}}")
                .find("workload.validation.initial_quota"),
            std::string::npos);
  EXPECT_NE(ParseError("workload: {validation: {bogus: 1}}").find("workload.validation"),
            std::string::npos);
  EXPECT_EQ(ParseError("fleet: {owners: 300}"), "ok");
}

}  // namespace
}  // namespace fleetgrid::sim
