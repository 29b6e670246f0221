#include "sim/stats/histogram.h"

#include <bit>
#include <cmath>

namespace fleetgrid::sim {

namespace {
constexpr size_t kSub = size_t{1} << 7;
constexpr size_t kBuckets = (64 - 7 + 1) * kSub;
}  // namespace

DurationHistogram::DurationHistogram() : counts_(kBuckets, 0) {}

size_t DurationHistogram::Index(uint64_t ns) {
  if (ns < kSub) return static_cast<size_t>(ns);
  const int e = 63 - std::countl_zero(ns);  // >= kSubBits
  const uint64_t m = (ns >> (e - kSubBits)) & (kSub - 1);
  return static_cast<size_t>(e - kSubBits + 1) * kSub + static_cast<size_t>(m);
}

uint64_t DurationHistogram::Midpoint(size_t index) {
  if (index < kSub) return index;
  const int e = static_cast<int>(index / kSub) + kSubBits - 1;
  const uint64_t m = index % kSub;
  const uint64_t lo = (uint64_t{1} << e) + (m << (e - kSubBits));
  const uint64_t width = uint64_t{1} << (e - kSubBits);
  return lo + width / 2;
}

void DurationHistogram::Add(Duration d) {
  const uint64_t ns = d.nanos() > 0 ? static_cast<uint64_t>(d.nanos()) : 0;
  ++counts_[Index(ns)];
  ++count_;
  sum_ns_ += ns;
}

double DurationHistogram::MeanSeconds() const {
  if (count_ == 0) return 0;
  const __uint128_t q = sum_ns_ / count_;
  const __uint128_t r = sum_ns_ % count_;
  // Whole nanoseconds plus the remainder fraction, both exact enough for a double.
  return (static_cast<double>(q) + static_cast<double>(r) / static_cast<double>(count_)) * 1e-9;
}

double DurationHistogram::QuantileSeconds(double q) const {
  if (count_ == 0) return 0;
  // Rank in 1..count from q expressed in parts per million (integer arithmetic).
  const uint64_t ppm = static_cast<uint64_t>(std::llround(q * 1e6));
  const __uint128_t num = static_cast<__uint128_t>(count_) * ppm;
  uint64_t rank = static_cast<uint64_t>((num + 999'999) / 1'000'000);
  if (rank < 1) rank = 1;
  if (rank > count_) rank = count_;
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return static_cast<double>(Midpoint(i)) * 1e-9;
  }
  return 0;
}

}  // namespace fleetgrid::sim
