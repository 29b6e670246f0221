// Write coalescing for streams that allow one write in flight (gRPC): whatever queued up
// while the previous write was in flight goes out as ONE batch message, so a busy stream
// pays the per-message cost once per batch and an idle one adds no delay at all.
//
// Works on any protobuf message type Msg with a oneof member `batch` holding
// `repeated Msg messages` (fleetgrid.v1.NodeMessage, CoordinatorMessage). Header-only; no
// protobuf include here, so common/ stays free of generated code.
#pragma once

#include <cstddef>
#include <deque>
#include <utility>

namespace fleetgrid {

struct BatchLimits {
  size_t max_messages = 256;
  size_t max_bytes = 1 << 20;  // serialized size of the batch's members, well under gRPC's cap
};

// Removes the next message to write from the front of `queue` and returns it: the front
// message alone, or a batch of the longest run of `batchable` messages at the front that
// fits `limits`. REQUIRES: !queue.empty(). `batchable(m)` must be false for messages that
// have to travel alone (the first message of a session, a batch).
template <typename Msg, typename Pred>
Msg TakeNextWrite(std::deque<Msg>& queue, const BatchLimits& limits, Pred batchable) {
  if (queue.size() == 1 || !batchable(queue.front()) || !batchable(queue[1])) {
    Msg m = std::move(queue.front());
    queue.pop_front();
    return m;
  }
  Msg out;
  auto* batch = out.mutable_batch();
  size_t bytes = 0;
  while (!queue.empty() && static_cast<size_t>(batch->messages_size()) < limits.max_messages &&
         batchable(queue.front())) {
    const size_t n = queue.front().ByteSizeLong();
    if (batch->messages_size() > 0 && bytes + n > limits.max_bytes) break;
    bytes += n;
    *batch->add_messages() = std::move(queue.front());
    queue.pop_front();
  }
  if (batch->messages_size() == 1) {
    Msg single = std::move(*batch->mutable_messages(0));
    return single;
  }
  return out;
}

}  // namespace fleetgrid
