// Identity and access on an in-process coordinator with an admin token configured: join
// tokens, node credentials (expiry, renewal, revocation), API token roles and the kinds of
// credential each service takes. Each test says what it would catch.
#include <chrono>

#include "tests/service/harness.h"

namespace fleetgrid::testing {
namespace {

int64_t Nanos(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1'000'000'000 + t.nanos();
}

// The entry of `list` for join token `id` (empty, and a failure, if it is missing).
v1::JoinTokenInfo Find(const v1::ListJoinTokensResponse& list, const std::string& id) {
  for (const v1::JoinTokenInfo& t : list.tokens()) {
    if (t.token_id() == id) return t;
  }
  ADD_FAILURE() << "join token " << id << " is not listed";
  return {};
}

class Auth : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.Protect();
    h_.UseManualClock();  // expiries happen when a test moves h_.clock
    Configure();
    h_.Start();
  }
  virtual void Configure() {}

  // An API token of `role` (and its id).
  std::pair<std::string, std::string> ApiToken(v1::ApiRole role, int64_t ttl_ms = 0) {
    grpc::ClientContext ctx;
    Harness::Deadline(ctx);
    v1::IssueApiTokenRequest req;
    req.set_role(role);
    if (ttl_ms > 0) req.mutable_ttl()->set_nanos(static_cast<int32_t>(ttl_ms * 1'000'000));
    v1::IssueApiTokenResponse resp;
    const grpc::Status s = h_.admin->IssueApiToken(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.token(), resp.info().token_id()};
  }
  std::unique_ptr<v1::JobService::Stub> Jobs(const std::string& token) {
    return v1::JobService::NewStub(BearerChannel(h_.coordinator->address(), token));
  }
  std::unique_ptr<v1::AdminService::Stub> Admin(const std::string& token) {
    return v1::AdminService::NewStub(BearerChannel(h_.coordinator->address(), token));
  }
  grpc::Status Submit(v1::JobService::Stub& jobs, v1::SubmitJobResponse* resp = nullptr) {
    grpc::ClientContext ctx;
    Harness::Deadline(ctx);
    v1::SubmitJobRequest req;
    *req.mutable_spec() = Harness::HashJob(1);
    v1::SubmitJobResponse ignored;
    return jobs.SubmitJob(&ctx, req, resp ? resp : &ignored);
  }
  grpc::Status Revoke(const v1::RevokeCredentialRequest& req,
                      v1::RevokeCredentialResponse* resp = nullptr) {
    grpc::ClientContext ctx;
    Harness::Deadline(ctx);
    v1::RevokeCredentialResponse ignored;
    return h_.admin->RevokeCredential(&ctx, req, resp ? resp : &ignored);
  }
  grpc::Status ListJoinTokens(v1::AdminService::Stub& admin, bool include_inactive,
                              v1::ListJoinTokensResponse* resp) {
    grpc::ClientContext ctx;
    Harness::Deadline(ctx);
    v1::ListJoinTokensRequest req;
    req.set_include_inactive(include_inactive);
    return admin.ListJoinTokens(&ctx, req, resp);
  }
  // `car` renews `credential_id` with the credential it holds; a refusal's reason in `why`.
  grpc::Status Renew(TestCar& car, const std::string& credential_id,
                     v1::RenewCredentialResponse* resp, RefusalReason* why = nullptr) {
    grpc::ClientContext ctx;
    Harness::Deadline(ctx);
    car.AddAuth(ctx);
    v1::RenewCredentialRequest req;
    req.set_credential_id(credential_id);
    const grpc::Status s = car.stub().RenewCredential(&ctx, req, resp);
    if (why != nullptr) *why = RefusalReasonFromTrailers(ctx.GetServerTrailingMetadata());
    return s;
  }
  grpc::Status RevokeJoinToken(const std::string& token_id) {
    grpc::ClientContext ctx;
    Harness::Deadline(ctx);
    v1::RevokeJoinTokenRequest req;
    req.set_token_id(token_id);
    v1::RevokeJoinTokenResponse resp;
    return h_.admin->RevokeJoinToken(&ctx, req, &resp);
  }
  // Enrolls a car of `owner` with `token`; the status (never containing the token).
  absl::Status EnrollWith(const std::string& token, const std::string& owner = "alice") {
    TestCar car(h_.channel, owner);
    absl::Status s = car.Enroll(token);
    if (!token.empty()) {
      EXPECT_EQ(s.message().find(token), std::string::npos) << "error message carries the token";
    }
    return s;
  }

  Harness h_;
};

// ---------------------------------------------------------------------------------------
// Join tokens.

// Would catch: Enroll accepting any token once an admin token is configured.
TEST_F(Auth, UnknownOrMissingJoinTokenIsUnauthenticated) {
  const absl::Status unknown = EnrollWith("fgj_" + std::string(64, '0'));
  EXPECT_TRUE(absl::IsUnauthenticated(unknown));
  EXPECT_EQ(RefusalReasonOf(unknown), RefusalReason::kJoinTokenUnknown) << unknown;
  EXPECT_TRUE(absl::IsUnauthenticated(EnrollWith("")));
  const std::string good = h_.IssueJoinToken().token();
  EXPECT_TRUE(EnrollWith(good).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(EnrollWith(good + "x")));
}

// Would catch: the use count not being checked (or not counted).
TEST_F(Auth, UsedUpJoinTokenIsUnauthenticated) {
  const std::string token = h_.IssueJoinToken("", 2).token();
  EXPECT_TRUE(EnrollWith(token).ok());
  EXPECT_TRUE(EnrollWith(token).ok());
  const absl::Status third = EnrollWith(token);
  EXPECT_TRUE(absl::IsUnauthenticated(third)) << third;
  EXPECT_NE(third.message().find("used up"), std::string::npos) << third;
  EXPECT_EQ(RefusalReasonOf(third), RefusalReason::kJoinTokenUsedUp) << third;
}

// Would catch: the expiry not being checked.
TEST_F(Auth, ExpiredJoinTokenIsUnauthenticated) {
  const std::string token = h_.IssueJoinToken("", 0, 1000).token();  // 1 s
  h_.clock.Advance(Duration::Millis(999));
  EXPECT_TRUE(EnrollWith(token).ok()) << "expired early";
  h_.clock.Advance(Duration::Millis(1));
  const absl::Status s = EnrollWith(token);
  EXPECT_TRUE(absl::IsUnauthenticated(s));
  EXPECT_NE(s.message().find("expired"), std::string::npos) << s;
  EXPECT_EQ(RefusalReasonOf(s), RefusalReason::kJoinTokenExpired) << s;
}

// Would catch: RevokeJoinToken not taking effect, or revoking twice passing silently.
TEST_F(Auth, RevokedJoinTokenIsUnauthenticated) {
  const v1::IssueJoinTokenResponse t = h_.IssueJoinToken();
  EXPECT_TRUE(EnrollWith(t.token()).ok());
  grpc::ClientContext ctx;
  Harness::Deadline(ctx);
  v1::RevokeJoinTokenRequest req;
  req.set_token_id(t.token_id());
  v1::RevokeJoinTokenResponse resp;
  ASSERT_TRUE(h_.admin->RevokeJoinToken(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.uses(), 1u);
  const absl::Status s = EnrollWith(t.token());
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  EXPECT_NE(s.message().find("revoked"), std::string::npos) << s;
  EXPECT_EQ(RefusalReasonOf(s), RefusalReason::kJoinTokenRevoked) << s;
  grpc::ClientContext again;
  Harness::Deadline(again);
  EXPECT_EQ(h_.admin->RevokeJoinToken(&again, req, &resp).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

// Would catch: the owner scope not being enforced, or not applied to a car naming none.
TEST_F(Auth, JoinTokenEnrollsOnlyItsOwnersCars) {
  const std::string token = h_.IssueJoinToken("alice").token();
  EXPECT_TRUE(absl::IsUnauthenticated(EnrollWith(token, "mallory")));
  EXPECT_TRUE(EnrollWith(token, "alice").ok());
  TestCar anonymous(h_.channel, "");
  ASSERT_TRUE(anonymous.Enroll(token).ok());
  EXPECT_EQ(h_.GetNode(anonymous.node_id()).owner(), "alice");
}

// Would catch: an idempotent retry handing out the credential without the join token.
TEST_F(Auth, EnrollRetryNeedsTheSameJoinToken) {
  const std::string token = h_.IssueJoinToken().token();
  const std::string other = h_.IssueJoinToken().token();
  auto enroll = [&](const std::string& t, v1::EnrollResponse* resp) {
    grpc::ClientContext ctx;
    Harness::Deadline(ctx);
    v1::EnrollRequest req;
    req.set_join_token(t);
    req.set_owner("alice");
    req.set_idempotency_key("car-1");
    return TestCar(h_.channel, "alice").stub().Enroll(&ctx, req, resp);
  };
  v1::EnrollResponse first, retry, stolen;
  ASSERT_TRUE(enroll(token, &first).ok());
  ASSERT_TRUE(enroll(token, &retry).ok());
  EXPECT_TRUE(retry.duplicate());
  EXPECT_EQ(retry.credential().secret(), first.credential().secret());
  EXPECT_EQ(enroll(other, &stolen).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(stolen.credential().secret().empty());
}

// Would catch: the listing miscounting uses, missing a state (revoked, expired, used up),
// showing inactive tokens by default, or carrying a secret or its hash.
TEST_F(Auth, JoinTokenListingShowsUsesStatesAndNoSecret) {
  v1::IssueJoinTokenRequest req;
  req.mutable_scope()->set_owner("alice");
  req.set_max_uses(3);
  req.set_description("alice's garage");
  grpc::ClientContext ctx;
  Harness::Deadline(ctx);
  v1::IssueJoinTokenResponse scoped;
  ASSERT_TRUE(h_.admin->IssueJoinToken(&ctx, req, &scoped).ok());
  const v1::IssueJoinTokenResponse unlimited = h_.IssueJoinToken();
  const v1::IssueJoinTokenResponse used_up = h_.IssueJoinToken("", 1);
  const v1::IssueJoinTokenResponse expiring = h_.IssueJoinToken("", 0, 1);  // 1 ms
  ASSERT_TRUE(EnrollWith(scoped.token()).ok());
  ASSERT_TRUE(EnrollWith(unlimited.token()).ok());
  ASSERT_TRUE(EnrollWith(unlimited.token()).ok());
  ASSERT_TRUE(EnrollWith(used_up.token()).ok());
  ASSERT_TRUE(RevokeJoinToken(unlimited.token_id()).ok());
  h_.clock.Advance(Duration::Millis(1));
  ASSERT_FALSE(EnrollWith(expiring.token()).ok());

  v1::ListJoinTokensResponse all;
  ASSERT_TRUE(ListJoinTokens(*h_.admin, true, &all).ok());
  ASSERT_EQ(all.tokens_size(), 4);
  for (int i = 1; i < all.tokens_size(); ++i) {  // oldest first (ties within a millisecond)
    EXPECT_LE(Nanos(all.tokens(i - 1).issued_at()), Nanos(all.tokens(i).issued_at()));
  }
  const v1::JoinTokenInfo a = Find(all, scoped.token_id());
  EXPECT_EQ(a.scope().owner(), "alice");
  EXPECT_EQ(a.uses(), 1u);
  EXPECT_EQ(a.max_uses(), 3u);
  EXPECT_FALSE(a.revoked());
  EXPECT_EQ(a.description(), "alice's garage");
  EXPECT_EQ(Nanos(a.expires_at()), Nanos(scoped.expires_at()));
  EXPECT_GT(a.issued_at().seconds(), 0);
  EXPECT_LT(Nanos(a.issued_at()), Nanos(a.expires_at()));
  const v1::JoinTokenInfo u = Find(all, unlimited.token_id());
  EXPECT_EQ(u.scope().owner(), "");
  EXPECT_EQ(u.uses(), 2u);
  EXPECT_EQ(u.max_uses(), 0u);
  EXPECT_TRUE(u.revoked());
  EXPECT_EQ(Find(all, used_up.token_id()).uses(), 1u);
  EXPECT_FALSE(Find(all, used_up.token_id()).revoked());
  EXPECT_FALSE(Find(all, expiring.token_id()).revoked());

  // By default only the token that could still enroll a car.
  v1::ListJoinTokensResponse active;
  ASSERT_TRUE(ListJoinTokens(*h_.admin, false, &active).ok());
  ASSERT_EQ(active.tokens_size(), 1);
  EXPECT_EQ(active.tokens(0).token_id(), scoped.token_id());

  const std::string wire = all.SerializeAsString() + all.DebugString();
  for (const std::string& secret :
       {scoped.token(), unlimited.token(), used_up.token(), expiring.token()}) {
    EXPECT_EQ(wire.find(secret), std::string::npos) << "the listing carries a secret";
    const std::string sha = Sha256Bytes(secret);
    EXPECT_EQ(wire.find(sha), std::string::npos) << "the listing carries a secret's hash";
  }
}

// Would catch: use counts or revocations of join tokens listed from memory only (in-process
// restart on the same store).
TEST_F(Auth, JoinTokenListingSurvivesARestart) {
  const v1::IssueJoinTokenResponse kept = h_.IssueJoinToken("bob", 5);
  const v1::IssueJoinTokenResponse revoked = h_.IssueJoinToken();
  ASSERT_TRUE(EnrollWith(kept.token(), "bob").ok());
  ASSERT_TRUE(EnrollWith(kept.token(), "bob").ok());
  ASSERT_TRUE(RevokeJoinToken(revoked.token_id()).ok());
  v1::ListJoinTokensResponse before, after;
  ASSERT_TRUE(ListJoinTokens(*h_.admin, true, &before).ok());
  h_.Restart();
  ASSERT_TRUE(ListJoinTokens(*h_.admin, true, &after).ok());
  ASSERT_EQ(after.tokens_size(), 2);
  EXPECT_EQ(after.SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(Find(after, kept.token_id()).uses(), 2u);
  EXPECT_EQ(Find(after, kept.token_id()).scope().owner(), "bob");
  EXPECT_TRUE(Find(after, revoked.token_id()).revoked());
}

// ---------------------------------------------------------------------------------------
// Node credentials.

// Would catch: revocation not closing the live session, not requeueing its work, or not
// refusing later calls. Prints the revocation-to-session-end delay.
TEST_F(Auth, RevokedCredentialEndsTheSessionRequeuesItsWorkAndIsRefused) {
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h_.Submit(Harness::HashJob(1), &sub).ok());
  auto car = h_.NewCar("alice");
  ASSERT_TRUE(car->Connect().ok());
  car->RequestWork(1);
  auto a = car->NextAssignment();
  ASSERT_TRUE(a);
  v1::RevokeCredentialRequest req;
  req.set_node_id(car->node_id());
  req.set_reason("stolen car");
  v1::RevokeCredentialResponse resp;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(Revoke(req, &resp).ok());
  auto closed = car->WaitClosed(Duration::Seconds(10));
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->error_code(), grpc::StatusCode::UNAUTHENTICATED) << closed->error_message();
  EXPECT_EQ(car->closed_reason(), RefusalReason::kCredentialRevoked);
  std::cout << "revocation to session end: "
            << std::chrono::duration<double, std::milli>(t1 - t0).count() << " ms\n";
  EXPECT_EQ(resp.revoked_count(), 1u);
  EXPECT_EQ(resp.sessions_closed(), 1u);
  // Its work goes to another car at once (not after the grace).
  auto other = h_.NewCar("bob");
  ASSERT_TRUE(other->Connect().ok());
  other->RequestWork(1);
  auto again = other->NextAssignment();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->task_id(), a->task_id());
  // Every later call of the revoked car is refused, saying why (the agent stops on it).
  const absl::Status refused = car->Connect().status();
  EXPECT_TRUE(absl::IsUnauthenticated(refused)) << refused;
  EXPECT_EQ(RefusalReasonOf(refused), RefusalReason::kCredentialRevoked) << refused;
  grpc::ClientContext fctx;
  Harness::Deadline(fctx);
  car->AddAuth(fctx);
  v1::FetchInputRequest fetch;
  *fetch.mutable_attempt() = a->attempt();
  auto reader = car->stub().FetchInput(&fctx, fetch);
  v1::DataChunk chunk;
  while (reader->Read(&chunk)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(RefusalReasonFromTrailers(fctx.GetServerTrailingMetadata()),
            RefusalReason::kCredentialRevoked);
  EXPECT_EQ(h_.GetNode(car->node_id()).connection_state(), v1::CONNECTION_STATE_REVOKED);
}

// Would catch: a car the coordinator does not know (a wrong secret, or no such node) told
// its credential is revoked or expired (it would stop instead of enrolling again), or an
// unknown credential refused without a reason.
TEST_F(Auth, UnknownCredentialIsRefusedAsUnknown) {
  auto car = h_.NewCar("alice");
  TestCar wrong_secret(h_.channel, "alice");
  wrong_secret.SetIdentity(car->node_id(), std::string(32, 'x'));
  TestCar no_such_node(h_.channel, "alice");
  no_such_node.SetIdentity(car->node_id() + 1000, car->secret());
  for (TestCar* c : {&wrong_secret, &no_such_node}) {
    const absl::Status s = c->Connect().status();
    EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
    EXPECT_EQ(RefusalReasonOf(s), RefusalReason::kCredentialUnknown) << s;
  }
  // A client call refused for its API token carries no credential reason.
  grpc::ClientContext ctx;
  Harness::Deadline(ctx);
  v1::ListNodesResponse nodes;
  EXPECT_EQ(Admin("fga_" + std::string(64, 'c'))
                ->ListNodes(&ctx, v1::ListNodesRequest(), &nodes)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(RefusalReasonFromTrailers(ctx.GetServerTrailingMetadata()), RefusalReason::kNone);
}

// Would catch: revocation by credential id or by owner not reaching the credentials named,
// or reaching others.
TEST_F(Auth, RevokeByCredentialIdAndByOwner) {
  auto a1 = h_.NewCar("alice");
  auto a2 = h_.NewCar("alice");
  auto b = h_.NewCar("bob");
  v1::RevokeCredentialRequest one;
  one.set_credential_id(a1->credential_id());
  v1::RevokeCredentialResponse resp;
  ASSERT_TRUE(Revoke(one, &resp).ok());
  EXPECT_EQ(resp.revoked_count(), 1u);
  EXPECT_TRUE(absl::IsUnauthenticated(a1->Connect().status()));
  EXPECT_TRUE(a2->Connect().ok());
  v1::RevokeCredentialRequest owner;
  owner.set_owner("alice");
  ASSERT_TRUE(Revoke(owner, &resp).ok());
  EXPECT_EQ(resp.revoked_count(), 1u);  // a1's was revoked already
  EXPECT_EQ(resp.sessions_closed(), 1u);
  auto closed = a2->WaitClosed(Duration::Seconds(10));
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(a2->closed_reason(), RefusalReason::kCredentialRevoked);
  EXPECT_TRUE(b->Connect().ok());
  v1::RevokeCredentialRequest nobody;
  nobody.set_owner("nobody");
  EXPECT_EQ(Revoke(nobody).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Revoke(v1::RevokeCredentialRequest()).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// Would catch: revocations or tokens kept only in memory (in-process restart on the same
// store; the real-process restart is in tests/integration/auth_process_test.cc).
TEST_F(Auth, RevocationAndTokensSurviveARestart) {
  auto car = h_.NewCar("alice");
  const std::string used_up = h_.IssueJoinToken("", 1).token();
  ASSERT_TRUE(EnrollWith(used_up).ok());
  const auto [reader, reader_id] = ApiToken(v1::API_ROLE_READ);
  v1::RevokeCredentialRequest req;
  req.set_node_id(car->node_id());
  ASSERT_TRUE(Revoke(req).ok());
  h_.Restart();
  TestCar revived(h_.channel, "alice");
  revived.SetIdentity(car->node_id(), car->secret());
  EXPECT_TRUE(absl::IsUnauthenticated(revived.Connect().status()));
  EXPECT_TRUE(absl::IsUnauthenticated(EnrollWith(used_up)));
  grpc::ClientContext ctx;
  Harness::Deadline(ctx);
  v1::ListJobsResponse jobs;
  EXPECT_TRUE(Jobs(reader)->ListJobs(&ctx, v1::ListJobsRequest(), &jobs).ok());
}

class ShortCredentials : public Auth {
  void Configure() override { h_.options.service.credential_ttl = Duration::Seconds(2); }
};

// Would catch: expiry not checked at Connect or not enforced on a live session.
// The car learns why from the reason (x-fleetgrid-reason), not from the message, which stays
// for people: it names the credential, never the secret.
TEST_F(ShortCredentials, ExpiredCredentialEndsTheSessionAndIsRefused) {
  auto car = h_.NewCar("alice");
  ASSERT_TRUE(car->Connect().ok());
  // The coordinator checks live sessions every heartbeat interval (200 ms here).
  h_.clock.Advance(Duration::Seconds(2) - Duration::Millis(1));
  EXPECT_FALSE(car->WaitClosed(Duration::Millis(300))) << "closed before its credential expired";
  h_.clock.Advance(Duration::Millis(1) + h_.options.service.heartbeat_interval);
  auto closed = car->WaitClosed(Duration::Seconds(10));
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(car->closed_reason(), RefusalReason::kCredentialExpired) << closed->error_message();
  EXPECT_NE(closed->error_message().find(car->credential_id()), std::string::npos);
  EXPECT_EQ(closed->error_message().find(car->secret()), std::string::npos);
  const absl::Status again = car->Connect().status();
  EXPECT_TRUE(absl::IsUnauthenticated(again)) << again;
  EXPECT_EQ(RefusalReasonOf(again), RefusalReason::kCredentialExpired) << again;
  v1::RenewCredentialResponse resp;
  RefusalReason why = RefusalReason::kNone;
  EXPECT_EQ(Renew(*car, car->credential_id(), &resp, &why).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(why, RefusalReason::kCredentialExpired);
}

// Would catch: RenewCredential not issuing a working credential, invalidating the old one
// early, or renewing a credential other than the caller's.
TEST_F(Auth, RenewedCredentialWorksAndTheOldOneStaysValid) {
  auto car = h_.NewCar("alice");
  v1::RenewCredentialResponse resp;
  ASSERT_TRUE(Renew(*car, car->credential_id(), &resp).ok());
  EXPECT_EQ(resp.credential().node_id(), car->node_id());
  EXPECT_NE(resp.credential().credential_id(), car->credential_id());
  EXPECT_TRUE(car->Connect().ok());  // the old one
  TestCar renewed(h_.channel, "alice");
  renewed.SetIdentity(car->node_id(), resp.credential().secret());
  EXPECT_TRUE(renewed.Connect().ok());
  EXPECT_EQ(Renew(*car, resp.credential().credential_id(), &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// ---------------------------------------------------------------------------------------
// Roles and kinds of credential.

// Would catch: JobService or AdminService served without a valid API token.
TEST_F(Auth, ClientCallsNeedAValidApiToken) {
  grpc::ClientContext none;
  Harness::Deadline(none);
  v1::ListJobsResponse jobs;
  auto anonymous = Jobs("");
  EXPECT_EQ(anonymous->ListJobs(&none, v1::ListJobsRequest(), &jobs).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Submit(*Jobs("fga_" + std::string(64, 'b'))).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Revoked and expired tokens.
  const auto [revoked, revoked_id] = ApiToken(v1::API_ROLE_SUBMIT);
  EXPECT_TRUE(Submit(*Jobs(revoked)).ok());
  grpc::ClientContext rctx;
  Harness::Deadline(rctx);
  v1::RevokeApiTokenRequest rreq;
  rreq.set_token_id(revoked_id);
  v1::RevokeApiTokenResponse rresp;
  ASSERT_TRUE(h_.admin->RevokeApiToken(&rctx, rreq, &rresp).ok());
  EXPECT_TRUE(rresp.info().revoked());
  EXPECT_EQ(Submit(*Jobs(revoked)).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const auto [expiring, expiring_id] = ApiToken(v1::API_ROLE_SUBMIT, 1);
  h_.clock.Advance(Duration::Millis(1));
  EXPECT_EQ(Submit(*Jobs(expiring)).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // The listing shows ids and roles, never secrets.
  grpc::ClientContext lctx;
  Harness::Deadline(lctx);
  v1::ListApiTokensRequest lreq;
  lreq.set_include_inactive(true);
  v1::ListApiTokensResponse list;
  ASSERT_TRUE(h_.admin->ListApiTokens(&lctx, lreq, &list).ok());
  ASSERT_EQ(list.tokens_size(), 2);
  EXPECT_EQ(list.DebugString().find(revoked), std::string::npos);
}

// Would catch: a read token submitting or cancelling.
TEST_F(Auth, ReadTokenReadsButCannotSubmit) {
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h_.Submit(Harness::HashJob(1), &sub).ok());
  const auto [read, read_id] = ApiToken(v1::API_ROLE_READ);
  auto jobs = Jobs(read);
  EXPECT_EQ(Submit(*jobs).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext c1;
  Harness::Deadline(c1);
  v1::GetJobRequest get;
  get.set_job_id(sub.job_id());
  v1::GetJobResponse job;
  EXPECT_TRUE(jobs->GetJob(&c1, get, &job).ok());
  grpc::ClientContext c2;
  Harness::Deadline(c2);
  v1::CancelJobRequest cancel;
  cancel.set_job_id(sub.job_id());
  v1::CancelJobResponse cancelled;
  EXPECT_EQ(jobs->CancelJob(&c2, cancel, &cancelled).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext c3;
  Harness::Deadline(c3);
  v1::FetchResultsRequest fetch;
  fetch.set_job_id(sub.job_id());
  auto results = jobs->FetchResults(&c3, fetch);
  v1::TaskResult r;
  while (results->Read(&r)) {
  }
  EXPECT_TRUE(results->Finish().ok());
}

// Would catch: a submit token calling AdminService, or cancelling another token's job.
TEST_F(Auth, SubmitTokenCannotAdministerAndCancelsOnlyItsOwnJobs) {
  const auto [mine, mine_id] = ApiToken(v1::API_ROLE_SUBMIT);
  const auto [theirs, theirs_id] = ApiToken(v1::API_ROLE_SUBMIT);
  v1::SubmitJobResponse my_job, their_job;
  ASSERT_TRUE(Submit(*Jobs(mine), &my_job).ok());
  ASSERT_TRUE(Submit(*Jobs(theirs), &their_job).ok());
  auto cancel = [&](const std::string& token, uint64_t job) {
    grpc::ClientContext ctx;
    Harness::Deadline(ctx);
    v1::CancelJobRequest req;
    req.set_job_id(job);
    v1::CancelJobResponse resp;
    return Jobs(token)->CancelJob(&ctx, req, &resp).error_code();
  };
  EXPECT_EQ(cancel(mine, their_job.job_id()), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(cancel(mine, my_job.job_id()), grpc::StatusCode::OK);
  EXPECT_EQ(cancel(kTestAdminToken, their_job.job_id()), grpc::StatusCode::OK);
  auto admin = Admin(mine);
  grpc::ClientContext c1;
  Harness::Deadline(c1);
  v1::IssueJoinTokenResponse join;
  EXPECT_EQ(admin->IssueJoinToken(&c1, v1::IssueJoinTokenRequest(), &join).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext c2;
  Harness::Deadline(c2);
  v1::ListNodesResponse nodes;
  EXPECT_EQ(admin->ListNodes(&c2, v1::ListNodesRequest(), &nodes).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // An admin API token may.
  const auto [root, root_id] = ApiToken(v1::API_ROLE_ADMIN);
  grpc::ClientContext c3;
  Harness::Deadline(c3);
  EXPECT_TRUE(Admin(root)->ListNodes(&c3, v1::ListNodesRequest(), &nodes).ok());
}

// Would catch: a node credential accepted on JobService / AdminService.
TEST_F(Auth, CarCredentialCannotSubmitOrAdminister) {
  auto car = h_.NewCar("alice");
  auto plain = v1::JobService::NewStub(h_.channel);
  grpc::ClientContext ctx;
  Harness::Deadline(ctx);
  car->AddAuth(ctx);
  v1::SubmitJobRequest req;
  *req.mutable_spec() = Harness::HashJob(1);
  v1::SubmitJobResponse resp;
  EXPECT_EQ(plain->SubmitJob(&ctx, req, &resp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext actx;
  Harness::Deadline(actx);
  car->AddAuth(actx);
  v1::RevokeCredentialRequest revoke;
  revoke.set_owner("bob");
  v1::RevokeCredentialResponse rresp;
  EXPECT_EQ(
      v1::AdminService::NewStub(h_.channel)->RevokeCredential(&actx, revoke, &rresp).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

// Would catch: ListJoinTokens open to read or submit tokens, to car credentials, or to no
// credential at all (the listing tells which tokens still enroll cars).
TEST_F(Auth, JoinTokenListingIsForAdminsOnly) {
  h_.IssueJoinToken();
  v1::ListJoinTokensResponse list;
  for (v1::ApiRole role : {v1::API_ROLE_READ, v1::API_ROLE_SUBMIT}) {
    EXPECT_EQ(ListJoinTokens(*Admin(ApiToken(role).first), true, &list).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << v1::ApiRole_Name(role);
  }
  EXPECT_EQ(ListJoinTokens(*Admin(""), true, &list).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto car = h_.NewCar("alice");
  grpc::ClientContext ctx;
  Harness::Deadline(ctx);
  car->AddAuth(ctx);
  EXPECT_EQ(v1::AdminService::NewStub(h_.channel)
                ->ListJoinTokens(&ctx, v1::ListJoinTokensRequest(), &list)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(list.tokens_size(), 0);
  ASSERT_TRUE(ListJoinTokens(*Admin(ApiToken(v1::API_ROLE_ADMIN).first), true, &list).ok());
  EXPECT_EQ(list.tokens_size(), 2);  // this test's and the car's
}

// Would catch: an API token (even the admin's) accepted on NodeService.
TEST_F(Auth, ApiTokenCannotConnectOrFetchInputs) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + kTestAdminToken);
  auto stub = v1::NodeService::NewStub(h_.channel);
  auto stream = stub->Connect(&ctx);
  v1::NodeMessage hello;
  hello.mutable_hello()->set_node_id(1);
  stream->Write(hello);
  v1::CoordinatorMessage m;
  EXPECT_FALSE(stream->Read(&m));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext fctx;
  Harness::Deadline(fctx);
  fctx.AddMetadata("authorization", "Bearer " + kTestAdminToken);
  auto reader = stub->FetchInput(&fctx, v1::FetchInputRequest());
  v1::DataChunk chunk;
  EXPECT_FALSE(reader->Read(&chunk));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace fleetgrid::testing
