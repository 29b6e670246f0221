// Factories of the built-in policies (registered by PolicyRegistry::Global()), and the
// parameter helpers they share.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/core/policy.h"
#include "coordinator/core/policy_registry.h"

namespace fleetgrid::core {

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeFifoPolicy(const PolicyContext& ctx);
absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeRandomPolicy(const PolicyContext& ctx);
absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeFastestFirstPolicy(const PolicyContext& ctx);
absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeCheapEnergyPolicy(const PolicyContext& ctx);
absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeFairSharePolicy(const PolicyContext& ctx);
absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeOverflowPolicy(const PolicyContext& ctx);
absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeShortestRemainingPolicy(
    const PolicyContext& ctx);
absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeAvailabilityAwarePolicy(
    const PolicyContext& ctx);
absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeAvailabilityDeadlinePolicy(
    const PolicyContext& ctx);

// Reads policy parameters; unknown keys and malformed values are InvalidArgument.
class ParamReader {
 public:
  ParamReader(std::string_view policy, const PolicyParams* params)
      : policy_(policy), params_(params) {}
  absl::StatusOr<uint64_t> UInt(std::string_view key, uint64_t fallback);
  absl::StatusOr<bool> Bool(std::string_view key, bool fallback);
  absl::StatusOr<double> Double(std::string_view key, double fallback);
  std::string String(std::string_view key, std::string fallback);
  // `scan_limit` (kDefaultScanLimit when not given), at least 1: every policy takes it.
  absl::StatusOr<uint32_t> ScanLimit();
  // InvalidArgument naming the first key that no Read call asked for.
  absl::Status CheckAllUsed() const;
  // "name" or "name(k=v,...)" with the parameters given.
  std::string DisplayName() const;

 private:
  std::string_view policy_;
  const PolicyParams* params_;
  size_t used_ = 0;
  std::vector<std::string> asked_;  // every key read, known or not given
};

// Live entries scanned before a policy gives up on a node (distinct-owner conflicts).
inline constexpr uint64_t kDefaultScanLimit = 64;

}  // namespace fleetgrid::core
