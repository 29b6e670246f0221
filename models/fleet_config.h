// What a fleet is made of, as a scenario's `fleet` section describes it (docs/scenarios.md):
// speed classes, link classes, the battery, owners and cheating owners. Plain values; the
// parser (models/scenario_sections.h) validates them, the draw (models/fleet_draw.h) gives
// each car its classes. Both `fleetgrid sim` and `fleetgrid node` read these.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/time.h"

namespace fleetgrid::models {

// A class of cars (or of nodes that never leave): a plain `speed`, or a named entry of the
// hardware catalog (models/hardware_catalog.h) whose speed, memory and power it takes unless
// the scenario overrides them.
struct SpeedClass {
  double speed = 1.0;         // work units per second (1.0 = one Tesla HW3 board)
  double share = 1.0;         // fraction of the fleet
  std::string hardware;       // the catalog's canonical name; empty = a plain speed
  uint64_t memory_bytes = 0;  // memory usable by tasks; 0 = unknown (every task fits)
  double power_w = 0;         // power while computing; 0 = unknown (the node's own guess)
};

struct LinkClass {
  double bandwidth_bytes_per_s = 2.5e6;  // both ways
  Duration latency = Duration::Millis(50);
  double share = 1.0;
  // Metered (cellular): its bytes are billed at price_per_gb (economics) and count against
  // the owner's metered_daily_cap; unmetered (home Wi-Fi) is free and uncapped.
  bool metered = false;
  double price_per_gb = 0;
};

// Every car's traction battery (models/battery.h). `simulated`: the scenario gave a
// battery section (or owner rules), so the simulator follows each car's state of charge.
// Charger powers: home 7.4-11 kW, public AC 22 kW, rapid DC 50-150 kW.
struct BatteryConfig {
  double capacity_wh = 75'000;
  double max_charging_power_w = 11'000;
  double awake_power_w = 270;  // the car's own systems while it computes
  double consumption_wh_per_km = 180;
  double mean_trip_km = 20;      // exponential
  double initial_soc_min = 0.3;  // at t = 0, uniform in [min, max]
  double initial_soc_max = 0.9;
  double min_arrival_soc = 0.1;
  bool simulated = false;
};

// What owners allow (coordinator/core/owner_rules.h holds the brain's copy): compute only
// while plugged in, never below a state of charge, only in local time windows (seconds
// since local midnight, end < start wraps), at most an energy per local day.
struct OwnerRulesConfig {
  bool given = false;
  bool plugged_only = false;
  double min_soc = 0;
  std::vector<std::pair<int32_t, int32_t>> windows;
  double daily_energy_wh = 0;
  uint64_t metered_daily_cap_bytes = 0;  // bytes per local day over a metered link; 0 = none
};

// Cheating owners: every car of a malicious owner returns a wrong digest for every task.
// Colluding cheaters all return the same wrong digest for a task (so they can win a quorum
// together); others each return one of their own.
struct MaliciousConfig {
  double owner_share = 0;  // fraction of owners that cheat (rounded to a whole number)
  bool colluding = true;
};

struct FleetConfig {
  uint32_t size = 1000;
  uint32_t owners = 0;  // car c belongs to owner c % owners; 0 = one owner per car
  MaliciousConfig malicious;
  std::vector<SpeedClass> classes{SpeedClass{}};
  std::vector<LinkClass> links{LinkClass{}};
  BatteryConfig battery;
  OwnerRulesConfig owner_rules;
};

}  // namespace fleetgrid::models
