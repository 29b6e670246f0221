// Availability of one car: when its owner leaves it parked (available) and when they drive.
//
// The models are the simulator's (sim/models/availability.h, library fleetgrid_sim_base), so
// emulated cars and simulated cars follow the same processes and, for the same seed and car
// index, the same on/off history. This file adapts a sim model, which answers "when does
// car c's k-th period end", to the agent's view: a generator of periods in model time (the
// agent divides by the time scale). Thread safety: none; one CarAvailability per car (the
// shared sim model is only read).
#pragma once

#include <cstdint>
#include <memory>

#include "common/time.h"
#include "sim/models/availability.h"
#include "sim/scenario/scenario.h"

namespace fleetgrid::node {

struct AvailabilityPeriod {
  bool available = false;  // parked (may compute) vs driving / away
  Duration length;         // model time; Duration::Infinite() for "forever"
};

// The agent's seam: a car's sequence of periods. The first call returns the period in
// progress at t = 0 and its remaining length.
class AvailabilityModel {
 public:
  virtual ~AvailabilityModel() = default;
  virtual AvailabilityPeriod Next() = 0;
};

// What decides when cars come and go.
struct AvailabilityParams {
  // The simulator's model and its parameters (FLEET-1 defaults: exponential on/off with
  // means 6 h / 2 h, stationary start). Set from a scenario file's `availability` section.
  sim::AvailabilityConfig model;
  // When a car drives off, the probability that it vanishes (drops its stream without a
  // word, like a car leaving coverage) rather than sending Leave.
  double vanish_probability = 0.5;
  // Probability that a parked car is plugged in (reported PLUGGED rather than PARKED).
  double plugged_probability = 0.8;
};

// One car's periods from a (shared) sim model.
class CarAvailability final : public AvailabilityModel {
 public:
  CarAvailability(std::shared_ptr<sim::AvailabilityModel> model, uint32_t car)
      : model_(std::move(model)), car_(car) {}
  AvailabilityPeriod Next() override;

 private:
  std::shared_ptr<sim::AvailabilityModel> model_;
  uint32_t car_;
  uint32_t period_ = 0;
  bool available_ = false;
  TimePoint end_;
};

// The sim model for a fleet under `seed` (draws from Rng::Stream(seed, "availability", ...)).
std::shared_ptr<sim::AvailabilityModel> MakeFleetAvailability(const AvailabilityParams& params,
                                                              uint64_t seed);

}  // namespace fleetgrid::node
