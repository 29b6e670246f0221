// The sections of a scenario file (docs/scenarios.md) that describe cars: `fleet`,
// `availability`, `archetypes` and `regions`, plus the run's `seed` and `start`. The simulator's
// parser (sim/scenario) calls the section parsers for its whole-file validation; the car agent
// (`fleetgrid node
// --scenario`) reads only these sections with LoadCarScenario, so a car in either world is
// described by the same keys, defaults and checks. Errors are INVALID_ARGUMENT naming the
// key path ("fleet.classes[1].share: ..."), NOT_FOUND for a missing file.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "models/availability_config.h"
#include "models/departure_warnings.h"
#include "models/fleet_availability.h"
#include "models/fleet_config.h"
#include "models/region_sections.h"

namespace fleetgrid::models {

// Fill `fleet` / `availability` from the section node (keys absent keep their values).
absl::Status ParseFleetSection(const YAML::Node& n, FleetConfig& fleet);
// `path` names the section in messages: "availability", or a region's.
absl::Status ParseAvailabilitySection(const YAML::Node& n, AvailabilityConfig& availability,
                                      const std::string& path = "availability");
// A `classes` list (fleet.classes, or a region's) into fleet.classes.
absl::Status ParseSpeedClasses(const YAML::Node& c, const std::string& path, FleetConfig& fleet);
// The scenario's `seed` key (whole number in [0, 2^53]).
absl::Status ParseSeed(const YAML::Node& root, uint64_t& seed);

// What a car needs of a scenario. Other top-level sections are the simulator's and are not
// read here (`fleetgrid sim` validates them).
struct CarScenario {
  uint64_t seed = 1;
  int64_t start_unix_s = kDefaultStartUnixS;  // the calendar instant of t = 0
  FleetConfig fleet;
  AvailabilityConfig availability;
  std::vector<Archetype> archetypes;  // the scenario's own routines
  std::vector<RegionConfig> regions;  // empty: one region, "all"
  DepartureWarningsConfig departure_warnings;
  std::string dir;  // the file's directory (relative trace paths)
};
// All of the above from a scenario's root map (the simulator's parser calls it too).
absl::Status ParseCarSections(const YAML::Node& root, CarScenario& s);
// What FleetAvailability::Build needs of it.
AvailabilitySetup SetupOf(const CarScenario& s);
absl::StatusOr<CarScenario> LoadCarScenario(const std::string& path);
absl::StatusOr<CarScenario> ParseCarScenario(const std::string& yaml_text);

}  // namespace fleetgrid::models
