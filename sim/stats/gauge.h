// A count of cars in some state and its integral over time, updated only when the count
// changes (a fleet's parked, plugged and busy cars per region and per class: integrating
// every group at every event would cost O(groups) per event).
#pragma once

#include <cstdint>

namespace fleetgrid::sim {

struct Gauge {
  uint32_t count = 0;
  int64_t since_ns = 0;     // when `count` last changed
  __uint128_t area_ns = 0;  // integral of count dt up to since_ns

  void Change(int64_t now_ns, int delta) {
    area_ns += static_cast<__uint128_t>(count) * static_cast<uint64_t>(now_ns - since_ns);
    since_ns = now_ns;
    count = static_cast<uint32_t>(static_cast<int64_t>(count) + delta);
  }
  // Car-seconds up to `end_ns` (>= since_ns).
  double CarSeconds(int64_t end_ns) const {
    return static_cast<double>(area_ns + static_cast<__uint128_t>(count) *
                                             static_cast<uint64_t>(end_ns - since_ns)) *
           1e-9;
  }
};

// One group of cars (a region or a hardware class).
struct GroupGauges {
  Gauge parked, plugged, busy;
  __uint128_t useful_ns = 0;  // busy time of attempts that succeeded
  uint64_t cars = 0;
};

}  // namespace fleetgrid::sim
