// What a run cost, earned and delivered (docs/economics.md): energy used and wasted, the
// electricity and battery wear it cost, what clients paid, the pool's fee, the owners'
// payouts and net earnings per car-month, and the same work's cost on a datacenter pool.
//
// Each car's electricity is priced when it is drawn (its region's time-of-use price at that
// local time; energy from the battery as if bought then).
// Pay-per-share, as in mining pools: every accepted result is a share worth its work units;
// clients pay price_per_top_hour per accepted INT8 TOP-hour (work units x kTopsPerSpeedUnit
// / 3600), the pool keeps pool_fee of it and pays the rest to the result's owner at once.
// Owners pay for the power their cars draw (the car is on the owner's meter): every kWh a
// computing car uses is bought from the grid at electricity_price / charger_efficiency
// (directly while plugged in, or later to refill the battery), and each kWh drawn from the
// battery also costs battery_wear_per_kwh. Owners pay for their cars' metered data too
// (the car's cellular plan): each byte over a metered link at the link's price_per_gb.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "sim/economics/economics_config.h"

namespace fleetgrid::sim {

// One car's books over the run.
struct CarBooks {
  double busy_s = 0;          // awake in attempts (accepted or not)
  double useful_s = 0;        // of which in attempts whose result was accepted
  double accepted_units = 0;  // work units of its accepted results (its shares)
  double power_w = 0;         // while computing: awake overhead + accelerator
  double energy_cost = 0;     // its kWh at the price when drawn (before charger losses)
  double data_cost = 0;       // its bytes over a metered link at the link's price_per_gb
};

struct Percentiles {
  double p10 = 0, p50 = 0, p90 = 0, mean = 0;
};

struct EconomicsResult {
  bool enabled = false;
  std::string currency;
  // Work.
  double accepted_units = 0;
  double useful_top_hours = 0;  // INT8 TOP-hours of accepted results
  // Energy (kWh).
  double energy_kwh = 0;   // every car's compute energy: busy time x its power
  double useful_kwh = 0;   // in attempts whose result was accepted
  double wasted_kwh = 0;   // in attempts lost, failed or rejected
  double battery_kwh = 0;  // drawn from batteries (0 without a battery model)
  double grid_kwh = 0;     // bought: energy / charger efficiency
  // Money.
  double electricity_cost = 0;
  double battery_wear_cost = 0;
  double data_cost = 0;  // metered bytes, paid by the owners (the car's data plan)
  double revenue = 0;    // what clients paid
  double pool_fee = 0;
  double owner_payouts = 0;
  double owner_net = 0;                 // payouts - electricity - wear - data
  double energy_cost_per_top_hour = 0;  // (electricity + wear) / useful TOP-hours
  Percentiles owner_net_per_car_month;  // over every car of the fleet, per 30 days
  // The same accepted work on a datacenter pool.
  std::string datacenter_hardware;
  double datacenter_hours = 0;  // accelerator-hours
  double datacenter_cost = 0;   // at its hourly price
  double datacenter_kwh = 0;    // accelerator power x PUE
  double datacenter_cost_per_top_hour = 0;
};

// `battery_share`: the share of the compute energy drawn from batteries (the battery
// model's battery_wh / (battery_wh + grid_wh); 0 without one). `run_s`: the run's length.
EconomicsResult Account(const EconomicsConfig& c, std::span<const CarBooks> cars,
                        double battery_share, double run_s);

}  // namespace fleetgrid::sim
