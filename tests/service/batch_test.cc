// Message batching on the Connect stream (NodeBatch / CoordinatorBatch): what a car asks for
// in one request comes back together, a batch from a car is handled exactly as its messages
// one by one, and malformed batches get a clear error.
#include <atomic>

#include "tests/service/harness.h"

namespace fleetgrid::testing {
namespace {

TEST(Batching, AssignmentsOfOneRequestComeAsOneCoordinatorBatch) {
  Harness h;
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(8), &sub).ok());
  auto car = h.NewCar("alice");
  ASSERT_TRUE(car->Connect().ok());
  const uint64_t before = car->batches_received();
  car->RequestWork(8);
  std::vector<v1::Assignment> got;
  for (int i = 0; i < 8; ++i) {
    auto a = car->NextAssignment();
    ASSERT_TRUE(a.has_value()) << "assignment " << i;
    got.push_back(*a);
  }
  // One decision for one car: one gRPC message, however many assignments it holds.
  EXPECT_EQ(car->batches_received(), before + 1);
  std::set<uint64_t> tasks;
  for (const auto& a : got) tasks.insert(a.task_id());
  EXPECT_EQ(tasks.size(), 8u);
  car->Leave();
}

// Regression: assignments made while handling a job submission sat in the outgoing queue
// until the car happened to send something else (its next heartbeat).
TEST(Batching, AssignmentsDecidedOnSubmitReachAWaitingCarWithoutFurtherTraffic) {
  Harness h;
  h.Start();
  auto car = h.NewCar("dora");
  ASSERT_TRUE(car->Connect().ok());
  car->RequestWork(2);
  // The request is in the brain before the job is.
  std::atomic<uint64_t> waiting{0};
  ASSERT_TRUE(Eventually([&] {
    h.coordinator->brain().InspectForTesting(
        [&](const core::Core& c) { waiting = c.stats().nodes_waiting; });
    return waiting.load() == 1;
  }));
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(2), &sub).ok());
  for (int i = 0; i < 2; ++i) {
    auto a = car->NextAssignment(Duration::Seconds(5));
    ASSERT_TRUE(a.has_value()) << "assignment " << i;
  }
  car->Leave();
}

TEST(Batching, ANodeBatchIsHandledAsItsMessagesInOrder) {
  Harness h;
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(6), &sub).ok());
  auto car = h.NewCar("bob");
  ASSERT_TRUE(car->Connect().ok());
  car->RequestWork(3);
  std::vector<v1::Assignment> first;
  for (int i = 0; i < 3; ++i) {
    auto a = car->NextAssignment();
    ASSERT_TRUE(a.has_value());
    first.push_back(*a);
  }
  // Three results, a heartbeat and a new request, in one message.
  v1::NodeMessage batch;
  for (const auto& a : first) {
    *batch.mutable_batch()->add_messages() = TestCar::ResultMessage(a, TestCar::Compute(a));
  }
  v1::NodeMessage* hb = batch.mutable_batch()->add_messages();
  hb->mutable_heartbeat()->set_seq(2);
  hb->mutable_heartbeat()->set_state(v1::NODE_STATE_PLUGGED);
  batch.mutable_batch()->add_messages()->mutable_work_request()->set_slots(3);
  ASSERT_TRUE(car->Send(batch));
  std::set<uint64_t> acked;
  for (int i = 0; i < 3; ++i) {
    auto ack = car->NextAck();
    ASSERT_TRUE(ack.has_value()) << "ack " << i;
    EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED);
    acked.insert(ack->attempt().attempt_id());
  }
  EXPECT_EQ(acked.size(), 3u);
  // The request after the results is served with the three remaining tasks.
  std::vector<v1::Assignment> second;
  for (int i = 0; i < 3; ++i) {
    auto a = car->NextAssignment();
    ASSERT_TRUE(a.has_value()) << "second round " << i;
    second.push_back(*a);
  }
  for (const auto& a : second) car->SendResult(a, TestCar::Compute(a));
  for (int i = 0; i < 3; ++i) {
    auto ack = car->NextAck();
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED);
  }
  auto job = h.GetJob(sub.job_id());
  EXPECT_EQ(job.state(), v1::JOB_STATE_DONE);
  EXPECT_EQ(std::get<2>(h.Stored()), 6u);
  car->Leave();
}

TEST(Batching, NestedBatchAndHelloInABatchAreRejectedAndChangeNothing) {
  Harness h;
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(1), &sub).ok());
  auto car = h.NewCar("carol");
  ASSERT_TRUE(car->Connect().ok());
  v1::NodeMessage outer;
  v1::NodeMessage* inner = outer.mutable_batch()->add_messages();
  inner->mutable_batch()->add_messages()->mutable_work_request()->set_slots(1);
  outer.mutable_batch()->add_messages()->mutable_hello()->set_node_id(car->node_id());
  ASSERT_TRUE(car->Send(outer));
  auto e1 = car->WaitFor([](const v1::CoordinatorMessage& m) { return m.has_error(); },
                         Duration::Seconds(10));
  ASSERT_TRUE(e1.has_value());
  EXPECT_EQ(e1->error().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_NE(e1->error().message().find("batch"), std::string::npos) << e1->error().message();
  auto e2 = car->WaitFor([](const v1::CoordinatorMessage& m) { return m.has_error(); },
                         Duration::Seconds(10));
  ASSERT_TRUE(e2.has_value());
  EXPECT_NE(e2->error().message().find("Hello"), std::string::npos) << e2->error().message();
  // The nested request was not served: the task is still queued.
  EXPECT_EQ(h.GetJob(sub.job_id()).state(), v1::JOB_STATE_QUEUED);
  car->Leave();
}

}  // namespace
}  // namespace fleetgrid::testing
