// The real `fleetgrid coordinator` process: kill -9 mid-job, restart on the same database,
// nothing acknowledged is lost and no task is accepted twice; SIGTERM exits 0; the client
// commands work against it.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "fleetgrid/v1/job.grpc.pb.h"
#include "tests/integration/process.h"
#include "tests/service/test_car.h"

namespace fleetgrid::testing {
namespace {

v1::JobSpec HashJob(uint32_t tasks) {
  v1::JobSpec spec;
  spec.set_name("restart");
  spec.set_task_count(tasks);
  spec.set_work_units_per_task(1);
  spec.set_output_size_bytes(64);
  spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_HASH);
  spec.mutable_executor()->mutable_hash()->set_rounds(200);
  spec.mutable_executor()->mutable_hash()->set_seed(9);
  spec.set_idempotency_key("restart-job");
  return spec;
}

std::map<uint64_t, std::string> FetchDigests(v1::JobService::Stub& jobs, uint64_t job,
                                             grpc::Status* status) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::FetchResultsRequest req;
  req.set_job_id(job);
  auto reader = jobs.FetchResults(&ctx, req);
  std::map<uint64_t, std::string> out;
  v1::TaskResult r;
  while (reader->Read(&r)) {
    if (r.chunk().last()) {
      EXPECT_EQ(r.chunk().data(), HashOutput(9, r.task_index(), "", 200));
      EXPECT_TRUE(out.emplace(r.task_id(), r.digest().sha256()).second) << "task twice";
    }
  }
  *status = reader->Finish();
  return out;
}

TEST(RestartProcess, Kill9MidJobLosesNothingAcknowledged) {
  const std::string dir = TempDir("restart");
  CoordinatorProcess coord(dir, dir + "/fleetgrid.db");
  ASSERT_TRUE(coord.Start()) << coord.stderr_text();
  auto channel = grpc::CreateChannel(coord.address(), grpc::InsecureChannelCredentials());
  auto jobs = v1::JobService::NewStub(channel);

  grpc::ClientContext sctx;
  v1::SubmitJobRequest sreq;
  *sreq.mutable_spec() = HashJob(20);
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(jobs->SubmitJob(&sctx, sreq, &sub).ok());

  // Two cars: one finishes 8 tasks (each acknowledged), one holds an attempt.
  TestCar worker(channel, "w"), holder(channel, "h");
  ASSERT_TRUE(worker.Enroll().ok());
  ASSERT_TRUE(holder.Enroll().ok());
  ASSERT_TRUE(worker.Connect().ok());
  ASSERT_TRUE(holder.Connect().ok());
  std::set<uint64_t> acked;
  for (int i = 0; i < 8; ++i) {
    worker.RequestWork(1);
    auto a = worker.NextAssignment();
    ASSERT_TRUE(a);
    worker.SendResult(*a, TestCar::Compute(*a));
    auto ack = worker.NextAck();
    ASSERT_TRUE(ack);
    ASSERT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED);
    acked.insert(a->task_id());
  }
  holder.RequestWork(1);
  auto held = holder.NextAssignment();
  ASSERT_TRUE(held);
  // A result sent right before the crash: acknowledged or not, it must not be half-taken.
  worker.RequestWork(1);
  auto inflight = worker.NextAssignment();
  ASSERT_TRUE(inflight);
  worker.SendResult(*inflight, TestCar::Compute(*inflight));

  coord.Kill();  // kill -9
  worker.Drop();
  holder.Drop();

  ASSERT_TRUE(coord.Start()) << coord.stderr_text();
  channel = grpc::CreateChannel(coord.address(), grpc::InsecureChannelCredentials());
  jobs = v1::JobService::NewStub(channel);
  grpc::Status st;
  auto stored = FetchDigests(*jobs, sub.job_id(), &st);
  ASSERT_TRUE(st.ok()) << st.error_message();
  for (uint64_t t : acked) EXPECT_TRUE(stored.count(t)) << "acknowledged task " << t << " lost";

  // A retried submit finds the same job.
  grpc::ClientContext s2;
  v1::SubmitJobResponse dup;
  ASSERT_TRUE(jobs->SubmitJob(&s2, sreq, &dup).ok());
  EXPECT_TRUE(dup.duplicate());
  EXPECT_EQ(dup.job_id(), sub.job_id());

  // The holder comes back within grace listing its attempt: re-attached.
  TestCar holder2(channel, "h");
  holder2.SetIdentity(holder.node_id(), holder.secret());
  v1::HeldAttempt ha;
  *ha.mutable_attempt() = held->attempt();
  ha.set_task_id(held->task_id());
  auto welcome = holder2.Connect({ha});
  ASSERT_TRUE(welcome.ok()) << welcome.status();
  ASSERT_EQ(welcome->reattached_size(), 1);
  holder2.SendResult(*held, TestCar::Compute(*held));
  auto ack = holder2.NextAck();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED);

  // The worker (re-enrolled identity kept) finishes the rest; a resend of the in-flight
  // result is either a duplicate (it was stored) or refused and the task runs again.
  TestCar worker2(channel, "w");
  worker2.SetIdentity(worker.node_id(), worker.secret());
  ASSERT_TRUE(worker2.Connect().ok());
  for (;;) {
    grpc::ClientContext gctx;
    v1::GetJobRequest g;
    g.set_job_id(sub.job_id());
    v1::GetJobResponse gr;
    ASSERT_TRUE(jobs->GetJob(&gctx, g, &gr).ok());
    if (gr.job().state() == v1::JOB_STATE_DONE) break;
    worker2.RequestWork(1);
    auto a = worker2.NextAssignment(Duration::Seconds(15));
    ASSERT_TRUE(a) << "no more work but the job is not done";
    worker2.SendResult(*a, TestCar::Compute(*a));
    auto k = worker2.NextAck();
    ASSERT_TRUE(k);
    EXPECT_EQ(k->outcome(), v1::RESULT_OUTCOME_ACCEPTED);
  }
  auto all = FetchDigests(*jobs, sub.job_id(), &st);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(all.size(), 20u) << "every task exactly once";
  for (const auto& [task, digest] : stored) EXPECT_EQ(all[task], digest) << "result changed";

  worker2.Leave();
  holder2.Leave();
  EXPECT_EQ(coord.Terminate(), 0) << "SIGTERM must exit 0";
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

TEST(ClientCommands, SubmitWatchListResultsAgainstARealCoordinator) {
  const std::string dir = TempDir("cli");
  CoordinatorProcess coord(dir, dir + "/fleetgrid.db");
  ASSERT_TRUE(coord.Start()) << coord.stderr_text();
  const std::string data = FLEETGRID_TEST_DATA;
  auto r = RunCli({"submit", data + "/job_ok.yaml", "--insecure", "--coordinator", coord.address()},
                  dir);
  ASSERT_EQ(r.rc, 0) << r.err;
  const uint64_t job = std::stoull(r.out);
  // The same file again (same idempotency key) gives the same job.
  auto again = RunCli(
      {"submit", data + "/job_ok.yaml", "--insecure", "--coordinator", coord.address()}, dir);
  EXPECT_EQ(std::stoull(again.out), job);

  {
    auto channel = grpc::CreateChannel(coord.address(), grpc::InsecureChannelCredentials());
    TestCar car(channel, "cli-car");
    ASSERT_TRUE(car.Enroll().ok());
    ASSERT_TRUE(car.Connect().ok());
    for (int i = 0; i < 6; ++i) {
      car.RequestWork(1);
      auto a = car.NextAssignment();
      ASSERT_TRUE(a);
      car.SendResult(*a, TestCar::Compute(*a));
      ASSERT_TRUE(car.NextAck());
    }
    car.Leave();
  }
  auto watch = RunCli(
      {"job", std::to_string(job), "--watch", "--insecure", "--coordinator", coord.address()}, dir);
  EXPECT_EQ(watch.rc, 0) << watch.err;
  EXPECT_NE(watch.out.find("6/6 DONE"), std::string::npos) << watch.out;
  auto jobs = RunCli({"jobs", "--insecure", "--coordinator", coord.address()}, dir);
  EXPECT_EQ(jobs.rc, 0);
  EXPECT_NE(jobs.out.find("cli-hash"), std::string::npos) << jobs.out;
  auto nodes = RunCli({"nodes", "--insecure", "--coordinator", coord.address()}, dir);
  EXPECT_EQ(nodes.rc, 0);
  EXPECT_NE(nodes.out.find("cli-car"), std::string::npos) << nodes.out;
  auto res = RunCli({"results", std::to_string(job), "--out", dir + "/results", "--insecure",
                     "--coordinator", coord.address()},
                    dir);
  EXPECT_EQ(res.rc, 0) << res.err;
  EXPECT_TRUE(std::filesystem::exists(dir + "/results/manifest.json"));
  EXPECT_EQ(ReadFile(dir + "/results/task-3.out"), HashOutput(7, 3, "", 50));
  auto unknown = RunCli({"job", "999", "--insecure", "--coordinator", coord.address()}, dir);
  EXPECT_EQ(unknown.rc, 1);
  EXPECT_NE(unknown.err.find("unknown job 999"), std::string::npos) << unknown.err;
  EXPECT_EQ(coord.Terminate(), 0);
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

TEST(ClientCommands, ClearErrorsWithoutACoordinator) {
  const std::string dir = TempDir("cli-errors");
  const std::string data = FLEETGRID_TEST_DATA;
  auto bad = RunCli({"submit", data + "/job_bad_key.yaml"}, dir);
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.err.find("unknown key 'colour'"), std::string::npos) << bad.err;
  auto neg = RunCli({"submit", data + "/job_negative.yaml"}, dir);
  EXPECT_EQ(neg.rc, 2);
  EXPECT_NE(neg.err.find("input_bytes"), std::string::npos) << neg.err;
  auto down = RunCli({"jobs", "--coordinator", "127.0.0.1:1"}, dir);
  EXPECT_EQ(down.rc, 1);
  EXPECT_NE(down.err.find("cannot reach the coordinator at 127.0.0.1:1"), std::string::npos)
      << down.err;
  std::filesystem::remove_all(dir);
}

TEST(CoordinatorProcessTest, RefusesADamagedDatabase) {
  const std::string dir = TempDir("damaged");
  {
    std::ofstream f(dir + "/bad.db", std::ios::binary);
    f << "SQLite format 3" << std::string(1, '\0') << std::string(8000, '\x7f');
  }
  auto r = RunCli({"coordinator", "--insecure", "--listen", "127.0.0.1:0", "--metrics-listen",
                   "off", "--db", dir + "/bad.db"},
                  dir);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("integrity"), std::string::npos) << r.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fleetgrid::testing

namespace fleetgrid::testing {
namespace {

// Regression: gRPC enables SO_REUSEPORT by default, so a second coordinator used to bind the
// same port and steal half the connections.
TEST(CoordinatorProcessTest, SecondCoordinatorOnTheSamePortIsRefused) {
  const std::string dir = TempDir("port");
  CoordinatorProcess first(dir, dir + "/a.db");
  ASSERT_TRUE(first.Start());
  auto r = RunCli({"coordinator", "--insecure", "--listen", first.address(), "--metrics-listen",
                   "off", "--db", dir + "/b.db"},
                  dir, 20);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("cannot listen"), std::string::npos) << r.err;
  EXPECT_EQ(first.Terminate(), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fleetgrid::testing
