// A hoarder (issue 6): one car that claims to be 1,000 times faster than it is and asks
// for 64 tasks at once, among honest cars, against an in-process coordinator with a
// per-car cap of 3 tasks in progress and a 1 s report deadline per attempt (the lease, which
// heartbeats do not extend; BOINC's delay bound). The hoarder never holds more than the cap,
// its unfinished tasks are issued again once their deadline passes, and the job completes
// with every result correct.
#include <gtest/gtest.h>

#include <algorithm>

#include "node/executor.h"
#include "node/fleet.h"
#include "tests/service/harness.h"

namespace fleetgrid::testing {
namespace {

constexpr uint32_t kCap = 3;
constexpr uint32_t kTasks = 40;
constexpr uint64_t kSeed = 5;

node::FleetOptions Cars(const std::string& address, uint32_t cars, uint32_t first_car) {
  node::FleetOptions o;
  o.coordinator = address;
  o.cars = cars;
  o.first_car = first_car;
  o.availability.model.kind = models::AvailabilityKind::kNeverLeaves;
  o.executors = {node::ExecutorChoice::kSimulated};
  o.default_heartbeat_interval = Duration::Millis(200);
  o.speed_classes = {{1.0, 1.0}};
  o.stop_timeout = Duration::Seconds(2);
  return o;
}

// Would catch: a per-car cap that trusts what the car asks for (the hoarder would hold up to
// 64), a deadline that heartbeats extend (its tasks would never be reissued and the job
// would not complete), or a reissue that accepts a stale result.
TEST(Hoarder, LyingCarHoldsAtMostTheCapAndItsTasksAreReissuedAtTheDeadline) {
  Harness h;
  h.options.service.lease = Duration::Seconds(1);
  h.options.service.node_max_concurrent = kCap;
  h.options.service.policy = "fastest-first";  // the lie pays: the "fastest" car is served first
  h.options.service.heartbeat_grace = Duration::Seconds(5);
  h.Start();

  node::FleetOptions lying = Cars(h.coordinator->address(), 1, 100);
  lying.speed_classes = {{0.001, 1.0}};  // a task of 0.05 units takes it 50 s
  lying.claimed_speed = 1000;
  lying.max_concurrent_tasks = 64;
  node::Fleet hoarder(lying);
  ASSERT_TRUE(hoarder.Start().ok());
  ASSERT_TRUE(hoarder.WaitUntil([](const node::FleetStats& s) { return s.connected_now == 1; },
                                Duration::Seconds(10)));

  v1::JobSpec spec;
  spec.set_name("hoarded");
  spec.set_task_count(kTasks);
  spec.set_work_units_per_task(0.05);  // 50 ms on an honest speed-1 car
  spec.set_output_size_bytes(64);
  spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
  spec.mutable_executor()->mutable_simulated()->set_seed(kSeed);
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(spec, &sub).ok());
  // The hoarder is alone: it takes as many tasks as the cap lets it.
  ASSERT_TRUE(
      hoarder.WaitUntil([](const node::FleetStats& s) { return s.attempts_assigned >= kCap; },
                        Duration::Seconds(10)));

  node::Fleet honest(Cars(h.coordinator->address(), 4, 0));
  ASSERT_TRUE(honest.Start().ok());

  uint64_t hoarder_id = 0;
  uint32_t most_held = 0;
  v1::Job job;
  ASSERT_TRUE(Eventually(
      [&] {
        grpc::ClientContext ctx;
        Harness::Deadline(ctx);
        v1::ListNodesRequest req;
        v1::ListNodesResponse resp;
        if (h.admin->ListNodes(&ctx, req, &resp).ok()) {
          for (const v1::NodeInfo& n : resp.nodes()) {
            if (n.hardware().speed_work_units_per_s() != 1000) continue;
            hoarder_id = n.node_id();
            most_held = std::max(most_held, n.running_attempts());
          }
        }
        job = h.GetJob(sub.job_id());
        return job.state() == v1::JOB_STATE_DONE;
      },
      Duration::Seconds(30)));
  EXPECT_NE(hoarder_id, 0u);
  EXPECT_EQ(most_held, kCap);  // it did hoard, up to the cap and no further
  // Every task the hoarder held expired at its deadline and ran elsewhere.
  grpc::ClientContext sctx;
  Harness::Deadline(sctx);
  v1::GetFleetStatsResponse stats;
  ASSERT_TRUE(h.admin->GetFleetStats(&sctx, v1::GetFleetStatsRequest(), &stats).ok());
  EXPECT_GE(stats.stats().attempts_failed(), kCap);
  EXPECT_GE(hoarder.stats().attempts_lost, kCap);  // cancelled by the coordinator
  EXPECT_EQ(hoarder.stats().attempts_done, 0u);

  // Results are stored (and fetchable) a commit after the state turns DONE.
  uint32_t n = 0;
  ASSERT_TRUE(Eventually([&] {
    grpc::Status status;
    const std::vector<v1::TaskResult> results = h.Results(sub.job_id(), &status);
    for (const v1::TaskResult& r : results) {
      EXPECT_EQ(r.chunk().data(), node::SimulatedOutput(kSeed, r.task_index(), 64));
    }
    n = static_cast<uint32_t>(results.size());
    return status.ok() && n == kTasks;
  })) << n
      << " results";
  honest.Stop();
  hoarder.Stop();
}

}  // namespace
}  // namespace fleetgrid::testing
