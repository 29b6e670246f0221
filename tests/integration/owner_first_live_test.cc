// Checkpoints that move, live (issue 16): cars with weekly routines (Berlin, a Monday
// morning on which most of them leave home) run by the car agent at --time-scale 600 against
// an in-process coordinator. Every car knows when it leaves and warns 10 model minutes ahead;
// the coordinator asks for a checkpoint; the car uploads it; the task, requeued when the car
// drives off, resumes on another car from the stored checkpoint. The test counts resumed
// tasks on both sides and checks that every task's result is stored exactly once and is the
// right one.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <set>
#include <string>

#include "coordinator/service/coordinator.h"
#include "fleetgrid/v1/job.grpc.pb.h"
#include "node/executor.h"
#include "node/fleet.h"
#include "node/scenario.h"
#include "tests/integration/process.h"
#include "tests/integration/watch_job.h"

namespace fleetgrid::testing {
namespace {

constexpr uint32_t kCars = 100;
constexpr uint32_t kTasks = 80;
constexpr uint64_t kSeed = 3;
constexpr uint64_t kOutputBytes = 256;

// 06:00 in Berlin on a Monday: the commuters and home chargers leave between 06:00 and 09:00.
constexpr const char* kScenario = R"(
seed: 5
start: 2024-01-08T05:00:00Z
horizon: 12h
fleet:
  size: 100
  classes: [{hardware: HW3, share: 1}]
regions:
  - name: berlin
    time_zone: Europe/Berlin
    availability: {model: routine, routines: {home-charger: 0.5, commuter: 0.5}, jitter: 20m}
departure_warnings: {share: 1, lead: 10min, noise: 0}
workload: {tasks: 1, work: 1e12}
)";

TEST(OwnerFirstLive, WarnedDeparturesUploadCheckpointsAndTasksResumeElsewhere) {
  const std::string dir = TempDir("owner-first");
  service::CoordinatorOptions co;
  co.listen = "127.0.0.1:0";
  co.metrics_listen = "";
  co.db_path = dir + "/fleetgrid.db";
  co.service.heartbeat_interval = Duration::Millis(500);
  co.service.heartbeat_grace = Duration::Seconds(2);
  auto c = service::Coordinator::Start(co);
  ASSERT_TRUE(c.ok()) << c.status();
  service::Coordinator& coord = **c;

  node::FleetOptions fo;
  fo.coordinator = coord.address();
  fo.cars = kCars;
  fo.time_scale = 600;  // a model hour in 6 real seconds
  fo.availability.vanish_probability = 0;
  fo.backoff.initial = Duration::Millis(20);
  fo.backoff.max = Duration::Millis(200);
  ASSERT_TRUE(node::ApplyScenarioText(kScenario, /*take_seed=*/true, fo).ok());
  ASSERT_DOUBLE_EQ(fo.departure_warnings.share, 1);
  node::Fleet fleet(fo);
  ASSERT_TRUE(fleet.Start().ok());

  // An hour of HW3 work per task (6 s real), a 64 KiB checkpoint.
  auto channel = grpc::CreateChannel(coord.address(), grpc::InsecureChannelCredentials());
  auto jobs = v1::JobService::NewStub(channel);
  v1::SubmitJobRequest req;
  v1::JobSpec& spec = *req.mutable_spec();
  spec.set_name("owner-first");
  spec.set_task_count(kTasks);
  spec.set_work_units_per_task(3600);
  spec.set_output_size_bytes(kOutputBytes);
  spec.set_checkpoint_size_bytes(64 << 10);
  spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
  spec.mutable_executor()->mutable_simulated()->set_seed(kSeed);
  grpc::ClientContext sctx;
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(jobs->SubmitJob(&sctx, req, &sub).ok());

  grpc::Status watched;
  const v1::JobProgress last = WatchToTheEnd(*jobs, sub.job_id(), Duration::Seconds(120), &watched);
  ASSERT_TRUE(watched.ok()) << watched.error_message();
  const node::FleetStats fs = fleet.stats();
  fleet.Stop();
  ASSERT_EQ(last.state(), v1::JOB_STATE_DONE) << last.DebugString();

  // Every task's result once, and the right one.
  grpc::ClientContext rctx;
  v1::FetchResultsRequest rreq;
  rreq.set_job_id(sub.job_id());
  auto results = jobs->FetchResults(&rctx, rreq);
  std::set<uint64_t> seen;
  uint32_t wrong = 0;
  for (v1::TaskResult r; results->Read(&r);) {
    ASSERT_TRUE(r.chunk().last());
    EXPECT_TRUE(seen.insert(r.task_id()).second) << "task " << r.task_id() << " twice";
    wrong += r.chunk().data() != node::SimulatedOutput(kSeed, r.task_index(), kOutputBytes);
  }
  ASSERT_TRUE(results->Finish().ok());
  EXPECT_EQ(seen.size(), kTasks);
  EXPECT_EQ(wrong, 0u);
  const service::Metrics& m = coord.metrics();
  EXPECT_EQ(m.results_total.load(), kTasks) << "a task accepted twice";

  // The morning's departures were warned of, checkpointed and resumed elsewhere.
  std::cout << "owner-first live: " << fs.departure_warnings << " warnings, "
            << m.checkpoint_requests_total.load() << " checkpoints asked, "
            << m.checkpoints_stored_total.load() << " stored (" << m.checkpoint_bytes_total.load()
            << " bytes), " << fs.attempts_resumed << " attempts resumed (" << fs.work_units_resumed
            << " units saved), " << last.attempts_lost() << " attempts lost\n";
  EXPECT_GT(fs.departure_warnings, 0u);
  EXPECT_GT(m.departure_warnings_total.load(), 0u);
  EXPECT_GT(m.checkpoint_requests_total.load(), 0u);
  EXPECT_GT(m.checkpoints_stored_total.load(), 0u);
  EXPECT_EQ(fs.checkpoints_uploaded, m.checkpoints_stored_total.load());
  EXPECT_GT(m.attempts_resumed_total.load(), 0u);
  EXPECT_GT(fs.attempts_resumed, 0u);
  EXPECT_LE(fs.attempts_resumed, m.attempts_resumed_total.load());
  EXPECT_GT(fs.work_units_resumed, 0);
  // Most asked checkpoints were stored in time (the warning gives 10 model minutes = 1 s).
  EXPECT_GT(m.checkpoints_stored_total.load(), m.checkpoint_requests_total.load() / 2);
}

}  // namespace
}  // namespace fleetgrid::testing
