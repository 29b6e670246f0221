// The scenario sections that give cars a calendar and a daily life (docs/scenarios.md):
// `start` (the instant of simulated t = 0), `archetypes` (a scenario's own weekly
// routines) and `regions`. Shared by `fleetgrid sim` and `fleetgrid node --scenario`.
// Errors are INVALID_ARGUMENT naming the key path ("regions[1].events[0].share: ...").
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "models/availability_config.h"
#include "models/region_config.h"
#include "models/routine.h"

namespace fleetgrid::models {

// Monday 2024-01-01 00:00 UTC: simulated t = 0 when a scenario gives no `start`.
inline constexpr int64_t kDefaultStartUnixS = 1'704'067'200;

absl::Status ParseStart(const YAML::Node& root, int64_t& start_unix_s);
absl::Status ParseArchetypesSection(const YAML::Node& n, std::vector<Archetype>& out);
// `availability` is the scenario's top-level section, which a region's own `availability`
// starts from.
absl::Status ParseRegionsSection(const YAML::Node& n, const AvailabilityConfig& availability,
                                 std::vector<RegionConfig>& out);

}  // namespace fleetgrid::models
