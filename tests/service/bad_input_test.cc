// Bad input gets the right gRPC status and changes nothing stored.
#include "tests/service/harness.h"

namespace fleetgrid::testing {
namespace {

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.Protect();  // an admin token: cars need issued join tokens
    h_.Start();
  }
  Harness h_;
};

TEST_F(BadInput, MalformedJobSpecsAreInvalidArgumentAndStoreNothing) {
  const auto before = h_.Stored();
  std::vector<std::pair<std::string, v1::JobSpec>> cases;
  auto base = Harness::HashJob(3);
  {
    auto s = base;
    s.clear_task_count();
    cases.push_back({"tasks", s});
  }
  {
    auto s = base;
    s.set_task_count(0);
    cases.push_back({"task_count", s});
  }
  {
    auto s = base;
    s.set_work_units_per_task(-1);
    cases.push_back({"work_units", s});
  }
  {
    auto s = base;
    s.mutable_executor()->set_kind(v1::EXECUTOR_KIND_UNSPECIFIED);
    s.mutable_executor()->clear_hash();
    cases.push_back({"executor.kind", s});
  }
  {
    auto s = base;
    s.mutable_replication()->set_copies(2);
    s.mutable_replication()->set_quorum(3);
    cases.push_back({"replication.quorum", s});
  }
  {
    auto s = base;
    s.mutable_deadline()->set_seconds(-5);
    cases.push_back({"deadline", s});
  }
  for (const auto& [field, spec] : cases) {
    v1::SubmitJobResponse resp;
    grpc::Status s = h_.Submit(spec, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_NE(s.error_message().find(field), std::string::npos)
        << "message must name " << field << ": " << s.error_message();
  }
  {
    auto s = base;
    s.set_task_count(10'000'000);
    v1::SubmitJobResponse resp;
    EXPECT_EQ(h_.Submit(s, &resp).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  EXPECT_EQ(h_.Stored(), before);
}

TEST_F(BadInput, UnknownIdsAreNotFound) {
  grpc::ClientContext c1;
  v1::GetJobRequest g;
  g.set_job_id(999);
  v1::GetJobResponse gr;
  EXPECT_EQ(h_.jobs->GetJob(&c1, g, &gr).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext c2;
  v1::CancelJobRequest cj;
  cj.set_job_id(0);
  v1::CancelJobResponse cr;
  EXPECT_EQ(h_.jobs->CancelJob(&c2, cj, &cr).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext c3;
  v1::WatchJobRequest w;
  w.set_job_id(12345);
  auto watch = h_.jobs->WatchJob(&c3, w);
  v1::JobProgress p;
  EXPECT_FALSE(watch->Read(&p));
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext c4;
  v1::FetchResultsRequest fr;
  fr.set_job_id(77);
  auto results = h_.jobs->FetchResults(&c4, fr);
  v1::TaskResult tr;
  EXPECT_FALSE(results->Read(&tr));
  EXPECT_EQ(results->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext c5;
  v1::DrainNodeRequest dn;
  dn.set_node_id(4242);
  v1::DrainNodeResponse dr;
  EXPECT_EQ(h_.admin->DrainNode(&c5, dn, &dr).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(BadInput, PageTokensThatAreNotNumbersAreInvalidArgument) {
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h_.Submit(Harness::HashJob(3), &sub).ok());
  for (const char* token : {"x", "12abc", "-1"}) {
    grpc::ClientContext c1;
    v1::ListJobsRequest lj;
    lj.set_page_token(token);
    v1::ListJobsResponse ljr;
    const grpc::Status s1 = h_.jobs->ListJobs(&c1, lj, &ljr);
    EXPECT_EQ(s1.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << token;
    EXPECT_NE(s1.error_message().find("page_token"), std::string::npos) << s1.error_message();
    grpc::ClientContext c2;
    v1::ListTasksRequest lt;
    lt.set_job_id(sub.job_id());
    lt.set_page_token(token);
    v1::ListTasksResponse ltr;
    EXPECT_EQ(h_.jobs->ListTasks(&c2, lt, &ltr).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << token;
    grpc::ClientContext c3;
    v1::ListNodesRequest ln;
    ln.set_page_token(token);
    v1::ListNodesResponse lnr;
    EXPECT_EQ(h_.admin->ListNodes(&c3, ln, &lnr).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << token;
  }
  // A token from a reply continues the listing.
  grpc::ClientContext c4;
  v1::ListTasksRequest first;
  first.set_job_id(sub.job_id());
  first.set_page_size(2);
  v1::ListTasksResponse page1;
  ASSERT_TRUE(h_.jobs->ListTasks(&c4, first, &page1).ok());
  ASSERT_EQ(page1.tasks_size(), 2);
  ASSERT_FALSE(page1.next_page_token().empty());
  grpc::ClientContext c5;
  first.set_page_token(page1.next_page_token());
  v1::ListTasksResponse page2;
  ASSERT_TRUE(h_.jobs->ListTasks(&c5, first, &page2).ok());
  EXPECT_EQ(page2.tasks_size(), 1);
  EXPECT_TRUE(page2.next_page_token().empty());
}

TEST_F(BadInput, CredentialsAreChecked) {
  TestCar intruder(h_.channel, "mallory");
  EXPECT_TRUE(absl::IsUnauthenticated(intruder.Enroll("wrong-token")));
  auto car = h_.NewCar("alice");
  TestCar forged(h_.channel, "mallory");
  forged.SetIdentity(car->node_id(), "not-the-secret");
  auto w = forged.Connect();
  EXPECT_TRUE(absl::IsUnauthenticated(w.status())) << w.status();
}

TEST_F(BadInput, SessionMustStartWithHelloNamingItsOwnNode) {
  auto car = h_.NewCar("alice");
  auto other = h_.NewCar("bob");
  TestCar liar(h_.channel, "bob");
  liar.SetIdentity(other->node_id(), other->secret());
  // Hello names car's node id, credential is other's.
  grpc::ClientContext ctx;
  liar.AddAuth(ctx);
  auto stream = liar.stub().Connect(&ctx);
  v1::NodeMessage hello;
  hello.mutable_hello()->set_node_id(car->node_id());
  stream->Write(hello);
  v1::CoordinatorMessage m;
  EXPECT_FALSE(stream->Read(&m));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);

  grpc::ClientContext ctx2;
  car->AddAuth(ctx2);
  auto stream2 = car->stub().Connect(&ctx2);
  v1::NodeMessage hb;
  hb.mutable_heartbeat()->set_seq(1);
  stream2->Write(hb);
  EXPECT_FALSE(stream2->Read(&m));
  EXPECT_EQ(stream2->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

class WithAssignment : public BadInput {
 protected:
  void SetUp() override {
    BadInput::SetUp();
    v1::SubmitJobResponse sub;
    ASSERT_TRUE(h_.Submit(Harness::HashJob(2), &sub).ok());
    owner_ = h_.NewCar("alice");
    ASSERT_TRUE(owner_->Connect().ok());
    owner_->RequestWork(1);
    auto a = owner_->NextAssignment();
    ASSERT_TRUE(a);
    a_ = *a;
    thief_ = h_.NewCar("mallory");
    ASSERT_TRUE(thief_->Connect().ok());
    before_ = h_.Stored();
  }

  // Uploads `data` for `ref` as `car`, declaring `declared` bytes; returns the status.
  grpc::Status Upload(TestCar& car, const v1::AttemptRef& ref, const std::string& data,
                      uint64_t declared, v1::ResultAck* ack, size_t chunk = 1 << 16) {
    grpc::ClientContext ctx;
    Harness::Deadline(ctx);
    car.AddAuth(ctx);
    auto w = car.stub().UploadResult(&ctx, ack);
    uint64_t off = 0;
    do {
      v1::ResultChunk c;
      *c.mutable_attempt() = ref;
      c.set_offset(off);
      c.set_data(data.substr(off, chunk));
      c.set_total_size_bytes(declared);
      off += c.data().size();
      if (off >= data.size()) {
        c.set_last(true);
        c.mutable_result_digest()->set_sha256(Sha256Bytes(data));
      }
      if (!w->Write(c)) break;
    } while (off < data.size());
    w->WritesDone();
    return w->Finish();
  }

  std::unique_ptr<TestCar> owner_, thief_;
  v1::Assignment a_;
  std::tuple<size_t, size_t, size_t> before_;
};

TEST_F(WithAssignment, ResultForAnotherCarsLeaseIsPermissionDenied) {
  v1::ResultAck ack;
  grpc::Status s = Upload(*thief_, a_.attempt(), TestCar::Compute(a_), 32, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  // Inline on the thief's own session: rejected too.
  thief_->SendResult(a_, TestCar::Compute(a_));
  auto inline_ack = thief_->NextAck();
  ASSERT_TRUE(inline_ack);
  EXPECT_EQ(inline_ack->outcome(), v1::RESULT_OUTCOME_REJECTED);
  EXPECT_EQ(std::get<2>(h_.Stored()), 0u);
  // The rightful owner still completes it.
  v1::ResultAck good;
  ASSERT_TRUE(Upload(*owner_, a_.attempt(), TestCar::Compute(a_), 32, &good).ok());
  EXPECT_EQ(good.outcome(), v1::RESULT_OUTCOME_ACCEPTED);
  EXPECT_EQ(std::get<2>(h_.Stored()), 1u);
}

// Would catch: FetchInput serving any authenticated car the input of any attempt.
TEST_F(WithAssignment, InputOfAnotherCarsAttemptIsPermissionDenied) {
  auto fetch = [&](TestCar& car) {
    grpc::ClientContext ctx;
    Harness::Deadline(ctx);
    car.AddAuth(ctx);
    v1::FetchInputRequest req;
    *req.mutable_attempt() = a_.attempt();
    auto reader = car.stub().FetchInput(&ctx, req);
    v1::DataChunk chunk;
    while (reader->Read(&chunk)) {
    }
    return reader->Finish().error_code();
  };
  EXPECT_EQ(fetch(*thief_), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(fetch(*owner_), grpc::StatusCode::OK);
}

// Would catch: a car failing (or renewing) another car's lease: the thief's AttemptFailed
// and Progress for the owner's attempt change nothing, the owner's result is accepted.
TEST_F(WithAssignment, AnotherCarsLeaseCannotBeFailedOrProgressed) {
  v1::NodeMessage failed;
  *failed.mutable_attempt_failed()->mutable_attempt() = a_.attempt();
  failed.mutable_attempt_failed()->set_reason(v1::FAILURE_REASON_CANCELLED);
  ASSERT_TRUE(thief_->Send(failed));
  v1::NodeMessage progress;
  *progress.mutable_progress()->mutable_attempt() = a_.attempt();
  progress.mutable_progress()->set_work_done_units(0.5);
  ASSERT_TRUE(thief_->Send(progress));
  // The thief is told the attempt is not its own.
  auto told = thief_->WaitFor([](const v1::CoordinatorMessage& m) { return m.has_cancel(); },
                              Duration::Seconds(10));
  ASSERT_TRUE(told);
  EXPECT_EQ(told->cancel().attempt().attempt_id(), a_.attempt().attempt_id());
  v1::ResultAck good;
  ASSERT_TRUE(Upload(*owner_, a_.attempt(), TestCar::Compute(a_), 32, &good).ok());
  EXPECT_EQ(good.outcome(), v1::RESULT_OUTCOME_ACCEPTED);
}

// Would catch: an upload replayed after the task was reissued (the owner vanished past its
// grace, the thief got the task) being accepted under the old lease.
TEST_F(WithAssignment, ReplayedUploadAfterReissueIsRejectedAsStale) {
  owner_->Drop();
  thief_->RequestWork(2);  // the job's other task, then the reissued one
  std::optional<v1::Assignment> reissued;
  for (int i = 0; i < 2 && !(reissued && reissued->task_id() == a_.task_id()); ++i) {
    reissued = NextAssignmentStayingAlive(*thief_);
  }
  ASSERT_TRUE(reissued);
  ASSERT_EQ(reissued->task_id(), a_.task_id());
  ASSERT_GT(reissued->attempt().lease_epoch(), a_.attempt().lease_epoch());
  v1::ResultAck ack;
  const grpc::Status replay = Upload(*owner_, a_.attempt(), TestCar::Compute(a_), 32, &ack);
  EXPECT_EQ(replay.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << replay.error_message();
  EXPECT_EQ(std::get<2>(h_.Stored()), 0u);
  v1::ResultAck good;
  ASSERT_TRUE(Upload(*thief_, reissued->attempt(), TestCar::Compute(*reissued), 32, &good).ok());
  EXPECT_EQ(good.outcome(), v1::RESULT_OUTCOME_ACCEPTED);
}

TEST_F(WithAssignment, UnknownAndStaleAttemptsAreRefused) {
  v1::ResultAck ack;
  v1::AttemptRef unknown;
  unknown.set_attempt_id((uint64_t{999} << 32) | 1);
  unknown.set_lease_epoch(1);
  EXPECT_EQ(Upload(*owner_, unknown, "x", 1, &ack).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::AttemptRef stale = a_.attempt();
  stale.set_lease_epoch(a_.attempt().lease_epoch() + 7);
  EXPECT_EQ(Upload(*owner_, stale, "x", 1, &ack).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(h_.Stored(), before_);
}

TEST_F(WithAssignment, UploadLargerThanDeclaredIsResourceExhausted) {
  v1::ResultAck ack;
  const std::string data(40, 'x');
  grpc::Status s = Upload(*owner_, a_.attempt(), data, 20, &ack, 20);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  // Declared over the task's output cap (64 bytes).
  EXPECT_EQ(Upload(*owner_, a_.attempt(), std::string(100, 'y'), 100, &ack).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(h_.Stored(), before_);
}

TEST_F(WithAssignment, OversizedMessageIsResourceExhausted) {
  v1::ResultAck ack;
  const std::string big(2 << 20, 'z');  // one 2 MiB chunk over a 1 MiB message cap
  grpc::Status s = Upload(*owner_, a_.attempt(), big, big.size(), &ack, big.size());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_EQ(h_.Stored(), before_);
}

TEST_F(WithAssignment, DigestMismatchAndBadChunkingAreRejected) {
  v1::NodeMessage m;
  v1::ResultChunk* c = m.mutable_result_chunk();
  *c->mutable_attempt() = a_.attempt();
  c->set_data(TestCar::Compute(a_));
  c->set_total_size_bytes(32);
  c->set_last(true);
  c->mutable_result_digest()->set_sha256(std::string(32, '\0'));
  owner_->Send(m);
  auto ack = owner_->NextAck();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->reject_reason(), v1::REJECT_REASON_DIGEST_MISMATCH);
  c->set_offset(5);  // a gap
  owner_->Send(m);
  ack = owner_->NextAck();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->reject_reason(), v1::REJECT_REASON_BAD_CHUNKING);
  EXPECT_EQ(h_.Stored(), before_);
}

TEST_F(WithAssignment, MalformedSessionMessagesGetAnErrorAndChangeNothing) {
  v1::NodeMessage hb;
  hb.mutable_heartbeat()->set_seq(1);  // state UNSPECIFIED
  owner_->Send(hb);
  auto err = owner_->WaitFor([](const auto& m) { return m.has_error(); }, Duration::Seconds(5));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  v1::NodeMessage wr;
  wr.mutable_work_request()->set_slots(0);
  owner_->Send(wr);
  err = owner_->WaitFor([](const auto& m) { return m.has_error(); }, Duration::Seconds(5));
  ASSERT_TRUE(err);
  EXPECT_EQ(h_.Stored(), before_);
}

}  // namespace
}  // namespace fleetgrid::testing
