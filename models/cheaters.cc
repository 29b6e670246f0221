#include "models/cheaters.h"

#include <algorithm>
#include <cmath>

#include "common/rng.h"

namespace fleetgrid::models {

std::vector<uint32_t> DrawCheatingOwners(uint64_t seed, uint32_t owners, double share) {
  const auto k = static_cast<uint32_t>(std::llround(share * owners));
  if (k == 0) return {};
  std::vector<uint32_t> order(owners);
  for (uint32_t o = 0; o < owners; ++o) order[o] = o;
  Rng rng = Rng::Stream(seed, "malicious");
  for (uint32_t i = 0; i < k; ++i) std::swap(order[i], order[i + rng.Below(owners - i)]);
  std::sort(order.begin(), order.begin() + k);
  std::vector<uint32_t> cheater(owners, kHonestOwner);
  for (uint32_t i = 0; i < k; ++i) cheater[order[i]] = i;
  return cheater;
}

}  // namespace fleetgrid::models
