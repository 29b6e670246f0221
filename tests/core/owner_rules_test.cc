// Owner rules, batteries, departure warnings and learned stays in the brain.
#include "coordinator/core/owner_rules.h"

#include <cmath>
#include <map>

#include "common/rng.h"
#include "coordinator/core/stay_history.h"
#include "gtest/gtest.h"
#include "tests/core/harness.h"

namespace fleetgrid::core::testing {
namespace {

TimePoint At(int64_t seconds) { return TimePoint::Epoch() + Duration::Seconds(seconds); }

OwnerRules Rules(bool plugged_only = false, float min_soc = 0) {
  OwnerRules r;
  r.plugged_only = plugged_only;
  r.min_soc = min_soc;
  return r;
}

BatterySpec Battery(double capacity_wh = 1000, double power_w = 300) {
  return BatterySpec{capacity_wh, power_w};
}

TEST(OwnerRulesTest, BadRulesNameTheKey) {
  OwnerRules r;
  r.min_soc = 1.5f;
  absl::Status s = CheckOwnerRules(r, {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("owner_rules.min_soc"), std::string_view::npos) << s;
  r = OwnerRules{};
  r.windows.push_back({3600, 3600});
  s = CheckOwnerRules(r, {});
  EXPECT_NE(s.message().find("owner_rules.windows[0]"), std::string_view::npos) << s;
  r = OwnerRules{};
  s = CheckOwnerRules(r, BatterySpec{-5, 0});
  EXPECT_NE(s.message().find("battery.capacity_wh"), std::string_view::npos) << s;
}

TEST(OwnerRulesTest, WindowsWrapMidnightAndChain) {
  OwnerRules r;
  r.windows = {{22 * 3600, 0}, {0, 6 * 3600}};
  EXPECT_TRUE(InWindow(r, At(23 * 3600)));
  EXPECT_TRUE(InWindow(r, At(86400 + 3600)));
  EXPECT_FALSE(InWindow(r, At(12 * 3600)));
  // From 23:00 the two windows chain to 06:00: 7 h left.
  EXPECT_EQ(WindowLeft(r, At(23 * 3600)), Duration::Hours(7));
  EXPECT_EQ(NextWindowOpen(r, At(12 * 3600)), At(22 * 3600));
  // Local time: UTC+2 shifts the window two hours earlier in UTC.
  r.utc_offset_s = 7200;
  EXPECT_TRUE(InWindow(r, At(21 * 3600)));
  EXPECT_EQ(NextLocalMidnight(At(21 * 3600), 7200), At(22 * 3600));
}

TEST(OwnerRulesTest, ImpossibleSocIsRefusedAndChangesNothing) {
  Harness h;
  const NodeId n = h.Node();
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kPlugged, 0.4f, h.d()).ok());
  for (float bad : {1.5f, -0.2f, std::nanf("")}) {
    absl::Status s = h.core().Heartbeat(h.now(), n, NodeState::kDriving, bad, h.d());
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("battery_soc"), std::string_view::npos);
  }
  EXPECT_EQ(h.core().GetNode(n)->state, NodeState::kPlugged);
  EXPECT_FLOAT_EQ(h.core().view().NodeBattery(n), 0.4f);
  EXPECT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kPlugged, kSocUnknown, h.d()).ok());
}

TEST(OwnerRulesTest, PluggedOnlyNeverAssignsOffTheGridAndEndsOnUnplug) {
  Harness h;
  const NodeId n = h.Node();
  ASSERT_TRUE(h.core().SetOwnerRules(h.now(), n, Rules(true), Battery(), h.d()).ok());
  const JobId job = h.Job(1);
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kParked, 0.9f, h.d()).ok());
  EXPECT_TRUE(h.Request(n).empty());  // parked, not plugged
  h.d().Clear();
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kPlugged, 0.9f, h.d()).ok());
  ASSERT_EQ(h.d().assignments.size(), 1u);  // plugged in: the waiting car gets it
  h.Advance(Duration::Minutes(10));
  h.d().Clear();
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kParked, 0.9f, h.d()).ok());
  ASSERT_EQ(h.d().cancellations.size(), 1u);
  EXPECT_EQ(h.d().cancellations[0].reason, CancelReason::kOwnerRule);
  ASSERT_EQ(h.d().ended.size(), 1u);
  EXPECT_EQ(h.d().ended[0].outcome, AttemptOutcome::kCancelled);
  EXPECT_EQ(h.core().stats().attempts_ended_by_rules, 1u);
  EXPECT_EQ(h.Status(TaskId(0)), TaskStatus::kPending);  // requeued, not failed
  EXPECT_EQ(h.Status(job), JobStatus::kRunning);
  h.ExpectAttemptBalance();
}

TEST(OwnerRulesTest, EnergyIsCountedBeforeAssigning) {
  // 1000 Wh at SoC 0.5, floor 0.3: 200 Wh above the floor = 2400 s at 300 W.
  Harness h;
  const NodeId n = h.Node();
  ASSERT_TRUE(h.core().SetOwnerRules(h.now(), n, Rules(false, 0.3f), Battery(), h.d()).ok());
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kParked, 0.5f, h.d()).ok());
  h.Job(1, 1, 1, 0, 0, Duration::Infinite(), 3600);  // 300 Wh: would end below the floor
  EXPECT_TRUE(h.Request(n).empty());
  h.Job(1, 1, 1, 0, 0, Duration::Infinite(), 1800);  // 150 Wh: fits; the waiting car takes it
  ASSERT_EQ(h.d().assignments.size(), 1u);
  EXPECT_EQ(h.d().assignments[0].task, TaskId(1));
  auto got = h.d().assignments;
  // Plugged in, the battery does not matter: the long task runs too.
  const NodeId m = h.Node();
  ASSERT_TRUE(h.core().SetOwnerRules(h.now(), m, Rules(false, 0.3f), Battery(), h.d()).ok());
  ASSERT_TRUE(h.core().Heartbeat(h.now(), m, NodeState::kPlugged, 0.31f, h.d()).ok());
  got = h.Request(m);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].task, TaskId(0));
}

TEST(OwnerRulesTest, SocAtTheFloorEndsTheAttempt) {
  Harness h;
  const NodeId n = h.Node();
  ASSERT_TRUE(h.core().SetOwnerRules(h.now(), n, Rules(false, 0.3f), Battery(), h.d()).ok());
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kParked, 0.8f, h.d()).ok());
  h.Job(1, 1, 1, 0, 0, Duration::Infinite(), 3600);
  ASSERT_EQ(h.Request(n).size(), 1u);
  // The car drove the battery down meanwhile (say the owner's climate control): SoC 0.35
  // leaves 50 Wh above the floor, less than the 300 Wh still needed.
  h.Advance(Duration::Seconds(10));
  h.d().Clear();
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kParked, 0.35f, h.d()).ok());
  ASSERT_EQ(h.d().cancellations.size(), 1u);
  EXPECT_EQ(h.d().cancellations[0].reason, CancelReason::kOwnerRule);
}

TEST(OwnerRulesTest, WindowsHoldWorkUntilTheyOpenAndCloseOnRunningWork) {
  Harness h;
  const NodeId n = h.Node(Harness::kAutoOwner, 1, /*implicit=*/true);
  OwnerRules r;
  r.windows = {{1 * 3600, 5 * 3600}};  // 01:00-05:00 UTC
  ASSERT_TRUE(h.core().SetOwnerRules(h.now(), n, r, Battery(), h.d()).ok());
  h.Job(2, 1, 1, 0, 0, Duration::Infinite(), 3 * 3600);
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kPlugged, 0.9f, h.d()).ok());
  EXPECT_TRUE(h.Request(n).empty());
  EXPECT_EQ(h.core().NextWakeup(), At(3600));  // the window opens
  h.Set(At(3600));
  h.Tick();
  ASSERT_EQ(h.d().assignments.size(), 1u);
  // The task ends at 04:00 (3 h); at 04:00 the next 3 h task does not fit before 05:00.
  h.Set(At(4 * 3600));
  ASSERT_EQ(h.Result(h.d().assignments[0]), ResultVerdict::kAccepted);
  EXPECT_TRUE(h.Request(n).empty());
  // A task running when the window closes is ended there.
  h.Set(At(86400 + 3600));
  h.Tick();
  ASSERT_EQ(h.d().assignments.size(), 1u);
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kPlugged, 0.9f, h.d()).ok());
  // The owner narrows the window to 01:00-02:00 while it runs.
  r.windows = {{1 * 3600, 2 * 3600}};
  h.d().Clear();
  ASSERT_TRUE(h.core().SetOwnerRules(h.now(), n, r, Battery(), h.d()).ok());
  EXPECT_TRUE(h.d().cancellations.empty());
  h.Set(At(86400 + 2 * 3600));
  h.Tick();
  ASSERT_EQ(h.d().cancellations.size(), 1u);
  EXPECT_EQ(h.d().cancellations[0].reason, CancelReason::kOwnerRule);
  h.ExpectAttemptBalance();
}

TEST(OwnerRulesTest, DailyEnergyCapHoldsUntilTheNextLocalDay) {
  Harness h;
  const NodeId n = h.Node(Harness::kAutoOwner, 1, /*implicit=*/true);
  OwnerRules r;
  r.daily_energy_wh = 400;  // 300 W: 1 h of compute and a bit
  ASSERT_TRUE(h.core().SetOwnerRules(h.now(), n, r, Battery(), h.d()).ok());
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kPlugged, 0.9f, h.d()).ok());
  h.Job(3, 1, 1, 0, 0, Duration::Infinite(), 3600);
  auto got = h.Request(n);
  ASSERT_EQ(got.size(), 1u);
  h.Advance(Duration::Hours(1));
  ASSERT_EQ(h.Result(got[0]), ResultVerdict::kAccepted);
  EXPECT_TRUE(h.Request(n).empty());  // 300 Wh used; another 300 Wh would pass 400
  EXPECT_EQ(h.core().NextWakeup(), At(86400));
  h.Set(At(86400));
  h.Tick();
  EXPECT_EQ(h.d().assignments.size(), 1u);
}

TEST(OwnerRulesTest, WarningAsksForACheckpointInTimeForTheUpload) {
  Harness h;
  const NodeId n = h.Node();
  JobSpec spec;
  spec.name = "cp";
  spec.task_count = 2;
  spec.task.work_units = 7200;
  spec.task.checkpoint_bytes = 250'000'000;  // 100 s at 2.5 MB/s, + 50 ms latency
  ASSERT_TRUE(h.core().SubmitJob(h.now(), spec, h.d()).ok());
  auto got = h.Request(n);
  ASSERT_EQ(got.size(), 1u);
  h.Advance(Duration::Minutes(30));
  h.d().Clear();
  const TimePoint leave = h.now() + Duration::Minutes(20);
  ASSERT_TRUE(h.core().WarnDeparture(h.now(), n, leave, h.d()).ok());
  ASSERT_EQ(h.d().checkpoint_requests.size(), 1u);
  const CheckpointRequest& c = h.d().checkpoint_requests[0];
  EXPECT_EQ(c.attempt, got[0].attempt);
  EXPECT_EQ(c.departure, leave);
  const Duration upload = Duration::Seconds(100) + Duration::Millis(50);
  EXPECT_EQ(c.start_by, leave - upload - upload / 4);
  // A warning too late for the upload asks now; a warning in the past is refused.
  h.d().Clear();
  ASSERT_TRUE(h.core().WarnDeparture(h.now(), n, h.now() + Duration::Seconds(30), h.d()).ok());
  EXPECT_EQ(h.d().checkpoint_requests.at(0).start_by, h.now());
  EXPECT_EQ(h.core().WarnDeparture(h.now(), n, h.now() - Duration::Seconds(1), h.d()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(h.core().stats().departure_warnings, 2u);
}

TEST(StayHistoryTest, MedianOfLongerStays) {
  StayHistory s;
  for (int i = 0; i < 10; ++i) s.Add(Duration::Minutes(30));
  for (int i = 0; i < 10; ++i) s.Add(Duration::Hours(9));
  // Fresh arrival: half the stays are short, half long; at 1 h, only the 9 h stays remain.
  const Duration at0 = ExpectedRemainingStay(s.bins, Duration::Nanos(0));
  const Duration at1h = ExpectedRemainingStay(s.bins, Duration::Hours(1));
  EXPECT_GT(at1h, Duration::Hours(4));
  EXPECT_LT(at1h, Duration::Hours(16));
  EXPECT_LT(at0, at1h + Duration::Hours(1));
  EXPECT_TRUE(ExpectedRemainingStay(s.bins, Duration::Hours(24 * 30)).IsInfinite());
  // Forgetting keeps the count bounded and the shape.
  for (int i = 0; i < 1000; ++i) s.Add(Duration::Minutes(30));
  EXPECT_LT(s.total(), StayHistory::kForgetAt);
  EXPECT_LT(ExpectedRemainingStay(s.bins, Duration::Nanos(0)), Duration::Hours(1));
}

TEST(AvailabilityAwareTest, LongTasksGoToCarsThatStay) {
  CoreConfig cfg;
  cfg.policy = "availability-aware";
  Harness h(cfg);
  const NodeId shorty = h.Node(Harness::kAutoOwner, 1, true);
  const NodeId stayer = h.Node(Harness::kAutoOwner, 1, true);
  // Teach the core: `shorty` parks 20 min at a time, `stayer` 10 h.
  for (int i = 0; i < 8; ++i) {
    for (auto [node, stay] :
         {std::pair{shorty, Duration::Minutes(20)}, std::pair{stayer, Duration::Hours(10)}}) {
      h.d().Clear();
      ASSERT_TRUE(h.core().Connect(h.now(), node, {}, h.d()).ok());
      ASSERT_TRUE(h.core().NodeSilent(h.now() + stay, node).ok());
    }
    h.Advance(Duration::Hours(11));
    h.Tick();
  }
  h.Job(1, 1, 1, 0, 0, Duration::Infinite(), 4 * 3600);  // 4 h
  h.Job(1, 1, 1, 0, 0, Duration::Infinite(), 300);       // 5 min
  auto got = h.Request(shorty);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].task, TaskId(1));  // the short one, though the long one is older
  got = h.Request(stayer);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].task, TaskId(0));
}

TEST(AvailabilityAwareTest, PatienceKeepsLongTasksFromStarving) {
  CoreConfig cfg;
  cfg.policy = "availability-aware";
  cfg.policy_params = {{"patience", "600"}};
  Harness h(cfg);
  const NodeId n = h.Node(Harness::kAutoOwner, 1, true);
  h.d().Clear();
  ASSERT_TRUE(h.core().Connect(h.now(), n, {}, h.d()).ok());
  ASSERT_TRUE(h.core().WarnDeparture(h.now(), n, h.now() + Duration::Minutes(10), h.d()).ok());
  h.Job(1, 1, 1, 0, 0, Duration::Infinite(), 4 * 3600);
  EXPECT_TRUE(h.Request(n).empty());  // 10 min left: the 4 h task does not fit
  h.Advance(Duration::Minutes(9));
  h.Tick();
  EXPECT_TRUE(h.d().assignments.empty());  // still within its patience
  h.Advance(Duration::Minutes(2));
  h.d().Clear();
  ASSERT_TRUE(h.core().WarnDeparture(h.now(), n, h.now() + Duration::Minutes(10), h.d()).ok());
  EXPECT_EQ(h.d().assignments.size(), 1u);  // waited past its patience
}

TEST(AvailabilityAwareTest, BadParametersAreRefused) {
  CoreConfig cfg;
  cfg.policy = "availability-aware";
  cfg.policy_params = {{"margin", "0.5"}};
  EXPECT_EQ(Core::Create(cfg).status().code(), absl::StatusCode::kInvalidArgument);
  cfg.policy_params = {{"patience", "soon"}};
  EXPECT_EQ(Core::Create(cfg).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleetgrid::core::testing
