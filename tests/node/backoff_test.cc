#include "node/backoff.h"

#include <gtest/gtest.h>

namespace fleetgrid::node {
namespace {

TEST(BackoffTest, DelaysStayWithinJitterBoundsAndGrowToTheCap) {
  BackoffPolicy p;
  p.initial = Duration::Millis(100);
  p.max = Duration::Seconds(5);
  p.multiplier = 2;
  p.jitter = 0.5;
  Backoff b(p, Rng(7));
  Duration expected_base = p.initial;
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(b.CurrentBase(), expected_base) << i;
    const Duration d = b.Next();
    EXPECT_GE(d.nanos(), expected_base.nanos() / 2) << i;
    EXPECT_LE(d, expected_base) << i;
    expected_base = std::min(expected_base * 2, p.max);
  }
  EXPECT_EQ(b.CurrentBase(), p.max);
}

TEST(BackoffTest, ResetStartsOver) {
  Backoff b(BackoffPolicy{}, Rng(1));
  for (int i = 0; i < 5; ++i) b.Next();
  EXPECT_GT(b.CurrentBase(), BackoffPolicy{}.initial);
  b.Reset();
  EXPECT_EQ(b.CurrentBase(), BackoffPolicy{}.initial);
  EXPECT_EQ(b.attempts(), 0);
}

TEST(BackoffTest, JitterSpreadsCarsApart) {
  // Cars with different streams draw different delays for the same step: no herd.
  BackoffPolicy p;
  p.jitter = 1.0;
  Duration lo = Duration::Infinite(), hi = Duration::Zero();
  for (uint64_t car = 0; car < 200; ++car) {
    Backoff b(p, Rng::Stream(3, "backoff", car));
    const Duration d = b.Next();
    lo = std::min(lo, d);
    hi = std::max(hi, d);
    EXPECT_LE(d, p.initial);
  }
  EXPECT_LT(lo.nanos(), p.initial.nanos() / 10);
  EXPECT_GT(hi.nanos(), p.initial.nanos() * 9 / 10);
}

TEST(BackoffTest, NoJitterIsExact) {
  BackoffPolicy p;
  p.jitter = 0;
  Backoff b(p, Rng(1));
  EXPECT_EQ(b.Next(), p.initial);
  EXPECT_EQ(b.Next(), p.initial * 2);
  EXPECT_EQ(b.Next(), p.initial * 4);
}

}  // namespace
}  // namespace fleetgrid::node
