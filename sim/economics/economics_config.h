// The scenario's `economics` section: electricity, battery wear, what clients pay, the pool's
// fee and the datacenter the fleet is compared with (docs/economics.md gives each default's
// source). Its presence turns the accounting on (sim/economics/accounting.h).
// Thread safety: plain values and pure functions.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "sim/economics/price_schedule.h"
#include "yaml-cpp/yaml.h"

namespace fleetgrid::sim {

struct DatacenterConfig {
  std::string hardware = "H100";  // a datacenter entry of the hardware catalog
  double price_per_hour = 2.50;   // rental per accelerator-hour, all-in (power included)
  double pue = 1.2;               // facility power / IT power
};

struct EconomicsConfig {
  bool enabled = false;                   // the scenario has an `economics` section
  std::string currency = "USD";           // a label only
  PriceSchedule electricity_price{0.30};  // per kWh bought from the grid: flat or time-of-use
  std::map<std::string, PriceSchedule> region_prices;  // by region name: replaces the above
  double charger_efficiency = 0.9;     // kWh into the battery (or the car) per kWh bought
  double battery_wear_per_kwh = 0.05;  // per kWh a computing car draws from its battery
  double price_per_top_hour = 0.001;   // charged to clients per accepted INT8 TOP-hour
  double pool_fee = 0.2;               // the operator's share of what clients pay
  DatacenterConfig datacenter;
};

// InvalidArgument naming the key (`economics.pool_fee` ...) for a bad value or an unknown
// key, or a datacenter hardware the catalog does not have. (Region names are checked against
// the scenario's regions by the scenario.)
absl::Status ParseEconomics(const YAML::Node& n, EconomicsConfig& c);

}  // namespace fleetgrid::sim
