#include "models/fleet_draw.h"

#include "common/rng.h"

namespace fleetgrid::models {
namespace {

// Picks the index whose cumulative share first exceeds u (the last one on rounding).
template <typename Classes>
uint8_t Pick(const Classes& classes, double u) {
  double acc = 0;
  for (size_t i = 0; i + 1 < classes.size(); ++i) {
    acc += classes[i].share;
    if (u < acc) return static_cast<uint8_t>(i);
  }
  return static_cast<uint8_t>(classes.size() - 1);
}

}  // namespace

FleetDraw DrawFleet(const std::vector<SpeedClass>& classes, const std::vector<LinkClass>& links,
                    uint64_t seed, uint32_t first_car, uint32_t cars) {
  FleetDraw f;
  f.first_car = first_car;
  f.speed_class.resize(cars);
  f.link_class.resize(cars);
  Rng class_rng = Rng::Stream(seed, "fleet.class");
  Rng link_rng = Rng::Stream(seed, "fleet.link");
  for (uint32_t i = 0; i < first_car; ++i) {
    class_rng.Next();
    link_rng.Next();
  }
  for (uint32_t i = 0; i < cars; ++i) {
    f.speed_class[i] = Pick(classes, class_rng.Uniform());
    f.link_class[i] = Pick(links, link_rng.Uniform());
  }
  return f;
}

std::vector<SpeedClass> ClassTable(const std::vector<SpeedClass>& classes,
                                   const std::vector<RegionConfig>& regions) {
  std::vector<SpeedClass> table = classes;
  for (const RegionConfig& r : regions)
    table.insert(table.end(), r.classes.begin(), r.classes.end());
  return table;
}

FleetDraw DrawFleet(const std::vector<SpeedClass>& classes, const std::vector<LinkClass>& links,
                    const std::vector<RegionConfig>& regions, uint32_t fleet_size, uint64_t seed,
                    uint32_t first_car, uint32_t cars) {
  FleetDraw f = DrawFleet(classes, links, seed, first_car, cars);
  const std::vector<uint32_t> starts = RegionStarts(regions, fleet_size);
  size_t offset = classes.size();  // of the region's first class in the table
  for (size_t r = 0; r < regions.size(); ++r) {
    const std::vector<SpeedClass>& own = regions[r].classes;
    if (own.empty()) continue;
    const uint32_t begin = starts[r];
    const uint32_t end = r + 1 < starts.size() ? starts[r + 1] : fleet_size;
    Rng rng = Rng::Stream(seed, "fleet.class." + regions[r].name);
    for (uint32_t car = begin; car < end && car < first_car + cars; ++car) {
      const double u = rng.Uniform();
      if (car >= first_car)
        f.speed_class[car - first_car] = static_cast<uint8_t>(offset + Pick(own, u));
    }
    offset += own.size();
  }
  return f;
}

}  // namespace fleetgrid::models
