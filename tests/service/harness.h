// Harness: an in-process coordinator on 127.0.0.1 (port 0) over a MemoryStore that outlives
// restarts, plus client stubs and helpers. For tests/service and tests/integration.
//
// Time: with UseManualClock() the coordinator runs on `clock` (a runtime::ManualEnv):
// grace periods, leases, credential and token expiry and watch throttling happen when the
// test moves the clock, never on their own. Without it, on the wall clock.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "common/sha256.h"
#include "coordinator/runtime/manual_env.h"
#include "coordinator/service/coordinator.h"
#include "coordinator/service/memory_store.h"
#include "fleetgrid/v1/admin.grpc.pb.h"
#include "fleetgrid/v1/job.grpc.pb.h"
#include "tests/common/eventually.h"
#include "tests/service/test_car.h"

namespace fleetgrid::testing {

inline service::CoordinatorOptions TestOptions() {
  service::CoordinatorOptions o;
  o.listen = "127.0.0.1:0";
  o.metrics_listen = "127.0.0.1:0";
  o.service.heartbeat_interval = Duration::Millis(200);
  o.service.heartbeat_grace = Duration::Seconds(1);
  o.service.max_message_bytes = 1 << 20;
  o.service.max_chunk_bytes = 256 << 10;
  o.service.watch_min_interval = Duration::Millis(20);
  return o;
}

// The admin token Harness::Protect configures (a fixed, well-formed test value).
inline const std::string kTestAdminToken = "fga_" + std::string(64, 'a');

struct Harness {
  runtime::ManualEnv clock;  // first: outlives the coordinator
  service::MemoryStore store;
  service::Store* serve_from = nullptr;  // the coordinator's store when set (e.g. a wrapper)
  service::CoordinatorOptions options = TestOptions();
  std::unique_ptr<service::Coordinator> coordinator;
  std::shared_ptr<grpc::Channel> channel;         // plain: cars use it
  std::unique_ptr<v1::JobService::Stub> jobs;     // with the admin token once protected
  std::unique_ptr<v1::AdminService::Stub> admin;  // with the admin token once protected
  std::string admin_token;                        // "" = open mode

  // Before Start(): the coordinator's time is `clock`, moved only by the test.
  void UseManualClock() { options.service.env = &clock; }

  // Before Start(): configure an admin token (kTestAdminToken). `jobs` and `admin` then send
  // it, and NewCar enrolls with a join token it issues.
  void Protect() {
    admin_token = kTestAdminToken;
    options.service.admin_token_sha256 = Sha256Bytes(admin_token);
  }

  void Start() {
    auto c = service::Coordinator::Start(options, serve_from ? serve_from : &store);
    ASSERT_TRUE(c.ok()) << c.status();
    coordinator = *std::move(c);
    channel = grpc::CreateChannel(coordinator->address(), grpc::InsecureChannelCredentials());
    auto client = BearerChannel(coordinator->address(), admin_token);
    jobs = v1::JobService::NewStub(client);
    admin = v1::AdminService::NewStub(client);
  }

  // A join token (admin stub); FAILs the test if refused.
  v1::IssueJoinTokenResponse IssueJoinToken(const std::string& owner = "", uint32_t max_uses = 0,
                                            int64_t ttl_ms = 0) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    v1::IssueJoinTokenRequest req;
    req.mutable_scope()->set_owner(owner);
    req.set_max_uses(max_uses);
    if (ttl_ms > 0) {
      req.mutable_ttl()->set_seconds(ttl_ms / 1000);
      req.mutable_ttl()->set_nanos(static_cast<int32_t>(ttl_ms % 1000) * 1'000'000);
    }
    v1::IssueJoinTokenResponse resp;
    const grpc::Status s = admin->IssueJoinToken(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }
  // Stops the coordinator (graceful) and starts a new one on the same store (a new port).
  void Restart() {
    coordinator->Shutdown();
    coordinator.reset();
    Start();
  }
  ~Harness() {
    if (coordinator) coordinator->Shutdown();
  }

  static void Deadline(grpc::ClientContext& ctx, int s = 10) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(s));
  }

  static v1::JobSpec HashJob(uint32_t tasks, std::string key = "") {
    v1::JobSpec spec;
    spec.set_name("hash-test");
    spec.set_task_count(tasks);
    spec.set_work_units_per_task(1);
    spec.set_output_size_bytes(64);
    spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_HASH);
    spec.mutable_executor()->mutable_hash()->set_rounds(100);
    spec.mutable_executor()->mutable_hash()->set_seed(42);
    spec.set_idempotency_key(std::move(key));
    return spec;
  }

  grpc::Status Submit(const v1::JobSpec& spec, v1::SubmitJobResponse* resp) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    v1::SubmitJobRequest req;
    *req.mutable_spec() = spec;
    return jobs->SubmitJob(&ctx, req, resp);
  }

  v1::Job GetJob(uint64_t id) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    v1::GetJobRequest req;
    req.set_job_id(id);
    v1::GetJobResponse resp;
    EXPECT_TRUE(jobs->GetJob(&ctx, req, &resp).ok());
    return resp.job();
  }

  v1::NodeInfo GetNode(uint64_t id) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    v1::GetNodeRequest req;
    req.set_node_id(id);
    v1::GetNodeResponse resp;
    EXPECT_TRUE(admin->GetNode(&ctx, req, &resp).ok());
    return resp.node();
  }

  // The stored results of a job, in the order FetchResults streams them; `status` gets how
  // the stream ended.
  std::vector<v1::TaskResult> Results(uint64_t job, grpc::Status* status) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    v1::FetchResultsRequest req;
    req.set_job_id(job);
    auto reader = jobs->FetchResults(&ctx, req);
    std::vector<v1::TaskResult> out;
    for (v1::TaskResult r; reader->Read(&r);) out.push_back(r);
    *status = reader->Finish();
    return out;
  }

  std::unique_ptr<TestCar> NewCar(const std::string& owner) {
    auto car = std::make_unique<TestCar>(channel, owner);
    const std::string token = admin_token.empty() ? "" : IssueJoinToken(owner, 1).token();
    EXPECT_TRUE(car->Enroll(token).ok());
    return car;
  }

  // Counts of what the store holds (changes, jobs, results).
  std::tuple<size_t, size_t, size_t> Stored() {
    auto st = store.Load();
    return {st->changes.size(), st->jobs.size(), st->results.size()};
  }
};

// The car's next assignment, heartbeating every 200 ms while it waits (well inside the test
// grace of 1 s): a car waiting for a requeue must not itself be declared lost, which on a
// loaded machine happened in the same tick as the car it was waiting for.
inline std::optional<v1::Assignment> NextAssignmentStayingAlive(
    TestCar& car, Duration timeout = Duration::Seconds(10)) {
  std::optional<v1::Assignment> a;
  for (Duration waited; !a && waited < timeout; waited = waited + Duration::Millis(200)) {
    car.Heartbeat();
    a = car.NextAssignment(Duration::Millis(200));
  }
  return a;
}

// Runs one task on `car`: ask, compute, report; returns the ack (nullopt on timeout).
inline std::optional<v1::ResultAck> RunOne(TestCar& car, v1::Assignment* got = nullptr) {
  car.RequestWork(1);
  auto a = NextAssignmentStayingAlive(car);
  if (!a) return std::nullopt;
  if (got) *got = *a;
  car.SendResult(*a, TestCar::Compute(*a));
  return car.NextAck();
}

}  // namespace fleetgrid::testing
