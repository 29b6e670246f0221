// The hash executor's kernel: iterated SHA-256, deterministic and verifiable.
//
// Definition (version 1; any replica, the coordinator or a client can recompute it):
//   d_0 = SHA-256("fleetgrid.hash.v1" || le64(seed) || le32(task_index) || input)
//   d_k = SHA-256(d_{k-1})             for k = 1 .. rounds
//   output = d_rounds (32 bytes)
// The result digest sent to the coordinator (ResultChunk.result_digest) is SHA-256 of the
// output, like every other result. Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/sha256.h"

namespace fleetgrid::node {

// The kernel above. rounds = 0 gives d_0.
Sha256Digest HashKernel(uint64_t seed, uint32_t task_index, std::string_view input,
                        uint32_t rounds);

}  // namespace fleetgrid::node
