// Internal: one emulated car's traction battery over real time, on the shared battery model
// (models/battery.h) the simulator uses: a drive costs a trip (AfterTrip, applied when the
// car parks again), plugged time charges it (AfterCharging), computing off the grid drains
// it (AfterDraw of ComputePowerW x compute time). Plugged in, computing draws from the grid
// and the battery charges at the charger's full power, as in the simulator.
//
// Time: the caller passes WallClock time points; every elapsed real duration counts
// time_scale times over (model time), like the availability periods and simulated compute.
// Deterministic: the initial state of charge and the trips come from the Rng given.
// Thread safety: none (the car's I/O thread).
#pragma once

#include "common/rng.h"
#include "common/time.h"
#include "models/fleet_config.h"

namespace fleetgrid::node {

class CarBattery {
 public:
  // `accelerator_w`: the car's hardware class power (0 = unknown: models' default board).
  // The initial state of charge is uniform in [initial_soc_min, initial_soc_max] from `rng`.
  // REQUIRES: config.capacity_wh > 0, time_scale > 0.
  CarBattery(const models::BatteryConfig& config, double accelerator_w, double time_scale, Rng rng);

  // The car parks at `now`, plugged in or not; `after_drive`: it comes back from a trip,
  // which costs its energy (the first period of the run has none).
  void Park(TimePoint now, bool plugged, bool after_drive);
  // The car is plugged in or unplugged while parked.
  void SetPlugged(TimePoint now, bool plugged);
  // The car drives off at `now` (the trip's cost is counted when it parks again).
  void Drive(TimePoint now);
  // Whether the car's computer is computing from `now` on.
  void SetComputing(TimePoint now, bool computing);

  // The state of charge at `now`, in [0, 1]. REQUIRES: now >= every time passed before.
  double StateOfCharge(TimePoint now);
  // Charging: parked, plugged in, and not full at `now`.
  bool Charging(TimePoint now);
  // Power into the battery now, in watts (the charger's power while Charging, else 0).
  double ChargingPowerW(TimePoint now);
  // Watts computing draws (the awake car plus its accelerator).
  double compute_power_w() const { return compute_power_w_; }

 private:
  // Brings the state of charge up to `now`.
  void Settle(TimePoint now);

  models::BatteryConfig config_;
  double compute_power_w_;
  double time_scale_;
  Rng rng_;
  double soc_;
  TimePoint since_;  // when soc_ was last settled (WallClock)
  bool parked_ = false;
  bool plugged_ = false;
  bool computing_ = false;
};

}  // namespace fleetgrid::node
