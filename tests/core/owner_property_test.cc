// Property test: random fleets, batteries, plugs, drives and owner rules driven through the
// brain, judged by an independent model of each car. No assignment may break an owner rule
// and no task may run below its car's SoC floor; the negative control (the same fleet with
// the rules kept from the core) must show violations, or the judge judges nothing.
#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "common/rng.h"
#include "coordinator/core/core.h"
#include "gtest/gtest.h"

namespace fleetgrid::core {
namespace {

struct Car {
  OwnerRules rules;
  BatterySpec battery;
  double soc = 0.8;  // the truth, which the car reports
  NodeState state = NodeState::kParked;
  bool running = false;
  TaskId task;
  AttemptId attempt;
  uint32_t epoch = 0;
  TimePoint done_at;  // when the running attempt finishes
  int64_t day = -1;   // local day that day_wh counts
  double day_wh = 0;
};

struct Outcome {
  uint64_t violations = 0;
  // By kind: assigned against a rule, below the SoC floor, over the daily cap, running past
  // its window, not ended when the car broke a rule.
  uint64_t kinds[5] = {};
  uint64_t completed = 0;
  uint64_t ended_by_rules = 0;
};

bool Grid(NodeState s) { return s == NodeState::kPlugged || s == NodeState::kCharging; }

Outcome RunFleet(uint64_t seed, bool tell_core, const std::string& policy) {
  Rng rng(seed);
  CoreConfig cfg;
  cfg.policy = policy;
  cfg.attempt_timeout = Duration::Infinite();
  auto made = Core::Create(cfg);
  EXPECT_TRUE(made.ok());
  Core& core = **made;
  Decisions d;
  TimePoint now = TimePoint::Epoch();
  std::vector<Car> cars(24);
  for (uint32_t i = 0; i < cars.size(); ++i) {
    Car& c = cars[i];
    NodeSpec spec;
    spec.owner = OwnerId(i);
    spec.speed = 0.5 + rng.Uniform();
    spec.implicit_heartbeat = true;
    core.RegisterNode(spec);
    c.rules.plugged_only = rng.Bernoulli(0.3);
    c.rules.min_soc = static_cast<float>(0.2 * rng.Below(3));
    if (rng.Bernoulli(0.4)) {
      const int start = static_cast<int>(rng.Below(24));
      const int len = 2 + static_cast<int>(rng.Below(10));
      c.rules.windows.push_back({start * 3600, ((start + len) % 24) * 3600});
    }
    if (rng.Bernoulli(0.4)) c.rules.daily_energy_wh = 300 + 200.0 * rng.Below(6);
    c.rules.utc_offset_s = static_cast<int32_t>(rng.Below(25)) * 3600 - 12 * 3600;
    c.battery = BatterySpec{2000 + 1000.0 * rng.Below(4), 300 + 100.0 * rng.Below(5)};
    c.soc = 0.3 + 0.7 * rng.Uniform();
    c.state = rng.Bernoulli(0.5) ? NodeState::kPlugged : NodeState::kParked;
    d.Clear();
    if (tell_core) {
      EXPECT_TRUE(core.SetOwnerRules(now, NodeId(i), c.rules, c.battery, d).ok());
    }
    // Cars report their state and SoC when they connect.
    EXPECT_TRUE(core.Heartbeat(now, NodeId(i), c.state, static_cast<float>(c.soc), d).ok());
  }
  for (int j = 0; j < 4; ++j) {
    JobSpec spec;
    spec.name = "job";
    spec.task_count = 60;
    for (uint32_t k = 0; k < spec.task_count; ++k) {
      spec.tasks.push_back(TaskSpec{600 + 600.0 * static_cast<double>(rng.Below(12))});
    }
    d.Clear();
    EXPECT_TRUE(core.SubmitJob(now, spec, d).ok());
  }
  Outcome out;
  auto judge_assign = [&](const Assignment& a) {
    Car& c = cars[a.node.value()];
    if ((c.rules.plugged_only && !Grid(c.state)) || !InWindow(c.rules, now)) {
      ++out.violations;
      ++out.kinds[0];
    }
    c.running = true;
    c.task = a.task;
    c.attempt = a.attempt;
    c.epoch = a.epoch;
    c.done_at = now + Duration::FromSecondsF(core.view().TaskRemainingWork(a.task) /
                                             core.view().NodeSpeed(a.node));
  };
  auto apply = [&]() {
    for (const AttemptEnded& e : d.ended) {
      Car& c = cars[e.node.value()];
      if (c.running && c.attempt == e.attempt) c.running = false;
      if (e.outcome == AttemptOutcome::kSucceeded) ++out.completed;
    }
    for (const Assignment& a : d.assignments) judge_assign(a);
    d.Clear();
  };
  for (int step = 0; step < 3000; ++step) {
    // Advance to the next finish, the next whole hour (windows and days turn on hours) or
    // a random time, whichever is first; drain, charge and judge on the way.
    TimePoint next = now + Duration::Seconds(60 + static_cast<int64_t>(rng.Below(900)));
    const int64_t hour_ns = 3600'000'000'000;
    next = std::min(next, TimePoint::FromNanos((now.nanos() / hour_ns + 1) * hour_ns));
    for (const Car& c : cars) {
      if (c.running && c.done_at > now) next = std::min(next, c.done_at);
    }
    const double dt_h = (next - now).SecondsF() / 3600;
    for (Car& c : cars) {
      if (Grid(c.state)) c.soc = std::min(1.0, c.soc + 7000 * dt_h / c.battery.capacity_wh);
      if (!c.running) continue;
      const double wh = c.battery.compute_power_w * dt_h;
      if (!Grid(c.state)) c.soc -= wh / c.battery.capacity_wh;
      const int64_t day = LocalDay(now, c.rules.utc_offset_s);
      if (c.day != day) {
        c.day = day;
        c.day_wh = 0;
      }
      c.day_wh += wh;
      if (!Grid(c.state) && c.soc < c.rules.min_soc - 1e-6) {
        ++out.violations;
        ++out.kinds[1];
      }
      if (c.rules.daily_energy_wh > 0 && c.day_wh > c.rules.daily_energy_wh + 1e-6) {
        {
          ++out.violations;
          ++out.kinds[2];
        }
      }
    }
    now = next;
    core.Tick(now, d);
    apply();
    for (uint32_t i = 0; i < cars.size(); ++i) {
      Car& c = cars[i];
      if (c.running && c.done_at <= now) {
        core.ReportResult(now, NodeId(i), c.attempt, c.epoch, ResultDigest{}, d);
        c.running = false;
        apply();
      }
      if (c.running && !InWindow(c.rules, now)) {
        ++out.violations;
        ++out.kinds[3];
      }  // the window closed on it
    }
    // One car changes its state: plugs in, unplugs, drives off or comes back.
    const uint32_t i = static_cast<uint32_t>(rng.Below(cars.size()));
    Car& c = cars[i];
    NodeState s = c.state;
    switch (rng.Below(4)) {
      case 0:
        s = NodeState::kPlugged;
        break;
      case 1:
        s = NodeState::kParked;
        break;
      case 2:
        s = NodeState::kDriving;
        break;
      default:
        break;
    }
    if (c.state == NodeState::kDriving && s != NodeState::kDriving) {
      c.soc = std::max(0.05, c.soc - 0.1 * rng.Uniform());  // the trip
    }
    c.state = s;
    EXPECT_TRUE(
        core.Heartbeat(now, NodeId(i), s, static_cast<float>(std::clamp(c.soc, 0.0, 1.0)), d).ok());
    apply();
    if (c.running &&
        ((c.rules.plugged_only && !Grid(s)) || (!Grid(s) && c.soc < c.rules.min_soc))) {
      {
        ++out.violations;
        ++out.kinds[4];
      }  // the core did not end it
    }
    for (uint32_t k = 0; k < cars.size(); ++k) {
      if (!cars[k].running && cars[k].state != NodeState::kDriving) {
        (void)core.RequestWork(now, NodeId(k), 1, d);
        apply();
      }
    }
  }
  out.ended_by_rules = core.stats().attempts_ended_by_rules;
  return out;
}

TEST(OwnerPropertyTest, NoAssignmentBreaksAnOwnerRule) {
  for (const char* policy : {"fifo", "availability-aware"}) {
    uint64_t completed = 0, ended = 0;
    for (uint64_t seed = 1; seed <= 6; ++seed) {
      const Outcome o = RunFleet(seed, true, policy);
      EXPECT_EQ(o.violations, 0u) << policy << " seed " << seed << " kinds " << o.kinds[0] << ","
                                  << o.kinds[1] << "," << o.kinds[2] << "," << o.kinds[3] << ","
                                  << o.kinds[4];
      completed += o.completed;
      ended += o.ended_by_rules;
    }
    EXPECT_GT(completed, 100u) << policy;  // the fleet did real work under its rules
    EXPECT_GT(ended, 0u) << policy;        // and the rules ended some of it
  }
}

TEST(OwnerPropertyTest, NegativeControlRulesKeptFromTheCoreShowViolations) {
  uint64_t violations = 0;
  for (uint64_t seed = 1; seed <= 3; ++seed) violations += RunFleet(seed, false, "fifo").violations;
  EXPECT_GT(violations, 10u);
}

}  // namespace
}  // namespace fleetgrid::core
