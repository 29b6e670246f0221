#include "node/scenario.h"

#include "sim/scenario/scenario.h"

namespace fleetgrid::node {
namespace {

void Apply(const sim::Scenario& s, bool take_seed, FleetOptions& o) {
  o.availability.model = s.availability;
  o.speed_classes = s.fleet.classes;
  if (take_seed) o.seed = s.seed;
  // Owners and cheaters, unless given on the command line.
  if (o.owners == 0) o.owners = s.fleet.owners;
  if (o.malicious_owner_share == 0 && s.fleet.malicious.owner_share > 0) {
    o.malicious_owner_share = s.fleet.malicious.owner_share;
    o.colluding = s.fleet.malicious.colluding;
  }
}

}  // namespace

absl::Status ApplyScenario(const std::string& path, bool take_seed, FleetOptions& options) {
  absl::StatusOr<sim::Scenario> s = sim::LoadScenario(path);
  if (!s.ok()) return s.status();
  Apply(*s, take_seed, options);
  return absl::OkStatus();
}

absl::Status ApplyScenarioText(const std::string& yaml, bool take_seed, FleetOptions& options) {
  absl::StatusOr<sim::Scenario> s = sim::ParseScenario(yaml);
  if (!s.ok()) return s.status();
  Apply(*s, take_seed, options);
  return absl::OkStatus();
}

}  // namespace fleetgrid::node
