// Runtime: what it adds to the core (time offset after a restore, job statistics, the
// wake-up timer). Its decisions are checked against the simulator in tests/sim/parity_test.
#include "coordinator/runtime/runtime.h"

#include <gtest/gtest.h>

#include "coordinator/runtime/manual_env.h"

namespace fleetgrid::runtime {
namespace {

core::CoreConfig Config() {
  core::CoreConfig c;
  c.heartbeat_grace = Duration::Seconds(30);
  c.record_changes = true;
  return c;
}

core::JobSpec Job(uint32_t tasks) {
  core::JobSpec j;
  j.name = "j";
  j.task_count = tasks;
  j.task.work_units = 10;
  return j;
}

TEST(Runtime, ARestoredRuntimeNeverRunsBehindItsLog) {
  ManualEnv first(TimePoint::Epoch() + Duration::Hours(5));
  auto a = *Runtime::Create(Config(), first);
  ASSERT_TRUE(a->SubmitJob(Job(2)).ok());
  std::vector<core::Change> log;
  a->TakeChanges(log);
  ASSERT_FALSE(log.empty());
  // After a reboot the monotonic clock starts again near zero.
  ManualEnv rebooted(TimePoint::Epoch() + Duration::Seconds(1));
  auto b = Runtime::Create(Config(), rebooted, log);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ((*b)->Now(), TimePoint::Epoch() + Duration::Hours(5));
  EXPECT_EQ((*b)->offset(), Duration::Hours(5) - Duration::Seconds(1));
  EXPECT_EQ((*b)->core().job_count(), 1u);
}

TEST(Runtime, TheWakeupTimerLosesASilentCarAndJobStatsCountIt) {
  ManualEnv env;
  auto rt = *Runtime::Create(Config(), env);
  int wakeups = 0;
  core::Decisions d;
  rt->SetWakeupHandler([&] {
    ++wakeups;
    rt->TakeDecisions(d);
    rt->Rearm();
  });
  core::NodeSpec n;
  n.owner = OwnerId(0);
  const NodeId car = rt->RegisterNode(n);
  const JobId job = *rt->SubmitJob(Job(1));
  ASSERT_TRUE(rt->Connect(car, {}).ok());
  ASSERT_TRUE(rt->RequestWork(car, 1).ok());
  rt->TakeDecisions(d);
  ASSERT_EQ(d.assignments.size(), 1u);
  rt->Rearm();
  EXPECT_EQ(rt->job_stats(job).started, TimePoint::Epoch());
  // Silent for the grace period: the timer fires at exactly 30 s and the attempt is lost.
  env.RunUntil(TimePoint::Epoch() + Duration::Seconds(29));
  EXPECT_EQ(wakeups, 0);
  env.RunUntil(TimePoint::Epoch() + Duration::Seconds(30));
  EXPECT_EQ(wakeups, 1);
  ASSERT_EQ(d.ended.size(), 1u);
  EXPECT_EQ(d.ended[0].outcome, core::AttemptOutcome::kLost);
  EXPECT_EQ(rt->job_stats(job).attempts_lost, 1u);
  // Stopped: no timer left behind.
  rt->Stop();
  EXPECT_EQ(env.pending(), 0u);
}

}  // namespace
}  // namespace fleetgrid::runtime
