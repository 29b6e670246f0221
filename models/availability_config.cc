#include "models/availability_config.h"

namespace fleetgrid::models {

namespace {
constexpr AvailabilityKind kAllKinds[] = {AvailabilityKind::kExponentialOnOff,
                                          AvailabilityKind::kWeibull,
                                          AvailabilityKind::kLognormal,
                                          AvailabilityKind::kRoutine,
                                          AvailabilityKind::kTrace,
                                          AvailabilityKind::kNeverLeaves};
}  // namespace

std::string_view AvailabilityKindName(AvailabilityKind kind) {
  switch (kind) {
    case AvailabilityKind::kExponentialOnOff:
      return "exponential-on-off";
    case AvailabilityKind::kWeibull:
      return "weibull";
    case AvailabilityKind::kLognormal:
      return "lognormal";
    case AvailabilityKind::kRoutine:
      return "routine";
    case AvailabilityKind::kTrace:
      return "trace";
    case AvailabilityKind::kNeverLeaves:
      return "never-leaves";
  }
  return "?";
}

std::optional<AvailabilityKind> AvailabilityKindFromName(std::string_view name) {
  for (AvailabilityKind k : kAllKinds) {
    if (AvailabilityKindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string_view AvailabilityKindNames() {
  return "exponential-on-off, weibull, lognormal, routine, trace or never-leaves";
}

double AvailabilityConfig::StartProbability() const {
  if (kind == AvailabilityKind::kNeverLeaves) return 1.0;
  if (start_available >= 0) return start_available;
  const double on = mean_on.SecondsF();
  const double off = mean_off.SecondsF();
  return on / (on + off);
}

}  // namespace fleetgrid::models
