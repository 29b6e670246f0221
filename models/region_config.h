// Regions: a fleet split into groups of cars with their own time zone, availability (a
// routine mix, or any other model) and hardware, and region-wide events that move many of
// their cars at once. As a scenario's `regions` section gives them (docs/scenarios.md).
// Plain values; models/scenario_sections.cc validates them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "models/availability_config.h"
#include "models/fleet_config.h"

namespace fleetgrid::models {

struct RegionEvent {
  enum class Kind : uint8_t {
    // Every selected day, between local times `from` and `to`, each car of the region that is
    // parked leaves with probability `share` at a uniform time in the window.
    kRush,
    // From `at` for `duration`, a fixed `share` of the region's cars (the same cars all
    // along) is away: the parked ones leave at `at`, and none comes back before its end.
    kOutage,
    // The local calendar day `at` falls on follows the Sunday routine.
    kHoliday,
  };
  Kind kind = Kind::kRush;
  uint8_t days = 0x1f;  // rush: bit d = weekday d (0 = Monday); default Monday-Friday
  Duration from;        // rush: local time of day the window opens
  Duration to;          // rush: local time of day it closes (> from)
  double share = 0;     // rush: per parked car; outage: of the region's cars
  Duration at;          // outage, holiday: offset from the scenario's start
  Duration duration;    // outage
};

struct RegionConfig {
  std::string name;
  double share = 1.0;             // of the fleet's cars (contiguous blocks, in order)
  std::string time_zone = "UTC";  // IANA name, e.g. Europe/London
  std::optional<AvailabilityConfig> availability;  // unset: the scenario's `availability`
  std::vector<SpeedClass> classes;                 // empty: the fleet's classes
  std::optional<OwnerRulesConfig> owner_rules;     // unset: the fleet's `owner_rules`
  std::vector<RegionEvent> events;
};

// The owner rules of region `region`'s cars: its own, else the fleet's (no regions: the
// fleet's).
const OwnerRulesConfig& RegionOwnerRules(const OwnerRulesConfig& fleet,
                                         const std::vector<RegionConfig>& regions, size_t region);

// Region r's cars are [starts[r], starts[r + 1]) of a fleet of `fleet_size` (the last one
// ends at fleet_size): contiguous blocks in order, of round(cumulative share x size). An
// empty list is one region of every car.
std::vector<uint32_t> RegionStarts(const std::vector<RegionConfig>& regions, uint32_t fleet_size);

}  // namespace fleetgrid::models
