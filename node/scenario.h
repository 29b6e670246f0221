// Cars from a simulator scenario file: the same YAML `fleetgrid sim` reads
// (docs/scenarios.md), parsed and validated by the simulator's own parser.
//
// From the scenario the agent takes: `availability` (model and means), `fleet.classes`,
// `fleet.links`, `fleet.battery`, `fleet.owner_rules`, `departure_warnings`, `seed`, and,
// unless set already, `fleet.owners` and `fleet.malicious` (cheating owners). These sections are
// parsed by models/ exactly as `fleetgrid sim` parses them; workload, policy and outputs are the
// coordinator's and the simulator's business and are not read here.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "node/fleet_options.h"

namespace fleetgrid::node {

// Fills options.availability.model, the classes, the battery, the owner rules, the departure
// warnings and (if `take_seed`) options.seed from the scenario at `path`. Errors are the
// scenario parser's: INVALID_ARGUMENT naming the key, NOT_FOUND for a missing file.
// `options` is unchanged on error.
absl::Status ApplyScenario(const std::string& path, bool take_seed, FleetOptions& options);
// The same from YAML text (tests).
absl::Status ApplyScenarioText(const std::string& yaml, bool take_seed, FleetOptions& options);

}  // namespace fleetgrid::node
