#include "node/car_battery.h"

#include <algorithm>

#include "models/battery.h"

namespace fleetgrid::node {

CarBattery::CarBattery(const models::BatteryConfig& config, double accelerator_w, double time_scale,
                       Rng rng)
    : config_(config),
      compute_power_w_(models::ComputePowerW(config, accelerator_w)),
      time_scale_(time_scale),
      rng_(rng) {
  soc_ = config_.initial_soc_min +
         (config_.initial_soc_max - config_.initial_soc_min) * rng_.Uniform();
}

void CarBattery::Settle(TimePoint now) {
  if (now <= since_) return;
  const Duration model = Duration::FromSecondsF((now - since_).SecondsF() * time_scale_);
  since_ = now;
  if (!parked_) return;  // a drive is costed as a whole trip when the car parks
  if (plugged_) {
    soc_ = models::AfterCharging(config_, soc_, model);
  } else if (computing_) {
    soc_ = models::AfterDraw(config_, soc_, compute_power_w_ * model.SecondsF() / 3600);
  }
  soc_ = std::clamp(soc_, 0.0, 1.0);
}

void CarBattery::Park(TimePoint now, bool plugged, bool after_drive) {
  Settle(now);
  if (after_drive) soc_ = models::AfterTrip(config_, soc_, rng_);
  parked_ = true;
  plugged_ = plugged;
}

void CarBattery::SetPlugged(TimePoint now, bool plugged) {
  Settle(now);
  plugged_ = plugged;
}

void CarBattery::Drive(TimePoint now) {
  Settle(now);
  parked_ = false;
  plugged_ = false;
  computing_ = false;
}

void CarBattery::SetComputing(TimePoint now, bool computing) {
  Settle(now);
  computing_ = computing;
}

double CarBattery::StateOfCharge(TimePoint now) {
  Settle(now);
  return soc_;
}

bool CarBattery::Charging(TimePoint now) { return parked_ && plugged_ && StateOfCharge(now) < 1; }

double CarBattery::ChargingPowerW(TimePoint now) {
  return Charging(now) ? config_.max_charging_power_w : 0;
}

}  // namespace fleetgrid::node
