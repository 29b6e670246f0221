// Change log and Restore: a core rebuilt from the log shows the same observable state.
#include <variant>

#include "common/rng.h"
#include "coordinator/core/core.h"
#include "gtest/gtest.h"
#include "tests/core/harness.h"

namespace fleetgrid::core::testing {
namespace {

// Compares everything durable; transient fields (heard times, waiting) are cleared.
void ExpectSameState(const Core& a, const Core& b) {
  ASSERT_EQ(a.node_count(), b.node_count());
  ASSERT_EQ(a.task_count(), b.task_count());
  ASSERT_EQ(a.job_count(), b.job_count());
  for (uint32_t n = 0; n < a.node_count(); ++n) {
    NodeInfo x = *a.GetNode(NodeId(n));
    NodeInfo y = *b.GetNode(NodeId(n));
    x.last_heard = y.last_heard = TimePoint();
    x.idle_since = y.idle_since = TimePoint();
    x.waiting_slots = y.waiting_slots = 0;
    x.battery_soc = y.battery_soc = 0;
    EXPECT_EQ(x, y) << "node " << n;
  }
  for (uint32_t t = 0; t < a.task_count(); ++t) {
    EXPECT_EQ(*a.GetTask(TaskId(t)), *b.GetTask(TaskId(t))) << "task " << t;
    auto xa = a.TaskAttempts(TaskId(t));
    auto ya = b.TaskAttempts(TaskId(t));
    ASSERT_EQ(xa.size(), ya.size()) << "task " << t;
    for (size_t i = 0; i < xa.size(); ++i) {
      xa[i].progress_units = ya[i].progress_units = 0;  // progress is not durable
      EXPECT_EQ(xa[i], ya[i]) << "task " << t;
    }
  }
  for (uint32_t j = 0; j < a.job_count(); ++j) {
    EXPECT_EQ(*a.GetJob(JobId(j)), *b.GetJob(JobId(j))) << "job " << j;
  }
  const CoreStats& s = a.stats();
  const CoreStats& r = b.stats();
  EXPECT_EQ(s.nodes_registered, r.nodes_registered);
  EXPECT_EQ(s.nodes_connected, r.nodes_connected);
  EXPECT_EQ(s.nodes_lost, r.nodes_lost);
  EXPECT_EQ(s.jobs_done, r.jobs_done);
  EXPECT_EQ(s.jobs_failed, r.jobs_failed);
  EXPECT_EQ(s.jobs_cancelled, r.jobs_cancelled);
  EXPECT_EQ(s.tasks_done, r.tasks_done);
  EXPECT_EQ(s.tasks_failed, r.tasks_failed);
  EXPECT_EQ(s.tasks_cancelled, r.tasks_cancelled);
  EXPECT_EQ(s.tasks_ready, r.tasks_ready);
  EXPECT_EQ(s.attempts_started, r.attempts_started);
  EXPECT_EQ(s.attempts_succeeded, r.attempts_succeeded);
  EXPECT_EQ(s.attempts_lost, r.attempts_lost);
  EXPECT_EQ(s.attempts_left, r.attempts_left);
  EXPECT_EQ(s.attempts_failed, r.attempts_failed);
  EXPECT_EQ(s.attempts_cancelled, r.attempts_cancelled);
  EXPECT_EQ(s.attempts_disagreed, r.attempts_disagreed);
  EXPECT_EQ(s.attempts_live, r.attempts_live);
  EXPECT_DOUBLE_EQ(s.work_lost_units, r.work_lost_units);
}

CoreConfig Recording() {
  CoreConfig config;
  config.record_changes = true;
  config.attempt_timeout = Duration::Seconds(5000);
  return config;
}

TEST(RestoreTest, RebuildsObservableStateFromChangeLog) {
  Harness h(Recording());
  std::vector<NodeId> nodes;
  for (uint32_t i = 0; i < 8; ++i) nodes.push_back(h.Node(i % 5, 1 + i % 3, i % 2 == 0));
  h.Job(20);
  h.Job(6, 2, 2, 3, 5);
  h.Job(4, 1, 1, 0, 0, Duration::Seconds(50));
  Rng rng(42);
  std::vector<Assignment> running;
  for (int step = 0; step < 400; ++step) {
    h.Advance(Duration::Seconds(1));
    const NodeId n = nodes[rng.Below(nodes.size())];
    switch (rng.Below(6)) {
      case 0:
      case 1: {
        auto a = h.Request(n);
        running.insert(running.end(), a.begin(), a.end());
        break;
      }
      case 2:
        if (!running.empty()) {
          const size_t i = rng.Below(running.size());
          h.Result(running[i], static_cast<uint32_t>(rng.Below(2)));
          running.erase(running.begin() + static_cast<long>(i));
        }
        break;
      case 3:
        if (!running.empty()) {
          const Assignment& a = running[rng.Below(running.size())];
          h.core()
              .ReportProgress(h.now(), a.node, a.attempt, a.epoch, 10, true, h.d())
              .IgnoreError();
        }
        break;
      case 4:
        if (rng.Bernoulli(0.5)) {
          h.core().NodeSilent(h.now(), n).IgnoreError();
        } else {
          h.core().Leave(h.now(), n, h.d()).IgnoreError();
        }
        break;
      default:
        h.Tick();
    }
    for (const auto& a : h.d().assignments) running.push_back(a);
  }
  h.d().Clear();
  ASSERT_TRUE(h.core().CancelJob(h.now(), JobId(0), h.d()).ok() ||
              h.core().GetJob(JobId(0))->status != JobStatus::kRunning);
  ASSERT_GT(h.core().stats().tasks_done, 0u);
  ASSERT_GT(h.core().stats().attempts_lost + h.core().stats().attempts_left, 0u);

  auto restored = Core::Restore(Recording(), h.core().changes(), h.now());
  ASSERT_TRUE(restored.ok()) << restored.status();
  ExpectSameState(h.core(), **restored);
  EXPECT_TRUE((*restored)->changes().empty());
}

TEST(RestoreTest, RestoredCoreAcceptsResultsOfLiveAttempts) {
  Harness h(Recording());
  const NodeId n = h.Node();
  const NodeId m = h.Node();
  h.Job(3);
  auto a = h.Request(n);
  ASSERT_EQ(a.size(), 1u);
  auto restored = Core::Restore(Recording(), h.core().changes(), h.now());
  ASSERT_TRUE(restored.ok()) << restored.status();
  Core& core = **restored;
  Decisions d;
  EXPECT_EQ(core.ReportResult(h.now(), n, a[0].attempt, a[0].epoch, Digest(1), d),
            ResultVerdict::kAccepted);
  ASSERT_TRUE(core.RequestWork(h.now(), m, 1, d).ok());
  ASSERT_EQ(d.assignments.size(), 1u);
  EXPECT_EQ(d.assignments[0].task, TaskId(1));
  // Heard "now": the restored core gives every connected node a full grace period.
  EXPECT_EQ(core.NextWakeup(), h.now() + Duration::Seconds(300));
}

TEST(RestoreTest, RejectsInconsistentLog) {
  Harness h(Recording());
  const NodeId n = h.Node();
  h.Job(1);
  h.Request(n);
  std::vector<Change> log = h.core().changes();
  log.push_back(change::AttemptEnded{h.now(), TaskId(0), 9, AttemptOutcome::kLost, 0});
  auto restored = Core::Restore(Recording(), log, h.now());
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RestoreTest, NothingRecordedWhenDisabled) {
  Harness h;
  h.Node();
  h.Job(1);
  EXPECT_TRUE(h.core().changes().empty());
}

}  // namespace
}  // namespace fleetgrid::core::testing
