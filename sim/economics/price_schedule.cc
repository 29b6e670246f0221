#include "sim/economics/price_schedule.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/status.h"
#include "models/csv_file.h"
#include "models/local_calendar.h"
#include "models/owner_rules_section.h"
#include "models/yaml_fields.h"

namespace fleetgrid::sim {
namespace {

constexpr int32_t kDay = 86400;

bool Inside(int32_t sod, int32_t from, int32_t to) {
  return from < to ? sod >= from && sod < to : sod >= from || sod < to;
}

}  // namespace

absl::Status PriceSchedule::Parse(const YAML::Node& n, const std::string& path,
                                  PriceSchedule* out) {
  PriceSchedule p;
  if (n.IsScalar()) {
    absl::StatusOr<double> v = models::AsNumber(n, path);
    if (!v.ok()) return v.status();
    if (!(*v >= 0 && *v <= 1e6)) {
      return models::KeyError(path, "must be in [0, 1e6], got " + models::NumberText(*v));
    }
    *out = PriceSchedule(*v);
    return absl::OkStatus();
  }
  FG_RETURN_IF_ERROR(models::CheckMap(n, path, {"flat", "time_of_use", "csv"}));
  FG_RETURN_IF_ERROR(models::ReadNumber(n, path, "flat", &p.flat_, 0, 1e6));
  if (const YAML::Node c = n["csv"]) {
    const std::string cp = models::JoinKey(path, "csv");
    if (n["time_of_use"]) return models::KeyError(cp, "give csv or time_of_use, not both");
    FG_RETURN_IF_ERROR(models::CheckMap(c, cp, {"file", "time_column", "price_column", "per"}));
    FG_RETURN_IF_ERROR(models::ReadString(c, cp, "file", &p.csv_.file));
    if (p.csv_.file.empty()) return models::KeyError(models::JoinKey(cp, "file"), "required");
    FG_RETURN_IF_ERROR(models::ReadString(c, cp, "time_column", &p.csv_.time_column));
    FG_RETURN_IF_ERROR(models::ReadString(c, cp, "price_column", &p.csv_.price_column));
    std::string per = "kWh";
    FG_RETURN_IF_ERROR(models::ReadString(c, cp, "per", &per));
    if (per != "kWh" && per != "MWh") {
      return models::KeyError(models::JoinKey(cp, "per"),
                              "expected kWh or MWh, got \"" + per + "\"");
    }
    p.csv_.scale = per == "MWh" ? 1e-3 : 1;
  }
  if (const YAML::Node t = n["time_of_use"]) {
    const std::string tp = models::JoinKey(path, "time_of_use");
    if (!t.IsSequence()) return models::KeyError(tp, "expected a list of {from, to, price}");
    for (size_t i = 0; i < t.size(); ++i) {
      const std::string ip = tp + "[" + std::to_string(i) + "]";
      FG_RETURN_IF_ERROR(models::CheckMap(t[i], ip, {"from", "to", "price"}));
      std::string from, to;
      FG_RETURN_IF_ERROR(models::ReadString(t[i], ip, "from", &from));
      FG_RETURN_IF_ERROR(models::ReadString(t[i], ip, "to", &to));
      std::pair<int32_t, int32_t> w;
      FG_RETURN_IF_ERROR(models::ParseDailyWindow(from + "-" + to, ip, &w));
      Window win{w.first, w.second, 0};
      if (!t[i]["price"]) return models::KeyError(models::JoinKey(ip, "price"), "required");
      FG_RETURN_IF_ERROR(models::ReadNumber(t[i], ip, "price", &win.price, 0, 1e6));
      for (const Window& o : p.windows_) {
        if (Inside(win.from_s, o.from_s, o.to_s) || Inside(o.from_s, win.from_s, win.to_s)) {
          return models::KeyError(ip, "overlaps another window");
        }
      }
      p.windows_.push_back(win);
    }
  }
  p.cuts_ = {0, kDay};
  for (const Window& w : p.windows_) {
    p.cuts_.push_back(w.from_s);
    p.cuts_.push_back(w.to_s);
  }
  std::sort(p.cuts_.begin(), p.cuts_.end());
  p.cuts_.erase(std::unique(p.cuts_.begin(), p.cuts_.end()), p.cuts_.end());
  *out = std::move(p);
  return absl::OkStatus();
}

absl::Status PriceSchedule::LoadCsv(const std::string& dir, int64_t start_unix_s) {
  if (csv_.file.empty()) return absl::OkStatus();
  absl::StatusOr<models::CsvFile> file = models::CsvFile::Open(csv_.file, dir);
  if (!file.ok()) {
    return absl::InvalidArgumentError("economics price csv: " +
                                      std::string(file.status().message()));
  }
  models::CsvFile& csv = *file;
  const std::string& name = csv.name();
  std::vector<std::string> row;
  FG_ASSIGN_OR_RETURN(const size_t tc, csv.Column(csv_.time_column));
  FG_ASSIGN_OR_RETURN(const size_t pc, csv.Column(csv_.price_column));
  std::map<int64_t, std::pair<double, size_t>> by_hour;  // hour -> price, line
  while (csv.Next(row)) {
    const std::string at = csv.At();
    if (csv.malformed()) return absl::InvalidArgumentError(at + ": malformed quoting");
    if (row.size() <= std::max(tc, pc)) return absl::InvalidArgumentError(at + ": too few fields");
    absl::StatusOr<int64_t> t = models::ParseInstant(row[tc]);
    if (!t.ok()) {
      return absl::InvalidArgumentError(at + ": " + csv_.time_column + ": " +
                                        std::string(t.status().message()));
    }
    if (*t % 3600 != 0) {
      return absl::InvalidArgumentError(at + ": " + csv_.time_column + " \"" + row[tc] +
                                        "\" is not the start of an hour");
    }
    double price = 0;
    char* end = nullptr;
    price = std::strtod(row[pc].c_str(), &end);
    if (row[pc].empty() || end != row[pc].c_str() + row[pc].size() || !std::isfinite(price)) {
      return absl::InvalidArgumentError(at + ": " + csv_.price_column + " \"" + row[pc] +
                                        "\" is not a number");
    }
    // Day-ahead markets go negative at times; a price below -1e6 is a typo.
    if (price < -1e6 || price > 1e6) {
      return absl::InvalidArgumentError(at + ": " + csv_.price_column + " out of range");
    }
    if (!by_hour.emplace(*t / 3600, std::make_pair(price * csv_.scale, csv.line())).second) {
      return absl::InvalidArgumentError(at + ": hour " + row[tc] + " given twice");
    }
  }
  if (by_hour.empty()) return absl::InvalidArgumentError(name + ": no price rows");
  const int64_t first = by_hour.begin()->first;
  hourly_.clear();
  for (const auto& [hour, v] : by_hour) {
    if (hour != first + static_cast<int64_t>(hourly_.size())) {
      return absl::InvalidArgumentError(name + ":" + std::to_string(v.second) +
                                        ": an hour is missing before this row");
    }
    hourly_.push_back(v.first);
  }
  // Hour k of the run is hourly_[(offset + k) mod size]: the run's first hour in the file.
  hour_offset_ = ((start_unix_s / 3600 - first) % static_cast<int64_t>(hourly_.size()) +
                  static_cast<int64_t>(hourly_.size())) %
                 static_cast<int64_t>(hourly_.size());
  start_in_hour_s_ = start_unix_s % 3600;
  return absl::OkStatus();
}

double PriceSchedule::At(int32_t sod) const {
  for (const Window& w : windows_) {
    if (Inside(sod, w.from_s, w.to_s)) return w.price;
  }
  return flat_;
}

double PriceSchedule::PriceAt(TimePoint t, int32_t local_s_at_zero) const {
  constexpr int64_t kHourNs = int64_t{3600} * 1'000'000'000;
  if (!hourly_.empty()) {
    const int64_t hour = (t.nanos() + start_in_hour_s_ * 1'000'000'000) / kHourNs;
    return hourly_[(hour_offset_ + hour) % static_cast<int64_t>(hourly_.size())];
  }
  if (windows_.empty()) return flat_;
  const int64_t s = t.nanos() / 1'000'000'000 + local_s_at_zero;
  return At(static_cast<int32_t>((s % kDay + kDay) % kDay));
}

double PriceSchedule::Integral(TimePoint from, TimePoint to, int32_t local_s_at_zero) const {
  if (!(to > from)) return 0;
  constexpr int64_t kHourNs = int64_t{3600} * 1'000'000'000;
  if (!hourly_.empty()) {
    // Run time shifted to the hour grid of the file's (UTC) hours.
    int64_t t = from.nanos() + start_in_hour_s_ * 1'000'000'000;
    const int64_t end = to.nanos() + start_in_hour_s_ * 1'000'000'000;
    const auto n = static_cast<int64_t>(hourly_.size());
    double sum = 0;
    while (t < end) {
      const int64_t hour = t / kHourNs;
      const int64_t piece_end = std::min(end, (hour + 1) * kHourNs);
      sum += hourly_[(hour_offset_ + hour) % n] * static_cast<double>(piece_end - t) * 1e-9;
      t = piece_end;
    }
    return sum;
  }
  if (windows_.empty()) return flat_ * (to - from).SecondsF();
  // Local seconds since a local midnight, in nanoseconds to keep the run's resolution.
  const int64_t shift_s = (local_s_at_zero % kDay + kDay) % kDay;
  int64_t t = from.nanos() + shift_s * 1'000'000'000;
  const int64_t end = to.nanos() + shift_s * 1'000'000'000;
  constexpr int64_t kDayNs = int64_t{kDay} * 1'000'000'000;
  double sum = 0;
  while (t < end) {
    const int64_t day = t / kDayNs;
    const auto sod = static_cast<int32_t>((t - day * kDayNs) / 1'000'000'000);
    // The piece holding `sod` ends at the next cut.
    const int32_t next = *std::upper_bound(cuts_.begin(), cuts_.end(), sod);
    const int64_t piece_end = std::min(end, day * kDayNs + int64_t{next} * 1'000'000'000);
    sum += At(sod) * static_cast<double>(piece_end - t) * 1e-9;
    t = piece_end;
  }
  return sum;
}

}  // namespace fleetgrid::sim
