#include "node/executor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>

#include "models/cheaters.h"
#include "node/executor_hash.h"

namespace fleetgrid::node {
namespace {

std::string Le(uint64_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

TEST(HashKernelTest, PrecomputedDigests) {
  // Computed with Python's hashlib from the definition in executor_hash.h.
  EXPECT_EQ(ToHex(HashKernel(0, 0, "", 0)),
            "fd183f457684275502b1ac9c8d0ff82826d568f575124f148934ae2418f512ab");
  EXPECT_EQ(ToHex(HashKernel(42, 7, "abc", 1000)),
            "abe0fd3f57ed669ecc14734cb1d4ba60a7e2f44660d69efb8b695ec94a9c3099");
  EXPECT_EQ(ToHex(HashKernel(1, 3, "", 100000)),
            "0887d0a7c470f2ef36a260ad738e2439834d7df6d58e0e8130aacf45c60b5300");
}

// The definition spelled out with one-shot digests of whole strings (common/sha256.h is
// checked against OpenSSL's EVP interface in tests/common/sha256_test.cc).
TEST(HashKernelTest, MatchesOneShotIteration) {
  const std::string input = "some input bytes";
  std::string d = Sha256Bytes("fleetgrid.hash.v1" + Le(99, 8) + Le(5, 4) + input);
  for (int i = 0; i < 50; ++i) d = Sha256Bytes(d);
  EXPECT_EQ(std::string(AsBytes(HashKernel(99, 5, input, 50))), d);
}

TEST(HashKernelTest, SeedAndTaskIndexMatter) {
  EXPECT_NE(HashKernel(1, 0, "", 10), HashKernel(2, 0, "", 10));
  EXPECT_NE(HashKernel(1, 0, "", 10), HashKernel(1, 1, "", 10));
  EXPECT_EQ(HashKernel(1, 1, "x", 10), HashKernel(1, 1, "x", 10));
}

v1::Assignment HashAssignment(uint64_t seed, uint32_t rounds, uint32_t task_index) {
  v1::Assignment a;
  a.set_task_index(task_index);
  a.set_work_units(2);
  a.mutable_executor()->set_kind(v1::EXECUTOR_KIND_HASH);
  a.mutable_executor()->mutable_hash()->set_seed(seed);
  a.mutable_executor()->mutable_hash()->set_rounds(rounds);
  return a;
}

TEST(ExecuteTest, HashOutputIsTheKernelDigest) {
  auto out = Execute(HashAssignment(7, 100, 3), "");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->output, std::string(AsBytes(HashKernel(7, 3, "", 100))));
  EXPECT_EQ(out->work_units, 2);
}

TEST(ExecuteTest, SimulatedOutputIsDeterministicAndSized) {
  v1::Assignment a;
  a.set_task_index(4);
  a.set_work_units(10);
  a.set_output_size_cap_bytes(1000);
  a.mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
  a.mutable_executor()->mutable_simulated()->set_seed(3);
  auto x = Execute(a, "");
  auto y = Execute(a, "");
  ASSERT_TRUE(x.ok() && y.ok());
  EXPECT_EQ(x->output.size(), 1000u);
  EXPECT_EQ(x->output, y->output);
  a.set_task_index(5);
  EXPECT_NE(Execute(a, "")->output, x->output);
}

TEST(ExecuteTest, UnspecifiedExecutorIsUnimplemented) {
  v1::Assignment a;
  EXPECT_EQ(Execute(a, "").status().code(), absl::StatusCode::kUnimplemented);
}

TEST(ExecuteTest, ComputeTimeScalesWithSpeedAndTimeScale) {
  v1::Assignment a;
  a.set_work_units(3600);
  EXPECT_EQ(ComputeTime(a, 1, 1), Duration::Hours(1));
  EXPECT_EQ(ComputeTime(a, 2, 60), Duration::Seconds(30));
  EXPECT_EQ(ComputeTime(a, 5, 3600), Duration::Millis(200));
}

TEST(ByzantineTest, NeverWithZeroAlwaysWithOne) {
  Rng rng(1);
  const std::string good(32, 'a');
  for (int i = 0; i < 1000; ++i) {
    std::string s = good;
    EXPECT_FALSE(MaybeCorrupt(s, 0.0, rng));
    EXPECT_EQ(s, good);
  }
  for (int i = 0; i < 1000; ++i) {
    std::string s = good;
    EXPECT_TRUE(MaybeCorrupt(s, 1.0, rng));
    int bits = 0;
    for (size_t j = 0; j < s.size(); ++j) {
      bits += std::popcount(static_cast<unsigned>(static_cast<uint8_t>(s[j] ^ good[j])));
    }
    EXPECT_EQ(bits, 1);  // exactly one bit flipped: a wrong but well-formed digest
  }
}

TEST(ByzantineTest, FrequencyMatchesProbability) {
  Rng rng = Rng::Stream(11, "byzantine", 0);
  const int n = 40000;
  const double p = 0.1;
  int corrupted = 0;
  for (int i = 0; i < n; ++i) {
    std::string s(32, 'x');
    corrupted += MaybeCorrupt(s, p, rng) ? 1 : 0;
  }
  // 5 standard deviations: sqrt(n p (1-p)) = 60.
  EXPECT_NEAR(corrupted, n * p, 300);
}

// Colluders (one key) return the same wrong bytes for a task, so they can win a vote
// together; independent cheaters (their own keys) never agree with each other or with the
// truth. Would catch a falsification that depends on the car (colluders would never agree)
// or that leaves the output right.
TEST(FalsifyTest, SameKeySameWrongBytesOtherKeysDiffer) {
  const std::string truth(32, 'x');
  std::string a = truth, b = truth, c = truth, d = truth;
  Falsify(a, 0);
  Falsify(b, 0);
  Falsify(c, 7);
  Falsify(d, 8);
  EXPECT_NE(a, truth);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(c, d);
  std::string empty;
  Falsify(empty, 0);
  EXPECT_FALSE(empty.empty());
}

// The agent and the simulator draw the same cheating owners: round(share x owners) of them.
TEST(CheatersTest, DrawPicksTheRoundedShareOfOwners) {
  const auto cheaters = models::DrawCheatingOwners(1, 300, 0.3);
  ASSERT_EQ(cheaters.size(), 300u);
  EXPECT_EQ(std::count_if(cheaters.begin(), cheaters.end(),
                          [](uint32_t c) { return c != models::kHonestOwner; }),
            90);
  EXPECT_EQ(cheaters, models::DrawCheatingOwners(1, 300, 0.3));
  EXPECT_NE(cheaters, models::DrawCheatingOwners(2, 300, 0.3));
  EXPECT_TRUE(models::DrawCheatingOwners(1, 300, 0).empty());
}

TEST(ExecutorChoiceTest, Parse) {
  EXPECT_EQ(*ParseExecutorChoice("hash"), ExecutorChoice::kHash);
  EXPECT_EQ(*ParseExecutorChoice("simulated"), ExecutorChoice::kSimulated);
  EXPECT_FALSE(ParseExecutorChoice("gpu").ok());
}

}  // namespace
}  // namespace fleetgrid::node
