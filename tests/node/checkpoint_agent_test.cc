// The car's checkpoints against a fake coordinator on loopback: one taken and uploaded when
// the coordinator asks (CheckpointRequest), others every checkpoint interval, refusals
// counted, and an attempt resuming from a stored checkpoint (fetched, checked, only the
// remaining work done, the same output as without it).
#include <gtest/gtest.h>

#include "common/sha256.h"
#include "fake_node_service.h"
#include "node/checkpoint.h"
#include "node/executor.h"
#include "node/executor_hash.h"
#include "node/fleet.h"
#include "one_car.h"

namespace fleetgrid::node {
namespace {

using testing::FakeConfig;
using testing::FakeNodeService;
using testing::FakeState;
using testing::OneCar;

constexpr uint64_t kSeed = 21;
constexpr uint64_t kOutputBytes = 40;

v1::Assignment SimulatedTask(uint64_t task_id, double work_units, uint64_t checkpoint_bytes) {
  v1::Assignment a;
  a.set_task_id(task_id);
  a.set_job_id(1);
  a.set_task_index(static_cast<uint32_t>(task_id));
  a.set_work_units(work_units);
  a.set_output_size_cap_bytes(kOutputBytes);
  a.set_checkpoint_size_bytes(checkpoint_bytes);
  a.mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
  a.mutable_executor()->mutable_simulated()->set_seed(kSeed);
  return a;
}

// One car of speed 1 at this time scale.
FleetOptions SpeedOneCar(const std::string& address, double time_scale) {
  FleetOptions o = OneCar(address);
  o.speed_classes = {models::SpeedClass{}};
  o.time_scale = time_scale;
  return o;
}

v1::Checkpoint StoredCheckpoint(const std::string& id, double units, const std::string& data) {
  v1::Checkpoint c;
  c.set_checkpoint_id(id);
  c.set_work_done_units(units);
  c.set_size_bytes(data.size());
  c.mutable_digest()->set_sha256(Sha256Bytes(data));
  return c;
}

// Would catch: a request ignored, a checkpoint of the wrong size or digest, chunks over the
// negotiated size or with gaps, no progress in it, an ack not counted.
TEST(CheckpointAgentTest, UploadsOneWhenAsked) {
  FakeConfig cfg;
  cfg.max_chunk_bytes = 1000;
  cfg.tasks = {SimulatedTask(1, 200, 2500)};  // 2 s of compute at time scale 100
  FakeNodeService fake(cfg);
  Fleet fleet(SpeedOneCar(fake.Start(), 100));
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return s.assignments_sent == 1; }));
  v1::CoordinatorMessage m;
  m.mutable_checkpoint_request()->mutable_attempt()->set_attempt_id(100);
  m.mutable_checkpoint_request()->mutable_attempt()->set_lease_epoch(1);
  fake.Push(m);
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return s.checkpoints.size() == 1; }));
  const testing::ReceivedCheckpoint c = fake.Snapshot().checkpoints[0];
  EXPECT_EQ(c.attempt.attempt_id(), 100u);
  EXPECT_EQ(c.attempt.lease_epoch(), 1u);
  EXPECT_EQ(c.checkpoint.size_bytes(), 2500u);
  ASSERT_EQ(c.data.size(), 2500u);
  EXPECT_EQ(c.digest, Sha256Bytes(c.data));
  EXPECT_EQ(c.checkpoint.digest().sha256(), c.digest);
  EXPECT_FALSE(c.checkpoint.checkpoint_id().empty());
  EXPECT_TRUE(c.checkpoint.has_created_at());
  EXPECT_GT(c.checkpoint.work_done_units(), 0);
  EXPECT_LT(c.checkpoint.work_done_units(), 200);
  EXPECT_EQ(c.data, CheckpointBytes(1, c.checkpoint.work_done_units(), 2500));
  EXPECT_EQ(c.chunks, 3);
  EXPECT_LE(c.largest_chunk, 1000u);
  EXPECT_TRUE(c.offsets_ok);
  EXPECT_TRUE(c.same_attempt);
  EXPECT_TRUE(c.ended_with_last);
  EXPECT_TRUE(fleet.WaitUntil(
      [](const FleetStats& f) {
        return f.checkpoints_uploaded == 1 && f.checkpoint_bytes_uploaded == 2500;
      },
      Duration::Seconds(2)));
  // The attempt goes on to its result.
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return s.results.size() == 1; }));
  EXPECT_EQ(fake.Snapshot().results[0].data, SimulatedOutput(kSeed, 1, kOutputBytes));
}

// Would catch: the interval ignored or taken as real time, checkpoints that do not progress
// or reuse an id.
TEST(CheckpointAgentTest, UploadsEveryIntervalOfCompute) {
  FakeConfig cfg;
  cfg.tasks = {SimulatedTask(1, 100, 300)};                     // 1 s of compute at time scale 100
  cfg.tasks[0].mutable_checkpoint_interval()->set_seconds(20);  // 0.2 s real
  FakeNodeService fake(cfg);
  Fleet fleet(SpeedOneCar(fake.Start(), 100));
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return s.results.size() == 1; }));
  fleet.Stop();
  const FakeState s = fake.Snapshot();
  ASSERT_GE(s.checkpoints.size(), 2u);
  EXPECT_LE(s.checkpoints.size(), 5u);
  for (size_t i = 1; i < s.checkpoints.size(); ++i) {
    EXPECT_GT(s.checkpoints[i].checkpoint.work_done_units(),
              s.checkpoints[i - 1].checkpoint.work_done_units());
    EXPECT_NE(s.checkpoints[i].checkpoint.checkpoint_id(),
              s.checkpoints[i - 1].checkpoint.checkpoint_id());
  }
  EXPECT_EQ(fleet.stats().checkpoints_uploaded, s.checkpoints.size());
}

TEST(CheckpointAgentTest, RefusedUploadsAreCounted) {
  FakeConfig cfg;
  cfg.refuse_checkpoints = true;
  cfg.tasks = {SimulatedTask(1, 100, 300)};
  cfg.tasks[0].mutable_checkpoint_interval()->set_seconds(20);
  FakeNodeService fake(cfg);
  Fleet fleet(SpeedOneCar(fake.Start(), 100));
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return s.results.size() == 1; }));
  fleet.Stop();
  const FleetStats st = fleet.stats();
  EXPECT_GE(st.checkpoints_refused, 2u);
  EXPECT_EQ(st.checkpoints_uploaded, 0u);
}

// Would catch: resume_from ignored (all the work done again), an output that depends on the
// resume, the checkpoint not fetched or not checked (a bad digest must fail the attempt).
TEST(CheckpointAgentTest, ResumesFromAStoredCheckpointAndRefusesACorruptOne) {
  const std::string good(300, 'g');
  FakeConfig cfg;
  cfg.checkpoints["cp-good"] = good;
  cfg.checkpoints["cp-bad"] = std::string(300, 'b');
  v1::Assignment resumed = SimulatedTask(1, 100, 300);  // 2 s in full at time scale 50
  *resumed.mutable_resume_from() = StoredCheckpoint("cp-good", 80, good);
  v1::Assignment corrupt = SimulatedTask(2, 100, 300);
  *corrupt.mutable_resume_from() = StoredCheckpoint("cp-bad", 80, good);  // digest of `good`
  v1::Assignment hashed;
  hashed.set_task_id(3);
  hashed.set_task_index(3);
  hashed.set_work_units(10);
  hashed.set_output_size_cap_bytes(32);
  hashed.mutable_executor()->set_kind(v1::EXECUTOR_KIND_HASH);
  hashed.mutable_executor()->mutable_hash()->set_seed(5);
  hashed.mutable_executor()->mutable_hash()->set_rounds(50);
  *hashed.mutable_resume_from() = StoredCheckpoint("cp-good", 4, good);
  cfg.tasks = {resumed, corrupt, hashed};
  FakeNodeService fake(cfg);
  Fleet fleet(SpeedOneCar(fake.Start(), 50));
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor(
      [](const FakeState& s) { return s.results.size() == 2 && s.failures.size() == 1; }));
  fleet.Stop();
  const FakeState s = fake.Snapshot();
  EXPECT_EQ(s.checkpoint_fetches, (std::vector<std::string>{"cp-good", "cp-bad", "cp-good"}));
  const testing::ReceivedResult& r = s.results[0];
  EXPECT_EQ(r.attempt.attempt_id(), 100u);
  EXPECT_EQ(r.data, SimulatedOutput(kSeed, 1, kOutputBytes));  // as without the resume
  EXPECT_DOUBLE_EQ(r.work_done_units, 20);                     // 100 - 80 resumed
  EXPECT_LT(r.compute_time_ns, 1'200'000'000);                 // 0.4 s of compute left, not 2 s
  EXPECT_EQ(s.failures[0].attempt().attempt_id(), 101u);
  EXPECT_EQ(s.failures[0].reason(), v1::FAILURE_REASON_INPUT_CORRUPT);
  const testing::ReceivedResult& h = s.results[1];
  EXPECT_EQ(h.attempt.attempt_id(), 102u);
  EXPECT_EQ(h.data, std::string(AsBytes(HashKernel(5, 3, "", 50))));
  EXPECT_DOUBLE_EQ(h.work_done_units, 6);
  const FleetStats st = fleet.stats();
  EXPECT_EQ(st.attempts_resumed, 2u);
  EXPECT_DOUBLE_EQ(st.work_units_resumed, 84);
  EXPECT_EQ(st.attempts_failed, 1u);
}

}  // namespace
}  // namespace fleetgrid::node
