// An electricity price over the day: flat, or time-of-use windows in local time (cheap
// nights, dear evening peaks), and what energy drawn over an interval costs under it.
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/time.h"
#include "yaml-cpp/yaml.h"

namespace fleetgrid::sim {

class PriceSchedule {
 public:
  // A flat price per kWh.
  explicit PriceSchedule(double flat = 0.30) : flat_(flat) {}

  // `0.25` (flat), or {flat: 0.30, time_of_use: [{from: "00:00", to: "07:00", price: 0.12},
  // ...]}: windows of local time ("22:00-06:00" style wrap allowed), not overlapping; the flat
  // price outside them. InvalidArgument naming the key otherwise.
  static absl::Status Parse(const YAML::Node& n, const std::string& path, PriceSchedule* out);

  // The price per kWh at local second of day `sod` in [0, 86400).
  double At(int32_t sod) const;
  // Price x seconds over [from, to] (run time) in a place whose local time of day at the
  // run's t = 0 is `local_s_at_zero`: times kWh per second, the cost of a constant draw.
  double Integral(TimePoint from, TimePoint to, int32_t local_s_at_zero) const;
  double flat() const { return flat_; }

 private:
  struct Window {
    int32_t from_s = 0;  // local second of day
    int32_t to_s = 0;    // < from_s: wraps past midnight
    double price = 0;
  };
  double flat_;
  std::vector<Window> windows_;
  // The day cut at every window edge, ascending: piece k is [cuts_[k], cuts_[k + 1]).
  std::vector<int32_t> cuts_;
};

}  // namespace fleetgrid::sim
