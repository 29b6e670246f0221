#include "sim/engine/bucket_queue.h"

namespace fleetgrid::sim {

void VectorRing::Take(uint64_t slot, std::vector<Event>& out) {
  std::vector<Event>& bucket = ring_[slot];
  // Copy rather than swap: each slot keeps its own storage, so one burst of equal-time
  // events does not leave a huge buffer wandering around the ring.
  out.insert(out.end(), bucket.begin(), bucket.end());
  if (bucket.capacity() > 4 * kPerBucket) {
    std::vector<Event>().swap(bucket);
  } else {
    bucket.clear();
  }
}

size_t VectorRing::MemoryBytes() const {
  size_t bytes = ring_.capacity() * sizeof(std::vector<Event>);
  for (const auto& b : ring_) bytes += b.capacity() * sizeof(Event);
  return bytes;
}

}  // namespace fleetgrid::sim
