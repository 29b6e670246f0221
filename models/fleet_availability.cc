#include "models/fleet_availability.h"

#include <algorithm>
#include <cmath>

#include "common/rng.h"
#include "common/status.h"
#include "models/trace_replay.h"

namespace fleetgrid::models {
namespace {

constexpr int64_t kDay = 86'400;
// Rush windows are looked for this far into a parked period (longer periods are rare, and
// a never-ending one must not scan forever).
constexpr int64_t kRushLookaheadDays = 60;
// Cars held away by an outage come back spread over this long after it ends.
constexpr Duration kOutageReturnSpread = Duration::Hours(1);

uint64_t RegionSeed(uint64_t seed, size_t index, const std::string& name) {
  if (index == 0) return seed;
  return Rng::Stream(seed, "region", StableHash(name)).Next();
}

}  // namespace

absl::StatusOr<std::unique_ptr<FleetAvailability>> FleetAvailability::Build(
    const AvailabilitySetup& s) {
  std::unique_ptr<FleetAvailability> fa(new FleetAvailability());
  std::vector<RegionConfig> regions = s.regions;
  if (regions.empty()) {
    RegionConfig all;
    all.name = "all";
    regions.push_back(all);
  }
  const std::vector<uint32_t> starts = RegionStarts(regions, s.fleet_size);
  for (size_t r = 0; r < regions.size(); ++r) {
    const RegionConfig& rc = regions[r];
    const std::string where =
        s.regions.empty() ? "availability" : "regions[" + std::to_string(r) + "]";
    Region region;
    region.name = rc.name;
    region.first_car = starts[r];
    region.seed = RegionSeed(s.seed, r, rc.name);
    region.events = rc.events;
    std::vector<Duration> holidays;
    for (const RegionEvent& e : rc.events) {
      if (e.kind == RegionEvent::Kind::kHoliday) holidays.push_back(e.at);
    }
    absl::StatusOr<LocalCalendar> calendar =
        LocalCalendar::Create(s.start_unix_s, rc.time_zone, holidays);
    if (!calendar.ok()) {
      return absl::InvalidArgumentError(where +
                                        ".time_zone: " + std::string(calendar.status().message()));
    }
    region.calendar = std::make_shared<const LocalCalendar>(std::move(*calendar));
    const AvailabilityConfig& ac = rc.availability ? *rc.availability : s.availability;
    const std::string model_key = rc.availability ? where + ".availability" : "availability";
    switch (ac.kind) {
      case AvailabilityKind::kRoutine: {
        const uint32_t cars = (r + 1 < regions.size() ? starts[r + 1] : s.fleet_size) - starts[r];
        auto m = RoutineModel::Create(ac, s.archetypes, region.calendar, region.seed, cars);
        if (!m.ok()) {
          return absl::InvalidArgumentError(model_key +
                                            ".routines: " + std::string(m.status().message()));
        }
        region.model = std::move(*m);
        break;
      }
      case AvailabilityKind::kTrace: {
        absl::StatusOr<TraceSessions> sessions = ImportSessions(ac.trace, s.scenario_dir);
        if (!sessions.ok()) {
          return absl::Status(sessions.status().code(),
                              model_key + ".trace: " + std::string(sessions.status().message()));
        }
        region.trace = std::make_shared<const TraceSessions>(std::move(*sessions));
        auto replay = std::make_unique<TraceReplay>(region.trace, s.start_unix_s);
        region.replay = replay.get();
        region.model = std::move(replay);
        break;
      }
      default:
        region.model = MakeRenewalModel(ac, region.seed);
        break;
    }
    fa->regions_.push_back(std::move(region));
  }
  return fa;
}

bool FleetAvailability::LoopsWithin(Duration horizon) const {
  for (const Region& r : regions_) {
    if (r.replay != nullptr && r.replay->Loops(horizon)) return true;
  }
  return false;
}

std::vector<std::pair<std::string, TraceReport>> FleetAvailability::trace_reports() const {
  std::vector<std::pair<std::string, TraceReport>> out;
  for (const Region& r : regions_) {
    if (r.trace) out.emplace_back(r.name, r.trace->report);
  }
  return out;
}

namespace {

// The earliest departure a rush or an outage forces on a parked period [start, end).
TimePoint CutParked(const std::vector<RegionEvent>& events, const LocalCalendar& cal, uint64_t seed,
                    uint32_t car, uint32_t period, TimePoint start, TimePoint end) {
  Rng rng = Rng::Stream(seed, "region.rush", (uint64_t{car} << 32) | period);
  for (size_t i = 0; i < events.size(); ++i) {
    const RegionEvent& e = events[i];
    if (e.kind == RegionEvent::Kind::kOutage) {
      const TimePoint w0 = TimePoint::Epoch() + e.at;
      if (start < w0 && w0 < end &&
          Rng::Stream(seed, "region.outage", (uint64_t{car} << 8) | i).Bernoulli(e.share)) {
        end = w0;
      }
    }
  }
  for (const RegionEvent& e : events) {
    if (e.kind != RegionEvent::Kind::kRush) continue;
    // Windows day by day from the day the period starts; each window's departure time is
    // uniform over the window, and counts only if the car is still parked then: a car
    // parked when the window opens leaves with probability `share`, one that arrives
    // mid-window with the share of the window left.
    const int64_t first_day = cal.LocalSeconds(start) / kDay - 1;
    for (int64_t day = first_day; day < first_day + kRushLookaheadDays; ++day) {
      const int64_t midnight = day * kDay;
      const TimePoint w0 = cal.AtLocal(midnight + e.from.nanos() / 1'000'000'000);
      if (w0 >= end) break;
      const TimePoint w1 = cal.AtLocal(midnight + e.to.nanos() / 1'000'000'000);
      if (w1 <= start) continue;
      const int weekday = cal.HourOfWeek(midnight + 12 * 3600) / 24;  // a holiday: Sunday
      if (((e.days >> weekday) & 1) == 0) continue;
      const bool leaves = rng.Bernoulli(e.share);
      const TimePoint x = w0 + Duration::FromSecondsF(rng.Uniform() * (w1 - w0).SecondsF());
      if (leaves && x > start && x < end) {
        end = x;
        break;
      }
    }
  }
  return end;
}

// An away period of an outage's car that would end during the outage ends after it.
TimePoint HoldAway(const std::vector<RegionEvent>& events, uint64_t seed, uint32_t car,
                   uint32_t period, TimePoint start, TimePoint end) {
  for (size_t i = 0; i < events.size(); ++i) {
    const RegionEvent& e = events[i];
    if (e.kind != RegionEvent::Kind::kOutage) continue;
    const TimePoint w0 = TimePoint::Epoch() + e.at;
    const TimePoint w1 = w0 + e.duration;
    if (end < w0 || end >= w1 || start >= w1) continue;
    if (!Rng::Stream(seed, "region.outage", (uint64_t{car} << 8) | i).Bernoulli(e.share)) continue;
    Rng rng = Rng::Stream(seed, "region.return", (uint64_t{car} << 32) | period);
    end = w1 + Duration::FromSecondsF(rng.Uniform() * kOutageReturnSpread.SecondsF());
  }
  return end;
}

}  // namespace

AvailabilityModel::Start FleetAvailability::Initial(uint32_t car) const {
  const Region& r = regions_[RegionOf(car)];
  const uint32_t local = car - r.first_car;
  Start st = r.model->Initial(local);
  if (r.events.empty()) return st;
  if (st.available) {
    // From just before t = 0, so that an outage starting at t = 0 ends the period at once.
    st.end = CutParked(r.events, *r.calendar, r.seed, local, 0,
                       TimePoint::Epoch() - Duration::Nanos(1), st.end);
    return st;
  }
  st.end = HoldAway(r.events, r.seed, local, 0, TimePoint::Epoch(),
                    std::max(st.end, TimePoint::Epoch()));
  return st;
}

AvailabilityModel::Span FleetAvailability::Next(uint32_t car, uint32_t period, TimePoint start,
                                                bool available) const {
  const Region& r = regions_[RegionOf(car)];
  const uint32_t local = car - r.first_car;
  Span span = r.model->Next(local, period, start, available);
  if (r.events.empty()) return span;
  span.end = available ? CutParked(r.events, *r.calendar, r.seed, local, period, start, span.end)
                       : HoldAway(r.events, r.seed, local, period, start, span.end);
  return span;
}

}  // namespace fleetgrid::models
