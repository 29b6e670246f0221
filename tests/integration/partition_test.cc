// Network partitions between a car and the coordinator, made by a FaultProxy on loopback.
//
// An in-process coordinator (short heartbeat and grace, so each test takes seconds; in
// process so the tests can read the core's attempt counters) and cars, scripted (TestCar) or
// the real agent (node::Fleet): "far" connects THROUGH the proxy and holds attempts, "near"
// (when there is one) connects directly. The proxy then black-holes far's connection
// (nothing flows either way, nothing is closed: what a partition looks like) for less or
// more than the grace.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <thread>

#include "coordinator/service/convert.h"
#include "node/fleet.h"
#include "tests/integration/fault_proxy.h"
#include "tests/service/harness.h"

namespace fleetgrid::testing {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Heartbeats `car` every `every` on its own thread (into the black hole, while there is one)
// until destroyed: a car does not know it is partitioned.
class HeartbeatPump {
 public:
  HeartbeatPump(TestCar& car, Duration every)
      : thread_([this, &car, every] {
          while (!stop_.load()) {
            car.Heartbeat();
            std::this_thread::sleep_for(std::chrono::nanoseconds(every.nanos()));
          }
        }) {}
  ~HeartbeatPump() {
    stop_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// What the core says about one task and one node (read on the brain's thread).
struct CoreView {
  uint64_t attempts_started = 0;  // every task
  uint64_t attempts_lost = 0;
  uint64_t reports_rejected = 0;
  uint32_t task_attempts = 0;  // the task's own
  uint32_t task_epoch = 0;
  core::TaskStatus task_status = core::TaskStatus::kPending;
  uint64_t accepted_node = 0;  // wire id; 0 = none
  core::NodeConnection far_connection = core::NodeConnection::kRegistered;
};

CoreView Inspect(Harness& h, uint64_t wire_task, uint64_t far_wire_node) {
  std::promise<CoreView> done;
  h.coordinator->brain().InspectForTesting([&](const core::Core& c) {
    CoreView v;
    v.attempts_started = c.stats().attempts_started;
    v.attempts_lost = c.stats().attempts_lost;
    v.reports_rejected = c.stats().reports_rejected;
    const core::TaskInfo t = *c.GetTask(TaskId(static_cast<uint32_t>(wire_task - 1)));
    v.task_attempts = t.attempts;
    v.task_epoch = t.epoch;
    v.task_status = t.status;
    v.accepted_node = t.accepted_node.valid() ? service::WireNode(t.accepted_node) : 0;
    v.far_connection = c.GetNode(service::CoreNode(far_wire_node))->connection;
    done.set_value(v);
  });
  return done.get_future().get();
}

// Ids of an attempt: the wire task id is the attempt id's high half (dense id + 1).
uint64_t WireTaskOf(const v1::Assignment& a) { return (a.attempt().attempt_id() >> 32) + 1; }

struct Partitioned {
  Harness h;
  std::unique_ptr<FaultProxy> proxy;
  std::shared_ptr<grpc::Channel> far_channel;
  std::unique_ptr<TestCar> far;
  uint64_t job = 0;
  v1::Assignment held;  // far's attempt

  // A coordinator with this heartbeat and grace; far connected through the proxy holding the
  // only task of a one-task job.
  void SetUp(Duration heartbeat, Duration grace) {
    h.options.service.heartbeat_interval = heartbeat;
    h.options.service.heartbeat_grace = grace;
    h.Start();
    proxy = std::make_unique<FaultProxy>(h.coordinator->address());
    ASSERT_TRUE(proxy->Start().ok());
    far_channel = grpc::CreateChannel(proxy->address(), grpc::InsecureChannelCredentials());
    far = std::make_unique<TestCar>(far_channel, "far-owner");
    ASSERT_TRUE(far->Enroll().ok());
    ASSERT_TRUE(far->Connect().ok());
    v1::SubmitJobResponse sub;
    ASSERT_TRUE(h.Submit(Harness::HashJob(1), &sub).ok());
    job = sub.job_id();
    far->RequestWork(1);
    auto a = NextAssignmentStayingAlive(*far);
    ASSERT_TRUE(a.has_value());
    held = *a;
  }
  ~Partitioned() {
    if (far) far->Drop();
    if (proxy) proxy->Stop();
  }
};

// A partition shorter than the grace is invisible to the job: the car keeps its lease (same
// attempt, same epoch), its result is accepted, the task was never handed to anyone else.
TEST(Partition, HalfTheGraceKeepsTheLeaseAndTheResultIsAccepted) {
  const auto t0 = Clock::now();
  const Duration grace = Duration::Seconds(3);
  Partitioned p;
  p.SetUp(Duration::Millis(100), grace);
  if (HasFatalFailure()) return;
  Harness& h = p.h;
  // A second car, connected directly and waiting for work: it would get the task at once if
  // the coordinator gave up on far.
  auto near = h.NewCar("near-owner");
  ASSERT_TRUE(near->Connect().ok());
  near->RequestWork(1);
  const uint64_t task = WireTaskOf(p.held);
  {
    HeartbeatPump far_beats(*p.far, Duration::Millis(100));
    HeartbeatPump near_beats(*near, Duration::Millis(100));
    p.proxy->Drop();
    const uint64_t up_before = p.proxy->bytes_to_target();
    // The partition itself: its length is what is tested, so this wait is the test.
    std::this_thread::sleep_for(std::chrono::nanoseconds(grace.nanos() / 2));
    EXPECT_EQ(p.proxy->bytes_to_target(), up_before) << "the black hole leaked";
    const CoreView mid = Inspect(h, task, p.far->node_id());
    EXPECT_EQ(mid.far_connection, core::NodeConnection::kConnected);
    EXPECT_EQ(mid.attempts_lost, 0u);
    p.proxy->Pass();
    // Healed: the held heartbeats reach the coordinator.
    ASSERT_TRUE(Eventually([&] { return p.proxy->bytes_to_target() > up_before; }));
  }
  p.far->SendResult(p.held, TestCar::Compute(p.held));
  auto ack = p.far->NextAck();
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED) << ack->DebugString();
  EXPECT_EQ(ack->attempt().attempt_id(), p.held.attempt().attempt_id());
  EXPECT_EQ(ack->attempt().lease_epoch(), 1u);

  const CoreView v = Inspect(h, task, p.far->node_id());
  EXPECT_EQ(v.task_status, core::TaskStatus::kDone);
  EXPECT_EQ(v.task_attempts, 1u) << "the task was reassigned";
  EXPECT_EQ(v.attempts_started, 1u);
  EXPECT_EQ(v.attempts_lost, 0u);
  EXPECT_EQ(v.accepted_node, p.far->node_id());
  EXPECT_FALSE(near->NextAssignment(Duration::Millis(200)).has_value());
  EXPECT_EQ(h.coordinator->metrics().results_total.load(), 1u);
  EXPECT_EQ(std::get<2>(h.Stored()), 1u);
  EXPECT_EQ(h.GetJob(p.job).state(), v1::JOB_STATE_DONE);
  std::cout << "partition grace/2: " << SecondsSince(t0) << " s wall\n";
  near->Leave();
}

// The partition ends with the connection reset (a middlebox lost its state) instead of
// healing: the car reconnects through the proxy within the grace, lists the attempt it holds
// in Hello, is told it is re-attached, and its result is accepted: still one attempt.
TEST(Partition, HalfTheGraceThenAResetReattachesTheHeldAttempt) {
  const auto t0 = Clock::now();
  const Duration grace = Duration::Seconds(3);
  Partitioned p;
  p.SetUp(Duration::Millis(100), grace);
  if (HasFatalFailure()) return;
  Harness& h = p.h;
  const uint64_t task = WireTaskOf(p.held);
  {
    HeartbeatPump far_beats(*p.far, Duration::Millis(100));
    p.proxy->Drop();
    std::this_thread::sleep_for(std::chrono::nanoseconds(grace.nanos() / 2));
    p.proxy->ResetAll();
    p.proxy->Pass();
  }
  ASSERT_TRUE(p.far->WaitClosed(Duration::Seconds(10)).has_value()) << "the reset went unseen";
  v1::HeldAttempt held;
  *held.mutable_attempt() = p.held.attempt();
  auto w = p.far->Connect({held});
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ(w->reattached_size(), 1) << w->DebugString();
  EXPECT_EQ(w->reattached(0).attempt_id(), p.held.attempt().attempt_id());
  p.far->SendResult(p.held, TestCar::Compute(p.held));
  auto ack = p.far->NextAck();
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED) << ack->DebugString();
  const CoreView v = Inspect(h, task, p.far->node_id());
  EXPECT_EQ(v.task_attempts, 1u);
  EXPECT_EQ(v.attempts_lost, 0u);
  EXPECT_EQ(v.accepted_node, p.far->node_id());
  EXPECT_EQ(std::get<2>(h.Stored()), 1u);
  EXPECT_GE(p.proxy->accepted(), 2u) << "the car did not come back through the proxy";
  std::cout << "partition grace/2 + reset: " << SecondsSince(t0) << " s wall\n";
}

// A partition of twice the grace: far is declared lost, its task goes to near exactly once;
// when the partition heals far's late result (sent under its old epoch on the connection
// that survived) is rejected as stale, near's is the one accepted, one result is stored.
TEST(Partition, TwiceTheGraceReassignsOnceAndTheLateResultIsRejectedAsStale) {
  const auto t0 = Clock::now();
  const Duration grace = Duration::Millis(1500);
  Partitioned p;
  p.SetUp(Duration::Millis(100), grace);
  if (HasFatalFailure()) return;
  Harness& h = p.h;
  const uint64_t task = WireTaskOf(p.held);
  auto near = h.NewCar("near-owner");
  ASSERT_TRUE(near->Connect().ok());
  std::optional<v1::Assignment> second;
  {
    HeartbeatPump far_beats(*p.far, Duration::Millis(100));
    HeartbeatPump near_beats(*near, Duration::Millis(100));
    const auto cut = Clock::now();
    p.proxy->Drop();
    near->RequestWork(1);
    // The task comes back to near once far's grace ran out (deadline generous: loaded CI).
    second = near->NextAssignment(Duration::Seconds(20));
    ASSERT_TRUE(second.has_value()) << "the task was never reassigned";
    const double lost_after = SecondsSince(cut);
    // Lost at last heard + grace; the last heartbeat through was at most ~one interval
    // before the cut.
    EXPECT_GE(lost_after, grace.SecondsF() - 0.3) << "reassigned before the grace ran out";
    // Hold the partition to twice the grace.
    const auto heal_at = cut + std::chrono::nanoseconds(2 * grace.nanos());
    if (Clock::now() < heal_at) std::this_thread::sleep_until(heal_at);
    const CoreView mid = Inspect(h, task, p.far->node_id());
    EXPECT_EQ(mid.far_connection, core::NodeConnection::kLost);
    EXPECT_EQ(mid.task_attempts, 2u);
    p.proxy->Pass();
    std::cout << "partition 2x grace: reassigned " << lost_after << " s after the cut\n";
  }
  EXPECT_EQ(WireTaskOf(*second), task);
  EXPECT_NE(second->attempt().attempt_id(), p.held.attempt().attempt_id());
  EXPECT_EQ(second->attempt().lease_epoch(), 2u);

  // far never learnt it was partitioned: it sends its result under epoch 1.
  p.far->SendResult(p.held, TestCar::Compute(p.held));
  std::optional<v1::ResultAck> late = p.far->NextAck(Duration::Seconds(10));
  if (!late) {
    // Whatever the car's connection did meanwhile (gRPC keepalive, a broken stream), a car
    // reconnects and resends: the verdict must be the same.
    ASSERT_TRUE(p.far->Connect().ok());
    p.far->SendResult(p.held, TestCar::Compute(p.held));
    late = p.far->NextAck(Duration::Seconds(10));
  }
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->outcome(), v1::RESULT_OUTCOME_REJECTED) << late->DebugString();
  EXPECT_EQ(late->reject_reason(), v1::REJECT_REASON_STALE_EPOCH) << late->DebugString();

  near->SendResult(*second, TestCar::Compute(*second));
  auto ack = near->NextAck();
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED) << ack->DebugString();

  const CoreView v = Inspect(h, task, p.far->node_id());
  EXPECT_EQ(v.task_status, core::TaskStatus::kDone);
  EXPECT_EQ(v.task_attempts, 2u) << "reassigned more than once";
  EXPECT_EQ(v.attempts_started, 2u);
  EXPECT_EQ(v.attempts_lost, 1u);
  EXPECT_EQ(v.accepted_node, near->node_id());
  EXPECT_EQ(h.coordinator->metrics().results_total.load(), 1u);
  EXPECT_EQ(std::get<2>(h.Stored()), 1u);
  const v1::Job j = h.GetJob(p.job);
  EXPECT_EQ(j.state(), v1::JOB_STATE_DONE);
  EXPECT_EQ(j.task_counts().done(), 1u);
  std::cout << "partition 2x grace: " << SecondsSince(t0) << " s wall\n";
  near->Leave();
}

// The same two partitions with the real car agent (node::Fleet, in process: its sessions,
// heartbeats, held results and reconnects), two cars per fleet at speed 1, simulated tasks.
constexpr uint64_t kSimSeed = 77;

node::FleetOptions AgentOptions(const std::string& address, uint64_t seed) {
  node::FleetOptions o;
  o.coordinator = address;
  o.cars = 2;
  o.seed = seed;  // enrollment keys carry the seed: fleets with other seeds are other cars
  o.owner_prefix = "owner-" + std::to_string(seed);
  o.speed_classes = {{1.0, 1.0}};
  o.executors = {node::ExecutorChoice::kSimulated};
  o.availability.model.kind = models::AvailabilityKind::kNeverLeaves;
  o.backoff.initial = Duration::Millis(50);
  o.backoff.max = Duration::Millis(300);
  o.stop_timeout = Duration::Seconds(5);
  return o;
}

v1::JobSpec SimulatedJob(uint32_t tasks, double work_s) {
  v1::JobSpec spec;
  spec.set_name("partition-agents");
  spec.set_task_count(tasks);
  spec.set_work_units_per_task(work_s);
  spec.set_output_size_bytes(64);
  spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
  spec.mutable_executor()->mutable_simulated()->set_seed(kSimSeed);
  return spec;
}

CoreView InspectTotals(Harness& h) {
  std::promise<CoreView> done;
  h.coordinator->brain().InspectForTesting([&](const core::Core& c) {
    CoreView v;
    v.attempts_started = c.stats().attempts_started;
    v.attempts_lost = c.stats().attempts_lost;
    v.reports_rejected = c.stats().reports_rejected;
    for (uint32_t t = 0; t < c.task_count(); ++t) {
      v.task_attempts = std::max<uint32_t>(v.task_attempts, c.GetTask(TaskId(t))->attempts);
    }
    done.set_value(v);
  });
  return done.get_future().get();
}

bool JobDone(Harness& h, uint64_t job, Duration timeout) {
  return Eventually([&] { return h.GetJob(job).state() == v1::JOB_STATE_DONE; }, timeout);
}

// A coordinator (heartbeat 100 ms, `grace`) and one real agent of one car behind the proxy,
// holding both tasks of a simulated job (`ready` once it has them).
struct FarAgent {
  explicit FarAgent(Duration grace) {
    h.options.service.heartbeat_interval = Duration::Millis(100);
    h.options.service.heartbeat_grace = grace;
    h.Start();
    proxy = std::make_unique<FaultProxy>(h.coordinator->address());
    if (!proxy->Start().ok()) return;
    far = std::make_unique<node::Fleet>(AgentOptions(proxy->address(), 1));
    if (!far->Start().ok() || !h.Submit(SimulatedJob(2, 2.5), &sub).ok()) return;
    ready = far->WaitUntil([](const node::FleetStats& s) { return s.attempts_assigned == 2; },
                           Duration::Seconds(20));
  }
  Harness h;
  std::unique_ptr<FaultProxy> proxy;
  std::unique_ptr<node::Fleet> far;
  v1::SubmitJobResponse sub;
  bool ready = false;
};

TEST(Partition, RealAgentsPartitionedForHalfTheGraceKeepTheirAttempts) {
  const auto t0 = Clock::now();
  const Duration grace = Duration::Seconds(3);
  FarAgent a(grace);
  ASSERT_TRUE(a.ready) << "the agent behind the proxy did not get both tasks";
  Harness& h = a.h;
  FaultProxy& proxy = *a.proxy;
  node::Fleet& far = *a.far;
  const v1::SubmitJobResponse& sub = a.sub;
  proxy.Drop();
  std::this_thread::sleep_for(std::chrono::nanoseconds(grace.nanos() / 2));
  EXPECT_EQ(InspectTotals(h).attempts_lost, 0u);
  proxy.Pass();
  ASSERT_TRUE(JobDone(h, sub.job_id(), Duration::Seconds(30)));
  ASSERT_TRUE(far.WaitUntil([](const node::FleetStats& s) { return s.attempts_done == 2; },
                            Duration::Seconds(10)));
  const node::FleetStats fs = far.stats();
  far.Stop();
  const CoreView v = InspectTotals(h);
  EXPECT_EQ(v.attempts_started, 2u) << "a task was reassigned";
  EXPECT_EQ(v.task_attempts, 1u);
  EXPECT_EQ(v.attempts_lost, 0u);
  EXPECT_EQ(fs.attempts_rejected, 0u);
  EXPECT_EQ(fs.attempts_lost, 0u);
  EXPECT_EQ(std::get<2>(h.Stored()), 2u);
  std::cout << "agents, partition grace/2: " << fs.reconnects << " reconnects, " << SecondsSince(t0)
            << " s wall\n";
}

TEST(Partition, RealAgentsPartitionedForTwiceTheGraceLoseTheirTasksToOthersOnce) {
  const auto t0 = Clock::now();
  const Duration grace = Duration::Millis(1500);
  FarAgent a(grace);
  ASSERT_TRUE(a.ready) << "the agent behind the proxy did not get both tasks";
  Harness& h = a.h;
  FaultProxy& proxy = *a.proxy;
  node::Fleet& far = *a.far;
  const v1::SubmitJobResponse& sub = a.sub;
  const auto cut = Clock::now();
  proxy.Drop();
  node::Fleet near(AgentOptions(h.coordinator->address(), 2));  // connected directly
  ASSERT_TRUE(near.Start().ok());
  ASSERT_TRUE(near.WaitUntil([](const node::FleetStats& s) { return s.attempts_assigned == 2; },
                             Duration::Seconds(20)))
      << "the tasks were never reassigned";
  std::this_thread::sleep_until(cut + std::chrono::nanoseconds(2 * grace.nanos()));
  proxy.Pass();
  // far's results (finished during the partition, under the old epochs) arrive and are
  // refused; near's are the accepted ones.
  ASSERT_TRUE(JobDone(h, sub.job_id(), Duration::Seconds(30)));
  ASSERT_TRUE(far.WaitUntil([](const node::FleetStats& s) { return s.attempts_rejected == 2; },
                            Duration::Seconds(20)))
      << "far's late results were not refused";
  ASSERT_TRUE(near.WaitUntil([](const node::FleetStats& s) { return s.attempts_done == 2; },
                             Duration::Seconds(10)));
  const node::FleetStats fs = far.stats(), ns = near.stats();
  far.Stop();
  near.Stop();
  const CoreView v = InspectTotals(h);
  EXPECT_EQ(v.attempts_started, 4u) << "reassigned more (or less) than once";
  EXPECT_EQ(v.task_attempts, 2u);
  EXPECT_EQ(v.attempts_lost, 2u);
  EXPECT_EQ(fs.attempts_done, 0u);
  EXPECT_EQ(ns.attempts_rejected, 0u);
  EXPECT_EQ(std::get<2>(h.Stored()), 2u);
  EXPECT_EQ(h.coordinator->metrics().results_total.load(), 2u);
  std::cout << "agents, partition 2x grace: far reconnects " << fs.reconnects << ", "
            << SecondsSince(t0) << " s wall\n";
}

}  // namespace
}  // namespace fleetgrid::testing
