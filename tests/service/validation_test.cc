// Untrusted results on the wire: spot-checks and adaptive replication submitted over gRPC,
// kept across a coordinator restart, and the counts a user sees (Job, NodeInfo, /metrics).

#include "tests/service/harness.h"
#include "tests/service/http_get.h"

namespace fleetgrid::testing {
namespace {

// A spot-check job submitted before a restart is still a spot-check after it: the restored
// core refuses a wrong result of the known task and issues the task again. Would catch a
// change record (or conversion) that drops known_answers: the wrong result would then be
// accepted at once as the only copy (replication 1).
TEST(ServiceValidation, SpotCheckSurvivesRestartAndCountsTheInvalidResult) {
  Harness h;
  h.Start();
  v1::JobSpec spec = Harness::HashJob(1);
  v1::KnownAnswer* k = spec.add_known_answers();
  k->set_task_index(0);
  k->mutable_expected_digest()->set_sha256(Sha256Bytes(HashOutput(42, 0, "", 100)));
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(spec, &sub).ok());
  h.Restart();
  EXPECT_EQ(h.GetJob(sub.job_id()).spec().known_answers_size(), 1);

  auto cheat = h.NewCar("mallory");
  ASSERT_TRUE(cheat->Connect().ok());
  cheat->RequestWork(1);
  auto a = NextAssignmentStayingAlive(*cheat);
  ASSERT_TRUE(a.has_value());
  cheat->SendResult(*a, "not the hash");
  ASSERT_TRUE(Eventually([&] { return h.GetJob(sub.job_id()).results_invalid() == 1; }));
  v1::Job job = h.GetJob(sub.job_id());
  EXPECT_EQ(job.spot_checks_failed(), 1u);
  EXPECT_EQ(job.task_counts().done(), 0u);
  const v1::NodeInfo bad = h.GetNode(cheat->node_id());
  EXPECT_EQ(bad.results_invalid(), 1u);
  EXPECT_EQ(bad.validated_streak(), 0u);
  EXPECT_EQ(bad.reputation(), 0.0);
  cheat->Leave();

  auto honest = h.NewCar("alice");
  ASSERT_TRUE(honest->Connect().ok());
  auto ack = RunOne(*honest);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED);
  job = h.GetJob(sub.job_id());
  EXPECT_EQ(job.state(), v1::JOB_STATE_DONE);
  EXPECT_EQ(job.attempts_started(), 2u);
  EXPECT_EQ(h.GetNode(honest->node_id()).validated_streak(), 1u);
  ASSERT_TRUE(Eventually([&] {
    auto [c, m] = HttpGet(h.coordinator->metrics_port(), "/metrics");
    return m.find("fleetgrid_results_invalid_total 1") != std::string::npos &&
           m.find("fleetgrid_spot_checks_failed_total 1") != std::string::npos &&
           m.find("fleetgrid_nodes_distrusted 1") != std::string::npos;
  }));
  honest->Leave();
}

// Adaptive replication restored from the change log: a car that earned trust before the
// restart (threshold 1) has its next task's copy run alone after it (skip probability 1),
// so one result completes the task. Would catch a restore that drops `adaptive` (the task
// would wait for a second copy) or that forgets reputation.
TEST(ServiceValidation, AdaptiveReplicationSurvivesRestart) {
  Harness h;
  h.Start();
  v1::JobSpec spec = Harness::HashJob(2);
  spec.mutable_replication()->set_copies(2);
  spec.mutable_replication()->set_quorum(2);
  spec.mutable_replication()->mutable_adaptive()->set_trust_threshold(1);
  spec.mutable_replication()->mutable_adaptive()->set_skip_probability(1);
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(spec, &sub).ok());
  auto a = h.NewCar("alice");
  auto b = h.NewCar("bob");
  ASSERT_TRUE(a->Connect().ok());
  ASSERT_TRUE(b->Connect().ok());
  // Task 0 runs on both owners (nobody is trusted yet); both agree and earn trust.
  a->RequestWork(1);
  b->RequestWork(1);
  auto xa = NextAssignmentStayingAlive(*a);
  auto xb = NextAssignmentStayingAlive(*b);
  ASSERT_TRUE(xa && xb);
  ASSERT_EQ(xa->task_index(), xb->task_index());
  a->SendResult(*xa, TestCar::Compute(*xa));
  b->SendResult(*xb, TestCar::Compute(*xb));
  ASSERT_TRUE(Eventually([&] { return h.GetJob(sub.job_id()).task_counts().done() == 1; }));
  const uint64_t a_id = a->node_id();
  a->Leave();
  b->Leave();
  ASSERT_TRUE(Eventually([&] { return h.GetNode(a_id).validated_streak() == 1; }));
  h.Restart();
  EXPECT_EQ(h.GetNode(a_id).validated_streak(), 1u);
  EXPECT_EQ(h.GetJob(sub.job_id()).spec().replication().adaptive().trust_threshold(), 1u);

  auto again = std::make_unique<TestCar>(h.channel, "alice");
  again->SetIdentity(a_id, a->secret());
  ASSERT_TRUE(again->Connect().ok());
  auto ack = RunOne(*again);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED);
  EXPECT_EQ(h.GetJob(sub.job_id()).state(), v1::JOB_STATE_DONE);
  again->Leave();
}

}  // namespace
}  // namespace fleetgrid::testing
