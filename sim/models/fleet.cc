#include "sim/models/fleet.h"

#include "common/rng.h"

namespace fleetgrid::sim {
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

Fleet DrawFleet(const FleetConfig& config, uint64_t seed) {
  Fleet f;
  f.speed_class.resize(config.size);
  f.link_class.resize(config.size);
  Rng class_rng = Rng::Stream(seed, "fleet.class");
  Rng link_rng = Rng::Stream(seed, "fleet.link");
  for (uint32_t i = 0; i < config.size; ++i) {
    f.speed_class[i] = Pick(config.classes, class_rng.Uniform());
    f.link_class[i] = Pick(config.links, link_rng.Uniform());
  }
  return f;
}

}  // namespace fleetgrid::sim
