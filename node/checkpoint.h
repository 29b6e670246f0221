// Checkpoints of an emulated car: the bytes it saves and how they go on the wire.
//
// An emulated task has no real state to save, so a checkpoint is `size` deterministic bytes
// derived from (task id, work units done): the coordinator stores and serves them like any
// checkpoint, and a car resuming from it checks them against their digest. The output of a
// task never depends on a checkpoint (executor.h): resuming changes only how much work is
// left. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fleetgrid/v1/node.pb.h"

namespace fleetgrid::node {

// Largest checkpoint the car builds in memory, whatever the task declares (bounds memory:
// a fleet emulator holds many cars); the declared size is a cap, so a smaller one is valid.
inline constexpr uint64_t kMaxCheckpointBytes = 64ull << 20;

// `size` bytes derived from (task_id, work_done_units).
std::string CheckpointBytes(uint64_t task_id, double work_done_units, uint64_t size);

// The UploadCheckpoint stream of `data` for `attempt`: chunks of at most `max_chunk_bytes`
// (>= 1) at increasing offsets, each naming the attempt and carrying `checkpoint` (id, work
// units, size, digest), the last one with last = true. REQUIRES: data.size() ==
// checkpoint.size_bytes() > 0.
std::vector<v1::CheckpointChunk> CheckpointChunks(const v1::AttemptRef& attempt,
                                                  const v1::Checkpoint& checkpoint,
                                                  const std::string& data,
                                                  uint64_t max_chunk_bytes);

}  // namespace fleetgrid::node
