#include "models/region_config.h"

#include <cmath>

namespace fleetgrid::models {

std::vector<uint32_t> RegionStarts(const std::vector<RegionConfig>& regions, uint32_t fleet_size) {
  std::vector<uint32_t> starts{0};
  double cumulative = 0;
  for (size_t r = 0; r + 1 < regions.size(); ++r) {
    cumulative += regions[r].share;
    starts.push_back(static_cast<uint32_t>(std::llround(cumulative * fleet_size)));
  }
  return starts;
}

const OwnerRulesConfig& RegionOwnerRules(const OwnerRulesConfig& fleet,
                                         const std::vector<RegionConfig>& regions, size_t region) {
  if (region < regions.size() && regions[region].owner_rules) return *regions[region].owner_rules;
  return fleet;
}

}  // namespace fleetgrid::models
