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

}  // namespace fleetgrid::models
