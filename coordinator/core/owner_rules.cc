#include "coordinator/core/owner_rules.h"

#include <algorithm>
#include <cmath>

namespace fleetgrid::core {
namespace {

constexpr int64_t kDay = 86400;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t LocalUnixSeconds(TimePoint at, int32_t offset) {
  return FloorDiv(at.nanos(), 1'000'000'000) + offset;
}

bool Inside(const DailyWindow& w, int32_t s) {
  return w.start_s < w.end_s ? (s >= w.start_s && s < w.end_s) : (s >= w.start_s || s < w.end_s);
}

// Seconds from `s` to the end of window `w` (REQUIRES: Inside(w, s)).
int32_t UntilEnd(const DailyWindow& w, int32_t s) {
  return w.end_s > s ? w.end_s - s : static_cast<int32_t>(kDay) - s + w.end_s;
}

}  // namespace

absl::Status CheckOwnerRules(const OwnerRules& r, const BatterySpec& b) {
  if (!(r.min_soc >= 0 && r.min_soc < 1)) {
    return absl::InvalidArgumentError("owner_rules.min_soc must be in [0, 1), got " +
                                      std::to_string(r.min_soc));
  }
  if (!(r.daily_energy_wh >= 0) || std::isinf(r.daily_energy_wh)) {
    return absl::InvalidArgumentError("owner_rules.daily_energy_wh must be >= 0 (0 = no cap)");
  }
  if (r.utc_offset_s < -14 * 3600 || r.utc_offset_s > 14 * 3600) {
    return absl::InvalidArgumentError("owner_rules.utc_offset_s must be within +-14 h");
  }
  for (size_t i = 0; i < r.windows.size(); ++i) {
    const DailyWindow& w = r.windows[i];
    const std::string key = "owner_rules.windows[" + std::to_string(i) + "]";
    if (w.start_s < 0 || w.start_s >= kDay || w.end_s < 0 || w.end_s >= kDay) {
      return absl::InvalidArgumentError(key + " must lie within a day (0 <= s < 86400)");
    }
    if (w.start_s == w.end_s) return absl::InvalidArgumentError(key + " is empty (start == end)");
  }
  if (!(b.capacity_wh >= 0) || std::isinf(b.capacity_wh)) {
    return absl::InvalidArgumentError("battery.capacity_wh must be >= 0 (0 = unknown)");
  }
  if (!(b.compute_power_w >= 0) || std::isinf(b.compute_power_w)) {
    return absl::InvalidArgumentError("battery.compute_power_w must be >= 0");
  }
  return absl::OkStatus();
}

int32_t LocalSecondOfDay(TimePoint at, int32_t utc_offset_s) {
  const int64_t s = LocalUnixSeconds(at, utc_offset_s) % kDay;
  return static_cast<int32_t>(s < 0 ? s + kDay : s);
}

int64_t LocalDay(TimePoint at, int32_t utc_offset_s) {
  return FloorDiv(LocalUnixSeconds(at, utc_offset_s), kDay);
}

bool InWindow(const OwnerRules& rules, TimePoint at) {
  if (rules.windows.empty()) return true;
  const int32_t s = LocalSecondOfDay(at, rules.utc_offset_s);
  return std::any_of(rules.windows.begin(), rules.windows.end(),
                     [&](const DailyWindow& w) { return Inside(w, s); });
}

Duration WindowLeft(const OwnerRules& rules, TimePoint at) {
  if (rules.windows.empty()) return Duration::Infinite();
  // Follow windows that chain into each other (22:00-24:00 then 00:00-06:00), up to a day.
  int32_t s = LocalSecondOfDay(at, rules.utc_offset_s);
  int64_t left = 0;
  for (int hop = 0; hop <= static_cast<int>(rules.windows.size()); ++hop) {
    int32_t best = -1;
    for (const DailyWindow& w : rules.windows) {
      if (Inside(w, s)) best = std::max(best, UntilEnd(w, s));
    }
    if (best < 0) break;
    left += best;
    if (left >= kDay) return Duration::Infinite();
    s = static_cast<int32_t>((s + best) % kDay);
  }
  const int64_t sub_ns = at.nanos() - FloorDiv(at.nanos(), 1'000'000'000) * 1'000'000'000;
  return Duration::Seconds(left) - Duration::Nanos(sub_ns);
}

TimePoint NextWindowOpen(const OwnerRules& rules, TimePoint at) {
  const int32_t s = LocalSecondOfDay(at, rules.utc_offset_s);
  int64_t wait = kDay;
  for (const DailyWindow& w : rules.windows) {
    int64_t d = w.start_s - s;
    if (d <= 0) d += kDay;
    wait = std::min(wait, d);
  }
  const int64_t whole = FloorDiv(at.nanos(), 1'000'000'000);
  return TimePoint::FromNanos(whole * 1'000'000'000) + Duration::Seconds(wait);
}

TimePoint NextLocalMidnight(TimePoint at, int32_t utc_offset_s) {
  const int64_t day = LocalDay(at, utc_offset_s) + 1;
  return TimePoint::FromNanos((day * kDay - utc_offset_s) * 1'000'000'000);
}

}  // namespace fleetgrid::core
