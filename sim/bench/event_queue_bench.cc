// Event-queue "hold" benchmark: N pending events; each iteration pops the earliest and
// pushes one new event at now + delay (the classic DES steady state). Compares the engine's
// queues with a bare std::priority_queue loop at the same pending count, in the same run.
//
// Delays mimic FLEET-1: 70% short (attempt ends, ~Exp(1800 s)), 30% long (availability
// changes, ~Exp(6 h)). Items/s reported = events (pop + push pairs) per second.
#include <benchmark/benchmark.h>

#include <queue>
#include <tuple>
#include <vector>

#include "common/rng.h"
#include "sim/engine/event_queue.h"

namespace fleetgrid::sim {
namespace {

constexpr double kSec = 1e9;

int64_t Delay(Rng& rng) {
  return rng.Uniform() < 0.7 ? static_cast<int64_t>(rng.Exponential(1800 * kSec))
                             : static_cast<int64_t>(rng.Exponential(21600 * kSec));
}

// Pre-drawn delays so that the RNG is not part of the measured loop.
const std::vector<int64_t>& Delays() {
  static const std::vector<int64_t> d = [] {
    std::vector<int64_t> v(1 << 20);
    Rng rng(7);
    for (auto& x : v) x = Delay(rng);
    return v;
  }();
  return d;
}

void BM_Queue(benchmark::State& state, QueueKind kind) {
  const int64_t n = state.range(0);
  auto q = MakeEventQueue(kind);
  Rng rng(1);
  for (int64_t i = 0; i < n; ++i) q->Push(TimePoint::FromNanos(Delay(rng)), uint64_t(i));
  const auto& delays = Delays();
  size_t k = 0;
  for (auto _ : state) {
    const Event e = q->Pop();
    q->Push(e.time + Duration::Nanos(delays[k++ & (delays.size() - 1)]), e.data);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_event"] =
      static_cast<double>(q->MemoryBytes()) / static_cast<double>(n);
}

void BM_StdPriorityQueue(benchmark::State& state) {
  const int64_t n = state.range(0);
  using Item = std::tuple<int64_t, uint64_t, uint64_t>;  // time, seq, data (FIFO ties)
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> q;
  Rng rng(1);
  uint64_t seq = 0;
  for (int64_t i = 0; i < n; ++i) q.emplace(Delay(rng), seq++, uint64_t(i));
  const auto& delays = Delays();
  size_t k = 0;
  for (auto _ : state) {
    const Item e = q.top();
    q.pop();
    q.emplace(std::get<0>(e) + delays[k++ & (delays.size() - 1)], seq++, std::get<2>(e));
  }
  state.SetItemsProcessed(state.iterations());
}

void Args(benchmark::internal::Benchmark* b) {
  b->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kNanosecond)->MinTime(2.0);
}

BENCHMARK(BM_StdPriorityQueue)->Apply(Args);
BENCHMARK_CAPTURE(BM_Queue, heap4, QueueKind::kHeap4)->Apply(Args);
BENCHMARK_CAPTURE(BM_Queue, calendar, QueueKind::kCalendar)->Apply(Args);
BENCHMARK_CAPTURE(BM_Queue, bucket, QueueKind::kBucket)->Apply(Args);

}  // namespace
}  // namespace fleetgrid::sim

BENCHMARK_MAIN();
