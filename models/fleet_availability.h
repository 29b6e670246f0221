// The availability of a whole fleet: its regions (contiguous blocks of car indexes, by
// share), each with its own model (renewal, routine, trace, never-leaves), time zone and
// events, composed into one AvailabilityModel over global car indexes. Without regions the
// fleet is one region, "all", following the scenario's `availability` in UTC, and car i's
// periods are exactly what the model alone gives (FLEET-1's goldens hold).
// Region r's models draw from the seed mixed with its name (region 0 keeps the seed), so
// two regions with the same model do not replay each other's cars.
// Thread safety: immutable after Build; may be shared.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "models/availability.h"
#include "models/region_config.h"
#include "models/routine.h"
#include "models/trace_import.h"

namespace fleetgrid::models {

class TraceReplay;

// Everything the fleet's availability depends on, from the scenario.
struct AvailabilitySetup {
  uint64_t seed = 1;
  uint32_t fleet_size = 0;
  int64_t start_unix_s = 0;  // the calendar instant of simulated t = 0
  AvailabilityConfig availability;
  std::vector<RegionConfig> regions;  // empty: one region "all"
  std::vector<Archetype> archetypes;  // the scenario's own, besides the built-in ones
  std::string scenario_dir;           // for relative trace file paths
};

class FleetAvailability final : public AvailabilityModel {
 public:
  // INVALID_ARGUMENT for an unknown time zone or archetype, or a trace that cannot be
  // read (the trace importer's messages name file and line).
  static absl::StatusOr<std::unique_ptr<FleetAvailability>> Build(const AvailabilitySetup& s);

  Start Initial(uint32_t car) const override;
  Span Next(uint32_t car, uint32_t period, TimePoint start, bool available) const override;

  size_t region_count() const { return regions_.size(); }
  const std::string& region_name(size_t r) const { return regions_[r].name; }
  // The region of a car: regions are contiguous blocks of car indexes.
  uint32_t RegionOf(uint32_t car) const {
    uint32_t r = 0;
    while (r + 1 < regions_.size() && car >= regions_[r + 1].first_car) ++r;
    return r;
  }
  uint32_t region_first_car(size_t r) const { return regions_[r].first_car; }
  // Whether a run this long outlasts a trace region's sessions (its replay then wraps around
  // to the start of the trace's frame: TraceReplay::Loops).
  bool LoopsWithin(Duration horizon) const;
  // Reports of the trace regions' imports (sessions loaded, rows refused...).
  std::vector<std::pair<std::string, TraceReport>> trace_reports() const;

 private:
  struct Region {
    std::string name;
    uint32_t first_car = 0;
    std::unique_ptr<AvailabilityModel> model;  // over the region's own car indexes
    std::shared_ptr<const TraceSessions> trace;
    const TraceReplay* replay = nullptr;  // `model`, for a trace region
    std::vector<RegionEvent> events;
    std::shared_ptr<const LocalCalendar> calendar;
    uint64_t seed = 0;
  };
  std::vector<Region> regions_;
};

}  // namespace fleetgrid::models
