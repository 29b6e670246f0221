// Parity: one event script through the simulator, through the runtime that `fleetgrid
// coordinator` runs (coordinator/runtime on a ManualEnv, driven as service::Brain drives
// it: each call's decisions taken at once, the wake-up timer re-armed after every call),
// and through a bare reference driver, gives identical decisions.
//
// The simulator records every call it makes into the brain (not its Ticks) and every
// decision it gets back. The runtime replays those calls on a manual clock stepped from
// timer to timer, so its own wake-up timer decides when the brain Ticks. The reference
// drives the bare core with the plainest rule there is: before each call, Tick whenever
// NextWakeup() is due. The simulator and the live path share the runtime, so the reference
// is what catches a fault in it (a wake-up armed late, missed, or fired at the wrong time).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/rng.h"
#include "coordinator/core/core.h"
#include "coordinator/runtime/manual_env.h"
#include "coordinator/runtime/runtime.h"
#include "sim/scenario/scenario.h"
#include "sim/simulator.h"

namespace fleetgrid::sim {
namespace {

using core::Core;
using core::Decisions;

core::ResultDigest DigestOfAttempt(uint64_t attempt) {
  core::ResultDigest d{};
  const uint32_t task = static_cast<uint32_t>(attempt >> 32);
  for (int i = 0; i < 4; ++i) d[i] = static_cast<uint8_t>(task >> (8 * i));
  d[31] = 0x5a;
  return d;
}

// The coordinator's runtime on a manual clock, used the way service::Brain uses it.
class RuntimeDriver {
 public:
  explicit RuntimeDriver(const core::CoreConfig& config)
      : runtime_(*runtime::Runtime::Create(config, env_)) {
    runtime_->SetWakeupHandler([this] { Settle(); });
  }

  runtime::Runtime& runtime() { return *runtime_; }
  const std::vector<std::string>& decisions() const { return decisions_; }
  // After calling the runtime directly.
  void SettleForTest() { Settle(); }

  // Moves the clock to t; the runtime's timer Ticks the brain whenever it comes due.
  void AdvanceTo(TimePoint t) { env_.RunUntil(t); }

  void Replay(const CoreTrace::Entry& e, const CoreTrace& trace) {
    AdvanceTo(e.t);
    const NodeId node(e.node);
    switch (e.call) {
      case CoreTrace::Call::kConnect:
        ASSERT_TRUE(runtime_->Connect(node, {}).ok());
        break;
      case CoreTrace::Call::kRequestWork:
        ASSERT_TRUE(runtime_->RequestWork(node, 1).ok());
        break;
      case CoreTrace::Call::kNodeSilent:
        ASSERT_TRUE(runtime_->NodeSilent(node).ok());
        break;
      case CoreTrace::Call::kReportResult:
        runtime_->ReportResult(node, AttemptId(e.attempt), e.epoch, DigestOfAttempt(e.attempt));
        break;
      case CoreTrace::Call::kSubmitJob:
        ASSERT_TRUE(runtime_->SubmitJob(trace.job_specs[e.job_spec]).ok());
        break;
    }
    Settle();
  }

 private:
  // What Brain::AfterCall does: take the decisions, carry them out, re-arm.
  void Settle() {
    runtime_->TakeDecisions(dec_);
    AppendDecisionLines(runtime_->Now(), dec_, decisions_);
    runtime_->Rearm();
  }

  runtime::ManualEnv env_;
  std::unique_ptr<runtime::Runtime> runtime_;
  Decisions dec_;
  std::vector<std::string> decisions_;
};

// The bare core, woken by the plainest rule: Tick whenever NextWakeup() is due.
class ReferenceDriver {
 public:
  explicit ReferenceDriver(const core::CoreConfig& config) : core_(*Core::Create(config)) {}

  Core& core() { return *core_; }
  const std::vector<std::string>& decisions() const { return decisions_; }
  // Every assignment so far, in order.
  const std::vector<core::Assignment>& assignments() const { return assignments_; }
  // For calling the core directly: a cleared buffer, then Record(now).
  Decisions& scratch() {
    dec_.Clear();
    return dec_;
  }
  void Record(TimePoint now) {
    AppendDecisionLines(now, dec_, decisions_);
    assignments_.insert(assignments_.end(), dec_.assignments.begin(), dec_.assignments.end());
  }

  void AdvanceTo(TimePoint t) {
    for (TimePoint w = core_->NextWakeup(); w <= t; w = core_->NextWakeup()) {
      clock_.Set(std::max(w, clock_.Now()));
      dec_.Clear();
      core_->Tick(clock_.Now(), dec_);
      Record(clock_.Now());
    }
    clock_.Set(t);
  }

  void Replay(const CoreTrace::Entry& e, const CoreTrace& trace) {
    AdvanceTo(e.t);
    const TimePoint now = clock_.Now();
    const NodeId node(e.node);
    dec_.Clear();
    switch (e.call) {
      case CoreTrace::Call::kConnect:
        ASSERT_TRUE(core_->Connect(now, node, {}, dec_).ok());
        break;
      case CoreTrace::Call::kRequestWork:
        ASSERT_TRUE(core_->RequestWork(now, node, 1, dec_).ok());
        break;
      case CoreTrace::Call::kNodeSilent:
        ASSERT_TRUE(core_->NodeSilent(now, node).ok());
        break;
      case CoreTrace::Call::kReportResult:
        core_->ReportResult(now, node, AttemptId(e.attempt), e.epoch, DigestOfAttempt(e.attempt),
                            dec_);
        break;
      case CoreTrace::Call::kSubmitJob:
        ASSERT_TRUE(core_->SubmitJob(now, trace.job_specs[e.job_spec], dec_).ok());
        break;
    }
    Record(now);
  }

 private:
  ManualClock clock_;
  std::unique_ptr<Core> core_;
  Decisions dec_;
  std::vector<std::string> decisions_;
  std::vector<core::Assignment> assignments_;
};

void ExpectSameDecisions(const std::vector<std::string>& got, const std::vector<std::string>& want,
                         const char* who) {
  ASSERT_EQ(got.size(), want.size()) << who;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(got[i], want[i]) << who << ": first difference at decision " << i;
  }
}

void CheckParity(const Scenario& s) {
  CoreTrace trace;
  SimHooks hooks;
  hooks.trace = &trace;
  auto sim = Simulator::Create(s, hooks);
  ASSERT_TRUE(sim.ok()) << sim.status();
  ASSERT_TRUE((*sim)->Run().ok());
  ASSERT_GT(trace.calls.size(), 100u);
  ASSERT_GT((*sim)->result().attempts_lost, 0u) << "the script should exercise losses";

  core::CoreConfig cc;
  cc.heartbeat_grace = s.grace_period;
  cc.attempt_timeout = s.attempt_timeout;
  cc.policy = s.policy.name;
  cc.policy_params = s.policy.params;
  cc.seed = s.seed;
  RuntimeDriver live(cc);
  ReferenceDriver reference(cc);
  for (const core::NodeSpec& n : trace.nodes) {
    live.runtime().RegisterNode(n);
    reference.core().RegisterNode(n);
  }
  for (const CoreTrace::Entry& e : trace.calls) {
    live.Replay(e, trace);
    reference.Replay(e, trace);
    if (testing::Test::HasFatalFailure()) return;
  }
  live.AdvanceTo(trace.end);
  reference.AdvanceTo(trace.end);

  ExpectSameDecisions(reference.decisions(), trace.decisions, "reference vs simulator");
  ExpectSameDecisions(live.decisions(), trace.decisions, "coordinator runtime vs simulator");
  EXPECT_EQ(live.runtime().core().stats().tasks_done, (*sim)->result().tasks_completed);
  EXPECT_EQ(live.runtime().core().stats().attempts_lost, (*sim)->result().core.attempts_lost);
}

TEST(ParityTest, Fleet1SmallWithChurn) {
  // Short periods so that cars leave mid-attempt and come back within the grace period.
  auto s = ParseScenario(R"(
name: parity
horizon: 2d
grace_period: 300s
fleet:
  size: 40
  classes: [{speed: 1, share: 0.5}, {speed: 2, share: 0.35}, {speed: 5, share: 0.15}]
availability: {model: exponential-on-off, mean_on: 90m, mean_off: 10m}
workload: {tasks_per_car: 5, work: 3600, input_bytes: 50000000, output_bytes: 5000000}
outputs: {timeseries_interval: 0}
)");
  ASSERT_TRUE(s.ok()) << s.status();
  CheckParity(*s);
}

TEST(ParityTest, PoissonArrivalsVariableWork) {
  auto s = ParseScenario(R"(
name: parity-poisson
horizon: 1d
fleet: {size: 30}
availability: {model: exponential-on-off, mean_on: 2h, mean_off: 30m}
workload:
  model: poisson
  job_rate_per_s: 0.005
  tasks_per_job: 3
  work: {distribution: lognormal, mean: 1800, sigma: 1}
outputs: {timeseries_interval: 0}
)");
  ASSERT_TRUE(s.ok()) << s.status();
  CheckParity(*s);
}

// Calls the simulator never makes (heartbeats, clean leaves, reported failures, cancelled
// jobs, lease expiry, deadlines), many at equal times and at the very times timers come
// due: the runtime on its manual clock against the reference, step by step. The script is
// drawn from a seeded generator; attempts reported on are live ones (from the reference).
TEST(ParityTest, ScriptedHeartbeatsLeavesFailuresAndTies) {
  core::CoreConfig cc;
  cc.heartbeat_grace = Duration::Seconds(120);
  cc.attempt_timeout = Duration::Seconds(150);
  cc.seed = 3;
  RuntimeDriver live(cc);
  ReferenceDriver reference(cc);
  constexpr uint32_t kNodes = 24;
  for (uint32_t i = 0; i < kNodes; ++i) {
    core::NodeSpec n;
    n.owner = OwnerId(i);
    n.speed = 1 + i % 3;
    live.runtime().RegisterNode(n);
    reference.core().RegisterNode(n);
  }
  Rng rng(11);
  std::vector<core::Assignment> live_attempts;
  TimePoint t = TimePoint::Epoch();
  size_t seen = 0;
  uint64_t heartbeats = 0, leaves = 0, failures = 0, results = 0, jobs = 0;
  for (int step = 0; step < 6000; ++step) {
    // Times on a 10 s grid: many calls share a time, and timers (grace 120 s, lease 150 s)
    // come due exactly at call times.
    if (rng.Bernoulli(0.3)) t += Duration::Seconds(10 * (1 + static_cast<int64_t>(rng.Below(4))));
    live.AdvanceTo(t);
    reference.AdvanceTo(t);
    runtime::Runtime& rt = live.runtime();
    Core& core = reference.core();
    const NodeId node(static_cast<uint32_t>(rng.Below(kNodes)));
    const double u = rng.Uniform();
    // Each call goes to both; the statuses (a refused call) must agree too.
    auto same = [](const absl::Status& a, const absl::Status& b) { EXPECT_EQ(a.code(), b.code()); };
    if (u < 0.03) {
      core::JobSpec spec;
      spec.name = "j" + std::to_string(step);
      spec.task_count = 1 + static_cast<uint32_t>(rng.Below(8));
      spec.task.work_units = 100;
      if (rng.Bernoulli(0.2)) spec.deadline = Duration::Seconds(900);
      same(rt.SubmitJob(spec).status(), core.SubmitJob(t, spec, reference.scratch()).status());
      ++jobs;
    } else if (u < 0.12) {
      same(rt.Connect(node, {}), core.Connect(t, node, {}, reference.scratch()));
    } else if (u < 0.4) {
      same(rt.RequestWork(node, 1), core.RequestWork(t, node, 1, reference.scratch()));
    } else if (u < 0.65) {
      const core::NodeState st =
          rng.Bernoulli(0.1) ? core::NodeState::kDriving : core::NodeState::kPlugged;
      same(rt.Heartbeat(node, st, 0.5f), core.Heartbeat(t, node, st, 0.5f, reference.scratch()));
      ++heartbeats;
    } else if (u < 0.7) {
      same(rt.Leave(node), core.Leave(t, node, reference.scratch()));
      ++leaves;
    } else if (!live_attempts.empty()) {
      const core::Assignment a = live_attempts[rng.Below(live_attempts.size())];
      if (u < 0.95) {
        const core::ResultDigest d = DigestOfAttempt(a.attempt.value());
        EXPECT_EQ(rt.ReportResult(a.node, a.attempt, a.epoch, d),
                  core.ReportResult(t, a.node, a.attempt, a.epoch, d, reference.scratch()));
        ++results;
      } else {
        EXPECT_EQ(rt.ReportFailure(a.node, a.attempt, a.epoch),
                  core.ReportFailure(t, a.node, a.attempt, a.epoch, reference.scratch()));
        ++failures;
      }
    } else {
      continue;
    }
    live.SettleForTest();
    reference.Record(t);
    // Live attempts, from the decisions so far (the reference's; the two are compared).
    for (; seen < reference.assignments().size(); ++seen) {
      live_attempts.push_back(reference.assignments()[seen]);
    }
    std::erase_if(live_attempts, [&](const core::Assignment& a) {
      const core::TaskInfo task = *core.GetTask(a.task);
      return task.epoch != a.epoch || task.live_copies == 0;
    });
  }
  live.AdvanceTo(t + Duration::Hours(1));
  reference.AdvanceTo(t + Duration::Hours(1));
  EXPECT_GT(heartbeats, 1000u);
  EXPECT_GT(leaves, 100u);
  EXPECT_GT(failures, 20u);
  EXPECT_GT(results, 200u);
  EXPECT_GT(jobs, 100u);
  const core::CoreStats& st = reference.core().stats();
  EXPECT_GT(st.attempts_lost, 0u) << "the script should exercise losses (grace)";
  EXPECT_GT(st.attempts_expired, 0u) << "the script should exercise leases";
  EXPECT_GT(st.jobs_failed, 0u) << "the script should exercise deadlines";
  ExpectSameDecisions(live.decisions(), reference.decisions(), "coordinator runtime vs reference");
}

}  // namespace
}  // namespace fleetgrid::sim
