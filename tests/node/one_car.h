// The options of one emulated car that never leaves, against a fake coordinator at `address`
// (fake_node_service.h): quick backoff, a fixed seed. Tests change what they exercise.
#pragma once

#include <string>

#include "node/fleet_options.h"

namespace fleetgrid::node::testing {

inline FleetOptions OneCar(const std::string& address) {
  FleetOptions o;
  o.coordinator = address;
  o.cars = 1;
  o.seed = 3;
  o.join_token = "token-1";
  o.availability.model.kind = models::AvailabilityKind::kNeverLeaves;
  o.backoff.initial = Duration::Millis(20);
  o.backoff.max = Duration::Millis(200);
  o.stop_timeout = Duration::Seconds(5);
  return o;
}

}  // namespace fleetgrid::node::testing
