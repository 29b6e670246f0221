// Parity: the simulator and a live-style driver feed the same brain the same event script
// and get identical decisions.
//
// The simulator records every call it makes into the brain (not its Ticks) and every
// decision it gets back. The live-style driver replays those calls the way the gRPC service
// drives the brain: a ManualClock is moved to each call's time, and a timer armed at
// NextWakeup() fires Tick first whenever it is due (the service's alarm). If the simulator's
// single "core wake-up" event ever fired at the wrong time, or missed one, the decision
// streams would differ.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/clock.h"
#include "coordinator/core/core.h"
#include "sim/scenario/scenario.h"
#include "sim/simulator.h"

namespace fleetgrid::sim {
namespace {

using core::Core;
using core::Decisions;

class LiveStyleDriver {
 public:
  explicit LiveStyleDriver(const core::CoreConfig& config) : core_(*Core::Create(config)) {}

  Core& core() { return *core_; }
  const std::vector<std::string>& decisions() const { return decisions_; }

  // Moves the clock to t, firing the brain's timer each time it is due on the way.
  void AdvanceTo(TimePoint t) {
    for (TimePoint w = core_->NextWakeup(); w <= t; w = core_->NextWakeup()) {
      clock_.Set(std::max(w, clock_.Now()));
      dec_.Clear();
      core_->Tick(clock_.Now(), dec_);
      AppendDecisionLines(clock_.Now(), dec_, decisions_);
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
      case CoreTrace::Call::kReportResult: {
        core::ResultDigest d{};
        const uint32_t task = static_cast<uint32_t>(e.attempt >> 32);
        for (int i = 0; i < 4; ++i) d[i] = static_cast<uint8_t>(task >> (8 * i));
        d[31] = 0x5a;
        core_->ReportResult(now, node, AttemptId(e.attempt), e.epoch, d, dec_);
        break;
      }
      case CoreTrace::Call::kSubmitJob:
        ASSERT_TRUE(core_->SubmitJob(now, trace.job_specs[e.job_spec], dec_).ok());
        break;
    }
    AppendDecisionLines(now, dec_, decisions_);
  }

 private:
  ManualClock clock_;
  std::unique_ptr<Core> core_;
  Decisions dec_;
  std::vector<std::string> decisions_;
};

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
  LiveStyleDriver live(cc);
  for (const core::NodeSpec& n : trace.nodes) live.core().RegisterNode(n);
  for (const CoreTrace::Entry& e : trace.calls) {
    live.Replay(e, trace);
    if (testing::Test::HasFatalFailure()) return;
  }
  live.AdvanceTo(trace.end);

  ASSERT_EQ(live.decisions().size(), trace.decisions.size());
  for (size_t i = 0; i < trace.decisions.size(); ++i) {
    ASSERT_EQ(live.decisions()[i], trace.decisions[i]) << "first difference at decision " << i;
  }
  EXPECT_EQ(live.core().stats().tasks_done, (*sim)->result().tasks_completed);
  EXPECT_EQ(live.core().stats().attempts_lost, (*sim)->result().core.attempts_lost);
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

}  // namespace
}  // namespace fleetgrid::sim
