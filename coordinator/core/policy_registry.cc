#include "coordinator/core/policy_registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "coordinator/core/policies/builtin.h"

namespace fleetgrid::core {

PolicyRegistry& PolicyRegistry::Global() {
  static PolicyRegistry* registry = [] {
    auto* r = new PolicyRegistry;
    (void)r->Register("fifo", MakeFifoPolicy);
    (void)r->Register("random", MakeRandomPolicy);
    (void)r->Register("fastest-first", MakeFastestFirstPolicy);
    (void)r->Register("cheap-energy", MakeCheapEnergyPolicy);
    (void)r->Register("fair-share", MakeFairSharePolicy);
    (void)r->Register("overflow", MakeOverflowPolicy);
    (void)r->Register("shortest-remaining", MakeShortestRemainingPolicy);
    (void)r->Register("availability-aware", MakeAvailabilityAwarePolicy);
    (void)r->Register("availability-deadline", MakeAvailabilityDeadlinePolicy);
    return r;
  }();
  return *registry;
}

absl::Status PolicyRegistry::Register(std::string name, PolicyFactory factory) {
  if (name.empty() || !factory) return absl::InvalidArgumentError("policy: empty name or factory");
  if (factories_.contains(name)) {
    return absl::AlreadyExistsError("policy already registered: " + name);
  }
  factories_.emplace(std::move(name), std::move(factory));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> PolicyRegistry::Create(std::string_view name,
                                                                         const PolicyParams& params,
                                                                         uint64_t seed) const {
  auto it = factories_.find(name);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [n, f] : factories_) known += (known.empty() ? "" : ", ") + n;
    return absl::InvalidArgumentError("policy: unknown name '" + std::string(name) +
                                      "' (known: " + known + ")");
  }
  return it->second(PolicyContext{seed, &params});
}

std::vector<std::string> PolicyRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [n, f] : factories_) names.push_back(n);
  return names;
}

absl::StatusOr<uint64_t> ParamReader::UInt(std::string_view key, uint64_t fallback) {
  asked_.emplace_back(key);
  if (params_ == nullptr) return fallback;
  auto it = params_->find(std::string(key));
  if (it == params_->end()) return fallback;
  ++used_;
  uint64_t v = 0;
  const std::string& s = it->second;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return absl::InvalidArgumentError("policy " + std::string(policy_) + ": parameter " +
                                      std::string(key) + " wants an unsigned integer, got '" + s +
                                      "'");
  }
  return v;
}

absl::StatusOr<uint32_t> ParamReader::ScanLimit() {
  auto scan = UInt("scan_limit", kDefaultScanLimit);
  if (!scan.ok()) return scan.status();
  return static_cast<uint32_t>(std::clamp<uint64_t>(*scan, 1, UINT32_MAX));
}

std::string ParamReader::String(std::string_view key, std::string fallback) {
  asked_.emplace_back(key);
  if (params_ == nullptr) return fallback;
  auto it = params_->find(std::string(key));
  if (it == params_->end()) return fallback;
  ++used_;
  return it->second;
}

absl::StatusOr<double> ParamReader::Double(std::string_view key, double fallback) {
  asked_.emplace_back(key);
  if (params_ == nullptr) return fallback;
  auto it = params_->find(std::string(key));
  if (it == params_->end()) return fallback;
  ++used_;
  double v = 0;
  const std::string& s = it->second;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return absl::InvalidArgumentError("policy " + std::string(policy_) + ": parameter " +
                                      std::string(key) + " wants a number, got '" + s + "'");
  }
  return v;
}

absl::StatusOr<bool> ParamReader::Bool(std::string_view key, bool fallback) {
  asked_.emplace_back(key);
  if (params_ == nullptr) return fallback;
  auto it = params_->find(std::string(key));
  if (it == params_->end()) return fallback;
  ++used_;
  if (it->second == "true" || it->second == "1") return true;
  if (it->second == "false" || it->second == "0") return false;
  return absl::InvalidArgumentError("policy " + std::string(policy_) + ": parameter " +
                                    std::string(key) + " wants true or false, got '" + it->second +
                                    "'");
}

absl::Status ParamReader::CheckAllUsed() const {
  if (params_ == nullptr || used_ == params_->size()) return absl::OkStatus();
  std::string known;
  for (const std::string& k : asked_) known += (known.empty() ? "" : ", ") + k;
  for (const auto& kv : *params_) {
    if (std::find(asked_.begin(), asked_.end(), kv.first) == asked_.end()) {
      return absl::InvalidArgumentError("policy " + std::string(policy_) + ": unknown parameter " +
                                        kv.first + " (known: " + (known.empty() ? "none" : known) +
                                        ")");
    }
  }
  return absl::InvalidArgumentError("policy " + std::string(policy_) + ": unknown parameter");
}

std::string ParamReader::DisplayName() const {
  std::string name(policy_);
  if (params_ == nullptr || params_->empty()) return name;
  name += '(';
  bool first = true;
  for (const auto& [k, v] : *params_) {
    if (!first) name += ',';
    first = false;
    name += k + "=" + v;
  }
  return name + ')';
}

}  // namespace fleetgrid::core
