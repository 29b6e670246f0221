// The live coordinator's side of issue 16: checkpoints uploaded off a car that warned of its
// departure, stored fenced by epoch, and resumed by the next car; the car's reported state
// and its owner's preferences checked, with bad ones refused and nothing changed.
#include <gtest/gtest.h>

#include "google/protobuf/util/time_util.h"
#include "tests/service/harness.h"

namespace fleetgrid::testing {
namespace {

using google::protobuf::util::TimeUtil;

v1::JobSpec CheckpointJob(uint64_t checkpoint_bytes) {
  v1::JobSpec spec = Harness::HashJob(1);
  spec.set_work_units_per_task(100);
  spec.set_checkpoint_size_bytes(checkpoint_bytes);
  return spec;
}

// Uploads `data` as checkpoint `id` at `units` for `ref`, in chunks of `chunk` bytes.
grpc::Status UploadCheckpoint(TestCar& car, const v1::AttemptRef& ref, const std::string& id,
                              double units, const std::string& data, v1::CheckpointAck* ack,
                              size_t chunk = 1000, std::string digest = "") {
  grpc::ClientContext ctx;
  Harness::Deadline(ctx);
  car.AddAuth(ctx);
  auto w = car.stub().UploadCheckpoint(&ctx, ack);
  if (digest.empty()) digest = Sha256Bytes(data);
  uint64_t off = 0;
  do {
    v1::CheckpointChunk c;
    *c.mutable_attempt() = ref;
    c.mutable_checkpoint()->set_checkpoint_id(id);
    c.mutable_checkpoint()->set_work_done_units(units);
    c.mutable_checkpoint()->set_size_bytes(data.size());
    c.set_offset(off);
    c.set_data(data.substr(off, chunk));
    off += c.data().size();
    if (off >= data.size()) {
      c.set_last(true);
      c.mutable_checkpoint()->mutable_digest()->set_sha256(digest);
    }
    if (!w->Write(c)) break;
  } while (off < data.size());
  w->WritesDone();
  return w->Finish();
}

// The checkpoint's bytes as `car` fetches them for its attempt `ref`, and how the call ended.
grpc::Status FetchCheckpoint(TestCar& car, const v1::AttemptRef& ref, const std::string& id,
                             std::string* out) {
  grpc::ClientContext ctx;
  Harness::Deadline(ctx);
  car.AddAuth(ctx);
  v1::FetchCheckpointRequest req;
  *req.mutable_attempt() = ref;
  req.set_checkpoint_id(id);
  auto reader = car.stub().FetchCheckpoint(&ctx, req);
  for (v1::DataChunk c; reader->Read(&c);) out->append(c.data());
  return reader->Finish();
}

void HeartbeatWithDeparture(TestCar& car, Duration from_now) {
  v1::NodeMessage m;
  m.mutable_heartbeat()->set_seq(1000);
  m.mutable_heartbeat()->set_state(v1::NODE_STATE_PLUGGED);
  m.mutable_heartbeat()->set_state_of_charge(0.7);
  *m.mutable_heartbeat()->mutable_expected_departure_at() =
      TimeUtil::NanosecondsToTimestamp(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count() +
                                       from_now.nanos());
  m.mutable_heartbeat()->set_departure_confidence(1);
  ASSERT_TRUE(car.Send(m));
}

// Would catch: a warning that asks for no checkpoint, a checkpoint not stored or not handed
// to the next attempt, a stale attempt overwriting it, another car reading it, or the bytes
// kept after the task's result.
TEST(CheckpointService, WarnedCarUploadsAndTheNextCarResumes) {
  Harness h;
  h.Start();
  auto leaving = h.NewCar("owner-a");
  auto next = h.NewCar("owner-b");
  ASSERT_TRUE(leaving->Connect().ok());
  v1::SubmitJobResponse job;
  ASSERT_TRUE(h.Submit(CheckpointJob(4096), &job).ok());
  leaving->RequestWork(1);
  auto a = leaving->NextAssignment();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->checkpoint_size_bytes(), 4096u);
  EXPECT_FALSE(a->has_resume_from());

  HeartbeatWithDeparture(*leaving, Duration::Seconds(60));
  auto asked =
      leaving->WaitFor([](const v1::CoordinatorMessage& m) { return m.has_checkpoint_request(); },
                       Duration::Seconds(10));
  ASSERT_TRUE(asked) << "no CheckpointRequest after the warning";
  EXPECT_EQ(asked->checkpoint_request().attempt().attempt_id(), a->attempt().attempt_id());
  EXPECT_LT(TimeUtil::TimestampToNanoseconds(asked->checkpoint_request().start_by()),
            TimeUtil::TimestampToNanoseconds(asked->checkpoint_request().departure()));

  std::string bytes(4096, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  v1::CheckpointAck ack;
  grpc::Status up = UploadCheckpoint(*leaving, a->attempt(), "cp-1", 40, bytes, &ack);
  ASSERT_TRUE(up.ok()) << up.error_message();
  EXPECT_EQ(ack.received_bytes(), 4096u);
  EXPECT_DOUBLE_EQ(ack.work_done_units(), 40);
  ASSERT_EQ(h.store.Load()->checkpoints.size(), 1u);

  // The car drives off without a word; after its grace the task goes to the next car.
  leaving->Drop();
  ASSERT_TRUE(next->Connect().ok());
  next->RequestWork(1);
  auto b = NextAssignmentStayingAlive(*next);
  ASSERT_TRUE(b);
  ASSERT_EQ(b->task_id(), a->task_id());
  ASSERT_TRUE(b->has_resume_from());
  EXPECT_EQ(b->resume_from().checkpoint_id(), "cp-1");
  EXPECT_DOUBLE_EQ(b->resume_from().work_done_units(), 40);
  EXPECT_EQ(b->resume_from().size_bytes(), 4096u);
  EXPECT_EQ(b->resume_from().digest().sha256(), Sha256Bytes(bytes));

  // Fenced: the old attempt may not overwrite it, nor may the old car read it.
  v1::CheckpointAck stale;
  EXPECT_EQ(UploadCheckpoint(*leaving, a->attempt(), "cp-2", 60, bytes, &stale).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  std::string stolen;
  EXPECT_EQ(FetchCheckpoint(*leaving, b->attempt(), "cp-1", &stolen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  std::string got;
  ASSERT_TRUE(FetchCheckpoint(*next, b->attempt(), "cp-1", &got).ok());
  EXPECT_EQ(got, bytes);
  std::string wrong_id;
  EXPECT_EQ(FetchCheckpoint(*next, b->attempt(), "cp-9", &wrong_id).error_code(),
            grpc::StatusCode::NOT_FOUND);

  next->SendResult(*b, TestCar::Compute(*b));
  auto done = next->NextAck();
  ASSERT_TRUE(done);
  EXPECT_EQ(done->outcome(), v1::RESULT_OUTCOME_ACCEPTED);
  EXPECT_TRUE(h.store.Load()->checkpoints.empty()) << "the result deletes the checkpoint";
}

// Would catch: a stored checkpoint forgotten by a restarted coordinator.
TEST(CheckpointService, StoredCheckpointSurvivesARestart) {
  Harness h;
  h.Start();
  auto first = h.NewCar("owner-a");
  ASSERT_TRUE(first->Connect().ok());
  v1::SubmitJobResponse job;
  ASSERT_TRUE(h.Submit(CheckpointJob(100), &job).ok());
  first->RequestWork(1);
  auto a = first->NextAssignment();
  ASSERT_TRUE(a);
  const std::string bytes(100, 'k');
  v1::CheckpointAck ack;
  ASSERT_TRUE(UploadCheckpoint(*first, a->attempt(), "kept", 55, bytes, &ack).ok());
  first->Drop();
  h.Restart();
  auto second = h.NewCar("owner-b");
  ASSERT_TRUE(second->Connect().ok());
  second->RequestWork(1);
  auto b = NextAssignmentStayingAlive(*second);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->task_id(), a->task_id());
  EXPECT_EQ(b->resume_from().checkpoint_id(), "kept");
  EXPECT_DOUBLE_EQ(b->resume_from().work_done_units(), 55);
  std::string got;
  ASSERT_TRUE(FetchCheckpoint(*second, b->attempt(), "kept", &got).ok());
  EXPECT_EQ(got, bytes);
}

// Would catch: a checkpoint stored although its bytes, size, units or task are wrong.
TEST(CheckpointService, BadUploadsAreRefusedAndStoreNothing) {
  Harness h;
  h.Start();
  auto car = h.NewCar("owner-a");
  ASSERT_TRUE(car->Connect().ok());
  v1::SubmitJobResponse job;
  ASSERT_TRUE(h.Submit(CheckpointJob(2000), &job).ok());
  car->RequestWork(1);
  auto a = car->NextAssignment();
  ASSERT_TRUE(a);
  const auto before = h.Stored();
  const std::string bytes(1500, 'c');
  v1::CheckpointAck ack;
  grpc::Status s = UploadCheckpoint(*car, a->attempt(), "x", 10, bytes, &ack, 1000,
                                    Sha256Bytes("something else"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  s = UploadCheckpoint(*car, a->attempt(), "x", 10, std::string(3000, 'c'), &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  s = UploadCheckpoint(*car, a->attempt(), "x", 250, bytes, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("work_done_units"), std::string::npos) << s.error_message();
  s = UploadCheckpoint(*car, a->attempt(), "", 10, bytes, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(h.Stored(), before);
  EXPECT_TRUE(h.store.Load()->checkpoints.empty());

  // A task that declares no checkpoint takes none.
  ASSERT_TRUE(h.Submit(Harness::HashJob(1), &job).ok());
  car->RequestWork(1);
  auto plain = car->NextAssignment();
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->checkpoint_size_bytes(), 0u);
  s = UploadCheckpoint(*car, plain->attempt(), "x", 0.5, "abc", &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_TRUE(h.store.Load()->checkpoints.empty());

  // A good one goes through; an older one after it is refused.
  ASSERT_TRUE(UploadCheckpoint(*car, a->attempt(), "good", 30, bytes, &ack).ok());
  s = UploadCheckpoint(*car, a->attempt(), "older", 20, bytes, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  ASSERT_EQ(h.store.Load()->checkpoints.size(), 1u);
  EXPECT_EQ(h.store.Load()->checkpoints[0].checkpoint_id, "good");
}

TEST(CheckpointService, JobSpecCheckpointFieldsAreChecked) {
  Harness h;
  h.Start();
  v1::SubmitJobResponse job;
  v1::JobSpec spec = Harness::HashJob(1);
  spec.mutable_checkpoint_interval()->set_seconds(60);  // without a size
  grpc::Status s = h.Submit(spec, &job);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("checkpoint_interval"), std::string::npos) << s.error_message();
  spec.set_checkpoint_size_bytes(uint64_t{1} << 50);
  s = h.Submit(spec, &job);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("checkpoint_size_bytes"), std::string::npos);
  EXPECT_EQ(std::get<1>(h.Stored()), 0u);
}

// Would catch: an impossible state of charge taken in (and shown), or refused with a crash.
TEST(OwnerState, ImpossibleStateOfChargeIsInvalidArgumentAndChangesNothing) {
  Harness h;
  h.Start();
  auto car = h.NewCar("owner-a");
  ASSERT_TRUE(car->Connect().ok());
  car->Heartbeat(v1::NODE_STATE_PLUGGED);  // SoC 0.8
  ASSERT_TRUE(Eventually([&] { return h.GetNode(car->node_id()).has_state_of_charge(); }));
  for (double bad : {1.5, -0.1, std::nan("")}) {
    v1::NodeMessage m;
    m.mutable_heartbeat()->set_seq(50);
    m.mutable_heartbeat()->set_state(v1::NODE_STATE_PARKED);
    m.mutable_heartbeat()->set_state_of_charge(bad);
    ASSERT_TRUE(car->Send(m));
    auto err = car->WaitFor([](const v1::CoordinatorMessage& x) { return x.has_error(); },
                            Duration::Seconds(10));
    ASSERT_TRUE(err) << "no error for SoC " << bad;
    EXPECT_EQ(err->error().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_NE(err->error().message().find("state_of_charge"), std::string::npos)
        << err->error().message();
  }
  const v1::NodeInfo n = h.GetNode(car->node_id());
  EXPECT_FLOAT_EQ(n.state_of_charge(), 0.8f);
  EXPECT_EQ(n.node_state(), v1::NODE_STATE_PLUGGED);

  // In the Hello: the session is refused.
  auto other = h.NewCar("owner-b");
  other->hello_extra.mutable_initial_state()->set_state(v1::NODE_STATE_PARKED);
  other->hello_extra.mutable_initial_state()->set_state_of_charge(7);
  auto w = other->Connect();
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument) << w.status();
  EXPECT_NE(w.status().message().find("initial_state.state_of_charge"), std::string::npos);
}

// Would catch: rules that cannot hold taken in silently, at enrollment or in a Hello.
TEST(OwnerState, BadPreferencesAreInvalidArgumentNamingTheField) {
  Harness h;
  h.Start();
  TestCar car(h.channel, "owner-a");
  car.enroll_extra.mutable_preferences()->set_min_state_of_charge(1.5);
  absl::Status s = car.Enroll();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("min_state_of_charge"), std::string::npos) << s;
  EXPECT_TRUE(h.store.Load()->nodes.empty());

  auto ok = h.NewCar("owner-b");
  v1::TimeWindow* w = ok->hello_extra.mutable_preferences()->add_allowed_windows();
  w->set_start_s(8 * 3600);
  w->set_end_s(8 * 3600);
  auto welcome = ok->Connect();
  EXPECT_EQ(welcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(welcome.status().message().find("allowed_windows[0]"), std::string::npos)
      << welcome.status();
}

// Would catch: the preferences in the Hello not reaching the core: a plugged-only car gets
// work while only parked.
TEST(OwnerState, PluggedOnlyCarGetsWorkOnlyWhilePlugged) {
  Harness h;
  h.Start();
  auto car = h.NewCar("owner-a");
  car->hello_extra.mutable_preferences()->set_compute_only_when_plugged(true);
  car->hello_extra.mutable_initial_state()->set_state(v1::NODE_STATE_PARKED);
  ASSERT_TRUE(car->Connect().ok());
  v1::SubmitJobResponse job;
  ASSERT_TRUE(h.Submit(Harness::HashJob(1), &job).ok());
  car->Heartbeat(v1::NODE_STATE_PARKED);
  car->RequestWork(1);
  EXPECT_FALSE(car->NextAssignment(Duration::Millis(800))) << "assigned while unplugged";
  car->Heartbeat(v1::NODE_STATE_PLUGGED);
  EXPECT_TRUE(car->NextAssignment());
}

}  // namespace
}  // namespace fleetgrid::testing

namespace fleetgrid::testing {
namespace {

// Would catch: the enrollment's preferences forgotten when a Hello carries none.
TEST(OwnerState, EnrollmentPreferencesHoldWhenTheHelloHasNone) {
  Harness h;
  h.Start();
  TestCar car(h.channel, "owner-a");
  car.enroll_extra.mutable_preferences()->set_compute_only_when_plugged(true);
  ASSERT_TRUE(car.Enroll().ok());
  car.hello_extra.mutable_initial_state()->set_state(v1::NODE_STATE_PARKED);
  ASSERT_TRUE(car.Connect().ok());
  v1::SubmitJobResponse job;
  ASSERT_TRUE(h.Submit(Harness::HashJob(1), &job).ok());
  car.Heartbeat(v1::NODE_STATE_PARKED);
  car.RequestWork(1);
  EXPECT_FALSE(car.NextAssignment(Duration::Millis(800))) << "assigned while unplugged";
  car.Heartbeat(v1::NODE_STATE_PLUGGED);
  EXPECT_TRUE(car.NextAssignment());
}

}  // namespace
}  // namespace fleetgrid::testing
