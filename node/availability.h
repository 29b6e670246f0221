// How an emulated car acts on its availability (models/availability.h gives the periods,
// the same as the simulator's for the same seed and car): whether a departing car says
// Leave or vanishes, and whether a parked car is plugged in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/availability_config.h"
#include "models/region_config.h"
#include "models/region_sections.h"
#include "models/routine.h"

namespace fleetgrid::node {

struct AvailabilityParams {
  // The model and its parameters (FLEET-1 defaults: exponential on/off with means 6 h / 2 h,
  // stationary start). Set from a scenario file's `availability` section or the flags.
  models::AvailabilityConfig model;
  // When a car drives off, the probability that it vanishes (drops its stream without a
  // word, like a car leaving coverage) rather than sending Leave.
  double vanish_probability = 0.5;
  // What the rest of the scenario says of the cars' lives (models/fleet_availability.h):
  // the calendar instant of model time 0, regions (contiguous blocks of the whole fleet's
  // car indexes, so `fleet_size` is the scenario's fleet.size, not this process's share),
  // the scenario's own routine archetypes, and its folder (relative trace paths). Whether a
  // parked car is plugged in (reported PLUGGED rather than PARKED) is the model's too.
  int64_t start_unix_s = models::kDefaultStartUnixS;
  std::vector<models::RegionConfig> regions;
  std::vector<models::Archetype> archetypes;
  std::string scenario_dir;
  uint32_t fleet_size = 0;  // 0: first_car + cars
};

}  // namespace fleetgrid::node
