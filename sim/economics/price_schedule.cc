#include "sim/economics/price_schedule.h"

#include <algorithm>

#include "common/status.h"
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
  FG_RETURN_IF_ERROR(models::CheckMap(n, path, {"flat", "time_of_use"}));
  FG_RETURN_IF_ERROR(models::ReadNumber(n, path, "flat", &p.flat_, 0, 1e6));
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

double PriceSchedule::At(int32_t sod) const {
  for (const Window& w : windows_) {
    if (Inside(sod, w.from_s, w.to_s)) return w.price;
  }
  return flat_;
}

double PriceSchedule::Integral(TimePoint from, TimePoint to, int32_t local_s_at_zero) const {
  if (!(to > from)) return 0;
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
