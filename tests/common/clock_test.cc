#include "common/clock.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace fleetgrid
