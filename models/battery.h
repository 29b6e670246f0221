// The car's traction battery over its day: state of charge after a drive, charging while
// plugged in, and what computing draws (docs/owner_rules.md gives the sources).
//
// The car's computer runs only with the car awake: about 270 W for the car's own systems
// (the 12 V loads a parked, awake EV draws: 250-300 W), plus the accelerator's draw (its
// hardware class's power_w, or kDefaultAcceleratorW). Plugged in, that comes from the grid;
// parked without a plug, from the battery. A trip costs consumption_wh_per_km x its
// distance, drawn exponential with mean mean_trip_km.
// Thread safety: pure functions.
#pragma once

#include "common/rng.h"
#include "common/time.h"
#include "models/fleet_config.h"

namespace fleetgrid::models {

inline constexpr double kDefaultAcceleratorW = 75;  // HW3-class board (hardware_catalog.cc)

// Power while computing: the awake car plus its accelerator (`class_power_w`; 0 = unknown).
double ComputePowerW(const BatteryConfig& b, double class_power_w);
// State of charge at the end of a drive that started at `soc` (never below min_arrival_soc:
// drivers charge on the way rather than arrive empty).
double AfterTrip(const BatteryConfig& b, double soc, Rng& rng);
// State of charge after `plugged` at the charger's power (capped at 1).
double AfterCharging(const BatteryConfig& b, double soc, Duration plugged);
// After drawing `wh` from the battery.
double AfterDraw(const BatteryConfig& b, double soc, double wh);

}  // namespace fleetgrid::models
