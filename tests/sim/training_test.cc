// Training rounds (workload.model: training, docs/workloads.md): synchronous rounds of K
// workers with a round deadline. The books by hand (straggler time and barrier wait), a
// departed worker that makes its round miss the deadline, a departure that only delays a
// round without one, a golden run and bad keys.
#include "sim/workload/training.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/sim/run_summary.h"

namespace fleetgrid::sim {
namespace {

const std::string kSource = FLEETGRID_SOURCE_DIR;

TimePoint At(double s) { return TimePoint::Epoch() + Duration::FromSecondsF(s); }

// Would catch: straggler time taken from the first result or the mean, barrier wait that
// counts the last worker, or a next round not asked for.
TEST(TrainingRoundsTest, StragglerAndBarrierWaitByHand) {
  TrainingRounds t({.runs = 1, .workers = 3, .rounds = 2, .round_deadline = Duration::Infinite()});
  t.Submitted(0, /*job=*/0, /*first_task=*/0, At(0));
  t.ResultAccepted(0, At(50));
  t.ResultAccepted(0, At(10));
  t.ResultAccepted(0, At(20));
  EXPECT_EQ(t.JobClosed(0, /*done=*/true, At(50)), 0u);  // run 0 goes on
  const TrainingResult& r = t.result();
  EXPECT_EQ(r.rounds_completed, 1u);
  EXPECT_DOUBLE_EQ(r.straggler_s, 50 - 20);  // last - median
  EXPECT_DOUBLE_EQ(r.barrier_wait_worker_s, (50 - 10) + (50 - 20));
  EXPECT_FALSE(t.AllDone());
  EXPECT_DOUBLE_EQ(t.Fraction(), 0.5);
}

// Would catch: a missed round counted as done or as a step forward, a lost attempt not
// charged to its round, or a finished run asking for more rounds.
TEST(TrainingRoundsTest, AMissedRoundIsRunAgain) {
  TrainingRounds t({.runs = 2, .workers = 2, .rounds = 1, .round_deadline = Duration::Seconds(60)});
  t.Submitted(0, 0, 0, At(0));
  t.Submitted(1, 1, 2, At(0));
  EXPECT_EQ(t.JobOfTask(3), 1u);
  t.AttemptLost(3);
  EXPECT_EQ(t.JobClosed(1, /*done=*/false, At(60)), 1u);
  EXPECT_EQ(t.RoundOf(1), 0u);  // the same round again
  EXPECT_EQ(t.result().rounds_missed, 1u);
  EXPECT_EQ(t.result().missed_with_loss, 1u);
  EXPECT_DOUBLE_EQ(t.result().missed_s, 60);
  t.Submitted(1, 2, 4, At(60));
  EXPECT_EQ(t.JobClosed(0, true, At(30)), TrainingRounds::kNone);  // run 0 is finished
  EXPECT_FALSE(t.AllDone());
  EXPECT_EQ(t.JobClosed(2, true, At(90)), TrainingRounds::kNone);
  EXPECT_TRUE(t.AllDone());
  EXPECT_FALSE(t.IsRound(7));
}

// Eight cars of speed 1 that stay for hours and leave for a while; rounds of four workers,
// each 1 s of input, 600 s of work and 1 s of output (602.1 s with latencies). A deadline of
// 605 s leaves no room to recompute a departed worker's task from the start, even when its
// car comes back at once (within the grace, so the brain requeues the task at its return).
const char kRounds[] = R"(
name: rounds
seed: 5
horizon: 2d
grace_period: 300s
fleet:
  size: 8
  classes: [{speed: 1, share: 1}]
  links: [{bandwidth_bytes_per_s: 1e7, latency: 50ms, share: 1}]
availability: {model: exponential-on-off, mean_on: 3h, mean_off: 20m}
workload:
  model: training
  training: {runs: 1, workers: 4, round_deadline: 605s}
  work: 600
  input_bytes: 10000000
  output_bytes: 10000000
outputs: {timeseries_interval: 0}
)";

// The issue's rule: a round with a departed worker misses its deadline. Would catch: a round
// that completes although a worker left (the deadline not enforced, or the lost worker's
// result counted), or rounds that miss without a cause.
TEST(TrainingTest, ARoundWithADepartedWorkerMissesItsDeadline) {
  const auto j = RunSim(kRounds);
  const auto& t = j["training"];
  ASSERT_TRUE(t.is_object()) << j.dump();
  EXPECT_GT(t["rounds_completed"].get<int>(), 100);
  EXPECT_GT(t["rounds_missed"].get<int>(), 0);
  EXPECT_GT(t["missed_with_loss"].get<int>(), 0);
  EXPECT_EQ(t["rounds_delayed_by_loss"].get<int>(), 0);  // a loss never fits the deadline
  // No completed round took longer than its deadline (histogram buckets are within 0.8%).
  EXPECT_LE(t["round_time_s"]["p99"].get<double>(), 605 * 1.008);
  EXPECT_GT(t["worker_attempts_lost"].get<int>(), 0);
  EXPECT_NEAR(t["rounds_per_hour"].get<double>(),
              t["rounds_completed"].get<double>() / (j["end_s"].get<double>() / 3600), 1e-9);
}

// Without a deadline the same departures only delay their rounds. Would catch: rounds
// dropped without a deadline, or a delayed round not counted.
TEST(TrainingTest, WithoutADeadlineADepartureDelaysItsRound) {
  const auto j = RunSim(kRounds, {"workload.training={workers: 4}"});
  const auto& t = j["training"];
  EXPECT_EQ(t["rounds_missed"].get<int>(), 0);
  EXPECT_GT(t["rounds_delayed_by_loss"].get<int>(), 0);
  EXPECT_GT(t["round_time_s"]["p99"].get<double>(), 605 * 1.008);
}

// A run of a fixed number of rounds stops when they are done; identical cars finish
// together, so there is no straggler time. Would catch: extra rounds, or a run that does not
// stop.
TEST(TrainingTest, AFixedNumberOfRoundsEndsTheRun) {
  const auto j = RunSim(kRounds, {"availability={model: never-leaves}",
                                  "workload.training={runs: 2, workers: 4, rounds: 10}"});
  const auto& t = j["training"];
  EXPECT_TRUE(j["all_done"].get<bool>());
  EXPECT_EQ(t["rounds_completed"].get<int>(), 20);
  EXPECT_EQ(j["tasks_completed"].get<int>(), 2 * 10 * 4);
  EXPECT_DOUBLE_EQ(t["straggler_s"].get<double>(), 0);
  // 10 rounds one after another, each input (1 s + latency), 600 s, output (1 s + latency).
  EXPECT_NEAR(j["makespan_s"].get<double>(), 10 * (602.1), 1e-6);
}

// scenarios/training.yaml at 500 cars for 12 hours: every deterministic key is pinned.
TEST(TrainingTest, Golden) {
  auto s = LoadScenario(kSource + "/scenarios/training.yaml", {"fleet.size=500", "horizon=12h"});
  ASSERT_TRUE(s.ok()) << s.status();
  ExpectGolden(SummaryOf(s), "training_n500_seed4");
}

TEST(TrainingTest, BadKeysAreClearErrors) {
  ExpectKeyErrors(
      kRounds,
      {
          {"workload.training={runs: 1}", "workload.training.workers: required"},
          {"workload.training={workers: 0}", "workload.training.workers"},
          {"workload.training={workers: 4, round_deadline: 0s}",
           "workload.training.round_deadline: must be > 0"},
          {"workload.training={workers: 4, epochs: 3}", "workload.training.epochs: unknown key"},
          {"workload.model=poisson", "workload.training: only for model: training"},
      });
  const absl::Status none = RunError(
      "workload: {model: training}\nfleet: {size: 4}\navailability: {model: never-leaves}\n");
  EXPECT_NE(none.message().find("workload.training: the training model needs"), std::string::npos)
      << none;
}

}  // namespace
}  // namespace fleetgrid::sim
