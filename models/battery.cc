#include "models/battery.h"

#include <algorithm>

namespace fleetgrid::models {

double ComputePowerW(const BatteryConfig& b, double class_power_w) {
  return b.awake_power_w + (class_power_w > 0 ? class_power_w : kDefaultAcceleratorW);
}

double AfterTrip(const BatteryConfig& b, double soc, Rng& rng) {
  const double km = b.mean_trip_km > 0 ? rng.Exponential(b.mean_trip_km) : 0;
  const double wh = km * b.consumption_wh_per_km;
  return std::max(b.min_arrival_soc, soc - wh / b.capacity_wh);
}

double AfterCharging(const BatteryConfig& b, double soc, Duration plugged) {
  const double wh = b.max_charging_power_w * plugged.SecondsF() / 3600;
  return std::min(1.0, soc + wh / b.capacity_wh);
}

double AfterDraw(const BatteryConfig& b, double soc, double wh) { return soc - wh / b.capacity_wh; }

}  // namespace fleetgrid::models
