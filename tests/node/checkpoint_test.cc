// node/checkpoint.h: the synthetic bytes of a checkpoint and how they are cut into chunks.
#include "node/checkpoint.h"

#include <gtest/gtest.h>

namespace fleetgrid::node {
namespace {

TEST(CheckpointTest, BytesAreDeterministicPerTaskAndProgress) {
  EXPECT_EQ(CheckpointBytes(7, 12.5, 1000), CheckpointBytes(7, 12.5, 1000));
  EXPECT_EQ(CheckpointBytes(7, 12.5, 1000).size(), 1000u);
  EXPECT_NE(CheckpointBytes(7, 12.5, 1000), CheckpointBytes(7, 13, 1000));
  EXPECT_NE(CheckpointBytes(7, 12.5, 1000), CheckpointBytes(8, 12.5, 1000));
  EXPECT_EQ(CheckpointBytes(7, 12.5, 3), CheckpointBytes(7, 12.5, 1000).substr(0, 3));
}

// Would catch: chunks over the negotiated size, gaps, a missing descriptor or `last` flag.
TEST(CheckpointTest, ChunksCarryTheAttemptAndDescriptorAndEndWithLast) {
  v1::AttemptRef ref;
  ref.set_attempt_id(9);
  ref.set_lease_epoch(4);
  const std::string data = CheckpointBytes(1, 2, 25);
  v1::Checkpoint cp;
  cp.set_checkpoint_id("9-1");
  cp.set_size_bytes(25);
  const std::vector<v1::CheckpointChunk> chunks = CheckpointChunks(ref, cp, data, 10);
  ASSERT_EQ(chunks.size(), 3u);
  std::string joined;
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].attempt().attempt_id(), 9u);
    EXPECT_EQ(chunks[i].attempt().lease_epoch(), 4u);
    EXPECT_EQ(chunks[i].checkpoint().checkpoint_id(), "9-1");
    EXPECT_EQ(chunks[i].offset(), joined.size());
    EXPECT_LE(chunks[i].data().size(), 10u);
    EXPECT_EQ(chunks[i].last(), i + 1 == chunks.size());
    joined += chunks[i].data();
  }
  EXPECT_EQ(joined, data);
  EXPECT_EQ(CheckpointChunks(ref, cp, data, 25).size(), 1u);
  EXPECT_TRUE(CheckpointChunks(ref, cp, data, 25)[0].last());
}

}  // namespace
}  // namespace fleetgrid::node
