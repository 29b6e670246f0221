// Cheating owners (issue 6): which owners of a fleet return wrong results, shared by the
// simulator (fleet.malicious) and the car agent (`fleetgrid node --malicious-owner-share`)
// so that a live fleet and a simulated one with the same seed cheat with the same owners.
#pragma once

#include <cstdint>
#include <vector>

namespace fleetgrid::models {

inline constexpr uint32_t kHonestOwner = 0xffffffffu;

// Picks round(share x owners) owners uniformly from Rng::Stream(seed, "malicious"). Per
// owner: its index among the cheaters (in owner order), or kHonestOwner. Empty when no
// owner cheats. REQUIRES: share in [0, 1].
std::vector<uint32_t> DrawCheatingOwners(uint64_t seed, uint32_t owners, double share);

// What a cheater's wrong result is keyed by: every colluder shares one wrong answer per
// task (0); an independent cheater has its own (its owner + 1).
inline uint32_t WrongAnswerKey(uint32_t owner, bool colluding) { return colluding ? 0 : owner + 1; }

}  // namespace fleetgrid::models
