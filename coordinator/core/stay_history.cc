#include "coordinator/core/stay_history.h"

#include <algorithm>
#include <cmath>

namespace fleetgrid::core {

double StayBinLow(int k) { return k == 0 ? 0.0 : 60.0 * std::ldexp(1.0, k - 1); }
double StayBinHigh(int k) {
  return k == kStayBins - 1 ? 4 * StayBinLow(k) : 60.0 * std::ldexp(1.0, k);
}

int StayBin(Duration stay) {
  const double s = stay.SecondsF();
  if (s < 60) return 0;
  return std::min(kStayBins - 1, static_cast<int>(std::floor(std::log2(s / 60.0))) + 1);
}

void StayHistory::Add(Duration stay) {
  uint16_t& b = bins[StayBin(stay)];
  ++b;
  if (total() >= kForgetAt) {
    for (uint16_t& c : bins) c = static_cast<uint16_t>(c / 2);
  }
}

uint32_t StayHistory::total() const {
  uint32_t n = 0;
  for (uint16_t c : bins) n += c;
  return n;
}

template <typename Count>
Duration ExpectedRemainingStay(const std::array<Count, kStayBins>& bins, Duration age) {
  const double a = std::max(0.0, age.SecondsF());
  // Stays longer than `age`: the bin holding `age` counts by the share of it above `age`
  // (log-uniform within a bin), the bins above it wholly.
  std::array<double, kStayBins> w{};
  double total = 0;
  for (int k = 0; k < kStayBins; ++k) {
    const double lo = StayBinLow(k), hi = StayBinHigh(k);
    if (hi <= a || bins[k] == 0) continue;
    double share = 1;
    if (a > lo) {
      share = lo > 0 ? std::log(hi / a) / std::log(hi / lo) : (hi - a) / hi;
    }
    w[k] = static_cast<double>(bins[k]) * share;
    total += w[k];
  }
  if (total <= 0) return Duration::Infinite();
  double run = 0;
  for (int k = 0; k < kStayBins; ++k) {
    if (w[k] == 0) continue;
    if (run + w[k] >= total / 2) {
      // Interpolate within the bin, log-uniformly, from max(lo, age) to hi.
      const double lo = std::max({StayBinLow(k), a, 1.0}), hi = StayBinHigh(k);
      const double f = (total / 2 - run) / w[k];
      const double median = lo * std::pow(hi / lo, f);
      return Duration::FromSecondsF(std::max(0.0, median - a));
    }
    run += w[k];
  }
  return Duration::Infinite();
}

template Duration ExpectedRemainingStay(const std::array<uint16_t, kStayBins>&, Duration);
template Duration ExpectedRemainingStay(const std::array<uint64_t, kStayBins>&, Duration);

}  // namespace fleetgrid::core
