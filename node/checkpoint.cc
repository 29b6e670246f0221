#include "node/checkpoint.h"

#include <algorithm>
#include <bit>

#include "common/rng.h"
#include "node/executor.h"

namespace fleetgrid::node {

std::string CheckpointBytes(uint64_t task_id, double work_done_units, uint64_t size) {
  Rng rng = Rng::Stream(task_id, "checkpoint", std::bit_cast<uint64_t>(work_done_units));
  return BytesFrom(rng, size);
}

std::vector<v1::CheckpointChunk> CheckpointChunks(const v1::AttemptRef& attempt,
                                                  const v1::Checkpoint& checkpoint,
                                                  const std::string& data,
                                                  uint64_t max_chunk_bytes) {
  const uint64_t chunk = std::max<uint64_t>(1, max_chunk_bytes);
  std::vector<v1::CheckpointChunk> chunks;
  chunks.reserve(data.size() / chunk + 1);
  for (uint64_t off = 0; off < data.size(); off += chunk) {
    v1::CheckpointChunk& c = chunks.emplace_back();
    *c.mutable_attempt() = attempt;
    *c.mutable_checkpoint() = checkpoint;
    c.set_offset(off);
    c.set_data(data.substr(off, chunk));
    c.set_last(off + chunk >= data.size());
  }
  return chunks;
}

}  // namespace fleetgrid::node
