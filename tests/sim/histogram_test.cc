#include "sim/stats/histogram.h"

#include <gtest/gtest.h>

namespace fleetgrid::sim {
namespace {

TEST(DurationHistogramTest, EmptyIsZero) {
  DurationHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.MeanSeconds(), 0);
  EXPECT_EQ(h.QuantileSeconds(0.5), 0);
}

TEST(DurationHistogramTest, MeanIsExactAndQuantilesWithinOnePercent) {
  DurationHistogram h;
  for (int i = 1; i <= 1000; ++i) h.Add(Duration::Seconds(i));
  EXPECT_DOUBLE_EQ(h.MeanSeconds(), 500.5);
  EXPECT_NEAR(h.QuantileSeconds(0.50), 500, 5);
  EXPECT_NEAR(h.QuantileSeconds(0.95), 950, 9.5);
  EXPECT_NEAR(h.QuantileSeconds(0.99), 990, 9.9);
  EXPECT_NEAR(h.QuantileSeconds(1.0), 1000, 10);
}

TEST(DurationHistogramTest, SmallValuesExact) {
  DurationHistogram h;
  h.Add(Duration::Nanos(3));
  h.Add(Duration::Nanos(5));
  h.Add(Duration::Zero());
  EXPECT_DOUBLE_EQ(h.QuantileSeconds(0.5), 3e-9);
  EXPECT_DOUBLE_EQ(h.QuantileSeconds(1.0), 5e-9);
}

}  // namespace
}  // namespace fleetgrid::sim
