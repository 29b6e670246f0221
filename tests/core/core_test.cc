// Unit tests of the brain's state machine, driven by a ManualClock (no sleeps).
#include "coordinator/core/core.h"

#include "gtest/gtest.h"
#include "tests/core/harness.h"

namespace fleetgrid::core::testing {
namespace {

constexpr Duration kGrace = Duration::Seconds(300);

TEST(CoreTest, CreateRejectsUnknownPolicy) {
  CoreConfig config;
  config.policy = "no-such-policy";
  auto core = Core::Create(config);
  EXPECT_EQ(core.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CoreTest, SubmitValidationNamesTheField) {
  Harness h;
  Decisions d;
  JobSpec spec;
  EXPECT_EQ(h.core().SubmitJob(h.now(), spec, d).status().code(),
            absl::StatusCode::kInvalidArgument);
  spec.task_count = 2;
  spec.tasks.resize(3);
  auto s = h.core().SubmitJob(h.now(), spec, d).status();
  EXPECT_NE(s.message().find("tasks"), std::string_view::npos) << s;
  spec.tasks.clear();
  spec.replication = 2;
  spec.quorum = 3;
  s = h.core().SubmitJob(h.now(), spec, d).status();
  EXPECT_NE(s.message().find("quorum"), std::string_view::npos) << s;
  spec.quorum = 1;
  spec.task.work_units = -1;
  s = h.core().SubmitJob(h.now(), spec, d).status();
  EXPECT_NE(s.message().find("work_units"), std::string_view::npos) << s;
  EXPECT_EQ(h.core().task_count(), 0u);
  EXPECT_EQ(h.core().job_count(), 0u);
}

TEST(CoreTest, UnknownNodeIsNotFound) {
  Harness h;
  Decisions d;
  EXPECT_EQ(h.core().RequestWork(h.now(), NodeId(5), 1, d).code(), absl::StatusCode::kNotFound);
}

TEST(CoreTest, JobLifecycleQueuedRunningDone) {
  Harness h;
  const NodeId n = h.Node();
  const JobId job = h.Job(2);
  ASSERT_EQ(h.d().job_changes.size(), 1u);
  EXPECT_EQ(h.d().job_changes[0].status, JobStatus::kQueued);
  EXPECT_EQ(h.Status(job), JobStatus::kQueued);
  auto a = h.Request(n);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].task, TaskId(0));
  EXPECT_EQ(a[0].epoch, 1u);
  EXPECT_EQ(a[0].attempt, Core::MakeAttemptId(TaskId(0), 1));
  EXPECT_EQ(h.Status(job), JobStatus::kRunning);
  EXPECT_EQ(h.Status(TaskId(0)), TaskStatus::kRunning);
  EXPECT_EQ(h.Result(a[0]), ResultVerdict::kAccepted);
  ASSERT_EQ(h.d().completed.size(), 1u);
  EXPECT_EQ(h.Status(TaskId(0)), TaskStatus::kDone);
  a = h.Request(n);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(h.Result(a[0]), ResultVerdict::kAccepted);
  ASSERT_EQ(h.d().job_changes.size(), 1u);
  EXPECT_EQ(h.d().job_changes[0].status, JobStatus::kDone);
  EXPECT_EQ(h.core().stats().tasks_done, 2u);
  EXPECT_EQ(h.core().stats().jobs_done, 1u);
  EXPECT_EQ(h.core().GetNode(n)->valid_results, 2u);
  h.ExpectAttemptBalance();
}

TEST(CoreTest, SubmitAssignsToNodesAlreadyWaiting) {
  Harness h;
  const NodeId n = h.Node();
  EXPECT_TRUE(h.Request(n).empty());
  EXPECT_EQ(h.core().stats().nodes_waiting, 1u);
  h.Job(1);
  ASSERT_EQ(h.d().assignments.size(), 1u);
  EXPECT_EQ(h.d().assignments[0].node, n);
  EXPECT_EQ(h.core().stats().nodes_waiting, 0u);
}

TEST(CoreTest, LeaseExpiresExactlyAtGraceNotOneNanosecondEarlier) {
  Harness h;
  const NodeId n = h.Node();
  h.Job(1);
  h.Set(TimePoint::FromNanos(Duration::Seconds(5).nanos()));
  auto a = h.Request(n);
  ASSERT_EQ(a.size(), 1u);
  const TimePoint due = h.now() + kGrace;
  EXPECT_EQ(h.core().NextWakeup(), due);
  h.Set(due - Duration::Nanos(1));
  h.Tick();
  EXPECT_TRUE(h.d().ended.empty());
  EXPECT_EQ(h.core().GetNode(n)->connection, NodeConnection::kConnected);
  h.Set(due);
  h.Tick();
  ASSERT_EQ(h.d().ended.size(), 1u);
  EXPECT_EQ(h.d().ended[0].outcome, AttemptOutcome::kLost);
  EXPECT_EQ(h.core().GetNode(n)->connection, NodeConnection::kLost);
  EXPECT_EQ(h.Status(TaskId(0)), TaskStatus::kPending);
  EXPECT_TRUE(h.core().GetTask(TaskId(0))->ready);
  EXPECT_EQ(h.core().NextWakeup(), TimePoint::Infinite());
  h.ExpectAttemptBalance();
}

TEST(CoreTest, HeartbeatPostponesLoss) {
  Harness h;
  const NodeId n = h.Node();
  h.Request(n);
  h.Advance(Duration::Seconds(200));
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kPlugged, 0.5f, h.d()).ok());
  EXPECT_EQ(h.core().NextWakeup(), h.now() + kGrace);
  h.Advance(Duration::Seconds(299));
  h.Tick();
  EXPECT_EQ(h.core().GetNode(n)->connection, NodeConnection::kConnected);
  h.Advance(Duration::Seconds(1));
  h.Tick();
  EXPECT_EQ(h.core().GetNode(n)->connection, NodeConnection::kLost);
}

TEST(CoreTest, SilentImplicitNodeLostAtLastHeardPlusGrace) {
  Harness h;
  const NodeId n = h.Node(Harness::kAutoOwner, 1, /*implicit=*/true);
  h.Job(1);
  auto a = h.Request(n);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(h.core().NextWakeup(), TimePoint::Infinite());  // implicit heartbeats
  h.Advance(Duration::Seconds(1000));
  const TimePoint left = h.now() - Duration::Seconds(10);  // the car drove off 10 s ago
  ASSERT_TRUE(h.core().NodeSilent(left, n).ok());
  EXPECT_EQ(h.core().NextWakeup(), left + kGrace);
  h.Set(left + kGrace - Duration::Nanos(1));
  h.Tick();
  EXPECT_TRUE(h.d().ended.empty());
  h.Set(left + kGrace);
  h.Tick();
  ASSERT_EQ(h.d().ended.size(), 1u);
  EXPECT_EQ(h.d().ended[0].outcome, AttemptOutcome::kLost);
  EXPECT_EQ(h.d().ended[0].attempt, a[0].attempt);
}

TEST(CoreTest, ReconnectWhileSilentCancelsLossAndKeepsHeldAttempts) {
  Harness h;
  const NodeId n = h.Node(Harness::kAutoOwner, 1, true, 2);
  h.Job(2);
  auto a = h.Request(n, 2);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_TRUE(h.core().NodeSilent(h.now(), n).ok());
  h.Advance(Duration::Seconds(100));
  const HeldAttempt held[] = {{a[1].attempt, a[1].epoch}};
  h.d().Clear();
  ASSERT_TRUE(h.core().Connect(h.now(), n, held, h.d()).ok());
  ASSERT_EQ(h.d().ended.size(), 1u);  // the attempt it no longer holds
  EXPECT_EQ(h.d().ended[0].attempt, a[0].attempt);
  EXPECT_EQ(h.d().ended[0].outcome, AttemptOutcome::kLost);
  h.Advance(Duration::Seconds(1000));
  h.Tick();
  EXPECT_TRUE(h.d().ended.empty());
  EXPECT_EQ(h.core().GetNode(n)->connection, NodeConnection::kConnected);
  EXPECT_EQ(h.Result(a[1]), ResultVerdict::kAccepted);
}

TEST(CoreTest, RequestFromSilentNodeStartsANewSession) {
  Harness h;
  const NodeId n = h.Node(Harness::kAutoOwner, 1, true);
  h.Job(2);
  auto a = h.Request(n);
  ASSERT_TRUE(h.core().NodeSilent(h.now(), n).ok());
  h.Advance(Duration::Seconds(100));  // back before the loss would fire
  auto b = h.Request(n);
  ASSERT_EQ(h.d().ended.size(), 1u);
  EXPECT_EQ(h.d().ended[0].attempt, a[0].attempt);
  EXPECT_EQ(h.d().ended[0].outcome, AttemptOutcome::kLost);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].task, TaskId(0));  // requeued at the head
  EXPECT_EQ(h.core().NextWakeup(), TimePoint::Infinite());
}

TEST(CoreTest, StaleEpochRejectedAndStateUnchanged) {
  Harness h;
  const NodeId a = h.Node();
  const NodeId b = h.Node();
  h.Job(1);
  auto first = h.Request(a);
  ASSERT_EQ(first.size(), 1u);
  h.Advance(kGrace);
  h.Tick();  // a lost
  auto second = h.Request(b);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].epoch, 2u);
  const TaskInfo task_before = *h.core().GetTask(TaskId(0));
  const NodeInfo a_before = *h.core().GetNode(a);
  const CoreStats stats_before = h.core().stats();

  EXPECT_EQ(h.Result(first[0]), ResultVerdict::kRejectedStaleEpoch);
  EXPECT_TRUE(h.d().empty());
  h.d().Clear();
  EXPECT_EQ(h.core().ReportFailure(h.now(), a, first[0].attempt, 1, h.d()),
            ResultVerdict::kRejectedStaleEpoch);
  auto progress = h.core().ReportProgress(h.now(), a, first[0].attempt, 1, 10, true, h.d());
  EXPECT_EQ(*progress, ResultVerdict::kRejectedStaleEpoch);
  // Epoch that does not match the attempt id, unknown attempt, another node.
  EXPECT_EQ(h.core().ReportResult(h.now(), b, second[0].attempt, 1, Digest(1), h.d()),
            ResultVerdict::kRejectedStaleEpoch);
  EXPECT_EQ(
      h.core().ReportResult(h.now(), b, Core::MakeAttemptId(TaskId(0), 3), 3, Digest(1), h.d()),
      ResultVerdict::kRejectedUnknownAttempt);
  EXPECT_EQ(
      h.core().ReportResult(h.now(), b, Core::MakeAttemptId(TaskId(9), 1), 1, Digest(1), h.d()),
      ResultVerdict::kRejectedUnknownAttempt);
  EXPECT_EQ(h.core().ReportResult(h.now(), a, second[0].attempt, 2, Digest(1), h.d()),
            ResultVerdict::kRejectedWrongNode);
  EXPECT_TRUE(h.d().empty());
  EXPECT_EQ(*h.core().GetTask(TaskId(0)), task_before);
  EXPECT_EQ(*h.core().GetNode(a), a_before);
  EXPECT_EQ(h.core().stats().tasks_done, stats_before.tasks_done);
  EXPECT_EQ(h.core().stats().attempts_live, stats_before.attempts_live);
  EXPECT_EQ(h.core().stats().reports_rejected, stats_before.reports_rejected + 7);
  EXPECT_EQ(h.Result(second[0]), ResultVerdict::kAccepted);
}

TEST(CoreTest, DuplicateResultIsIdempotent) {
  Harness h;
  const NodeId n = h.Node();
  const NodeId other = h.Node();
  h.Job(1);
  auto a = h.Request(n);
  EXPECT_EQ(h.Result(a[0]), ResultVerdict::kAccepted);
  const CoreStats after_first = h.core().stats();
  EXPECT_EQ(h.Result(a[0]), ResultVerdict::kDuplicate);
  EXPECT_TRUE(h.d().empty());
  EXPECT_EQ(h.Result(a[0], /*digest=*/99), ResultVerdict::kDuplicate);
  h.d().Clear();
  EXPECT_EQ(h.core().ReportResult(h.now(), other, a[0].attempt, a[0].epoch, Digest(7), h.d()),
            ResultVerdict::kRejectedWrongNode);
  EXPECT_EQ(h.core().stats().tasks_done, 1u);
  EXPECT_EQ(h.core().stats().attempts_succeeded, after_first.attempts_succeeded);
  EXPECT_EQ(h.core().stats().reports_duplicate, 2u);
  EXPECT_EQ(h.core().GetNode(n)->valid_results, 1u);
}

TEST(CoreTest, LostNodesRequeueToHeadMostRecentFirst) {
  Harness h;
  const NodeId a = h.Node(Harness::kAutoOwner, 1, true);
  const NodeId b = h.Node(Harness::kAutoOwner, 1, true);
  h.Job(5);
  EXPECT_EQ(h.Request(a)[0].task, TaskId(0));
  EXPECT_EQ(h.Request(b)[0].task, TaskId(1));
  ASSERT_TRUE(h.core().NodeSilent(TimePoint::FromNanos(Duration::Seconds(10).nanos()), a).ok());
  ASSERT_TRUE(h.core().NodeSilent(TimePoint::FromNanos(Duration::Seconds(20).nanos()), b).ok());
  h.Set(TimePoint::FromNanos(Duration::Seconds(400).nanos()));
  h.Tick();
  ASSERT_EQ(h.d().ended.size(), 2u);
  EXPECT_EQ(h.d().ended[0].node, a);  // lost first (310 s), then b (320 s)
  const NodeId c = h.Node(Harness::kAutoOwner, 1, true);
  EXPECT_EQ(h.Request(c)[0].task, TaskId(1));  // most recently requeued first
  const NodeId d = h.Node(Harness::kAutoOwner, 1, true);
  EXPECT_EQ(h.Request(d)[0].task, TaskId(0));
  const NodeId e = h.Node(Harness::kAutoOwner, 1, true);
  EXPECT_EQ(h.Request(e)[0].task, TaskId(2));  // then fresh tasks, oldest first
}

TEST(CoreTest, LongestWaitingNodeServedFirst) {
  Harness h;
  const NodeId a = h.Node();
  const NodeId b = h.Node();
  const NodeId c = h.Node();
  h.Request(b);
  h.Advance(Duration::Seconds(1));
  h.Request(c);
  h.Advance(Duration::Seconds(1));
  h.Request(a);
  h.Job(2);
  ASSERT_EQ(h.d().assignments.size(), 2u);
  EXPECT_EQ(h.d().assignments[0].node, b);
  EXPECT_EQ(h.d().assignments[0].task, TaskId(0));
  EXPECT_EQ(h.d().assignments[1].node, c);
  EXPECT_EQ(h.core().GetNode(a)->waiting_slots, 1u);
}

TEST(CoreTest, RepeatedRequestsDoNotAddUp) {
  Harness h;
  const NodeId a = h.Node(Harness::kAutoOwner, 1, false, 4);
  h.Request(a, 2);
  h.Request(a, 2);
  EXPECT_EQ(h.core().GetNode(a)->waiting_slots, 2u);
  h.Job(10);
  EXPECT_EQ(h.d().assignments.size(), 2u);
}

TEST(CoreTest, RetryLimitFailsTaskAndJob) {
  Harness h;
  const NodeId n = h.Node();
  const NodeId m = h.Node();
  const JobId job = h.Job(2, 1, 1, /*max_attempts=*/2);
  auto a = h.Request(n);
  auto b = h.Request(m);
  ASSERT_EQ(b.size(), 1u);
  h.d().Clear();
  EXPECT_EQ(h.core().ReportFailure(h.now(), n, a[0].attempt, a[0].epoch, h.d()),
            ResultVerdict::kAccepted);
  EXPECT_EQ(h.Status(TaskId(0)), TaskStatus::kPending);
  a = h.Request(n);  // retried at the head
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].task, TaskId(0));
  EXPECT_EQ(a[0].epoch, 2u);
  h.d().Clear();
  h.core().ReportFailure(h.now(), n, a[0].attempt, a[0].epoch, h.d());
  EXPECT_EQ(h.Status(TaskId(0)), TaskStatus::kFailed);
  EXPECT_EQ(h.Status(TaskId(1)), TaskStatus::kCancelled);
  EXPECT_EQ(h.Status(job), JobStatus::kFailed);
  ASSERT_EQ(h.d().cancellations.size(), 1u);  // the sibling running on m
  EXPECT_EQ(h.d().cancellations[0].node, m);
  EXPECT_EQ(h.d().cancellations[0].reason, CancelReason::kJobFailed);
  EXPECT_EQ(h.core().stats().tasks_failed, 1u);
  EXPECT_EQ(h.Result(b[0]), ResultVerdict::kRejectedTaskClosed);
  h.ExpectAttemptBalance();
}

TEST(CoreTest, DefaultMaxAttemptsFromConfig) {
  CoreConfig config;
  config.default_max_attempts = 1;
  Harness h(config);
  const NodeId n = h.Node();
  h.Job(1);
  auto a = h.Request(n);
  h.d().Clear();
  h.core().ReportFailure(h.now(), n, a[0].attempt, a[0].epoch, h.d());
  EXPECT_EQ(h.Status(TaskId(0)), TaskStatus::kFailed);
}

TEST(CoreTest, CancelJobCancelsRunningAttempts) {
  Harness h;
  const NodeId n = h.Node();
  const NodeId m = h.Node();
  const JobId job = h.Job(3);
  auto a = h.Request(n);
  h.Request(m);
  h.d().Clear();
  ASSERT_TRUE(h.core().CancelJob(h.now(), job, h.d()).ok());
  EXPECT_EQ(h.d().cancellations.size(), 2u);
  EXPECT_EQ(h.d().ended.size(), 2u);
  for (const auto& e : h.d().ended) EXPECT_EQ(e.outcome, AttemptOutcome::kCancelled);
  EXPECT_EQ(h.Status(job), JobStatus::kCancelled);
  for (uint32_t t = 0; t < 3; ++t) EXPECT_EQ(h.Status(TaskId(t)), TaskStatus::kCancelled);
  EXPECT_TRUE(h.Request(n).empty());
  EXPECT_EQ(h.Result(a[0]), ResultVerdict::kRejectedTaskClosed);
  EXPECT_EQ(h.core().CancelJob(h.now(), job, h.d()).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(h.core().stats().tasks_ready, 0u);
  h.ExpectAttemptBalance();
}

TEST(CoreTest, DeadlineFailsJobExactlyOnTime) {
  Harness h;
  const NodeId n = h.Node(Harness::kAutoOwner, 1, true);
  const JobId job = h.Job(2, 1, 1, 0, 0, Duration::Seconds(100));
  h.Request(n);
  EXPECT_EQ(h.core().NextWakeup(), TimePoint::Epoch() + Duration::Seconds(100));
  h.Set(TimePoint::Epoch() + Duration::Seconds(100) - Duration::Nanos(1));
  h.Tick();
  EXPECT_EQ(h.Status(job), JobStatus::kRunning);
  h.Advance(Duration::Nanos(1));
  h.Tick();
  EXPECT_EQ(h.Status(job), JobStatus::kFailed);
  ASSERT_EQ(h.d().cancellations.size(), 1u);
  EXPECT_EQ(h.d().cancellations[0].reason, CancelReason::kDeadline);
  EXPECT_EQ(h.Status(TaskId(1)), TaskStatus::kCancelled);
  EXPECT_EQ(h.core().NextWakeup(), TimePoint::Infinite());
}

TEST(CoreTest, AttemptTimeoutExpiresLease) {
  CoreConfig config;
  config.attempt_timeout = Duration::Seconds(60);
  Harness h(config);
  const NodeId n = h.Node(Harness::kAutoOwner, 1, true);
  const NodeId m = h.Node(Harness::kAutoOwner, 1, true);
  h.Job(1);
  auto a = h.Request(n);
  EXPECT_EQ(a[0].lease_deadline, h.now() + Duration::Seconds(60));
  h.Request(m);
  h.Set(a[0].lease_deadline);
  h.Tick();
  ASSERT_EQ(h.d().ended.size(), 1u);
  EXPECT_EQ(h.d().ended[0].outcome, AttemptOutcome::kExpired);
  ASSERT_EQ(h.d().cancellations.size(), 1u);
  EXPECT_EQ(h.d().cancellations[0].reason, CancelReason::kLeaseExpired);
  ASSERT_EQ(h.d().assignments.size(), 1u);  // m was waiting
  EXPECT_EQ(h.d().assignments[0].node, m);
  EXPECT_EQ(h.Result(a[0]), ResultVerdict::kRejectedStaleEpoch);
}

TEST(CoreTest, CompletedAttemptLeavesNoWakeup) {
  CoreConfig config;
  config.attempt_timeout = Duration::Seconds(60);
  Harness h(config);
  const NodeId n = h.Node(Harness::kAutoOwner, 1, true);
  h.Job(1);
  auto a = h.Request(n);
  h.Result(a[0]);
  EXPECT_EQ(h.core().NextWakeup(), TimePoint::Infinite());
}

TEST(CoreTest, DrivingEndsAttemptsAndRefusesWork) {
  Harness h;
  const NodeId n = h.Node();
  h.Job(2);
  auto a = h.Request(n);
  h.d().Clear();
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kDriving, 0.9f, h.d()).ok());
  ASSERT_EQ(h.d().ended.size(), 1u);
  EXPECT_EQ(h.d().ended[0].outcome, AttemptOutcome::kLeft);
  EXPECT_EQ(h.core().RequestWork(h.now(), n, 1, h.d()).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(h.core().Heartbeat(h.now(), n, NodeState::kPlugged, 0.9f, h.d()).ok());
  auto again = h.Request(n);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].task, TaskId(0));
}

TEST(CoreTest, LeaveEndsAttemptsAndRequeues) {
  Harness h;
  const NodeId n = h.Node();
  const NodeId m = h.Node();
  h.Job(1);
  h.Request(n);
  h.Request(m);
  h.d().Clear();
  ASSERT_TRUE(h.core().Leave(h.now(), n, h.d()).ok());
  ASSERT_EQ(h.d().ended.size(), 1u);
  EXPECT_EQ(h.d().ended[0].outcome, AttemptOutcome::kLeft);
  ASSERT_EQ(h.d().assignments.size(), 1u);
  EXPECT_EQ(h.d().assignments[0].node, m);
  EXPECT_EQ(h.core().GetNode(n)->connection, NodeConnection::kLeft);
  EXPECT_EQ(h.core().NextWakeup(), h.now() + kGrace);  // only m's heartbeat
}

TEST(CoreTest, DrainedNodeGetsNoWork) {
  Harness h;
  const NodeId n = h.Node();
  h.Request(n);
  ASSERT_TRUE(h.core().Drain(h.now(), n, h.d()).ok());
  h.Job(1);
  EXPECT_TRUE(h.d().assignments.empty());
  EXPECT_EQ(h.core().RequestWork(h.now(), n, 1, h.d()).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(h.core().Undrain(h.now(), n, h.d()).ok());
  EXPECT_EQ(h.Request(n).size(), 1u);
}

TEST(CoreTest, CheckpointBoundsLostWorkAndResumes) {
  Harness h;
  const NodeId n = h.Node(Harness::kAutoOwner, 1, true);
  h.Job(1);
  auto a = h.Request(n);
  h.d().Clear();
  EXPECT_EQ(*h.core().ReportProgress(h.now(), n, a[0].attempt, 1, 50, true, h.d()),
            ResultVerdict::kAccepted);
  EXPECT_EQ(*h.core().ReportProgress(h.now(), n, a[0].attempt, 1, 120, false, h.d()),
            ResultVerdict::kAccepted);
  EXPECT_DOUBLE_EQ(h.core().view().TaskRemainingWork(TaskId(0)), 3600 - 50);
  ASSERT_TRUE(h.core().NodeSilent(h.now(), n).ok());
  h.Advance(kGrace);
  h.Tick();
  ASSERT_EQ(h.d().ended.size(), 1u);
  EXPECT_DOUBLE_EQ(h.d().ended[0].work_lost_units, 70);
  EXPECT_DOUBLE_EQ(h.core().stats().work_lost_units, 70);
  const NodeId m = h.Node(Harness::kAutoOwner, 1, true);
  auto b = h.Request(m);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_DOUBLE_EQ(b[0].resume_from_units, 50);
}

TEST(CoreTest, NodeWithSeveralSlots) {
  Harness h;
  const NodeId n = h.Node(Harness::kAutoOwner, 1, false, 3);
  h.Job(5);
  auto a = h.Request(n, 5);
  EXPECT_EQ(a.size(), 3u);  // capped at max_concurrent
  EXPECT_EQ(h.core().GetNode(n)->running, 3u);
  h.Result(a[0]);
  EXPECT_EQ(h.Request(n, 1).size(), 1u);
  EXPECT_EQ(h.core().NodeAttempts(n).size(), 3u);
}

}  // namespace
}  // namespace fleetgrid::core::testing
