// Weekly routines: a car's week as time-of-day x weekday behaviour, from archetypes (home
// charger, commuter, ride-hail, depot fleet, or a scenario's own) mixed by share.
//
// An archetype is three tables over the 168 hours of a local week (Monday 00:00 first):
//   parked[h]     the share of its cars parked during hour h,
//   plugged[h]    P(plugged in | a parked period that begins in hour h),
//   mean_stay[h]  the mean time a car parked in hour h stays while the share holds (the
//                 within-hour departure hazard is 1 / mean_stay[h]).
// The process is a two-state Markov chain with hourly rates: within hour h a parked car
// leaves at rate b = 1 / mean_stay[h] and an away car parks at rate b p / (1 - p), which keeps
// the parked share at p = parked[h]; at an hour boundary where the share falls (rises), each
// parked (away) car leaves (parks) with the probability that brings the share to the next
// hour's value. So the expected parked share in hour h is exactly parked[h] (what the tests
// check), morning departures and evening arrivals come at the hours the table says, and how
// long a car stays depends on when it arrived. Each car's routine is shifted by its own
// phase (normal, sd `jitter`) so that a fleet does not switch in lockstep.
// Thread safety: immutable after construction; may be shared.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "models/availability.h"
#include "models/local_calendar.h"

namespace fleetgrid::models {

struct Archetype {
  std::string name;
  std::array<float, 168> parked{};
  std::array<float, 168> plugged{};
  std::array<float, 168> mean_stay_s{};
};

// home-charger, commuter, ride-hail, depot (docs/routines.md says how their numbers were
// chosen).
const std::vector<Archetype>& BuiltinArchetypes();

class RoutineModel final : public AvailabilityModel {
 public:
  // INVALID_ARGUMENT naming an archetype in `mix` that is neither built in nor in `own`.
  // Cars [0, cars) get their archetype and phase drawn once here (a walk then draws
  // neither); others draw them on each call, with the same result.
  static absl::StatusOr<std::unique_ptr<RoutineModel>> Create(
      const AvailabilityConfig& config, const std::vector<Archetype>& own,
      std::shared_ptr<const LocalCalendar> calendar, uint64_t seed, uint32_t cars = 0);

  Start Initial(uint32_t car) const override;
  Span Next(uint32_t car, uint32_t period, TimePoint start, bool available) const override;

  // Car c's archetype index (into archetypes()) and phase shift.
  uint32_t ArchetypeOf(uint32_t car) const;
  const std::vector<Archetype>& archetypes() const { return archetypes_; }

 private:
  RoutineModel() = default;
  struct Hour {
    double leave_rate;  // per second, while parked
    double park_rate;   // per second, while away
    double plugged;
    double parked;
  };
  TimePoint Walk(Rng& rng, uint32_t car, TimePoint t, bool parked) const;
  Duration PhaseOf(uint32_t car) const;
  uint32_t DrawArchetype(uint32_t car) const;
  Duration DrawPhase(uint32_t car) const;

  std::vector<Archetype> archetypes_;
  std::vector<std::array<Hour, 168>> hours_;  // per archetype
  std::vector<double> cumulative_share_;
  std::shared_ptr<const LocalCalendar> calendar_;
  double jitter_s_ = 0;
  uint64_t seed_ = 0;
  std::vector<uint8_t> car_archetype_;  // drawn at Create for cars [0, cars)
  std::vector<int64_t> car_phase_ns_;
};

}  // namespace fleetgrid::models
