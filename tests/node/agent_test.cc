// The car agent against a fake coordinator on loopback: enrollment, Hello, heartbeats, work
// requests, results (inline and uploaded in chunks), inputs fetched in chunks, clean leave,
// vanishing, reconnecting after a coordinator restart while holding an attempt, and what a
// refused credential makes a car do (stop, or enroll again), by the coordinator's reason.
#include <gtest/gtest.h>

#include "fake_node_service.h"
#include "node/executor_hash.h"
#include "node/fleet.h"
#include "one_car.h"

namespace fleetgrid::node {
namespace {

using testing::FakeConfig;
using testing::FakeNodeService;
using testing::FakeState;
using testing::OneCar;

v1::Assignment HashTask(uint64_t task_id, uint32_t index, uint32_t rounds) {
  v1::Assignment a;
  a.set_task_id(task_id);
  a.set_job_id(1);
  a.set_task_index(index);
  a.set_work_units(1);
  a.set_output_size_cap_bytes(32);
  a.mutable_executor()->set_kind(v1::EXECUTOR_KIND_HASH);
  a.mutable_executor()->mutable_hash()->set_seed(77);
  a.mutable_executor()->mutable_hash()->set_rounds(rounds);
  return a;
}

std::string Expected(const v1::Assignment& a, const std::string& input = "") {
  return std::string(AsBytes(
      HashKernel(a.executor().hash().seed(), a.task_index(), input, a.executor().hash().rounds())));
}

TEST(AgentTest, FullSessionInlineResultsHeartbeatsAndCleanLeave) {
  FakeConfig cfg;
  cfg.tasks = {HashTask(1, 0, 1000), HashTask(2, 1, 10), HashTask(3, 2, 5)};
  cfg.tasks[2].set_input_size_bytes(250);  // fetched in three chunks
  const std::string input(250, 'i');
  cfg.inputs[3] = input;
  cfg.tasks[2].mutable_input_digest()->set_sha256(std::string(AsBytes(Sha256(input))));
  FakeNodeService fake(cfg);
  const std::string address = fake.Start();

  Fleet fleet(OneCar(address));
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor(
      [](const FakeState& s) { return s.results.size() == 3 && s.heartbeats.size() >= 3; }));
  FakeState s = fake.Snapshot();
  ASSERT_EQ(s.hellos.size(), 1u);
  const v1::Hello& h = s.hellos[0];
  EXPECT_EQ(h.node_id(), 1u);
  EXPECT_EQ(h.credential_id(), "cred-1");
  EXPECT_GT(h.hardware().speed_work_units_per_s(), 0);
  EXPECT_NE(h.hardware().hardware_class(), v1::HARDWARE_CLASS_UNSPECIFIED);
  EXPECT_EQ(h.capabilities().max_concurrent_tasks(), 1u);
  EXPECT_EQ(h.capabilities().executors_size(), 2);
  EXPECT_EQ(h.held_attempts_size(), 0);
  EXPECT_EQ(h.previous_session_id(), 0u);
  EXPECT_EQ(h.protocol_version(), 1u);
  EXPECT_EQ(s.bad_metadata, 0);
  EXPECT_EQ(s.fetches, 1);
  for (size_t i = 0; i < 3; ++i) {
    const auto& r = s.results[i];
    EXPECT_FALSE(r.via_upload);
    EXPECT_EQ(r.attempt.attempt_id(), 100 + i);
    EXPECT_EQ(r.data, Expected(cfg.tasks[i], i == 2 ? input : ""));
    EXPECT_EQ(r.digest, std::string(AsBytes(Sha256(r.data))));
  }
  // Heartbeats count 1, 2, 3, ... within the session.
  for (size_t i = 0; i < s.heartbeat_seqs[0].size(); ++i) {
    EXPECT_EQ(s.heartbeat_seqs[0][i], i + 1);
  }
  EXPECT_NE(s.heartbeats[0].state(), v1::NODE_STATE_DRIVING);
  // Work requested again after each result (and once more with no work left).
  EXPECT_TRUE(fake.WaitFor([](const FakeState& st) { return st.work_requests >= 4; }));
  EXPECT_TRUE(fleet.WaitUntil([](const FleetStats& f) { return f.attempts_done == 3; },
                              Duration::Seconds(5)));

  fleet.Stop();
  ASSERT_TRUE(fake.WaitFor([](const FakeState& st) { return st.sessions_ended == 1; }));
  s = fake.Snapshot();
  ASSERT_EQ(s.leaves.size(), 1u);
  EXPECT_EQ(s.leaves[0].reason(), v1::LEAVE_REASON_SHUTDOWN);
  EXPECT_EQ(s.sessions_ended_without_leave, 0);
  const FleetStats st = fleet.stats();
  EXPECT_EQ(st.attempts_done, 3u);
  EXPECT_EQ(st.sessions, 1u);
  EXPECT_EQ(st.leaves, 1u);
  EXPECT_EQ(st.connected_now, 0u);
}

// A car of a named class (models/hardware_catalog.h) reports the name, the wire class, the
// class's memory and power in its Hello; a plain-speed car reports no name and memory 0
// (unknown), as the simulator schedules it.
TEST(AgentTest, ReportsItsHardwareClassNameAndMemory) {
  FakeNodeService fake(FakeConfig{});
  const std::string address = fake.Start();
  FleetOptions o = OneCar(address);
  o.cars = 2;
  // One class, so every car is a Spark; then the same fleet with a plain class.
  models::SpeedClass spark;
  spark.hardware = "DGX Spark";
  spark.speed = 2.6;
  spark.memory_bytes = uint64_t{128} << 30;
  spark.power_w = 205;
  o.speed_classes = {spark};
  {
    Fleet fleet(o);
    ASSERT_TRUE(fleet.Start().ok());
    ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return s.hellos.size() >= 2; }));
  }
  FakeState s = fake.Snapshot();
  for (const v1::Hello& h : s.hellos) {
    EXPECT_EQ(h.hardware().hardware_name(), "DGX Spark");
    EXPECT_EQ(h.hardware().hardware_class(), v1::HARDWARE_CLASS_OTHER);
    EXPECT_EQ(h.hardware().memory_bytes(), uint64_t{128} << 30);
    EXPECT_DOUBLE_EQ(h.hardware().power_draw_w(), 205);
    EXPECT_DOUBLE_EQ(h.hardware().speed_work_units_per_s(), 2.6);
  }
  const size_t before = s.hellos.size();
  o.speed_classes = {models::SpeedClass{}};  // a plain speed 1
  {
    Fleet fleet(o);
    ASSERT_TRUE(fleet.Start().ok());
    ASSERT_TRUE(fake.WaitFor([&](const FakeState& st) { return st.hellos.size() >= before + 2; }));
  }
  s = fake.Snapshot();
  const v1::Hello& plain = s.hellos.back();
  EXPECT_EQ(plain.hardware().hardware_name(), "");
  EXPECT_EQ(plain.hardware().hardware_class(), v1::HARDWARE_CLASS_HW3);
  EXPECT_EQ(plain.hardware().memory_bytes(), 0u);
}

TEST(AgentTest, LargeResultIsUploadedInChunks) {
  FakeConfig cfg;
  cfg.inline_result_max_bytes = 16;  // a 32-byte digest no longer fits inline
  cfg.max_chunk_bytes = 10;
  cfg.tasks = {HashTask(1, 4, 3)};
  FakeNodeService fake(cfg);
  Fleet fleet(OneCar(fake.Start()));
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return s.results.size() == 1; }));
  const auto r = fake.Snapshot().results[0];
  EXPECT_TRUE(r.via_upload);
  EXPECT_EQ(r.chunks, 4);  // 10 + 10 + 10 + 2 bytes
  EXPECT_EQ(r.data, Expected(cfg.tasks[0]));
  EXPECT_TRUE(fleet.WaitUntil([](const FleetStats& f) { return f.attempts_done == 1; },
                              Duration::Seconds(5)));
}

TEST(AgentTest, ByzantineCarSendsAWrongButSelfConsistentDigest) {
  FakeConfig cfg;
  cfg.tasks = {HashTask(1, 0, 10), HashTask(2, 1, 10)};
  FakeNodeService fake(cfg);
  FleetOptions o = OneCar(fake.Start());
  o.byzantine_probability = 1.0;
  Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return s.results.size() == 2; }));
  for (const auto& r : fake.Snapshot().results) {
    EXPECT_NE(r.data, Expected(cfg.tasks[r.attempt.attempt_id() - 100]));
    EXPECT_EQ(r.digest, std::string(AsBytes(Sha256(r.data))));
  }
  EXPECT_TRUE(fleet.WaitUntil([](const FleetStats& f) { return f.results_corrupted == 2; },
                              Duration::Seconds(5)));
}

TEST(AgentTest, ReconnectsAfterRestartListingHeldAttempts) {
  FakeConfig cfg;
  v1::Assignment t;
  t.set_task_id(9);
  t.set_task_index(0);
  t.set_work_units(50);  // 50 / speed(1..5) / time scale 50 = 0.2 .. 1 s of holding
  t.set_output_size_cap_bytes(48);
  t.mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
  t.mutable_executor()->mutable_simulated()->set_seed(5);
  cfg.tasks = {t};
  cfg.end_first_session_after_assignments = 1;  // "restart" right after assigning
  cfg.reattach_epoch_bump = 1;
  FakeNodeService fake(cfg);
  FleetOptions o = OneCar(fake.Start());
  o.time_scale = 50;
  Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return s.results.size() == 1; }));
  const FakeState s = fake.Snapshot();
  ASSERT_GE(s.hellos.size(), 2u);
  const v1::Hello& again = s.hellos[1];
  ASSERT_EQ(again.held_attempts_size(), 1);
  EXPECT_EQ(again.held_attempts(0).attempt().attempt_id(), 100u);
  EXPECT_EQ(again.held_attempts(0).attempt().lease_epoch(), 1u);
  EXPECT_EQ(again.held_attempts(0).task_id(), 9u);
  EXPECT_EQ(again.previous_session_id(), 1u);
  EXPECT_EQ(s.enrolls, 1);  // the credential is kept across sessions
  // The result goes out under the epoch of the re-attachment.
  EXPECT_EQ(s.results[0].attempt.lease_epoch(), 2u);
  EXPECT_EQ(s.results[0].data, SimulatedOutput(5, 0, 48));
  const FleetStats st = fleet.stats();
  EXPECT_GE(st.reconnects, 1u);
  EXPECT_EQ(st.attempts_lost, 0u);
}

TEST(AgentTest, DrivingOffLeavesOrVanishes) {
  FakeConfig cfg;
  FakeNodeService fake(cfg);
  FleetOptions o = OneCar(fake.Start());
  o.cars = 2;
  Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return s.heartbeats.size() >= 2; }));
  ASSERT_TRUE(fleet.WaitUntil([](const FleetStats& f) { return f.connected_now == 2; },
                              Duration::Seconds(5)));
  fleet.DriveOffForTest(0, /*vanish=*/false);
  fleet.DriveOffForTest(1, /*vanish=*/true);
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return s.sessions_ended == 2; }));
  const FakeState s = fake.Snapshot();
  ASSERT_EQ(s.leaves.size(), 1u);
  EXPECT_EQ(s.leaves[0].reason(), v1::LEAVE_REASON_OWNER_DRIVING);
  EXPECT_EQ(s.sessions_ended_without_leave, 1);
  const FleetStats st = fleet.stats();
  EXPECT_EQ(st.connected_now, 0u);
  EXPECT_EQ(st.vanishes, 1u);
  EXPECT_EQ(st.leaves, 1u);
  EXPECT_EQ(st.reconnects, 0u);  // a car that drove off does not reconnect
}

// Would catch: a car retrying Enroll forever with a join token that can never enroll it
// (revoked, expired, used up, another owner's), or stopping on an unknown one (which a
// coordinator that lost its state would not know either).
TEST(AgentTest, FinalJoinTokenRefusalStopsTheCarUnknownRetries) {
  for (const char* reason :
       {"join-token-revoked", "join-token-expired", "join-token-used-up", "join-token-owner"}) {
    FakeConfig cfg;
    cfg.enroll_refusal_reason = reason;
    FakeNodeService fake(cfg);
    FleetOptions o = OneCar(fake.Start());
    o.join_token = "wrong";
    Fleet fleet(o);
    ASSERT_TRUE(fleet.Start().ok());
    ASSERT_TRUE(fleet.WaitUntil([](const FleetStats& f) { return f.join_tokens_refused == 1; },
                                Duration::Seconds(10)))
        << reason;
    // The car stopped as it counted the refusal: no second Enroll can follow.
    EXPECT_EQ(fake.Snapshot().enroll_rejected, 1) << reason;
    fleet.Stop();
  }
  FakeConfig cfg;
  cfg.enroll_refusal_reason = "join-token-unknown";
  FakeNodeService fake(cfg);
  FleetOptions o = OneCar(fake.Start());
  o.join_token = "wrong";
  Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());
  EXPECT_TRUE(fake.WaitFor([](const FakeState& s) { return s.enroll_rejected >= 2; }));
  EXPECT_EQ(fleet.stats().join_tokens_refused, 0u);
}

TEST(AgentTest, BadJoinTokenRetriesEnrollWithBackoff) {
  FakeConfig cfg;
  FakeNodeService fake(cfg);
  FleetOptions o = OneCar(fake.Start());
  o.join_token = "wrong";
  Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());
  EXPECT_TRUE(fake.WaitFor([](const FakeState& s) { return s.enroll_rejected >= 3; }));
  EXPECT_TRUE(fake.Snapshot().hellos.empty());
}

// Would catch: the agent reading the status message instead of x-fleetgrid-reason. The
// message says neither "revoked" nor "expired", the reason does: the car must stop for good
// (no second enrollment), counted in credentials_refused.
TEST(AgentTest, RevokedOrExpiredReasonStopsTheCarWhateverTheMessage) {
  for (const char* reason : {"credential-revoked", "credential-expired"}) {
    FakeConfig cfg;
    cfg.refuse_first_session_message = "node credential cred-1 is no longer accepted";
    cfg.refuse_first_session_reason = reason;
    FakeNodeService fake(cfg);
    Fleet fleet(OneCar(fake.Start()));
    ASSERT_TRUE(fleet.Start().ok());
    ASSERT_TRUE(fleet.WaitUntil([](const FleetStats& f) { return f.credentials_refused == 1; },
                                Duration::Seconds(10)))
        << reason;
    // The car stopped as it counted the refusal: nothing can follow.
    const FakeState st = fake.Snapshot();
    EXPECT_EQ(st.enrolls, 1) << reason;
    EXPECT_EQ(st.hellos.size(), 1u) << reason;
    EXPECT_EQ(fleet.stats().enrollments, 1u) << reason;
    fleet.Stop();
  }
}

// Would catch: the agent stopping a car on words in the message. The message says "revoked"
// and "expired", but the reason says the credential is unknown (or there is none): the car
// must enroll again and reconnect.
TEST(AgentTest, UnknownOrMissingReasonEnrollsAgainWhateverTheMessage) {
  for (const char* reason : {"credential-unknown", ""}) {
    FakeConfig cfg;
    cfg.refuse_first_session_message = "credential revoked or expired? not known here";
    cfg.refuse_first_session_reason = reason;
    FakeNodeService fake(cfg);
    Fleet fleet(OneCar(fake.Start()));
    ASSERT_TRUE(fleet.Start().ok());
    EXPECT_TRUE(fake.WaitFor([](const FakeState& s) { return s.hellos.size() >= 2; }))
        << "reason '" << reason << "'";
    const FakeState st = fake.Snapshot();
    EXPECT_EQ(st.enrolls, 2) << "reason '" << reason << "'";
    ASSERT_EQ(st.hellos.size(), 2u);
    EXPECT_EQ(st.hellos[1].node_id(), 2u);  // the new credential's node
    EXPECT_EQ(fleet.stats().credentials_refused, 0u) << "reason '" << reason << "'";
    fleet.Stop();
  }
}

TEST(AgentTest, ManyCarsOnFewChannels) {
  FakeConfig cfg;
  cfg.heartbeat_interval_ms = 200;
  FakeNodeService fake(cfg);
  FleetOptions o = OneCar(fake.Start());
  o.cars = 100;
  o.channels = 2;
  Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());
  EXPECT_TRUE(fleet.WaitUntil([](const FleetStats& f) { return f.connected_now == 100; },
                              Duration::Seconds(20)));
  fleet.Stop();
  EXPECT_TRUE(fake.WaitFor([](const FakeState& s) { return s.leaves.size() == 100; }));
}

TEST(AgentTest, ChurningFleetComesAndGoesAndStopsCleanly) {
  FakeConfig cfg;
  for (uint32_t i = 0; i < 400; ++i) cfg.tasks.push_back(HashTask(i + 1, i, 100));
  FakeNodeService fake(cfg);
  FleetOptions o = OneCar(fake.Start());
  o.cars = 20;
  o.availability.model.kind = models::AvailabilityKind::kExponentialOnOff;
  o.availability.model.mean_on = Duration::Seconds(20);
  o.availability.model.mean_off = Duration::Seconds(10);
  o.time_scale = 100;  // periods of ~0.2 s on, ~0.1 s off
  Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fleet.WaitUntil(
      [](const FleetStats& f) {
        return f.leaves > 5 && f.vanishes > 5 && f.attempts_done > 20 && f.sessions > 40;
      },
      Duration::Seconds(30)));
  fleet.Stop();
  const FleetStats st = fleet.stats();
  EXPECT_EQ(st.connected_now, 0u);
  EXPECT_EQ(st.available_now, 0u);
  EXPECT_EQ(st.enrollments, 20u);  // one credential per car, kept across sessions
  // Every session the fake saw has ended; results were all correct.
  ASSERT_TRUE(fake.WaitFor(
      [](const FakeState& s) { return s.sessions_ended == static_cast<int>(s.hellos.size()); }));
  for (const auto& r : fake.Snapshot().results) {
    EXPECT_EQ(r.data, Expected(cfg.tasks[r.attempt.attempt_id() - 100]));
  }
}

TEST(FleetTest, RejectsBadOptions) {
  FleetOptions o;
  o.cars = 0;
  EXPECT_EQ(Fleet(o).Start().code(), absl::StatusCode::kInvalidArgument);
  o.cars = 1;
  o.time_scale = 0;
  EXPECT_EQ(Fleet(o).Start().code(), absl::StatusCode::kInvalidArgument);
  o.time_scale = 1;
  o.byzantine_probability = 2;
  EXPECT_EQ(Fleet(o).Start().code(), absl::StatusCode::kInvalidArgument);
}

// Would catch: departure warning options taken unchecked, or refused without saying which.
TEST(FleetTest, RejectsBadWarningOptionsNamingTheFlag) {
  FleetOptions o;
  o.departure_warnings.share = 1.5;
  absl::Status s = Fleet(o).Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--warn-share"), std::string::npos) << s;
  o.departure_warnings.share = 0.5;
  o.departure_warnings.lead = Duration::Seconds(-1);
  s = Fleet(o).Start();
  EXPECT_NE(s.message().find("--warn-lead"), std::string::npos) << s;
  o.departure_warnings.lead = Duration::Minutes(10);
  o.departure_warnings.noise = Duration::Seconds(-1);
  s = Fleet(o).Start();
  EXPECT_NE(s.message().find("--warn-noise"), std::string::npos) << s;
}

}  // namespace
}  // namespace fleetgrid::node
