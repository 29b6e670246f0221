#include "models/availability_config.h"

namespace fleetgrid::models {

std::string_view AvailabilityKindName(AvailabilityKind kind) {
  switch (kind) {
    case AvailabilityKind::kExponentialOnOff:
      return "exponential-on-off";
    case AvailabilityKind::kNeverLeaves:
      return "never-leaves";
  }
  return "?";
}

std::optional<AvailabilityKind> AvailabilityKindFromName(std::string_view name) {
  for (AvailabilityKind k : {AvailabilityKind::kExponentialOnOff, AvailabilityKind::kNeverLeaves}) {
    if (AvailabilityKindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string_view AvailabilityKindNames() { return "exponential-on-off or never-leaves"; }

double AvailabilityConfig::StartProbability() const {
  if (kind == AvailabilityKind::kNeverLeaves) return 1.0;
  if (start_available >= 0) return start_available;
  const double on = mean_on.SecondsF();
  const double off = mean_off.SecondsF();
  return on / (on + off);
}

}  // namespace fleetgrid::models
