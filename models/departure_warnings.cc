#include "models/departure_warnings.h"

#include "common/rng.h"
#include "common/status.h"
#include "models/yaml_fields.h"

namespace fleetgrid::models {

absl::Status ParseDepartureWarnings(const YAML::Node& n, const std::string& path,
                                    DepartureWarningsConfig& c) {
  FG_RETURN_IF_ERROR(CheckMap(n, path, {"share", "lead", "noise"}));
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "share", &c.share, 0, 1));
  FG_RETURN_IF_ERROR(ReadDuration(n, path, "lead", &c.lead));
  FG_RETURN_IF_ERROR(ReadDuration(n, path, "noise", &c.noise));
  if (c.lead < Duration::Zero()) return KeyError(JoinKey(path, "lead"), "must not be negative");
  if (c.noise < Duration::Zero()) return KeyError(JoinKey(path, "noise"), "must not be negative");
  return absl::OkStatus();
}

std::vector<bool> DrawWarningCars(uint64_t seed, double share, uint32_t first_car, uint32_t cars) {
  std::vector<bool> warns(cars, false);
  if (share <= 0) return warns;  // draws nothing, as the simulator with warnings off
  Rng knows = Rng::Stream(seed, "departure-warnings");
  // Bernoulli takes one Uniform, which takes one Next: skip the cars before ours.
  for (uint32_t i = 0; i < first_car; ++i) knows.Next();
  for (uint32_t i = 0; i < cars; ++i) warns[i] = knows.Bernoulli(share);
  return warns;
}

}  // namespace fleetgrid::models
