#include "common/time.h"

#include <gtest/gtest.h>

#include <limits>

namespace fleetgrid {
namespace {

TEST(DurationTest, UnitsAreExactNanoseconds) {
  EXPECT_EQ(Duration::Seconds(1).nanos(), 1'000'000'000);
  EXPECT_EQ(Duration::Millis(3).nanos(), 3'000'000);
  EXPECT_EQ(Duration::Micros(5).nanos(), 5'000);
  EXPECT_EQ(Duration::Hours(2), Duration::Minutes(120));
  EXPECT_EQ(Duration::Seconds(90).millis(), 90'000);
}

TEST(DurationTest, FromSecondsRoundsToNearestNanosecond) {
  EXPECT_EQ(Duration::FromSecondsF(1.5).nanos(), 1'500'000'000);
  EXPECT_EQ(Duration::FromSecondsF(1e-9 * 0.6).nanos(), 1);
  EXPECT_EQ(Duration::FromSecondsF(1e30), Duration::Infinite());
  EXPECT_DOUBLE_EQ(Duration::Millis(250).SecondsF(), 0.25);
}

TEST(DurationTest, ArithmeticAndOrdering) {
  const Duration a = Duration::Seconds(10);
  const Duration b = Duration::Seconds(4);
  EXPECT_EQ(a - b, Duration::Seconds(6));
  EXPECT_EQ(a + b, Duration::Seconds(14));
  EXPECT_EQ(b * 3, Duration::Seconds(12));
  EXPECT_EQ(a / 2, Duration::Seconds(5));
  EXPECT_EQ(a / b, 2);
  EXPECT_EQ(a % b, Duration::Seconds(2));
  EXPECT_LT(b, a);
  EXPECT_LT(a, Duration::Infinite());
}

TEST(DurationTest, ToStringIsReadable) {
  EXPECT_EQ(Duration::Seconds(3723).ToString(), "1h02m03s");
  EXPECT_EQ(Duration::Seconds(65).ToString(), "1m05s");
  EXPECT_EQ(Duration::Millis(1500).ToString(), "1.500s");
  EXPECT_EQ(Duration::Nanos(42).ToString(), "42ns");
  EXPECT_EQ(Duration::Infinite().ToString(), "inf");
  EXPECT_EQ((-Duration::Seconds(2)).ToString(), "-2.000s");
}

TEST(TimePointTest, DifferenceAndSaturation) {
  const TimePoint t0 = TimePoint::Epoch();
  const TimePoint t1 = t0 + Duration::Seconds(5);
  EXPECT_EQ(t1 - t0, Duration::Seconds(5));
  EXPECT_EQ(t1 - Duration::Seconds(5), t0);
  EXPECT_EQ(t1 + Duration::Infinite(), TimePoint::Infinite());
  EXPECT_EQ(TimePoint::Infinite() + Duration::Seconds(1), TimePoint::Infinite());
  EXPECT_LT(t1, TimePoint::Infinite());
  EXPECT_DOUBLE_EQ(t1.SecondsF(), 5.0);
}

// Found by fuzz_change_codec: a change record's time plus a job deadline past the int64
// range was signed overflow (undefined behaviour); it saturates now.
TEST(TimePointTest, SumPastTheRangeSaturates) {
  const TimePoint late = TimePoint::FromNanos(2000);
  EXPECT_EQ(late + Duration::Nanos(std::numeric_limits<int64_t>::max() - 1), TimePoint::Infinite());
  EXPECT_EQ(TimePoint::FromNanos(-10) + Duration::Nanos(std::numeric_limits<int64_t>::min()),
            TimePoint::FromNanos(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(late + Duration::Nanos(-2000), TimePoint::Epoch());
}

}  // namespace
}  // namespace fleetgrid
