#include "models/routine.h"

#include <algorithm>
#include <cmath>

#include "common/rng.h"

namespace fleetgrid::models {
namespace {

using Day = std::array<float, 24>;

// A week from a weekday profile (Monday-Friday), a Saturday and a Sunday profile.
std::array<float, 168> Week(const Day& weekday, const Day& saturday, const Day& sunday) {
  std::array<float, 168> w{};
  for (int d = 0; d < 7; ++d) {
    const Day& day = d < 5 ? weekday : d == 5 ? saturday : sunday;
    for (int h = 0; h < 24; ++h) w[d * 24 + h] = day[h];
  }
  return w;
}

Day Hours(float v) {
  Day d;
  d.fill(v);
  return d;
}

Day InHours(Day base, int from, int to, float v) {  // hours [from, to) set to v
  for (int h = from; h < to; ++h) base[h] = v;
  return base;
}

// The built-in archetypes. docs/routines.md gives the sources: cars are parked about 95% of
// the time (RAC Foundation, "Spaced Out", 2012: 96.5%; US NHTS 2017: about one hour of
// driving a day), most of it at home; about 80% of EV charging is at home; the commute
// leaves 7-9 and returns 16-19 on weekdays (UK National Travel Survey, trip start times).
std::vector<Archetype> MakeBuiltins() {
  std::vector<Archetype> all;
  {
    // Parked and plugged at home overnight; away at work (or elsewhere, not computing)
    // 8-18 on weekdays; shorter errands at weekends.
    Archetype a{"home-charger", {}, {}, {}};
    Day wd = Hours(0.95f);
    wd = InHours(wd, 7, 8, 0.60f);
    wd = InHours(wd, 8, 17, 0.20f);
    wd = InHours(wd, 17, 18, 0.45f);
    wd = InHours(wd, 18, 22, 0.85f);
    Day we = Hours(0.95f);
    we = InHours(we, 9, 13, 0.60f);
    we = InHours(we, 13, 18, 0.55f);
    we = InHours(we, 18, 21, 0.80f);
    a.parked = Week(wd, we, we);
    const Day plug = InHours(Hours(0.5f), 17, 24, 0.9f);
    a.plugged = Week(plug, plug, plug);
    // Departure hazard 1 / stay: nights are quiet (a few percent of trips start 22-6).
    Day stay = InHours(Hours(3 * 3600.f), 17, 22, 11 * 3600.f);
    stay = InHours(InHours(stay, 22, 24, 48 * 3600.f), 0, 6, 48 * 3600.f);
    Day stay_we = InHours(Hours(4 * 3600.f), 21, 24, 48 * 3600.f);
    stay_we = InHours(stay_we, 0, 8, 48 * 3600.f);
    a.mean_stay_s = Week(stay, stay_we, stay_we);
    all.push_back(a);
  }
  {
    // Parked at home overnight (not plugged: no home charger) and at work by day, where a
    // workplace charger plugs some; away during the two commutes.
    Archetype a{"commuter", {}, {}, {}};
    Day wd = Hours(0.92f);
    wd = InHours(wd, 7, 9, 0.35f);
    wd = InHours(wd, 12, 13, 0.80f);
    wd = InHours(wd, 16, 18, 0.40f);
    wd = InHours(wd, 18, 19, 0.75f);
    Day we = Hours(0.92f);
    we = InHours(we, 10, 18, 0.65f);
    a.parked = Week(wd, we, we);
    const Day plug_wd = InHours(Hours(0.1f), 7, 10, 0.6f);
    a.plugged = Week(plug_wd, Hours(0.1f), Hours(0.1f));
    Day stay = Hours(2 * 3600.f);
    stay = InHours(stay, 7, 16, 8.5f * 3600.f);  // the working day
    stay = InHours(stay, 19, 22, 12 * 3600.f);
    stay = InHours(InHours(stay, 22, 24, 48 * 3600.f), 0, 6, 48 * 3600.f);
    Day stay_we = InHours(Hours(3 * 3600.f), 22, 24, 48 * 3600.f);
    stay_we = InHours(stay_we, 0, 8, 48 * 3600.f);
    a.mean_stay_s = Week(stay, stay_we, stay_we);
    all.push_back(a);
  }
  {
    // Ride-hail: on the road most of the day, short waits between fares, rapid charges at
    // midday, a few hours' rest at night; busiest on Friday and Saturday nights.
    Archetype a{"ride-hail", {}, {}, {}};
    Day wd = Hours(0.30f);
    wd = InHours(wd, 0, 5, 0.70f);
    wd = InHours(wd, 6, 10, 0.20f);
    wd = InHours(wd, 16, 20, 0.15f);
    Day sat = InHours(wd, 0, 4, 0.35f);
    a.parked = Week(wd, sat, sat);
    const Day plug = InHours(InHours(Hours(0.25f), 11, 15, 0.5f), 0, 6, 0.7f);
    a.plugged = Week(plug, plug, plug);
    const Day stay = InHours(Hours(0.75f * 3600.f), 0, 5, 5 * 3600.f);
    a.mean_stay_s = Week(stay, stay, stay);
    all.push_back(a);
  }
  {
    // Depot fleet (delivery vans): out on rounds 7-18 on weekdays, at the depot's chargers
    // nights and weekends.
    Archetype a{"depot", {}, {}, {}};
    Day wd = Hours(0.97f);
    wd = InHours(wd, 7, 18, 0.10f);
    a.parked = Week(wd, Hours(0.97f), Hours(0.97f));
    const Day plug = Hours(0.95f);
    a.plugged = Week(plug, plug, plug);
    const Day stay = InHours(Hours(72 * 3600.f), 7, 18, 1 * 3600.f);
    a.mean_stay_s = Week(stay, Hours(72 * 3600.f), Hours(72 * 3600.f));
    all.push_back(a);
  }
  return all;
}

// A share this close to 0 or 1 makes the other state's rate effectively instantaneous.
constexpr double kEdge = 1e-6;
constexpr double kInstant = 1.0;          // per second: "at once", within a few seconds
constexpr int kMaxHoursWalked = 8 * 168;  // beyond: the state never changes

}  // namespace

const std::vector<Archetype>& BuiltinArchetypes() {
  static const std::vector<Archetype> builtins = MakeBuiltins();
  return builtins;
}

absl::StatusOr<std::unique_ptr<RoutineModel>> RoutineModel::Create(
    const AvailabilityConfig& config, const std::vector<Archetype>& own,
    std::shared_ptr<const LocalCalendar> calendar, uint64_t seed, uint32_t cars) {
  std::unique_ptr<RoutineModel> m(new RoutineModel());
  double cumulative = 0;
  for (const RoutineShare& share : config.routines) {
    const Archetype* found = nullptr;
    for (const Archetype& a : own) {
      if (a.name == share.archetype) found = &a;
    }
    for (const Archetype& a : BuiltinArchetypes()) {
      if (found == nullptr && a.name == share.archetype) found = &a;
    }
    if (found == nullptr) {
      std::string names;
      for (const Archetype& a : BuiltinArchetypes()) names += (names.empty() ? "" : ", ") + a.name;
      for (const Archetype& a : own) names += ", " + a.name;
      return absl::InvalidArgumentError("unknown archetype \"" + share.archetype +
                                        "\" (expected one of " + names + ")");
    }
    m->archetypes_.push_back(*found);
    cumulative += share.share;
    m->cumulative_share_.push_back(cumulative);
  }
  if (m->archetypes_.empty()) return absl::InvalidArgumentError("no archetype in the mix");
  if (m->archetypes_.size() > 256)
    return absl::InvalidArgumentError("at most 256 archetypes in a mix");
  m->cumulative_share_.back() = 1.0;  // rounding
  for (const Archetype& a : m->archetypes_) {
    std::array<Hour, 168> hours{};
    for (int h = 0; h < 168; ++h) {
      const double p = std::clamp<double>(a.parked[h], 0, 1);
      Hour& x = hours[h];
      x.parked = p;
      x.plugged = std::clamp<double>(a.plugged[h], 0, 1);
      const double b = 1.0 / std::max<double>(a.mean_stay_s[h], 1.0);
      x.leave_rate = p <= kEdge ? kInstant : p >= 1 - kEdge ? 0 : b;
      x.park_rate = p >= 1 - kEdge ? kInstant : p <= kEdge ? 0 : b * p / (1 - p);
    }
    m->hours_.push_back(hours);
  }
  m->calendar_ = std::move(calendar);
  m->jitter_s_ = config.jitter.SecondsF();
  m->seed_ = seed;
  m->car_archetype_.resize(cars);
  m->car_phase_ns_.resize(cars);
  for (uint32_t c = 0; c < cars; ++c) {
    m->car_archetype_[c] = static_cast<uint8_t>(m->DrawArchetype(c));
    m->car_phase_ns_[c] = m->DrawPhase(c).nanos();
  }
  return m;
}

uint32_t RoutineModel::ArchetypeOf(uint32_t car) const {
  return car < car_archetype_.size() ? car_archetype_[car] : DrawArchetype(car);
}

Duration RoutineModel::PhaseOf(uint32_t car) const {
  return car < car_phase_ns_.size() ? Duration::Nanos(car_phase_ns_[car]) : DrawPhase(car);
}

uint32_t RoutineModel::DrawArchetype(uint32_t car) const {
  if (archetypes_.size() == 1) return 0;
  Rng rng = Rng::Stream(seed_, "routine.archetype", car);
  const double u = rng.Uniform();
  uint32_t i = 0;
  while (i + 1 < cumulative_share_.size() && u >= cumulative_share_[i]) ++i;
  return i;
}

Duration RoutineModel::DrawPhase(uint32_t car) const {
  if (jitter_s_ <= 0) return Duration::Zero();
  Rng rng = Rng::Stream(seed_, "routine.phase", car);
  const double z = std::clamp(rng.Normal(), -3.0, 3.0);
  return Duration::FromSecondsF(z * jitter_s_);
}

// From `t` in state `parked`, the time of the next change: within each hour the state
// changes at that hour's rate (one unit exponential is spent as cumulative hazard across
// hours, which is the same in distribution as a fresh draw per hour and costs one log per
// walk), and at each hour boundary the jump that moves the share to the next hour's. The
// car's own hours are the calendar's shifted by its phase.
TimePoint RoutineModel::Walk(Rng& rng, uint32_t car, TimePoint t, bool parked) const {
  const std::array<Hour, 168>& hours = hours_[ArchetypeOf(car)];
  const Duration phase = PhaseOf(car);
  double hazard = rng.Exponential(1.0);
  int64_t local = calendar_->LocalSeconds(t + phase);
  for (int walked = 0; walked < kMaxHoursWalked; ++walked) {
    const TimePoint shifted = t + phase;
    const Hour& now = hours[calendar_->HourOfWeek(local)];
    const int64_t into_hour_ns =
        (((local % 3600) + 3600) % 3600) * 1'000'000'000 +
        (((shifted.nanos() % 1'000'000'000) + 1'000'000'000) % 1'000'000'000);
    const Duration left = Duration::Nanos(3600LL * 1'000'000'000 - into_hour_ns);
    const double rate = parked ? now.leave_rate : now.park_rate;
    if (rate > 0) {
      const double left_s = left.SecondsF();
      if (hazard < rate * left_s) return t + Duration::FromSecondsF(hazard / rate);
      hazard -= rate * left_s;
    }
    t += left;
    local = calendar_->LocalSeconds(t + phase);
    const Hour& next = hours[calendar_->HourOfWeek(local)];
    if (parked && next.parked < now.parked) {
      if (rng.Bernoulli((now.parked - next.parked) / now.parked)) return t;
    } else if (!parked && next.parked > now.parked) {
      if (rng.Bernoulli((next.parked - now.parked) / (1 - now.parked))) return t;
    }
  }
  return TimePoint::Infinite();
}

AvailabilityModel::Start RoutineModel::Initial(uint32_t car) const {
  Rng rng = Rng::Stream(seed_, "routine", uint64_t{car} << 32);
  const std::array<Hour, 168>& hours = hours_[ArchetypeOf(car)];
  const Hour& h0 =
      hours[calendar_->HourOfWeek(calendar_->LocalSeconds(TimePoint::Epoch() + PhaseOf(car)))];
  const bool parked = rng.Bernoulli(h0.parked);
  const bool plugged = parked && rng.Bernoulli(h0.plugged);
  return {parked, Walk(rng, car, TimePoint::Epoch(), parked), plugged};
}

AvailabilityModel::Span RoutineModel::Next(uint32_t car, uint32_t period, TimePoint start,
                                           bool available) const {
  Rng rng = Rng::Stream(seed_, "routine", (uint64_t{car} << 32) | period);
  bool plugged = false;
  if (available) {
    const std::array<Hour, 168>& hours = hours_[ArchetypeOf(car)];
    plugged = rng.Bernoulli(
        hours[calendar_->HourOfWeek(calendar_->LocalSeconds(start + PhaseOf(car)))].plugged);
  }
  return {Walk(rng, car, start, available), plugged};
}

}  // namespace fleetgrid::models
