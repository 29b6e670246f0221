#include "coordinator/service/change_codec.h"

#include <gtest/gtest.h>

namespace fleetgrid::service {
namespace {

// The metered-and-model tail of a JobSubmitted record without per-task specs: allow_metered
// (1), the model (4) and its bytes (8).
constexpr size_t kMeteredModelTail = 1 + 4 + 8;
// The client tail of a record whose job names no client: an empty string's length (4).
constexpr size_t kClientTail = 4;

TEST(ChangeCodec, EveryRecordKindRoundTrips) {
  using namespace core::change;
  core::JobSpec spec;
  spec.name = "job";
  spec.task_count = 2;
  spec.tasks = {{1.5, 10, 20, 0}, {2.5, 30, 40, uint64_t{64} << 30}};
  spec.replication = 3;
  spec.quorum = 2;
  spec.max_attempts = 7;
  spec.deadline = Duration::Seconds(60);
  spec.priority = -4;
  spec.adaptive = {10, 0.5, 3};
  core::ResultDigest digest{};
  digest[0] = 1;
  digest[31] = 0xff;
  spec.known_answers = {{1, digest}};
  core::NodeSpec ns;
  ns.owner = OwnerId(3);
  ns.speed = 2.5;
  ns.max_concurrent = 4;
  ns.memory_bytes = uint64_t{16} << 30;
  const TimePoint t = TimePoint::FromNanos(123456789);
  const std::vector<core::Change> all = {
      NodeRegistered{NodeId(5), ns},
      NodeStatus{t, NodeId(5), core::NodeConnection::kConnected, core::NodeState::kPlugged, true},
      JobSubmitted{t, JobId(1), TaskId(10), spec},
      JobStatusChanged{t, JobId(1), core::JobStatus::kRunning},
      AttemptStarted{t, TaskId(11), 2, NodeId(5), TimePoint::Infinite()},
      AttemptEnded{t, TaskId(11), 2, core::AttemptOutcome::kLost, 0.75},
      ResultRecorded{t, TaskId(11), 3, digest},
      Checkpointed{t, TaskId(11), 3, 0.5},
      TaskAccepted{t, TaskId(11), 3, NodeId(5)},
      TaskClosed{t, TaskId(12), core::TaskStatus::kCancelled},
  };
  for (const core::Change& c : all) {
    const std::string bytes = EncodeChange(c);
    auto back = DecodeChange(bytes);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(EncodeChange(*back), bytes) << "kind " << c.index();
    EXPECT_EQ(back->index(), c.index());
  }
  const auto decoded = DecodeChange(EncodeChange(all[2]));
  ASSERT_TRUE(decoded.ok());
  const auto& js = std::get<JobSubmitted>(*decoded);
  EXPECT_EQ(js.spec.tasks.size(), 2u);
  EXPECT_EQ(js.spec.tasks[1].output_bytes, 40u);
  EXPECT_EQ(js.spec.deadline, Duration::Seconds(60));
  // Would catch a codec that drops the untrusted-results fields: a restarted coordinator
  // would stop validating (adaptive replication off, spot-checks forgotten).
  EXPECT_EQ(js.spec.adaptive.trust_threshold, 10);
  EXPECT_EQ(js.spec.adaptive.skip_probability, 0.5);
  EXPECT_EQ(js.spec.adaptive.untrusted_quorum, 3);
  ASSERT_EQ(js.spec.known_answers.size(), 1u);
  EXPECT_EQ(js.spec.known_answers[0].task_index, 1u);
  EXPECT_EQ(js.spec.known_answers[0].digest, digest);
  // A restarted coordinator must not forget what memory tasks need and nodes have.
  EXPECT_EQ(js.spec.tasks[0].memory_bytes, 0u);
  EXPECT_EQ(js.spec.tasks[1].memory_bytes, uint64_t{64} << 30);
  const auto node = DecodeChange(EncodeChange(all[0]));
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(std::get<NodeRegistered>(*node).spec.memory_bytes, uint64_t{16} << 30);
}

// Records written before memory existed decode as "no requirement" / "unknown".
TEST(ChangeCodec, RecordsWithoutMemoryTailDecode) {
  core::JobSpec spec;
  spec.name = "old";
  spec.task_count = 1;
  spec.task.memory_bytes = 5;
  std::string job =
      EncodeChange(core::change::JobSubmitted{TimePoint::FromNanos(1), JobId(0), TaskId(0), spec});
  job.resize(job.size() - 8 - 8 - kMeteredModelTail -
             kClientTail);  // memory, checkpoint, metered tails
  auto back = DecodeChange(job);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(std::get<core::change::JobSubmitted>(*back).spec.task.memory_bytes, 0u);
  EXPECT_FALSE(DecodeChange(job + "xyz").ok());  // a partial tail is an error
  core::NodeSpec ns;
  ns.memory_bytes = 7;
  std::string node = EncodeChange(core::change::NodeRegistered{NodeId(1), ns});
  node.resize(node.size() - 8);
  auto n = DecodeChange(node);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(std::get<core::change::NodeRegistered>(*n).spec.memory_bytes, 0u);
}

// Records written before the untrusted-results tail existed still decode (validation off).
TEST(ChangeCodec, JobRecordWithoutValidationTailDecodes) {
  core::JobSpec spec;
  spec.name = "old";
  spec.task_count = 1;
  std::string bytes =
      EncodeChange(core::change::JobSubmitted{TimePoint::FromNanos(1), JobId(0), TaskId(0), spec});
  // validation, memory, checkpoint, metered-and-model tails
  bytes.resize(bytes.size() - (2 + 8 + 1 + 4 + 8 + 8 + kMeteredModelTail + kClientTail));
  auto back = DecodeChange(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  const auto& js = std::get<core::change::JobSubmitted>(*back);
  EXPECT_EQ(js.spec.adaptive.trust_threshold, 0);
  EXPECT_TRUE(js.spec.known_answers.empty());
  EXPECT_FALSE(DecodeChange(bytes + "x").ok());  // a partial tail is an error
}

// Records written before checkpoint sizes existed decode as "no checkpoint".
TEST(ChangeCodec, JobRecordWithoutCheckpointTailDecodes) {
  core::JobSpec spec;
  spec.name = "old";
  spec.task_count = 1;
  spec.task.memory_bytes = 9;
  spec.task.checkpoint_bytes = 11;
  std::string bytes =
      EncodeChange(core::change::JobSubmitted{TimePoint::FromNanos(1), JobId(0), TaskId(0), spec});
  auto full = DecodeChange(bytes);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(std::get<core::change::JobSubmitted>(*full).spec.task.checkpoint_bytes, 11u);
  bytes.resize(bytes.size() - 8 - kMeteredModelTail - kClientTail);
  auto back = DecodeChange(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  const auto& js = std::get<core::change::JobSubmitted>(*back);
  EXPECT_EQ(js.spec.task.memory_bytes, 9u);
  EXPECT_EQ(js.spec.task.checkpoint_bytes, 0u);
  EXPECT_FALSE(DecodeChange(bytes + "xyz").ok());  // a partial tail is an error
}

// A job that refuses metered links, with model weights, keeps both through the store; a
// record without that tail reads as "metered allowed, no model".
TEST(ChangeCodec, JobRecordKeepsMeteredAndModel) {
  core::JobSpec spec;
  spec.name = "weights";
  spec.task_count = 2;
  spec.allow_metered = false;
  spec.task.model = 3;
  spec.task.model_bytes = 4'000'000'000;
  spec.tasks = {spec.task, spec.task};
  spec.tasks[1].model = 5;
  std::string bytes =
      EncodeChange(core::change::JobSubmitted{TimePoint::FromNanos(1), JobId(0), TaskId(0), spec});
  auto full = DecodeChange(bytes);
  ASSERT_TRUE(full.ok()) << full.status();
  const auto& f = std::get<core::change::JobSubmitted>(*full).spec;
  EXPECT_FALSE(f.allow_metered);
  EXPECT_EQ(f.task.model, 3u);
  EXPECT_EQ(f.task.model_bytes, 4'000'000'000u);
  EXPECT_EQ(f.tasks[1].model, 5u);
  bytes.resize(bytes.size() - kClientTail - kMeteredModelTail - 2 * 12);
  auto back = DecodeChange(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  const auto& b = std::get<core::change::JobSubmitted>(*back).spec;
  EXPECT_TRUE(b.allow_metered);
  EXPECT_EQ(b.task.model, 0u);
  EXPECT_EQ(b.tasks[1].model, 0u);
}

// The submitting client (fair share) survives the store; an older record reads as "".
TEST(ChangeCodec, JobRecordKeepsTheClient) {
  core::JobSpec spec;
  spec.name = "render";
  spec.task_count = 1;
  spec.client = "tok-lab-a";
  std::string bytes =
      EncodeChange(core::change::JobSubmitted{TimePoint::FromNanos(1), JobId(0), TaskId(0), spec});
  auto full = DecodeChange(bytes);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(std::get<core::change::JobSubmitted>(*full).spec.client, "tok-lab-a");
  bytes.resize(bytes.size() - 4 - spec.client.size());
  auto old = DecodeChange(bytes);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(std::get<core::change::JobSubmitted>(*old).spec.client, "");
}

TEST(ChangeCodec, TruncatedOrForeignBytesAreErrors) {
  const std::string good = EncodeChange(
      core::change::TaskClosed{TimePoint::FromNanos(1), TaskId(1), core::TaskStatus::kFailed});
  EXPECT_FALSE(DecodeChange(good.substr(0, good.size() - 1)).ok());
  EXPECT_FALSE(DecodeChange(good + "x").ok());
  EXPECT_FALSE(DecodeChange("").ok());
  std::string bad_tag = good;
  bad_tag[1] = 99;
  EXPECT_FALSE(DecodeChange(bad_tag).ok());
}

}  // namespace
}  // namespace fleetgrid::service
