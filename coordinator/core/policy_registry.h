// PolicyRegistry: scheduling policies by name, with string parameters.
//
// Built-in: "fifo", "random", "fastest-first", "shortest-remaining" (docs/core.md).
// Register() adds a policy (tests, experiments); names are unique.
// Thread safety: Register() before any Create() from other threads; Create() is reentrant.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/core/policy.h"

namespace fleetgrid::core {

using PolicyParams = std::map<std::string, std::string>;

struct PolicyContext {
  uint64_t seed = 1;  // the core's seed; draw with Rng::Stream(seed, name)
  const PolicyParams* params = nullptr;
};

using PolicyFactory =
    std::function<absl::StatusOr<std::unique_ptr<SchedulingPolicy>>(const PolicyContext&)>;

class PolicyRegistry {
 public:
  // The process-wide registry, with the built-in policies registered.
  static PolicyRegistry& Global();

  // AlreadyExists if the name is taken.
  absl::Status Register(std::string name, PolicyFactory factory);
  // InvalidArgument for an unknown name or a bad parameter.
  absl::StatusOr<std::unique_ptr<SchedulingPolicy>> Create(std::string_view name,
                                                           const PolicyParams& params,
                                                           uint64_t seed) const;
  std::vector<std::string> Names() const;  // sorted

 private:
  std::map<std::string, PolicyFactory, std::less<>> factories_;
};

}  // namespace fleetgrid::core
