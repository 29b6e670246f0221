// The `owner_rules` section of a scenario (fleet-wide, or a region's own): what owners allow.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "models/fleet_config.h"
#include "yaml-cpp/yaml.h"

namespace fleetgrid::models {

// "HH:MM-HH:MM" (24-hour local time; end before start wraps past midnight) -> seconds since
// local midnight. InvalidArgument naming `key` otherwise, or for an empty window.
absl::Status ParseDailyWindow(const std::string& text, const std::string& key,
                              std::pair<int32_t, int32_t>* out);

// {plugged_only, min_soc, windows: ["22:00-06:00", ...], daily_energy_wh}.
absl::Status ParseOwnerRules(const YAML::Node& n, const std::string& path, OwnerRulesConfig& r);

}  // namespace fleetgrid::models
