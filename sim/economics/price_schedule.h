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
  // price outside them; or {csv: {file, time_column, price_column, per}}: hourly prices
  // (LoadCsv reads the file). InvalidArgument naming the key otherwise.
  static absl::Status Parse(const YAML::Node& n, const std::string& path, PriceSchedule* out);

  // With a `csv` price: reads it (a relative file from `dir`). Rows give an hour's start
  // (an instant: "2024-01-08T05:00:00Z") and its price; every hour from the first to the
  // last must be there once. The run's t = 0 is `start_unix_s`; hours outside the file's
  // span take the file's hour at the same place modulo its length (a week of prices repeats
  // week after week). InvalidArgument naming the file and line otherwise. Without a csv:
  // nothing.
  absl::Status LoadCsv(const std::string& dir, int64_t start_unix_s);

  // The price per kWh at local second of day `sod` in [0, 86400).
  double At(int32_t sod) const;
  // Price x seconds over [from, to] (run time) in a place whose local time of day at the
  // run's t = 0 is `local_s_at_zero`: times kWh per second, the cost of a constant draw.
  double Integral(TimePoint from, TimePoint to, int32_t local_s_at_zero) const;
  // The price per kWh at run time `t` in such a place.
  double PriceAt(TimePoint t, int32_t local_s_at_zero) const;
  double flat() const { return flat_; }

 private:
  struct Window {
    int32_t from_s = 0;  // local second of day
    int32_t to_s = 0;    // < from_s: wraps past midnight
    double price = 0;
  };
  struct Csv {
    std::string file, time_column = "time", price_column = "price";
    double scale = 1;  // per: kWh (1) or MWh (1/1000)
  };
  double flat_;
  std::vector<Window> windows_;
  Csv csv_;                      // file empty: none
  std::vector<double> hourly_;   // LoadCsv's prices per hour of the file
  int64_t hour_offset_ = 0;      // the run's first hour in hourly_
  int64_t start_in_hour_s_ = 0;  // seconds into its hour at which the run starts
  // The day cut at every window edge, ascending: piece k is [cuts_[k], cuts_[k + 1]).
  std::vector<int32_t> cuts_;
};

}  // namespace fleetgrid::sim
