// DurationHistogram: a compact, deterministic log-bucket histogram of durations.
//
// Integer nanoseconds go into HDR-style buckets: exact below 128 ns, then 128 sub-buckets
// per power of two (relative error < 0.8%). Only integer arithmetic decides buckets and
// quantiles, so results are bit-identical on any machine. The mean is exact (128-bit sum).
// About 60 KiB whatever the count. Thread safety: none.
#pragma once

#include <cstdint>
#include <vector>

#include "common/time.h"

namespace fleetgrid::sim {

class DurationHistogram {
 public:
  DurationHistogram();

  // REQUIRES: d >= 0 (negative values count as 0).
  void Add(Duration d);
  uint64_t count() const { return count_; }
  // 0 when empty.
  double MeanSeconds() const;
  // The q-quantile (0 < q <= 1) in seconds: the midpoint of the bucket holding the
  // ceil(q * count)-th smallest value; exact below 128 ns. 0 when empty.
  double QuantileSeconds(double q) const;

 private:
  static constexpr int kSubBits = 7;
  static size_t Index(uint64_t ns);
  static uint64_t Midpoint(size_t index);

  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  __uint128_t sum_ns_ = 0;
};

}  // namespace fleetgrid::sim
