// Which availability model a fleet follows and its parameters, as a scenario's
// `availability` section (or `fleetgrid node --availability`) names it. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/time.h"

namespace fleetgrid::models {

enum class AvailabilityKind : uint8_t { kExponentialOnOff, kNeverLeaves };

// The one set of model names, shared by the scenario file and the command line.
std::string_view AvailabilityKindName(AvailabilityKind kind);
// nullopt for a name that is not a model's.
std::optional<AvailabilityKind> AvailabilityKindFromName(std::string_view name);
// "exponential-on-off or never-leaves", for error messages.
std::string_view AvailabilityKindNames();

struct AvailabilityConfig {
  AvailabilityKind kind = AvailabilityKind::kExponentialOnOff;
  Duration mean_on = Duration::Hours(6);
  Duration mean_off = Duration::Hours(2);
  // P(available at t=0); negative = stationary, mean_on / (mean_on + mean_off).
  double start_available = -1;
  double StartProbability() const;
};

}  // namespace fleetgrid::models
