// End to end: an in-process coordinator (SQLite store) + 200 emulated cars (node::Fleet) with
// churn (cars driving off mid-task, some vanishing without a word) + one job of 2,000 hash
// tasks. Every task completes exactly once, every result verifies, lost attempts requeue.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <set>

#include "coordinator/service/coordinator.h"
#include "node/fleet.h"
#include "tests/integration/process.h"
#include "tests/service/test_car.h"

namespace fleetgrid::testing {
namespace {

constexpr uint32_t kCars = 200;
constexpr uint32_t kTasks = 2000;
constexpr uint32_t kRounds = 500;
constexpr uint64_t kSeed = 2024;

// A job of `tasks` hash tasks (64-byte outputs, seed kSeed), verifiable with HashOutput.
v1::JobSpec HashJob(const std::string& name, uint32_t tasks, double work_units, uint32_t rounds) {
  v1::JobSpec spec;
  spec.set_name(name);
  spec.set_task_count(tasks);
  spec.set_work_units_per_task(work_units);
  spec.set_output_size_bytes(64);
  spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_HASH);
  spec.mutable_executor()->mutable_hash()->set_rounds(rounds);
  spec.mutable_executor()->mutable_hash()->set_seed(kSeed);
  return spec;
}

// A coordinator on a SQLite file in `dir`, any free port, fast liveness.
service::CoordinatorOptions E2eOptions(const std::string& dir) {
  service::CoordinatorOptions o;
  o.listen = "127.0.0.1:0";
  o.metrics_listen = "";
  o.db_path = dir + "/fleetgrid.db";
  o.service.heartbeat_interval = Duration::Millis(500);
  o.service.heartbeat_grace = Duration::Seconds(2);
  return o;
}

TEST(FleetEndToEnd, TwoHundredChurningCarsCompleteTwoThousandTasksExactlyOnce) {
  const std::string dir = TempDir("e2e");
  auto c = service::Coordinator::Start(E2eOptions(dir));
  ASSERT_TRUE(c.ok()) << c.status();
  service::Coordinator& coord = **c;

  node::FleetOptions fo;
  fo.coordinator = coord.address();
  fo.cars = kCars;
  fo.seed = 7;
  fo.time_scale = 20;  // model minutes pass in real seconds
  fo.availability.model.kind = sim::AvailabilityKind::kExponentialOnOff;
  fo.availability.model.mean_on = Duration::Seconds(120);  // ~6 s real parked
  fo.availability.model.mean_off = Duration::Seconds(40);  // ~2 s real away
  fo.availability.vanish_probability = 0.5;
  fo.owners = 50;
  fo.backoff.initial = Duration::Millis(50);
  fo.backoff.max = Duration::Millis(500);
  fo.start_spread = Duration::Millis(500);
  fo.stop_timeout = Duration::Seconds(5);
  node::Fleet fleet(fo);
  ASSERT_TRUE(fleet.Start().ok());

  auto channel = grpc::CreateChannel(coord.address(), grpc::InsecureChannelCredentials());
  auto jobs = v1::JobService::NewStub(channel);
  v1::SubmitJobRequest req;
  *req.mutable_spec() =
      HashJob("e2e", kTasks, 2, kRounds);  // 0.1 s real on a speed-1 car at time scale 20
  grpc::ClientContext sctx;
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(jobs->SubmitJob(&sctx, req, &sub).ok());

  // Force churn on top of the model's: once work flows, 20 cars vanish and 20 leave.
  ASSERT_TRUE(fleet.WaitUntil([](const node::FleetStats& s) { return s.attempts_done >= 200; },
                              Duration::Seconds(60)));
  for (uint32_t i = 0; i < 40; ++i) fleet.DriveOffForTest(i * 5, /*vanish=*/i % 2 == 0);

  // Wait for the final snapshot on the watch stream.
  grpc::ClientContext wctx;
  wctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(150));
  v1::WatchJobRequest wreq;
  wreq.set_job_id(sub.job_id());
  wreq.mutable_min_interval()->set_nanos(200'000'000);
  auto watch = jobs->WatchJob(&wctx, wreq);
  v1::JobProgress p, last;
  while (watch->Read(&p)) last = p;
  ASSERT_TRUE(watch->Finish().ok());
  ASSERT_EQ(last.state(), v1::JOB_STATE_DONE) << last.DebugString();
  EXPECT_EQ(last.task_counts().done(), kTasks);
  const node::FleetStats fs = fleet.stats();
  fleet.Stop();

  // Exactly once: one stored result per task, each verifiable.
  grpc::ClientContext rctx;
  v1::FetchResultsRequest rreq;
  rreq.set_job_id(sub.job_id());
  auto results = jobs->FetchResults(&rctx, rreq);
  v1::TaskResult r;
  std::set<uint64_t> seen;
  uint32_t bad = 0;
  while (results->Read(&r)) {
    ASSERT_TRUE(r.chunk().last());
    EXPECT_TRUE(seen.insert(r.task_id()).second) << "task " << r.task_id() << " twice";
    bad += r.chunk().data() != HashOutput(kSeed, r.task_index(), "", kRounds);
  }
  ASSERT_TRUE(results->Finish().ok());
  EXPECT_EQ(seen.size(), kTasks);
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(coord.store().Load()->results.size(), kTasks);
  EXPECT_EQ(coord.metrics().results_total.load(), kTasks) << "a task accepted twice";
  // Churn happened and lost attempts were requeued (the job still finished).
  EXPECT_GT(fs.leaves + fs.vanishes, 0u);
  EXPECT_GT(last.attempts_lost(), 0u);
  EXPECT_GT(last.attempts_started(), kTasks - 1);
  std::cout << "e2e: " << kCars << " cars, " << kTasks << " tasks: attempts started "
            << last.attempts_started() << ", lost " << last.attempts_lost() << ", sessions "
            << fs.sessions << ", reconnects " << fs.reconnects << ", leaves " << fs.leaves
            << ", vanishes " << fs.vanishes << ", store commits " << coord.store().commits()
            << "\n";
  coord.Shutdown();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fleetgrid::testing

namespace fleetgrid::testing {
namespace {

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// The restart test with real car agents: kill -9 the coordinator process mid-job,
// start it again on the same database and port; the cars reconnect (listing the attempts
// they hold), the job completes, every task exactly once.
TEST(FleetEndToEnd, CarsSurviveACoordinatorKill9AndTheJobCompletes) {
  const std::string dir = TempDir("e2e-kill");
  const std::string address = "127.0.0.1:" + std::to_string(FreePort());
  CoordinatorProcess coord(dir, dir + "/fleetgrid.db");
  coord.set_listen(address);
  ASSERT_TRUE(coord.Start()) << coord.stderr_text();
  ASSERT_EQ(coord.address(), address);

  node::FleetOptions fo;
  fo.coordinator = address;
  fo.cars = 50;
  fo.seed = 11;
  fo.time_scale = 20;
  fo.availability.model.kind = sim::AvailabilityKind::kNeverLeaves;
  fo.backoff.initial = Duration::Millis(50);
  fo.backoff.max = Duration::Millis(300);
  fo.stop_timeout = Duration::Seconds(5);
  node::Fleet fleet(fo);
  ASSERT_TRUE(fleet.Start().ok());

  constexpr uint32_t kJobTasks = 400;
  v1::SubmitJobRequest req;
  *req.mutable_spec() = HashJob("kill9", kJobTasks, 4, kRounds);  // 0.2 s real on a speed-1 car
  req.mutable_spec()->set_idempotency_key("kill9-job");
  uint64_t job = 0;
  {
    auto jobs =
        v1::JobService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    v1::SubmitJobResponse sub;
    ASSERT_TRUE(jobs->SubmitJob(&ctx, req, &sub).ok());
    job = sub.job_id();
  }
  ASSERT_TRUE(fleet.WaitUntil([](const node::FleetStats& s) { return s.attempts_done >= 100; },
                              Duration::Seconds(60)));
  const uint64_t acked_before = fleet.stats().attempts_done;
  coord.Kill();
  ASSERT_TRUE(coord.Start()) << coord.stderr_text();

  auto jobs =
      v1::JobService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext wctx;
  wctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(90));
  v1::WatchJobRequest wreq;
  wreq.set_job_id(job);
  wreq.mutable_min_interval()->set_nanos(200'000'000);
  auto watch = jobs->WatchJob(&wctx, wreq);
  v1::JobProgress p, last;
  while (watch->Read(&p)) last = p;
  ASSERT_TRUE(watch->Finish().ok());
  ASSERT_EQ(last.state(), v1::JOB_STATE_DONE) << last.DebugString();
  const node::FleetStats fs = fleet.stats();
  fleet.Stop();
  EXPECT_GT(fs.reconnects, 0u) << "the cars never noticed the crash";

  grpc::ClientContext rctx;
  v1::FetchResultsRequest rreq;
  rreq.set_job_id(job);
  auto results = jobs->FetchResults(&rctx, rreq);
  v1::TaskResult r;
  std::set<uint64_t> seen;
  uint32_t bad = 0;
  while (results->Read(&r)) {
    EXPECT_TRUE(seen.insert(r.task_id()).second) << "task " << r.task_id() << " twice";
    bad += r.chunk().data() != HashOutput(kSeed, r.task_index(), "", kRounds);
  }
  ASSERT_TRUE(results->Finish().ok());
  EXPECT_EQ(seen.size(), kJobTasks);
  EXPECT_EQ(bad, 0u);
  EXPECT_GE(seen.size(), acked_before);
  std::cout << "kill9: " << acked_before << " results acknowledged before the crash, "
            << fs.reconnects << " reconnects, " << fs.attempts_lost << " attempts dropped\n";
  EXPECT_EQ(coord.Terminate(), 0);
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

// Regression: a car agent started a write on a Connect stream the coordinator had already
// ended (its session displaced by a newer one), and crashed inside gRPC. Two agents
// emulating the SAME cars keep displacing each other's sessions; neither may crash, and
// every task is still accepted exactly once.
TEST(FleetEndToEnd, TwoAgentsWithTheSameCarsDisplaceSessionsWithoutCrashOrDoubleAcceptance) {
  constexpr uint32_t kTasksHere = 3000;
  const std::string dir = TempDir("e2e-dup");
  auto c = service::Coordinator::Start(E2eOptions(dir));
  ASSERT_TRUE(c.ok()) << c.status();
  service::Coordinator& coord = **c;

  node::FleetOptions fo;
  fo.coordinator = coord.address();
  fo.cars = 40;
  fo.seed = 11;  // the same seed and car indices: the same identities in both agents
  fo.max_concurrent_tasks = 4;
  fo.availability.model.kind = sim::AvailabilityKind::kNeverLeaves;
  fo.backoff.initial = Duration::Millis(5);
  fo.backoff.max = Duration::Millis(50);
  fo.stop_timeout = Duration::Seconds(5);
  node::Fleet a(fo), b(fo);
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());

  auto channel = grpc::CreateChannel(coord.address(), grpc::InsecureChannelCredentials());
  auto jobs = v1::JobService::NewStub(channel);
  v1::SubmitJobRequest req;
  *req.mutable_spec() = HashJob("dup", kTasksHere, 0.001, 10);
  grpc::ClientContext sctx;
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(jobs->SubmitJob(&sctx, req, &sub).ok());

  grpc::ClientContext wctx;
  wctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(150));
  v1::WatchJobRequest wreq;
  wreq.set_job_id(sub.job_id());
  auto watch = jobs->WatchJob(&wctx, wreq);
  v1::JobProgress p, last;
  while (watch->Read(&p)) last = p;
  ASSERT_TRUE(watch->Finish().ok());
  ASSERT_EQ(last.state(), v1::JOB_STATE_DONE) << last.DebugString();
  const node::FleetStats sa = a.stats(), sb = b.stats();
  a.Stop();
  b.Stop();
  // The sessions did displace each other, many times.
  EXPECT_GT(sa.reconnects + sb.reconnects, 40u);
  EXPECT_EQ(coord.store().Load()->results.size(), kTasksHere);
  EXPECT_EQ(coord.metrics().results_total.load(), kTasksHere) << "a task accepted twice";
  std::cout << "dup: sessions " << sa.sessions + sb.sessions << ", reconnects "
            << sa.reconnects + sb.reconnects << ", attempts started " << last.attempts_started()
            << "\n";
  coord.Shutdown();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fleetgrid::testing
