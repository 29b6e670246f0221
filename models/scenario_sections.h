// The sections of a scenario file (docs/scenarios.md) that describe cars: `fleet` and
// `availability`, plus the run's `seed`. The simulator's parser (sim/scenario) calls the
// section parsers for its whole-file validation; the car agent (`fleetgrid node
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
#include "models/fleet_config.h"

namespace fleetgrid::models {

// Fill `fleet` / `availability` from the section node (keys absent keep their values).
absl::Status ParseFleetSection(const YAML::Node& n, FleetConfig& fleet);
absl::Status ParseAvailabilitySection(const YAML::Node& n, AvailabilityConfig& availability);
// The scenario's `seed` key (whole number in [0, 2^53]).
absl::Status ParseSeed(const YAML::Node& root, uint64_t& seed);

// What a car needs of a scenario. Other top-level sections are the simulator's and are not
// read here (`fleetgrid sim` validates them).
struct CarScenario {
  uint64_t seed = 1;
  FleetConfig fleet;
  AvailabilityConfig availability;
};
absl::StatusOr<CarScenario> LoadCarScenario(const std::string& path);
absl::StatusOr<CarScenario> ParseCarScenario(const std::string& yaml_text);

}  // namespace fleetgrid::models
