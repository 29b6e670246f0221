// Benchmarks of the brain at FLEET-1 scale: 1M nodes, 10M queued tasks.
//
//   build-core/bench/core_bench --benchmark_filter=AssignComplete
//
// Setup (registering nodes, submitting the job) is outside the timed loop.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "coordinator/core/core.h"

namespace fleetgrid::core {
namespace {

constexpr uint32_t kNodes = 1'000'000;
constexpr uint32_t kTasks = 10'000'000;

std::unique_ptr<Core> MakeCore(const std::string& policy, uint32_t nodes, uint32_t tasks) {
  CoreConfig config;
  config.policy = policy;
  auto core = *Core::Create(config);
  for (uint32_t i = 0; i < nodes; ++i) {
    NodeSpec spec;
    spec.owner = OwnerId(i);
    spec.speed = i % 20 < 10 ? 1 : (i % 20 < 17 ? 2 : 5);
    spec.implicit_heartbeat = true;  // the simulator's mode
    core->RegisterNode(spec);
  }
  JobSpec job;
  job.name = "fleet1";
  job.task_count = tasks;
  job.task = TaskSpec{3600, 50'000'000, 5'000'000};
  Decisions d;
  (void)core->SubmitJob(TimePoint::Epoch(), job, d);
  return core;
}

void AddSizeCounters(benchmark::State& state, const Core& core) {
  state.counters["task_rec_B"] = sizeof(TaskRec);
  state.counters["node_rec_B"] = sizeof(NodeRec) + sizeof(LinkSpec);
  state.counters["attempt_rec_B"] = sizeof(AttemptRec);
  state.counters["core_MB"] = static_cast<double>(core.MemoryBytes()) / 1e6;
}

// One cycle: a node asks for work, gets the head task, reports its result.
void BM_AssignComplete(benchmark::State& state, const std::string& policy) {
  auto core = MakeCore(policy, kNodes, kTasks);
  Decisions d;
  const ResultDigest digest{};
  TimePoint now = TimePoint::Epoch();
  uint32_t node = 0;
  for (auto _ : state) {
    now += Duration::Micros(1);
    d.Clear();
    (void)core->RequestWork(now, NodeId(node), 1, d);
    const Assignment& a = d.assignments.front();
    benchmark::DoNotOptimize(core->ReportResult(now, a.node, a.attempt, a.epoch, digest, d));
    if (++node == kNodes) node = 0;
  }
  state.SetItemsProcessed(state.iterations());
  AddSizeCounters(state, *core);
}
// A fixed count well below the 10M queued tasks, so the queue never runs dry.
constexpr int64_t kCycles = 4'000'000;
BENCHMARK_CAPTURE(BM_AssignComplete, fifo, std::string("fifo"))->Iterations(kCycles);
BENCHMARK_CAPTURE(BM_AssignComplete, random, std::string("random"))->Iterations(kCycles);
BENCHMARK_CAPTURE(BM_AssignComplete, fastest_first, std::string("fastest-first"))
    ->Iterations(kCycles);
BENCHMARK_CAPTURE(BM_AssignComplete, shortest_remaining, std::string("shortest-remaining"))
    ->Iterations(kCycles);

// One cycle: a busy node goes silent, is lost at exactly grace inside Tick (its attempt
// ends kLost and the task is requeued at the head), then it comes back and gets it again.
void BM_NodeLostRequeue(benchmark::State& state) {
  auto core = MakeCore("fifo", kNodes, kTasks);
  Decisions d;
  TimePoint now = TimePoint::Epoch();
  for (uint32_t n = 0; n < kNodes; ++n) (void)core->RequestWork(now, NodeId(n), 1, d);
  const Duration grace = core->config().heartbeat_grace;
  uint32_t node = 0;
  for (auto _ : state) {
    d.Clear();
    (void)core->NodeSilent(now, NodeId(node));
    now += grace;
    core->Tick(now, d);
    (void)core->RequestWork(now, NodeId(node), 1, d);
    benchmark::DoNotOptimize(d.assignments.data());
    if (++node == kNodes) node = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["lost"] = static_cast<double>(core->stats().attempts_lost);
}
BENCHMARK(BM_NodeLostRequeue)->Iterations(kCycles);

}  // namespace
}  // namespace fleetgrid::core

BENCHMARK_MAIN();
