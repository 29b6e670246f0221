// Strong id types: a NodeId cannot be passed where a TaskId is expected.
//
// Each id wraps an unsigned integer. Ids are plain values (thread-safe, hashable, ordered).
// The brain hands out dense ids (0, 1, 2, ...) so that it can index arrays by them.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>
#include <ostream>

namespace fleetgrid {

template <typename Tag, typename Rep = uint64_t>
class StrongId {
 public:
  using rep_type = Rep;
  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep v) : value_(v) {}
  static constexpr StrongId Invalid() { return StrongId(std::numeric_limits<Rep>::max()); }

  constexpr Rep value() const { return value_; }
  constexpr bool valid() const { return value_ != std::numeric_limits<Rep>::max(); }
  constexpr auto operator<=>(const StrongId&) const = default;

  friend std::ostream& operator<<(std::ostream& os, StrongId id) {
    return os << +id.value_;
  }

 private:
  Rep value_ = std::numeric_limits<Rep>::max();
};

struct NodeIdTag {};
struct OwnerIdTag {};
struct JobIdTag {};
struct TaskIdTag {};
struct AttemptIdTag {};

// A car registered with the coordinator (dense, 0-based in the brain).
using NodeId = StrongId<NodeIdTag, uint32_t>;
// The person or organisation that owns cars; quorum counts distinct owners.
using OwnerId = StrongId<OwnerIdTag, uint32_t>;
using JobId = StrongId<JobIdTag, uint32_t>;
// A task, unique across all jobs (dense, 0-based in the brain).
using TaskId = StrongId<TaskIdTag, uint32_t>;
// One try of a task on one car; never reused.
using AttemptId = StrongId<AttemptIdTag, uint64_t>;

}  // namespace fleetgrid

template <typename Tag, typename Rep>
struct std::hash<fleetgrid::StrongId<Tag, Rep>> {
  size_t operator()(fleetgrid::StrongId<Tag, Rep> id) const noexcept {
    return std::hash<Rep>{}(id.value());
  }
};
