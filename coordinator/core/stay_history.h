// StayHistory: a car's past parked stays, 32 bytes, for availability-aware scheduling.
//
// Stays are counted in 16 log2 bins (under 1 min, 1-2 min, 2-4 min, ... 11.4 days and more);
// when a car's count reaches kForgetAt every bin is halved, so recent habits weigh more.
// The prediction for a car parked for `age` is the median of its past stays longer than
// `age`, minus `age` (the mean residual life's robust cousin: one long weekend must not make
// a commuter look like a depot car). Pure data: the core feeds it arrival and departure times.
// Thread safety: plain values and pure functions.
#pragma once

#include <array>
#include <cstdint>

#include "common/time.h"

namespace fleetgrid::core {

inline constexpr int kStayBins = 16;

// Lower bound of bin k in seconds (bin 0 starts at 0).
double StayBinLow(int k);
// Upper bound of bin k in seconds (the last bin's is "infinite": 4x its lower bound is used).
double StayBinHigh(int k);
int StayBin(Duration stay);

struct StayHistory {
  static constexpr uint32_t kForgetAt = 64;
  std::array<uint16_t, kStayBins> bins{};

  void Add(Duration stay);
  uint32_t total() const;
};
static_assert(sizeof(StayHistory) == 32);

// Remaining stay expected of a car parked for `age`, from counts `bins` (any integer type);
// Duration::Infinite() when no past stay is longer than `age` (nothing to go on).
template <typename Count>
Duration ExpectedRemainingStay(const std::array<Count, kStayBins>& bins, Duration age);

extern template Duration ExpectedRemainingStay(const std::array<uint16_t, kStayBins>&, Duration);
extern template Duration ExpectedRemainingStay(const std::array<uint64_t, kStayBins>&, Duration);

}  // namespace fleetgrid::core
