// Parity through the real service: the simulator's event script, replayed by cars speaking
// gRPC to an in-process coordinator on a manual clock, gives the same accepted results
// (which car's attempt won each task) and the same losses.
//
// Each call of the script becomes what a car does: Connect opens a session, RequestWork
// sends a work request, NodeSilent drops the stream without a word (after a last heartbeat
// at that time, as the simulator's car was last heard then), ReportResult sends the hash
// result of the assignment the car received. The simulator's cars heartbeat implicitly, so
// connected live cars heartbeat whenever the clock moves. After each step every connected
// car sends a no-op request (a work request for 0 slots, answered with an error on the same
// stream) and collects what came before the answer: nothing a step decided is still in
// flight when the next step starts. The clock moves from timer to timer, as the
// simulator's event loop does.
#include <gtest/gtest.h>

#include <cstdio>
#include <future>
#include <map>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"
#include "sim/simulator.h"
#include "tests/service/harness.h"

namespace fleetgrid::testing {
namespace {

// "task -> (node, attempt)" of the accepted results in a decision log.
std::map<uint32_t, std::pair<uint32_t, uint64_t>> AcceptedIn(const std::vector<std::string>& log) {
  std::map<uint32_t, std::pair<uint32_t, uint64_t>> accepted;
  for (const std::string& line : log) {
    long long t;
    unsigned node, task, outcome;
    unsigned long long attempt;
    if (std::sscanf(line.c_str(), "t=%lld ended node=%u task=%u attempt=%llu outcome=%u", &t, &node,
                    &task, &attempt, &outcome) == 5 &&
        outcome == static_cast<unsigned>(core::AttemptOutcome::kSucceeded)) {
      accepted[task] = {node, attempt};
    }
  }
  return accepted;
}

class LiveReplay {
 public:
  LiveReplay(Harness& h, size_t cars) : h_(h), connected_(cars, false), last_heard_(cars) {
    for (size_t i = 0; i < cars; ++i) cars_.push_back(h.NewCar("owner-" + std::to_string(i)));
  }

  // Moves the clock to t, stopping at every timer on the way (and often enough for the
  // connected cars' heartbeats to stay inside the grace).
  void AdvanceTo(TimePoint t) {
    const Duration step = h_.options.service.heartbeat_grace / 2;
    for (;;) {
      TimePoint next = h_.clock.NextTimer();
      for (size_t i = 0; i < cars_.size(); ++i) {
        if (connected_[i]) next = std::min(next, last_heard_[i] + step);
      }
      if (next >= t) break;
      Step(std::max(next, h_.clock.Now()));
    }
    Step(t);
  }

  void Apply(const sim::CoreTrace::Entry& e) {
    const uint32_t i = e.node;
    switch (e.call) {
      case sim::CoreTrace::Call::kConnect:
        ASSERT_TRUE(cars_[i]->Connect().ok()) << "car " << i;
        connected_[i] = true;
        last_heard_[i] = h_.clock.Now();
        break;
      case sim::CoreTrace::Call::kRequestWork:
        cars_[i]->RequestWork(1);
        break;
      case sim::CoreTrace::Call::kNodeSilent:
        cars_[i]->Drop();  // last heard now: AdvanceTo heartbeat it at this time
        connected_[i] = false;
        break;
      case sim::CoreTrace::Call::kReportResult: {
        auto it = assigned_.find(e.attempt);
        ASSERT_NE(it, assigned_.end()) << "car " << i << " never got attempt " << e.attempt;
        cars_[i]->SendResult(it->second, TestCar::Compute(it->second));
        break;
      }
      case sim::CoreTrace::Call::kSubmitJob: {
        v1::SubmitJobResponse sub;
        ASSERT_TRUE(h_.Submit(Harness::HashJob(jobs_[e.job_spec]), &sub).ok());
        break;
      }
    }
    SyncAll();
  }

  void SetJobSizes(std::vector<uint32_t> sizes) { jobs_ = std::move(sizes); }
  const std::map<uint64_t, v1::Assignment>& assigned() const { return assigned_; }

 private:
  void Step(TimePoint t) {
    h_.clock.Set(t);
    for (size_t i = 0; i < cars_.size(); ++i) {
      if (!connected_[i]) continue;
      cars_[i]->Heartbeat();
      last_heard_[i] = t;
    }
    SyncAll();
  }

  // Every connected car's stream, up to a no-op's answer: whatever the brain decided before
  // has reached the car.
  void SyncAll() {
    for (size_t i = 0; i < cars_.size(); ++i) {
      if (!connected_[i]) continue;
      v1::NodeMessage noop;
      noop.mutable_work_request()->set_slots(0);
      ASSERT_TRUE(cars_[i]->Send(noop));
      auto answer = cars_[i]->WaitFor(
          [&](const v1::CoordinatorMessage& m) {
            if (m.has_assignment())
              assigned_[m.assignment().attempt().attempt_id()] = m.assignment();
            return m.has_error();
          },
          Duration::Seconds(10));
      ASSERT_TRUE(answer) << "car " << i << " got no answer";
    }
  }

  Harness& h_;
  std::vector<std::unique_ptr<TestCar>> cars_;
  std::vector<bool> connected_;
  std::vector<TimePoint> last_heard_;
  std::vector<uint32_t> jobs_;
  std::map<uint64_t, v1::Assignment> assigned_;  // by attempt id
};

TEST(ServiceParity, TheSimulatorsScriptGivesTheSameAcceptedResultsThroughGrpc) {
  auto s = sim::ParseScenario(R"(
name: service-parity
horizon: 2d
grace_period: 300s
fleet: {size: 8}
availability: {model: exponential-on-off, mean_on: 2h, mean_off: 40m}
workload: {tasks_per_car: 2, work: 3600, input_bytes: 1000000, output_bytes: 64}
outputs: {timeseries_interval: 0}
)");
  ASSERT_TRUE(s.ok()) << s.status();
  sim::CoreTrace trace;
  sim::SimHooks hooks;
  hooks.trace = &trace;
  auto simulator = sim::Simulator::Create(*s, hooks);
  ASSERT_TRUE(simulator.ok()) << simulator.status();
  ASSERT_TRUE((*simulator)->Run().ok());
  const sim::SimResult& r = (*simulator)->result();
  ASSERT_TRUE(r.all_done);
  ASSERT_GT(r.attempts_lost, 0u) << "the script should exercise losses";
  ASSERT_GT(r.core.nodes_lost, 0u) << "the script should exercise the grace (cars lost)";

  Harness h;
  h.UseManualClock();
  h.options.service.heartbeat_grace = s->grace_period;
  h.options.service.heartbeat_interval = Duration::Hours(1);  // the credential check's period
  h.options.service.node_max_concurrent = 1;                  // as the simulator's cars
  h.Start();
  LiveReplay live(h, s->fleet.size);
  std::vector<uint32_t> sizes;
  for (const core::JobSpec& j : trace.job_specs) sizes.push_back(j.task_count);
  live.SetJobSizes(sizes);
  for (const sim::CoreTrace::Entry& e : trace.calls) {
    live.AdvanceTo(e.t);
    live.Apply(e);
    if (::testing::Test::HasFatalFailure()) return;
  }
  live.AdvanceTo(trace.end);

  std::promise<std::pair<core::CoreStats, std::map<uint32_t, std::pair<uint32_t, uint64_t>>>> got;
  h.coordinator->brain().InspectForTesting([&](const core::Core& c) {
    std::map<uint32_t, std::pair<uint32_t, uint64_t>> accepted;
    for (uint32_t t = 0; t < c.task_count(); ++t) {
      const core::TaskInfo info = *c.GetTask(TaskId(t));
      if (info.status == core::TaskStatus::kDone) {
        accepted[t] = {info.accepted_node.value(), info.accepted_attempt.value()};
      }
    }
    got.set_value({c.stats(), accepted});
  });
  const auto [stats, live_accepted] = got.get_future().get();
  const auto sim_accepted = AcceptedIn(trace.decisions);
  EXPECT_EQ(sim_accepted.size(), r.tasks_completed);
  EXPECT_EQ(live_accepted, sim_accepted);
  EXPECT_EQ(stats.tasks_done, r.tasks_completed);
  EXPECT_EQ(stats.attempts_lost, r.core.attempts_lost);
  EXPECT_EQ(stats.attempts_started, r.attempts_started);
  EXPECT_EQ(live.assigned().size(), r.attempts_started);
}

}  // namespace
}  // namespace fleetgrid::testing
