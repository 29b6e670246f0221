// The Prometheus histogram behind fleetgrid_heartbeat_delay_seconds.
#include "coordinator/service/metrics.h"

#include <gtest/gtest.h>

#include <sstream>

namespace fleetgrid::service {
namespace {

// Cumulative count of the bucket line with upper bound `le` in `text`.
double BucketCount(const std::string& text, const std::string& le) {
  const std::string key = "h_bucket{le=\"" + le + "\"} ";
  const size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + key.size()));
}

TEST(LatencyHistogram, BucketBoundsAreNinePercentApartFromTenMicroseconds) {
  EXPECT_DOUBLE_EQ(LatencyHistogram::UpperBoundSeconds(0), 1e-5);
  EXPECT_NEAR(LatencyHistogram::UpperBoundSeconds(8), 2e-5, 1e-12);
  EXPECT_GT(LatencyHistogram::UpperBoundSeconds(LatencyHistogram::kBuckets - 1), 50.0);
}

TEST(LatencyHistogram, EachValueLandsInTheFirstBucketWhoseBoundHoldsIt) {
  LatencyHistogram h;
  h.Observe(Duration::Nanos(-5));      // clock skew: counted as 0
  h.Observe(Duration::Micros(10));     // exactly the first bound
  h.Observe(Duration::Micros(20));     // exactly bound 8
  h.Observe(Duration::Nanos(20'001));  // just above bound 8: bucket 9
  h.Observe(Duration::Seconds(3600));  // beyond the last bound: +Inf
  std::string out;
  h.Render(out, "h");
  EXPECT_EQ(BucketCount(out, "1e-05"), 2);
  char b8[32], b9[32];
  std::snprintf(b8, sizeof b8, "%.6g", LatencyHistogram::UpperBoundSeconds(8));
  std::snprintf(b9, sizeof b9, "%.6g", LatencyHistogram::UpperBoundSeconds(9));
  EXPECT_EQ(BucketCount(out, b8), 3);
  EXPECT_EQ(BucketCount(out, b9), 4);
  char last[32];
  std::snprintf(last, sizeof last, "%.6g",
                LatencyHistogram::UpperBoundSeconds(LatencyHistogram::kBuckets - 1));
  EXPECT_EQ(BucketCount(out, last), 4);
  EXPECT_EQ(BucketCount(out, "+Inf"), 5);
  EXPECT_NE(out.find("h_count 5\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace fleetgrid::service
