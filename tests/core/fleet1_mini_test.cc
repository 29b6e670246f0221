// A miniature FLEET-1 driven the way the simulator drives the brain: implicit heartbeats,
// NodeSilent when a car drives off, Connect + RequestWork when it comes back, Tick at
// every NextWakeup. Checks the FLEET-1 accounting end to end, and determinism.
#include <queue>
#include <vector>

#include "common/rng.h"
#include "coordinator/core/core.h"
#include "gtest/gtest.h"

namespace fleetgrid::core {
namespace {

struct Outcome {
  TimePoint makespan;
  CoreStats stats;
};

Outcome RunMiniFleet1(uint64_t seed, uint32_t cars, uint32_t tasks) {
  enum Kind { kDepart, kArrive, kComplete };
  struct Event {
    TimePoint at;
    uint64_t seq;
    Kind kind;
    uint32_t car;
    AttemptId attempt;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  uint64_t seq = 0;
  Rng rng = Rng::Stream(seed, "mini-fleet1");
  auto core = *Core::Create(CoreConfig{});
  std::vector<double> speed(cars);
  std::vector<Assignment> running(cars);  // attempt invalid when idle
  Decisions d;
  TimePoint now;

  auto absorb = [&] {
    for (const AttemptEnded& e : d.ended) {
      if (running[e.node.value()].attempt == e.attempt) running[e.node.value()] = Assignment{};
    }
    for (const Assignment& a : d.assignments) {
      running[a.node.value()] = a;
      const double secs = 5e7 / 2.5e6 + 3600 / speed[a.node.value()] + 5e6 / 2.5e6 + 0.1;
      events.push(
          {now + Duration::FromSecondsF(secs), seq++, kComplete, a.node.value(), a.attempt});
    }
    d.Clear();
  };
  for (uint32_t c = 0; c < cars; ++c) {
    NodeSpec spec;
    spec.owner = OwnerId(c);
    const double u = rng.Uniform();
    speed[c] = u < 0.5 ? 1 : (u < 0.85 ? 2 : 5);
    spec.speed = speed[c];
    spec.implicit_heartbeat = true;
    core->RegisterNode(spec);
    const bool available = rng.Bernoulli(0.75);
    if (available) {
      EXPECT_TRUE(core->RequestWork(now, NodeId(c), 1, d).ok());
      events.push({now + Duration::FromSecondsF(rng.Exponential(21600)), seq++, kDepart, c, {}});
    } else {
      events.push({now + Duration::FromSecondsF(rng.Exponential(7200)), seq++, kArrive, c, {}});
    }
  }
  JobSpec job;
  job.task_count = tasks;
  job.task = TaskSpec{3600, 50'000'000, 5'000'000};
  EXPECT_TRUE(core->SubmitJob(now, job, d).ok());
  absorb();

  const TimePoint horizon = TimePoint::Epoch() + Duration::Hours(24 * 60);
  while (core->stats().tasks_done < tasks && !events.empty() && now < horizon) {
    const Event e = events.top();
    if (core->NextWakeup() <= e.at) {
      now = core->NextWakeup();
      core->Tick(now, d);
      absorb();
      continue;
    }
    events.pop();
    now = e.at;
    switch (e.kind) {
      case kDepart:
        running[e.car] = Assignment{};  // the car drove off: its attempt is gone
        EXPECT_TRUE(core->NodeSilent(now, NodeId(e.car)).ok());
        events.push(
            {now + Duration::FromSecondsF(rng.Exponential(7200)), seq++, kArrive, e.car, {}});
        break;
      case kArrive:
        EXPECT_TRUE(core->Connect(now, NodeId(e.car), {}, d).ok());
        EXPECT_TRUE(core->RequestWork(now, NodeId(e.car), 1, d).ok());
        events.push(
            {now + Duration::FromSecondsF(rng.Exponential(21600)), seq++, kDepart, e.car, {}});
        break;
      case kComplete: {
        const Assignment a = running[e.car];
        if (a.attempt != e.attempt) break;  // that attempt was lost meanwhile
        EXPECT_EQ(core->ReportResult(now, a.node, a.attempt, a.epoch, ResultDigest{}, d),
                  ResultVerdict::kAccepted);
        running[e.car] = Assignment{};
        absorb();
        EXPECT_TRUE(core->RequestWork(now, NodeId(e.car), 1, d).ok());
        break;
      }
    }
    absorb();
  }
  return Outcome{now, core->stats()};
}

TEST(MiniFleet1Test, AllTasksDoneAndAttemptsAddUp) {
  const Outcome out = RunMiniFleet1(1, 60, 600);
  const CoreStats& s = out.stats;
  EXPECT_EQ(s.tasks_done, 600u);
  EXPECT_EQ(s.jobs_done, 1u);
  EXPECT_GT(s.attempts_lost, 0u);
  // FLEET-1: every attempt either succeeds or is lost with its car.
  EXPECT_EQ(s.attempts_started, s.tasks_done + s.attempts_lost);
  EXPECT_EQ(s.attempts_succeeded, s.tasks_done);
  EXPECT_EQ(s.attempts_live, 0u);
  EXPECT_EQ(s.reports_rejected, 0u);
}

TEST(MiniFleet1Test, SameSeedSameRun) {
  const Outcome a = RunMiniFleet1(7, 40, 300);
  const Outcome b = RunMiniFleet1(7, 40, 300);
  EXPECT_EQ(a.makespan, b.makespan);
  EXPECT_EQ(a.stats.attempts_lost, b.stats.attempts_lost);
  EXPECT_EQ(a.stats.attempts_started, b.stats.attempts_started);
}

}  // namespace
}  // namespace fleetgrid::core
