// How an emulated car acts on its availability (models/availability.h gives the periods,
// the same as the simulator's for the same seed and car): whether a departing car says
// Leave or vanishes, and whether a parked car is plugged in.
#pragma once

#include "models/availability_config.h"

namespace fleetgrid::node {

struct AvailabilityParams {
  // The model and its parameters (FLEET-1 defaults: exponential on/off with means 6 h / 2 h,
  // stationary start). Set from a scenario file's `availability` section or the flags.
  models::AvailabilityConfig model;
  // When a car drives off, the probability that it vanishes (drops its stream without a
  // word, like a car leaving coverage) rather than sending Leave.
  double vanish_probability = 0.5;
  // Probability that a parked car is plugged in (reported PLUGGED rather than PARKED).
  double plugged_probability = 0.8;
};

}  // namespace fleetgrid::node
