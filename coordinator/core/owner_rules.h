// Owner rules: the terms on which a car lends its computer, and its battery.
//
// A car (live: with its enrollment and heartbeats; simulator: from the scenario) tells the
// core its owner's rules and its battery. The core never assigns against them and ends an
// attempt cleanly (CancelReason::kOwnerRule) when one would break. Rules are soft state, as
// BOINC's global preferences ride on every scheduler request: the car sends them again after
// a coordinator restart, so they are not in the change log.
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/time.h"

namespace fleetgrid::core {

// A daily window of local time, [start_s, end_s) in seconds since local midnight. end_s <
// start_s wraps past midnight (22:00-06:00); start_s == end_s is refused (empty).
struct DailyWindow {
  int32_t start_s = 0;
  int32_t end_s = 0;
  bool operator==(const DailyWindow&) const = default;
  auto operator<=>(const DailyWindow&) const = default;
};

struct OwnerRules {
  bool plugged_only = false;         // compute only while plugged in (or charging)
  float min_soc = 0;                 // never end a task below this state of charge (0..1)
  std::vector<DailyWindow> windows;  // allowed local times; empty = any time
  int32_t utc_offset_s = 0;          // local time = UTC + offset (windows and energy days)
  double daily_energy_wh = 0;        // compute energy per local day; 0 = no cap
  // Bytes per local day over a metered link (cellular): a task whose transfers (input,
  // weights the car lacks, output) would pass it is not assigned; 0 = no cap.
  uint64_t metered_daily_cap_bytes = 0;
  bool operator==(const OwnerRules&) const = default;
  auto operator<=>(const OwnerRules&) const = default;
  bool any() const {
    return plugged_only || min_soc > 0 || !windows.empty() || daily_energy_wh > 0 ||
           metered_daily_cap_bytes > 0;
  }
};

struct BatterySpec {
  double capacity_wh = 0;      // 0 = unknown: the SoC floor cannot be judged, so it bars all
                               // work off the grid when a floor is set
  double compute_power_w = 0;  // what computing draws: the car's awake overhead + accelerator
  bool operator==(const BatterySpec&) const = default;
};

// InvalidArgument naming the key (e.g. "owner_rules.min_soc must be in [0, 1)").
absl::Status CheckOwnerRules(const OwnerRules& rules, const BatterySpec& battery);

// Seconds since local midnight at `at`, in [0, 86400).
int32_t LocalSecondOfDay(TimePoint at, int32_t utc_offset_s);
// The local day number of `at` (days since the epoch, in local time).
int64_t LocalDay(TimePoint at, int32_t utc_offset_s);
// Is `at` inside one of the windows (always, when there are none)?
bool InWindow(const OwnerRules& rules, TimePoint at);
// Time left in the window that holds `at` (Infinite when there are no windows or the windows
// cover the whole day; zero when outside every window).
Duration WindowLeft(const OwnerRules& rules, TimePoint at);
// When the next window opens after `at` (REQUIRES: outside every window, windows not empty).
TimePoint NextWindowOpen(const OwnerRules& rules, TimePoint at);
// The next local midnight after `at`.
TimePoint NextLocalMidnight(TimePoint at, int32_t utc_offset_s);

}  // namespace fleetgrid::core
