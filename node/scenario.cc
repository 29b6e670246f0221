#include "node/scenario.h"

#include "models/scenario_sections.h"

namespace fleetgrid::node {
namespace {

absl::Status Apply(const absl::StatusOr<models::CarScenario>& s, bool take_seed, FleetOptions& o) {
  if (!s.ok()) return s.status();
  o.availability.model = s->availability;
  o.availability.start_unix_s = s->start_unix_s;
  o.availability.regions = s->regions;
  o.availability.archetypes = s->archetypes;
  o.availability.scenario_dir = s->dir;
  o.availability.fleet_size = s->fleet.size;
  o.speed_classes = s->fleet.classes;
  o.links = s->fleet.links;
  o.battery = s->fleet.battery;
  o.owner_rules = s->fleet.owner_rules;
  o.departure_warnings = s->departure_warnings;
  if (take_seed) o.seed = s->seed;
  // Owners and cheaters, unless given on the command line.
  if (o.owners == 0) o.owners = s->fleet.owners;
  if (o.malicious_owner_share == 0 && s->fleet.malicious.owner_share > 0) {
    o.malicious_owner_share = s->fleet.malicious.owner_share;
    o.colluding = s->fleet.malicious.colluding;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyScenario(const std::string& path, bool take_seed, FleetOptions& options) {
  return Apply(models::LoadCarScenario(path), take_seed, options);
}

absl::Status ApplyScenarioText(const std::string& yaml, bool take_seed, FleetOptions& options) {
  return Apply(models::ParseCarScenario(yaml), take_seed, options);
}

}  // namespace fleetgrid::node
