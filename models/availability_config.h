// Which availability model a group of cars follows and its parameters, as a scenario's
// `availability` section (top level, or a region's) or `fleetgrid node --availability`
// names it. Plain values; models/scenario_sections.cc validates them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "models/trace_config.h"

namespace fleetgrid::models {

enum class AvailabilityKind : uint8_t {
  kExponentialOnOff,  // renewal on/off, exponential durations (FLEET-1)
  kWeibull,           // renewal on/off, Weibull durations (shape)
  kLognormal,         // renewal on/off, log-normal durations (sigma)
  kRoutine,           // weekly routines: archetypes mixed by share (models/routine.h)
  kTrace,             // replay of real charging sessions (models/trace_replay.h)
  kNeverLeaves,       // a datacenter pool
};

// The one set of model names, shared by the scenario file and the command line.
std::string_view AvailabilityKindName(AvailabilityKind kind);
// nullopt for a name that is not a model's.
std::optional<AvailabilityKind> AvailabilityKindFromName(std::string_view name);
// "exponential-on-off, weibull, lognormal, routine, trace or never-leaves", for messages.
std::string_view AvailabilityKindNames();

// One archetype of a routine mix, by name (built in or defined in the scenario's
// `routines` section) and its share of the group's cars.
struct RoutineShare {
  std::string archetype;
  double share = 1.0;
};

struct AvailabilityConfig {
  AvailabilityKind kind = AvailabilityKind::kExponentialOnOff;
  // Renewal models: mean parked (on) and away (off) durations.
  Duration mean_on = Duration::Hours(6);
  Duration mean_off = Duration::Hours(2);
  // P(available at t=0); negative = stationary, mean_on / (mean_on + mean_off).
  double start_available = -1;
  // Weibull shape k (< 1: heavier tail than exponential); log-normal sigma of log-duration.
  double weibull_shape = 0.7;
  double lognormal_sigma = 1.0;
  // Renewal models: probability that a parked period is plugged in.
  double plugged_share = 1.0;
  // Routine model: archetypes by share, and each car's phase jitter (standard deviation of
  // a normal shift of its routine, so that a fleet does not switch in lockstep).
  std::vector<RoutineShare> routines{RoutineShare{"home-charger", 1.0}};
  Duration jitter = Duration::Minutes(30);
  // Trace model: the session files and their layout.
  TraceConfig trace;
  double StartProbability() const;
};

}  // namespace fleetgrid::models
