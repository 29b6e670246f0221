// The fleet draw: each car's speed class and link class, drawn once.
//
// Car i's classes are the i-th draws of the "fleet.class" and "fleet.link" streams, so they
// depend only on the seed, the classes and i: changing any other model never changes which
// car is fast, and a process emulating cars [first, first + n) (`fleetgrid node
// --first-car`) gets the same classes as `fleetgrid sim` for those cars, whatever the split.
// (Skipping to `first` costs one draw per skipped car per stream, about 3 ns each.)
// Per car: two bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "models/fleet_config.h"
#include "models/region_config.h"

namespace fleetgrid::models {

struct FleetDraw {
  uint32_t first_car = 0;            // car index of element 0
  std::vector<uint8_t> speed_class;  // index into FleetConfig::classes
  std::vector<uint8_t> link_class;   // index into FleetConfig::links
};

// Cars [first_car, first_car + cars). REQUIRES: non-empty classes and links (at most 255).
FleetDraw DrawFleet(const std::vector<SpeedClass>& classes, const std::vector<LinkClass>& links,
                    uint64_t seed, uint32_t first_car, uint32_t cars);

// With regions (models/region_config.h), some of which may have their own classes (a
// datacenter group beside a fleet of cars): the class table is the fleet's classes followed
// by each such region's, and speed_class indexes it. A car of a region with its own classes
// draws from them (the region's k-th car, the k-th draw of "fleet.class.<region name>"); every
// other car keeps its DrawFleet class. Links are the fleet's for every car.
std::vector<SpeedClass> ClassTable(const std::vector<SpeedClass>& classes,
                                   const std::vector<RegionConfig>& regions);
FleetDraw DrawFleet(const std::vector<SpeedClass>& classes, const std::vector<LinkClass>& links,
                    const std::vector<RegionConfig>& regions, uint32_t fleet_size, uint64_t seed,
                    uint32_t first_car, uint32_t cars);

}  // namespace fleetgrid::models
