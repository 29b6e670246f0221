#include "common/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>

namespace fleetgrid {
namespace {

TEST(ManualClockTest, MovesOnlyWhenTold) {
  ManualClock clock(TimePoint::Epoch() + Duration::Seconds(100));
  EXPECT_EQ(clock.Now(), TimePoint::Epoch() + Duration::Seconds(100));
  clock.Advance(Duration::Millis(250));
  EXPECT_EQ(clock.Now().nanos(), 100'250'000'000);
  clock.Set(TimePoint::FromNanos(200'000'000'000));
  EXPECT_EQ(clock.Now().nanos(), 200'000'000'000);
}

TEST(WallClockTest, IsMonotonic) {
  WallClock clock;
  TimePoint prev = clock.Now();
  for (int i = 0; i < 1000; ++i) {
    const TimePoint now = clock.Now();
    ASSERT_GE(now, prev);
    prev = now;
  }
}

TEST(ClockTest, UsableThroughInterface) {
  ManualClock manual;
  const Clock& c = manual;
  manual.Advance(Duration::Seconds(1));
  EXPECT_EQ(c.Now(), TimePoint::Epoch() + Duration::Seconds(1));
}

// asio's steady timers take WallClock's time points through SteadyTimeOf.
TEST(WallClockTest, TimePointsAreSteadyClockTimePoints) {
  const auto before = std::chrono::steady_clock::now();
  const auto t = SteadyTimeOf(WallClock().Now());
  const auto after = std::chrono::steady_clock::now();
  EXPECT_LE(before, t);
  EXPECT_LE(t, after);
}

TEST(UnixNowTest, IsCalendarTimeInBothUnits) {
  const int64_t ns_before = UnixNowNanos();
  const int64_t ms = UnixNowMillis();
  const int64_t ns_after = UnixNowNanos();
  EXPECT_GT(ms, int64_t{1'577'836'800'000});  // after 2020-01-01
  EXPECT_LE(ns_before / 1'000'000, ms);
  EXPECT_LE(ms, ns_after / 1'000'000);
}

TEST(DeadlineAfterTest, IsThatFarFromNow) {
  using std::chrono::system_clock;
  const auto before = system_clock::now();
  const auto deadline = DeadlineAfter(Duration::Seconds(3));
  const auto after = system_clock::now();
  EXPECT_LE(before + std::chrono::seconds(3), deadline);
  EXPECT_LE(deadline, after + std::chrono::seconds(3));
  const auto now = DeadlineAfter(Duration::Zero());
  EXPECT_LE(now, system_clock::now());
}

// gRPC reads time_point::max() as "no deadline"; the sum must not overflow into the past.
TEST(DeadlineAfterTest, SaturatesAtNoDeadline) {
  const auto never = std::chrono::system_clock::time_point::max();
  EXPECT_EQ(DeadlineAfter(Duration::Infinite()), never);
  EXPECT_EQ(DeadlineAfter(Duration::Nanos(std::numeric_limits<int64_t>::max() - 1)), never);
  EXPECT_LT(DeadlineAfter(Duration::Hours(24 * 365 * 100)), never);
}

}  // namespace
}  // namespace fleetgrid
