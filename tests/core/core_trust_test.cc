// Untrusted results: reputation (consecutive validated results), adaptive replication,
// spot-checks with known answers, the daily quota, and their rebuild by Restore. Each rule
// has a test that fails when the rule is removed.
#include <vector>

#include "coordinator/core/core.h"
#include "gtest/gtest.h"
#include "tests/core/harness.h"

namespace fleetgrid::core::testing {
namespace {

JobSpec Spec(uint32_t tasks, uint8_t replication, uint8_t quorum) {
  JobSpec spec;
  spec.name = "job";
  spec.task_count = tasks;
  spec.task.work_units = 10;
  spec.replication = replication;
  spec.quorum = quorum;
  return spec;
}

JobId Submit(Harness& h, const JobSpec& spec) {
  h.d().Clear();
  auto job = h.core().SubmitJob(h.now(), spec, h.d());
  EXPECT_TRUE(job.ok()) << job.status();
  return job.ok() ? *job : JobId::Invalid();
}

uint32_t Streak(Harness& h, NodeId n) { return h.core().GetNode(n)->consecutive_valid; }

// Runs one 2-of-2 task on (a, b), both answering `digest_a` / `digest_b`.
void Pair(Harness& h, NodeId a, NodeId b, uint32_t digest_a = 5, uint32_t digest_b = 5) {
  Submit(h, Spec(1, 2, 2));
  auto x = h.Request(a);
  auto y = h.Request(b);
  ASSERT_EQ(x.size(), 1u);
  ASSERT_EQ(y.size(), 1u);
  h.Result(x[0], digest_a);
  h.Result(y[0], digest_b);
}

TEST(TrustTest, AgreeingResultsInAQuorumBuildAStreak) {
  Harness h;
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  Pair(h, a, b);
  Pair(h, a, b);
  EXPECT_EQ(Streak(h, a), 2u);
  EXPECT_EQ(Streak(h, b), 2u);
}

// The live order: a coordinator starts empty, a job is submitted, then cars enroll. Would
// catch reputation allocated only for the nodes present when the first validating job
// came (none here): later cars then never build a streak and are never trusted.
TEST(TrustTest, NodesRegisteredAfterTheJobBuildAStreak) {
  Harness h;
  Submit(h, Spec(1, 2, 2));
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  auto x = h.Request(a);
  auto y = h.Request(b);
  ASSERT_EQ(x.size(), 1u);
  ASSERT_EQ(y.size(), 1u);
  h.Result(x[0], 5);
  h.Result(y[0], 5);
  EXPECT_EQ(Streak(h, a), 1u);
  EXPECT_EQ(Streak(h, b), 1u);
}

TEST(TrustTest, ResultsAcceptedAloneBuildNoStreak) {
  Harness h;
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  Pair(h, a, b);  // allocates reputation
  Submit(h, Spec(1, 1, 1));
  auto x = h.Request(a);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(h.Result(x[0]), ResultVerdict::kAccepted);
  EXPECT_EQ(Streak(h, a), 1u);  // quorum 1 checked nothing
  EXPECT_EQ(h.core().GetNode(a)->valid_results, 2u);
}

TEST(TrustTest, OneInvalidResultResetsTheStreakAtOnce) {
  Harness h;
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  const NodeId c = h.Node(3);
  Pair(h, a, c);
  Pair(h, a, c);
  Pair(h, a, c);
  ASSERT_EQ(Streak(h, c), 3u);
  // 2-of-3: a and b agree, c lies.
  Submit(h, Spec(1, 3, 2));
  auto x = h.Request(a);
  auto y = h.Request(b);
  auto z = h.Request(c);
  ASSERT_EQ(z.size(), 1u);
  EXPECT_EQ(h.Result(z[0], 9), ResultVerdict::kPendingQuorum);
  EXPECT_EQ(h.Result(x[0], 5), ResultVerdict::kPendingQuorum);
  EXPECT_EQ(h.Result(y[0], 5), ResultVerdict::kAccepted);
  EXPECT_EQ(Streak(h, c), 0u);
  EXPECT_EQ(h.core().GetNode(c)->invalid_results, 1u);
  EXPECT_EQ(Streak(h, a), 4u);
  EXPECT_EQ(h.core().view().NodeConsecutiveValid(a), 4u);
}

JobSpec Adaptive(uint32_t tasks, uint16_t threshold, double p) {
  JobSpec spec = Spec(tasks, 2, 2);
  spec.adaptive.trust_threshold = threshold;
  spec.adaptive.skip_probability = p;
  return spec;
}

TEST(AdaptiveTest, TrustedNodeRunsAloneAndIsAcceptedOnOneResult) {
  Harness h;
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  Pair(h, a, b);
  Pair(h, a, b);
  Submit(h, Adaptive(1, 2, 1.0));
  const TaskId task(h.core().task_count() - 1);
  auto x = h.Request(a);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_TRUE(h.core().GetTask(task)->unreplicated);
  EXPECT_FALSE(h.core().GetTask(task)->ready);  // no second copy wanted
  EXPECT_TRUE(h.Request(b).empty());
  EXPECT_EQ(h.Result(x[0], 5), ResultVerdict::kAccepted);
  EXPECT_EQ(h.Status(task), TaskStatus::kDone);
  EXPECT_EQ(h.core().stats().results_unreplicated, 1u);
  EXPECT_EQ(Streak(h, a), 2u);  // an unchecked result does not add trust
  h.ExpectAttemptBalance();
}

TEST(AdaptiveTest, NodeBelowTheThresholdIsReplicated) {
  Harness h;
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  Pair(h, a, b);
  Submit(h, Adaptive(1, 2, 1.0));
  auto x = h.Request(a);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_FALSE(h.core().GetTask(x[0].task)->unreplicated);
  EXPECT_EQ(h.Request(b).size(), 1u);  // the second copy
  EXPECT_EQ(h.Result(x[0], 5), ResultVerdict::kPendingQuorum);
}

TEST(AdaptiveTest, SkipsWithProbabilityPDeterministicallyForASeed) {
  const auto run = [](uint64_t seed) {
    CoreConfig config;
    config.seed = seed;
    Harness h(config);
    const NodeId a = h.Node(1);
    const NodeId b = h.Node(2);
    Pair(h, a, b);
    Submit(h, Adaptive(2000, 1, 0.25));
    std::vector<bool> solo;
    for (int i = 0; i < 2000; ++i) {
      auto x = h.Request(a);
      EXPECT_EQ(x.size(), 1u);
      if (x.empty()) break;
      const bool alone = h.core().GetTask(x[0].task)->unreplicated;
      solo.push_back(alone);
      if (!alone) {  // let b finish the pair so that a's streak keeps growing
        auto y = h.Request(b);
        EXPECT_EQ(y.size(), 1u);
        h.Result(y[0], 5);
      }
      h.Result(x[0], 5);
    }
    return solo;
  };
  const std::vector<bool> one = run(1);
  EXPECT_EQ(one, run(1));
  EXPECT_NE(one, run(2));
  const double share = static_cast<double>(std::count(one.begin(), one.end(), true)) / one.size();
  EXPECT_NEAR(share, 0.25, 0.04);
}

TEST(AdaptiveTest, NeedsAQuorumOfTwoAndAProbability) {
  Harness h;
  JobSpec spec = Spec(1, 1, 1);
  spec.adaptive.trust_threshold = 3;
  EXPECT_FALSE(h.core().SubmitJob(h.now(), spec, h.d()).ok());
  spec = Adaptive(1, 3, 1.5);
  EXPECT_FALSE(h.core().SubmitJob(h.now(), spec, h.d()).ok());
}

TEST(AdaptiveTest, AGroupWithoutATrustedNodeNeedsTheUntrustedQuorum) {
  Harness h;
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  const NodeId c = h.Node(3);
  const NodeId d = h.Node(4);
  Pair(h, a, b);
  Pair(h, a, b);  // a and b trusted (streak 2); c and d not
  JobSpec spec = Adaptive(1, 2, 0.0);
  spec.replication = 3;
  spec.adaptive.untrusted_quorum = 3;
  Submit(h, spec);
  const TaskId task(h.core().task_count() - 1);
  auto x = h.Request(c);
  auto y = h.Request(d);
  ASSERT_EQ(x.size(), 1u);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(h.Result(x[0], 5), ResultVerdict::kPendingQuorum);
  EXPECT_EQ(h.Result(y[0], 5), ResultVerdict::kPendingQuorum);  // 2 untrusted: not enough
  EXPECT_TRUE(h.core().GetTask(task)->ready);
  auto z = h.Request(a);
  ASSERT_EQ(z.size(), 1u);
  EXPECT_EQ(h.Result(z[0], 5), ResultVerdict::kAccepted);
  // With a trusted node in it, the plain quorum (2) is enough.
  Submit(h, spec);
  x = h.Request(c);
  y = h.Request(a);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(h.Result(x[0], 5), ResultVerdict::kPendingQuorum);
  EXPECT_EQ(h.Result(y[0], 5), ResultVerdict::kAccepted);
}

JobSpec WithCanary(uint32_t tasks, uint32_t index, uint32_t answer) {
  JobSpec spec = Spec(tasks, 2, 2);
  spec.known_answers.push_back({index, Digest(answer)});
  return spec;
}

TEST(SpotCheckTest, RightAnswerIsAcceptedAloneAndBuildsTrust) {
  Harness h;
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  Submit(h, WithCanary(1, 0, 5));
  auto x = h.Request(a);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_TRUE(h.core().GetTask(TaskId(0))->spot_check);
  EXPECT_TRUE(h.Request(b).empty());  // the answer is known: no copy needed
  EXPECT_EQ(h.Result(x[0], 5), ResultVerdict::kAccepted);
  EXPECT_EQ(h.Status(TaskId(0)), TaskStatus::kDone);
  EXPECT_EQ(Streak(h, a), 1u);
  EXPECT_EQ(h.core().stats().spot_checks_passed, 1u);
}

TEST(SpotCheckTest, WrongAnswerIsAStrikeAndTheTaskIsIssuedAgain) {
  Harness h;
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  Pair(h, a, b);
  ASSERT_EQ(Streak(h, a), 1u);
  Submit(h, WithCanary(1, 0, 5));
  const TaskId task(h.core().task_count() - 1);
  auto x = h.Request(a);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(h.Result(x[0], 6), ResultVerdict::kPendingQuorum);  // as any unsettled result
  ASSERT_EQ(h.d().ended.size(), 1u);
  EXPECT_EQ(h.d().ended[0].outcome, AttemptOutcome::kDisagreed);
  EXPECT_EQ(Streak(h, a), 0u);
  EXPECT_EQ(h.core().GetNode(a)->invalid_results, 1u);
  EXPECT_EQ(h.core().stats().spot_checks_failed, 1u);
  EXPECT_NE(h.Status(task), TaskStatus::kDone);
  auto y = h.Request(b);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].task, task);
  EXPECT_EQ(h.Result(y[0], 5), ResultVerdict::kAccepted);
  h.ExpectAttemptBalance();
}

TEST(SpotCheckTest, ACarCannotTellASpotCheckFromAnOrdinaryTask) {
  // The same calls with and without a known answer for task 0 give the same assignments.
  const auto first_assignment = [](bool canary) {
    Harness h;
    const NodeId a = h.Node(1);
    JobSpec spec = Spec(2, 1, 1);
    if (canary) spec.known_answers.push_back({0, Digest(5)});
    Submit(h, spec);
    auto x = h.Request(a);
    EXPECT_EQ(x.size(), 1u);
    return x.empty() ? Assignment{} : x[0];
  };
  const Assignment plain = first_assignment(false);
  const Assignment check = first_assignment(true);
  EXPECT_EQ(plain.node, check.node);
  EXPECT_EQ(plain.task, check.task);
  EXPECT_EQ(plain.job, check.job);
  EXPECT_EQ(plain.attempt, check.attempt);
  EXPECT_EQ(plain.epoch, check.epoch);
  EXPECT_EQ(plain.lease_deadline, check.lease_deadline);
  EXPECT_EQ(plain.resume_from_units, check.resume_from_units);
}

TEST(SpotCheckTest, KnownAnswersMustNameDistinctTasksOfTheJob) {
  Harness h;
  JobSpec spec = WithCanary(2, 2, 5);
  EXPECT_FALSE(h.core().SubmitJob(h.now(), spec, h.d()).ok());
  spec = WithCanary(2, 1, 5);
  spec.known_answers.push_back({1, Digest(5)});
  EXPECT_FALSE(h.core().SubmitJob(h.now(), spec, h.d()).ok());
}

CoreConfig Quota(uint16_t daily) {
  CoreConfig config;
  config.quota.daily = daily;
  return config;
}

TEST(QuotaTest, NodePastItsDailyQuotaGetsWorkAgainTheNextDay) {
  Harness h(Quota(2));
  const NodeId a = h.Node(1, 1, /*implicit=*/true);
  Submit(h, Spec(5, 1, 1));
  for (int i = 0; i < 2; ++i) {
    auto x = h.Request(a);
    ASSERT_EQ(x.size(), 1u);
    h.Result(x[0]);
  }
  EXPECT_TRUE(h.Request(a).empty());
  EXPECT_EQ(h.core().stats().quota_holds, 1u);
  EXPECT_EQ(h.core().GetNode(a)->waiting_slots, 0u);
  const TimePoint next_day = h.core().NextWakeup();  // a's own day boundary
  EXPECT_GT(next_day, h.now());
  EXPECT_LE(next_day, h.now() + Duration::Hours(24));
  EXPECT_EQ(QuotaDay(next_day, a.value()), QuotaDay(h.now(), a.value()) + 1);
  h.Set(next_day - Duration::Nanos(1));
  h.Tick();
  EXPECT_TRUE(h.d().assignments.empty());
  h.Set(next_day);
  h.Tick();
  ASSERT_EQ(h.d().assignments.size(), 1u);  // the held request is served
  EXPECT_EQ(h.d().assignments[0].node, a);
}

TEST(QuotaTest, ANewNodeStartsAtTheInitialQuota) {
  CoreConfig config = Quota(8);
  config.quota.initial = 1;
  Harness h(config);
  const NodeId a = h.Node(1, 1, true);
  const NodeId b = h.Node(2, 1, true);
  EXPECT_EQ(h.core().GetNode(a)->daily_quota, 1u);
  Pair(h, a, b);
  EXPECT_EQ(h.core().GetNode(a)->daily_quota, 2u);  // earned by a validated result
  config.quota.initial = 9;
  EXPECT_FALSE(Core::Create(config).ok());
}

// A new car at quota 1 asks for more work right after its first result, is held (quota
// used up), and its result is then validated: the quota grows to 2 and the held request is
// served the same day. Would catch a hold that lasts until the next day whatever the car
// earns (in the live system a fresh fleet then does one task per car per day).
TEST(QuotaTest, AValidatedResultReleasesANodeHeldByItsQuota) {
  CoreConfig config = Quota(8);
  config.quota.initial = 1;
  Harness h(config);
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  Submit(h, Spec(2, 2, 2));
  auto x = h.Request(a);
  ASSERT_EQ(x.size(), 1u);
  h.Result(x[0], 5);
  EXPECT_TRUE(h.Request(a).empty());  // held: quota 1, one used
  EXPECT_EQ(h.core().stats().quota_holds, 1u);
  auto y = h.Request(b);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].task, x[0].task);
  h.Result(y[0], 5);  // agrees: a's result is validated, its quota is 2
  EXPECT_EQ(h.core().GetNode(a)->daily_quota, 2u);
  ASSERT_EQ(h.d().assignments.size(), 1u);  // a's held request is served at once
  EXPECT_EQ(h.d().assignments[0].node, a);
}

// Three copies, a 2-of-3 quorum met by a and b: c's copy is withdrawn and its unit given
// back, so c (quota 1) takes the next task today. Would catch a cancelled copy that still
// counts: the live collusion run stalled at half its tasks, honest cars held for the day.
TEST(QuotaTest, ACopyWithdrawnAfterItsQuorumGivesItsUnitBack) {
  CoreConfig config = Quota(8);
  config.quota.initial = 1;
  Harness h(config);
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  const NodeId c = h.Node(3);
  Submit(h, Spec(1, 3, 2));
  auto x = h.Request(a);
  auto y = h.Request(b);
  auto z = h.Request(c);
  ASSERT_EQ(z.size(), 1u);
  h.Result(x[0], 5);
  h.Result(y[0], 5);  // quorum: c's copy is cancelled
  EXPECT_EQ(h.core().GetNode(c)->daily_quota, 1u);
  Submit(h, Spec(1, 1, 1));
  EXPECT_EQ(h.Request(c).size(), 1u);
  EXPECT_EQ(h.core().stats().quota_holds, 0u);
}

// A result accepted alone proves nothing about the car (no streak), but it lifts the quota
// like any accepted result. Would catch solo results that use a unit for good: a trusted
// car's unreplicated copies then stop it for the day.
TEST(QuotaTest, AResultAcceptedAloneLiftsTheQuotaButNotTheStreak) {
  CoreConfig config = Quota(8);
  config.quota.initial = 1;
  Harness h(config);
  const NodeId a = h.Node(1);
  for (int i = 0; i < 3; ++i) {
    Submit(h, Spec(1, 1, 1));
    auto x = h.Request(a);
    ASSERT_EQ(x.size(), 1u) << "task " << i;
    EXPECT_EQ(h.Result(x[0]), ResultVerdict::kAccepted);
  }
  EXPECT_EQ(h.core().GetNode(a)->daily_quota, 4u);
  EXPECT_EQ(Streak(h, a), 0u);
  EXPECT_EQ(h.core().stats().quota_holds, 0u);
}

TEST(QuotaTest, StrikesHalveTheQuotaAndValidResultsGrowItBack) {
  Harness h(Quota(8));
  const NodeId a = h.Node(1, 1, true);
  const NodeId b = h.Node(2, 1, true);
  const NodeId c = h.Node(3, 1, true);
  EXPECT_EQ(h.core().GetNode(c)->daily_quota, 8u);
  const auto lie = [&]() {  // a and b agree, c disagrees
    Submit(h, Spec(1, 3, 2));
    auto x = h.Request(a);
    auto y = h.Request(b);
    auto z = h.Request(c);
    ASSERT_EQ(z.size(), 1u);
    h.Result(z[0], 9);
    h.Result(x[0], 5);
    h.Result(y[0], 5);
  };
  const auto next_day = [&]() { h.Advance(Duration::Hours(24)); };
  lie();
  EXPECT_EQ(h.core().GetNode(c)->daily_quota, 4u);
  next_day();
  lie();
  EXPECT_EQ(h.core().GetNode(c)->daily_quota, 2u);
  next_day();
  lie();
  next_day();
  lie();
  EXPECT_EQ(h.core().GetNode(c)->daily_quota, 1u);  // never below 1
  next_day();
  Pair(h, a, c);
  EXPECT_EQ(h.core().GetNode(c)->daily_quota, 2u);
  EXPECT_EQ(h.core().GetNode(a)->daily_quota, 8u);  // never above daily
}

TEST(QuotaTest, AShrunkQuotaHoldsTheNodeBack) {
  Harness h(Quota(2));
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  Pair(h, a, b, 5, 6);  // no quorum yet: each used one assignment
  EXPECT_EQ(h.core().GetNode(b)->daily_quota, 2u);
  const NodeId c = h.Node(3);
  auto z = h.Request(c);
  ASSERT_EQ(z.size(), 1u);
  h.Result(z[0], 5);  // a and c agree: b struck, quota 2 -> 1, and it used 1 today
  EXPECT_EQ(h.core().GetNode(b)->daily_quota, 1u);
  Submit(h, Spec(1, 1, 1));
  EXPECT_TRUE(h.Request(b).empty());
  EXPECT_EQ(h.Request(a).size(), 1u);  // a (quota 2, one used) still gets it
}

TEST(TrustRestoreTest, RestoreRebuildsReputationQuotasAndUnreplicatedTasks) {
  CoreConfig config = Quota(50);
  config.record_changes = true;
  config.seed = 3;
  Harness h(config);
  std::vector<NodeId> nodes;
  for (uint32_t i = 0; i < 6; ++i) nodes.push_back(h.Node(i));
  JobSpec spec = Adaptive(300, 2, 0.5);
  spec.replication = 3;
  for (uint32_t i = 0; i < 300; i += 3) spec.known_answers.push_back({i, Digest(5)});
  Submit(h, spec);
  // Node 5 lies; the others answer 5. Some results are left unreported.
  std::vector<Assignment> held;
  for (int round = 0; round < 40; ++round) {
    for (const NodeId n : nodes) {
      for (const Assignment& a : h.Request(n)) held.push_back(a);
    }
    std::vector<Assignment> keep;
    for (size_t i = 0; i < held.size(); ++i) {
      if ((i + round) % 5 == 0) {
        keep.push_back(held[i]);
        continue;
      }
      h.Result(held[i], held[i].node == nodes[5] ? 9 : 5);
    }
    held = keep;
    h.Advance(Duration::Hours(3));
  }
  for (const NodeId n : nodes) h.Request(n);  // leave fresh copies running
  EXPECT_GT(h.core().stats().results_unreplicated, 0u);
  EXPECT_GT(h.core().stats().spot_checks_failed, 0u);
  std::vector<Change> log;
  h.core().TakeChanges(log);
  auto restored = Core::Restore(config, log, h.now());
  ASSERT_TRUE(restored.ok()) << restored.status();
  bool some_open_solo = false;
  for (uint32_t n = 0; n < h.core().node_count(); ++n) {
    const NodeInfo x = *h.core().GetNode(NodeId(n));
    const NodeInfo y = *(*restored)->GetNode(NodeId(n));
    EXPECT_EQ(x.consecutive_valid, y.consecutive_valid) << n;
    EXPECT_EQ(x.daily_quota, y.daily_quota) << n;
    EXPECT_EQ(x.valid_results, y.valid_results) << n;
    EXPECT_EQ(x.invalid_results, y.invalid_results) << n;
  }
  for (uint32_t t = 0; t < h.core().task_count(); ++t) {
    const TaskInfo x = *h.core().GetTask(TaskId(t));
    EXPECT_EQ(x, *(*restored)->GetTask(TaskId(t))) << t;
    some_open_solo |= x.unreplicated;
  }
  EXPECT_TRUE(some_open_solo);
  EXPECT_EQ(h.core().GetNode(nodes[5])->consecutive_valid, 0u);
}

}  // namespace
}  // namespace fleetgrid::core::testing
