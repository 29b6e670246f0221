// Fleet model: each car's speed class and link class, drawn once at the start.
//
// Draws come from the "fleet.class" and "fleet.link" streams in car order, so changing any
// other model never changes which car is fast. Per car: two bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/scenario/scenario.h"

namespace fleetgrid::sim {

struct Fleet {
  std::vector<uint8_t> speed_class;  // index into FleetConfig::classes
  std::vector<uint8_t> link_class;   // index into FleetConfig::links
};

Fleet DrawFleet(const FleetConfig& config, uint64_t seed);

}  // namespace fleetgrid::sim
