// The coordinator served in-process over a MemoryStore: jobs, sessions, durability ordering,
// restart recovery, loss after grace, metrics.

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "tests/service/faulty_store.h"
#include "tests/service/harness.h"
#include "tests/service/http_get.h"

namespace fleetgrid::testing {
namespace {

TEST(Service, OneCarRunsAHashJobToCompletionAndResultsVerify) {
  Harness h;
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(5), &sub).ok());
  ASSERT_GT(sub.job_id(), 0u);
  auto car = h.NewCar("alice");
  ASSERT_TRUE(car->Connect().ok());
  for (int i = 0; i < 5; ++i) {
    auto ack = RunOne(*car);
    ASSERT_TRUE(ack.has_value()) << "task " << i;
    EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED);
  }
  // The watch stream ends with a final DONE snapshot.
  grpc::ClientContext wctx;
  Harness::Deadline(wctx);
  v1::WatchJobRequest wreq;
  wreq.set_job_id(sub.job_id());
  auto watch = h.jobs->WatchJob(&wctx, wreq);
  v1::JobProgress p, last;
  while (watch->Read(&p)) last = p;
  ASSERT_TRUE(watch->Finish().ok());
  EXPECT_TRUE(last.final());
  EXPECT_EQ(last.state(), v1::JOB_STATE_DONE);
  EXPECT_EQ(last.task_counts().done(), 5u);

  // Results stream back and verify against an independent hash kernel.
  grpc::Status status;
  const std::vector<v1::TaskResult> results = h.Results(sub.job_id(), &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  for (const v1::TaskResult& r : results) {
    ASSERT_TRUE(r.chunk().last());
    EXPECT_EQ(r.chunk().data(), HashOutput(42, r.task_index(), "", 100));
    EXPECT_EQ(r.digest().sha256(), Sha256Bytes(r.chunk().data()));
  }
  EXPECT_EQ(results.size(), 5u);
  EXPECT_EQ(std::get<2>(h.Stored()), 5u);
  car->Leave();
}

TEST(Service, JobIsAcknowledgedOnlyAfterItIsStored) {
  Harness h;
  h.Start();
  h.store.HoldCommitsForTesting();
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  Harness::Deadline(ctx, 30);
  v1::SubmitJobRequest req;
  *req.mutable_spec() = Harness::HashJob(3);
  v1::SubmitJobResponse resp;
  grpc::Status status;
  auto call = h.jobs->AsyncSubmitJob(&ctx, req, &cq);
  call->Finish(&resp, &status, reinterpret_cast<void*>(1));
  ASSERT_TRUE(Eventually([&] { return h.store.BlockedCommitsForTesting() > 0; }));
  void* tag = nullptr;
  bool ok = false;
  // The commit is held: no answer may come.
  EXPECT_EQ(
      cq.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + std::chrono::milliseconds(100)),
      grpc::CompletionQueue::TIMEOUT);
  EXPECT_EQ(std::get<1>(h.Stored()), 0u);
  h.store.ReleaseCommitsForTesting();
  ASSERT_TRUE(cq.Next(&tag, &ok));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(std::get<1>(h.Stored()), 1u);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST(Service, ResultIsAcknowledgedOnlyAfterItIsStored) {
  Harness h;
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(1), &sub).ok());
  auto car = h.NewCar("bob");
  ASSERT_TRUE(car->Connect().ok());
  car->RequestWork(1);
  auto a = car->NextAssignment();
  ASSERT_TRUE(a);
  h.store.HoldCommitsForTesting();
  car->SendResult(*a, TestCar::Compute(*a));
  ASSERT_TRUE(Eventually([&] { return h.store.BlockedCommitsForTesting() > 0; }));
  EXPECT_FALSE(car->NextAck(Duration::Millis(100)).has_value()) << "acked before stored";
  h.store.ReleaseCommitsForTesting();
  auto ack = car->NextAck();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED);
  EXPECT_EQ(std::get<2>(h.Stored()), 1u);
}

TEST(Service, IdempotentSubmitReturnsTheSameJob) {
  Harness h;
  h.Start();
  v1::SubmitJobResponse a, b;
  ASSERT_TRUE(h.Submit(Harness::HashJob(2, "same-key"), &a).ok());
  ASSERT_TRUE(h.Submit(Harness::HashJob(2, "same-key"), &b).ok());
  EXPECT_EQ(a.job_id(), b.job_id());
  EXPECT_FALSE(a.duplicate());
  EXPECT_TRUE(b.duplicate());
  EXPECT_EQ(std::get<1>(h.Stored()), 1u);
}

TEST(Service, RestartKeepsJobsAndResultsAndReattachesHeldAttempts) {
  Harness h;
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(3, "restart"), &sub).ok());
  auto car = h.NewCar("carol");
  ASSERT_TRUE(car->Connect().ok());
  ASSERT_TRUE(RunOne(*car));
  car->RequestWork(1);
  auto held = car->NextAssignment();
  ASSERT_TRUE(held);

  h.Restart();  // the car's stream breaks; it keeps its attempt
  EXPECT_EQ(h.GetJob(sub.job_id()).task_counts().done(), 1u);
  TestCar again(h.channel, "carol");
  again.SetIdentity(car->node_id(), car->secret());
  car.reset();
  v1::HeldAttempt ha;
  *ha.mutable_attempt() = held->attempt();
  ha.set_task_id(held->task_id());
  auto welcome = again.Connect({ha});
  ASSERT_TRUE(welcome.ok()) << welcome.status();
  ASSERT_EQ(welcome->reattached_size(), 1);
  EXPECT_EQ(welcome->reattached(0).attempt_id(), held->attempt().attempt_id());
  again.SendResult(*held, TestCar::Compute(*held));
  auto ack = again.NextAck();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED);
  ASSERT_TRUE(RunOne(again));
  EXPECT_EQ(h.GetJob(sub.job_id()).state(), v1::JOB_STATE_DONE);
  // Exactly one stored result per task.
  auto st = h.store.Load();
  std::set<uint64_t> tasks;
  for (const auto& r : st->results) EXPECT_TRUE(tasks.insert(r.task_id).second);
  EXPECT_EQ(tasks.size(), 3u);
  // A retried submit after the restart still finds the job.
  v1::SubmitJobResponse dup;
  ASSERT_TRUE(h.Submit(Harness::HashJob(3, "restart"), &dup).ok());
  EXPECT_TRUE(dup.duplicate());
  EXPECT_EQ(dup.job_id(), sub.job_id());
}

// On the manual clock: the grace (1 s) runs from the car's last heartbeat, to the
// nanosecond, and only the coordinator's clock decides it.
TEST(Service, AttemptOfACarThatDoesNotComeBackIsRequeuedAfterGrace) {
  Harness h;
  h.UseManualClock();
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(1), &sub).ok());
  auto gone = h.NewCar("dave");
  ASSERT_TRUE(gone->Connect().ok());  // last heard at t = 0
  gone->RequestWork(1);
  auto first = gone->NextAssignment();
  ASSERT_TRUE(first);
  gone->Drop();  // vanishes: no Leave, no more heartbeats

  h.clock.Advance(h.options.service.heartbeat_grace - Duration::Millis(1));
  auto other = h.NewCar("erin");
  ASSERT_TRUE(other->Connect().ok());  // heard 1 ms before dave's grace runs out
  other->RequestWork(1);
  EXPECT_FALSE(other->NextAssignment(Duration::Millis(300))) << "requeued before the grace";
  h.clock.Advance(Duration::Millis(1));
  auto second = other->NextAssignment();
  ASSERT_TRUE(second) << "task not requeued after the grace";
  EXPECT_EQ(second->task_id(), first->task_id());
  EXPECT_GT(second->attempt().lease_epoch(), first->attempt().lease_epoch());
  other->SendResult(*second, TestCar::Compute(*second));
  auto ack = other->NextAck();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED) << ack->DebugString();

  // The vanished car comes back: its old attempt is dropped, its late result refused.
  v1::HeldAttempt ha;
  *ha.mutable_attempt() = first->attempt();
  auto welcome = gone->Connect({ha});
  ASSERT_TRUE(welcome.ok());
  EXPECT_EQ(welcome->dropped_size(), 1);
  gone->SendResult(*first, TestCar::Compute(*first));
  auto late = gone->NextAck();
  ASSERT_TRUE(late);
  EXPECT_EQ(late->outcome(), v1::RESULT_OUTCOME_REJECTED);
  EXPECT_EQ(std::get<2>(h.Stored()), 1u);
}

TEST(Service, AfterRestartAnAbsentCarsAttemptIsRequeued) {
  Harness h;
  h.UseManualClock();
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(1), &sub).ok());
  auto car = h.NewCar("frank");
  ASSERT_TRUE(car->Connect().ok());
  car->RequestWork(1);
  auto a = car->NextAssignment();
  ASSERT_TRUE(a);
  car->Drop();
  h.Restart();  // frank counts as heard now: no eviction storm after a restart
  h.clock.Advance(h.options.service.heartbeat_grace / 2);
  auto other = h.NewCar("gina");
  ASSERT_TRUE(other->Connect().ok());
  other->RequestWork(1);
  EXPECT_FALSE(other->NextAssignment(Duration::Millis(300))) << "requeued before the grace";
  h.clock.Advance(h.options.service.heartbeat_grace / 2);
  auto a2 = other->NextAssignment();
  ASSERT_TRUE(a2) << "attempt of the absent car not requeued";
  EXPECT_EQ(a2->task_id(), a->task_id());
  other->SendResult(*a2, TestCar::Compute(*a2));
  auto ack = other->NextAck();
  ASSERT_TRUE(ack);
  EXPECT_EQ(h.GetJob(sub.job_id()).state(), v1::JOB_STATE_DONE);
}

TEST(Service, CancelStopsRunningAttemptsAndIsIdempotent) {
  Harness h;
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(3), &sub).ok());
  auto car = h.NewCar("ivan");
  ASSERT_TRUE(car->Connect().ok());
  car->RequestWork(1);
  auto a = car->NextAssignment();
  ASSERT_TRUE(a);
  grpc::ClientContext ctx;
  v1::CancelJobRequest req;
  req.set_job_id(sub.job_id());
  req.set_reason("test");
  v1::CancelJobResponse resp;
  ASSERT_TRUE(h.jobs->CancelJob(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.job().state(), v1::JOB_STATE_CANCELLED);
  EXPECT_FALSE(resp.already_final());
  auto cancel = car->WaitFor([](const auto& m) { return m.has_cancel(); }, Duration::Seconds(5));
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->cancel().attempt().attempt_id(), a->attempt().attempt_id());
  EXPECT_EQ(cancel->cancel().reason(), v1::CANCEL_REASON_JOB_CANCELLED);
  grpc::ClientContext ctx2;
  ASSERT_TRUE(h.jobs->CancelJob(&ctx2, req, &resp).ok());
  EXPECT_TRUE(resp.already_final());
  // A late result for the cancelled task is refused and stores nothing.
  car->SendResult(*a, TestCar::Compute(*a));
  auto ack = car->NextAck();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_REJECTED);
  EXPECT_EQ(std::get<2>(h.Stored()), 0u);
}

TEST(Service, DrainedCarGetsNoNewWork) {
  Harness h;
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(2), &sub).ok());
  auto car = h.NewCar("judy");
  ASSERT_TRUE(car->Connect().ok());
  grpc::ClientContext ctx;
  v1::DrainNodeRequest req;
  req.set_node_id(car->node_id());
  req.set_reason("maintenance");
  v1::DrainNodeResponse resp;
  ASSERT_TRUE(h.admin->DrainNode(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.node().connection_state(), v1::CONNECTION_STATE_DRAINING);
  auto drain = car->WaitFor([](const auto& m) { return m.has_drain(); }, Duration::Seconds(5));
  ASSERT_TRUE(drain);
  EXPECT_EQ(drain->drain().reason(), "maintenance");
  car->RequestWork(1);
  auto err = car->WaitFor([](const auto& m) { return m.has_error() || m.has_assignment(); },
                          Duration::Seconds(5));
  ASSERT_TRUE(err);
  EXPECT_TRUE(err->has_error()) << "a draining car got work";
  grpc::ClientContext sctx;
  v1::GetFleetStatsRequest sreq;
  v1::GetFleetStatsResponse sresp;
  ASSERT_TRUE(h.admin->GetFleetStats(&sctx, sreq, &sresp).ok());
  EXPECT_EQ(sresp.stats().nodes_connected(), 1u);
  EXPECT_EQ(sresp.stats().nodes_draining(), 1u);
  EXPECT_EQ(sresp.stats().queue_length(), 2u);
}

TEST(Service, MetricsAndHealthz) {
  Harness h;
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(2), &sub).ok());
  auto car = h.NewCar("hana");
  ASSERT_TRUE(car->Connect().ok());
  ASSERT_TRUE(RunOne(*car));
  const int port = h.coordinator->metrics_port();
  ASSERT_GT(port, 0);
  auto [code, body] = HttpGet(port, "/healthz");
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body, "ok\n");
  ASSERT_TRUE(Eventually([&] {
    auto [c, m] = HttpGet(port, "/metrics");
    return c == 200 && m.find("fleetgrid_nodes_connected 1") != std::string::npos;
  }));
  auto [c2, m] = HttpGet(port, "/metrics");
  EXPECT_NE(m.find("fleetgrid_results_total 1"), std::string::npos) << m;
  EXPECT_NE(m.find("fleetgrid_assignments_total 1"), std::string::npos);
  // Heartbeat counter and delay histogram are exported.
  EXPECT_NE(m.find("fleetgrid_heartbeats_total"), std::string::npos);
  EXPECT_NE(m.find("fleetgrid_heartbeat_delay_seconds_bucket{le=\"+Inf\"}"), std::string::npos);
  EXPECT_NE(m.find("fleetgrid_queue_length"), std::string::npos);
  EXPECT_NE(m.find("fleetgrid_nodes{state=\"plugged\"} 1"), std::string::npos);
  EXPECT_NE(m.find("fleetgrid_rpc_latency_seconds{method=\"SubmitJob\",quantile=\"0.99\"}"),
            std::string::npos);
  EXPECT_EQ(HttpGet(port, "/nope").first, 404);
}

TEST(Service, StoreFailureStopsServingAndAcknowledgesNothing) {
  Harness h;
  service::FaultyStore faulty(&h.store, {.code = absl::StatusCode::kInternal});
  h.serve_from = &faulty;
  h.Start();
  faulty.SetFailRate(1);  // an I/O error: the outcome is unknown, so it is never retried
  v1::SubmitJobResponse sub;
  grpc::Status s = h.Submit(Harness::HashJob(1), &sub);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(std::get<1>(h.Stored()), 0u);
  EXPECT_FALSE(h.coordinator->brain().healthy());
  EXPECT_EQ(h.Submit(Harness::HashJob(1), &sub).error_code(), grpc::StatusCode::UNAVAILABLE);
  // A restart recovers from the store.
  faulty.SetFailRate(0);
  h.Restart();
  EXPECT_TRUE(h.coordinator->brain().healthy());
  EXPECT_TRUE(h.Submit(Harness::HashJob(1), &sub).ok());
}

// On the manual clock: an attempt's lease (its report deadline) runs out to the nanosecond,
// heartbeats or not; the car is told, and the task is issued again under a new epoch.
TEST(Service, AttemptPastItsLeaseExpiresAndItsTaskIsIssuedAgain) {
  Harness h;
  h.UseManualClock();
  h.options.service.lease = Duration::Seconds(5);
  h.options.service.heartbeat_grace = Duration::Minutes(10);
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(1), &sub).ok());
  auto car = h.NewCar("hank");
  ASSERT_TRUE(car->Connect().ok());
  car->RequestWork(1);
  auto first = car->NextAssignment();
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->has_lease_deadline());
  auto is_cancel = [](const v1::CoordinatorMessage& m) { return m.has_cancel(); };
  h.clock.Advance(Duration::Seconds(5) - Duration::Millis(1));
  car->Heartbeat();  // heartbeats do not extend a lease
  EXPECT_FALSE(car->WaitFor(is_cancel, Duration::Millis(300))) << "expired early";
  h.clock.Advance(Duration::Millis(1));
  auto cancel = car->WaitFor(is_cancel, Duration::Seconds(10));
  ASSERT_TRUE(cancel) << "lease did not expire";
  EXPECT_EQ(cancel->cancel().reason(), v1::CANCEL_REASON_LEASE_EXPIRED);
  EXPECT_EQ(cancel->cancel().attempt().attempt_id(), first->attempt().attempt_id());
  car->RequestWork(1);
  auto second = car->NextAssignment();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->task_id(), first->task_id());
  EXPECT_GT(second->attempt().lease_epoch(), first->attempt().lease_epoch());
  EXPECT_EQ(h.GetJob(sub.job_id()).attempts_started(), 2u);
}

// Snapshots of a WatchJob stream, read on a thread of their own so that a test can ask
// "did one come within this (real) time?".
class WatchReader {
 public:
  WatchReader(v1::JobService::Stub& jobs, uint64_t job) {
    v1::WatchJobRequest req;
    req.set_job_id(job);
    reader_ = jobs.WatchJob(&ctx_, req);
    thread_ = std::thread([this] {
      for (v1::JobProgress p; reader_->Read(&p);) {
        std::lock_guard lock(mu_);
        got_.push_back(p);
        cv_.notify_all();
      }
    });
  }
  ~WatchReader() {
    ctx_.TryCancel();
    thread_.join();
  }
  std::optional<v1::JobProgress> Next(Duration timeout) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::nanoseconds(timeout.nanos()),
                      [&] { return taken_ < got_.size(); })) {
      return std::nullopt;
    }
    return got_[taken_++];
  }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<v1::JobProgress>> reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<v1::JobProgress> got_;
  size_t taken_ = 0;
  std::thread thread_;
};

// On the manual clock: a watcher gets a snapshot at once, one at once on every change of
// state, and otherwise at most one per minimum interval while the counts change.
TEST(Service, WatchSnapshotsAreThrottledToTheMinimumInterval) {
  Harness h;
  h.UseManualClock();
  h.options.service.watch_min_interval = Duration::Seconds(1);
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(3), &sub).ok());
  WatchReader watch(*h.jobs, sub.job_id());
  auto p = watch.Next(Duration::Seconds(10));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state(), v1::JOB_STATE_QUEUED);

  auto car = h.NewCar("ida");
  ASSERT_TRUE(car->Connect().ok());
  car->RequestWork(1);
  auto a = car->NextAssignment();
  ASSERT_TRUE(a);
  p = watch.Next(Duration::Seconds(10));  // QUEUED -> RUNNING: at once
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(p->previous_state(), v1::JOB_STATE_QUEUED);

  car->SendResult(*a, TestCar::Compute(*a));
  ASSERT_TRUE(car->NextAck());
  // One task done, the job still running: the count waits for the interval.
  EXPECT_FALSE(watch.Next(Duration::Millis(300))) << "a count change was not throttled";
  h.clock.Advance(Duration::Seconds(1) - Duration::Millis(1));
  EXPECT_FALSE(watch.Next(Duration::Millis(300))) << "sent before the interval";
  h.clock.Advance(Duration::Millis(1));
  p = watch.Next(Duration::Seconds(10));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->task_counts().done(), 1u);
  EXPECT_EQ(p->state(), v1::JOB_STATE_RUNNING);
  // Nothing changed since: the next tick sends nothing.
  h.clock.Advance(Duration::Seconds(1));
  EXPECT_FALSE(watch.Next(Duration::Millis(300))) << "an unchanged snapshot was sent";
}

}  // namespace
}  // namespace fleetgrid::testing
