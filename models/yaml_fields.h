// Strict readers for scenario YAML: each names the key path in its error
// ("fleet.classes[1].share: must be in [0, 1], got 1.5") and returns INVALID_ARGUMENT.
// The scenario sections of models/ and the simulator's own sections use the same readers,
// so every key of a scenario file is checked the same way. Each Read* leaves *out unchanged
// when the key is absent. yaml-cpp may throw on malformed trees; callers catch
// YAML::Exception at the top (LoadCarScenario, sim::LoadScenario).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/time.h"

namespace fleetgrid::models {

// A scenario's YAML: from text (INVALID_ARGUMENT "scenario is not valid YAML: ...") or from a
// file (NOT_FOUND for a missing file, INVALID_ARGUMENT "<path>: not valid YAML: ...").
absl::StatusOr<YAML::Node> ParseYamlText(const std::string& text);
absl::StatusOr<YAML::Node> LoadYamlFile(const std::string& path);

std::string JoinKey(const std::string& path, std::string_view key);
absl::Status KeyError(const std::string& path, const std::string& msg);
// How a node reads in a message: "\"abc\"", "a map", "a list", "nothing".
std::string ShowNode(const YAML::Node& n);
std::string NumberText(double v);

// `node` must be a map whose keys are all in `allowed`.
absl::Status CheckMap(const YAML::Node& node, const std::string& path,
                      std::initializer_list<std::string_view> allowed);
absl::StatusOr<double> AsNumber(const YAML::Node& n, const std::string& path);
absl::Status ReadNumber(const YAML::Node& parent, const std::string& path, const char* key,
                        double* out, double min, double max, bool min_exclusive = false);
// A whole number in [min, max].
absl::StatusOr<double> ReadWhole(const YAML::Node& parent, const std::string& path, const char* key,
                                 double min, double max);
template <typename Int>
absl::Status ReadInt(const YAML::Node& parent, const std::string& path, const char* key, Int* out,
                     double min, double max) {
  if (!parent[key]) return absl::OkStatus();
  absl::StatusOr<double> v = ReadWhole(parent, path, key, min, max);
  if (!v.ok()) return v.status();
  *out = static_cast<Int>(*v);
  return absl::OkStatus();
}
// A duration (common/duration_text.h); "inf", "never" only with allow_infinite.
absl::Status ReadDuration(const YAML::Node& parent, const std::string& path, const char* key,
                          Duration* out, bool allow_infinite = false);
// A size in bytes (common/size_text.h): a whole number of bytes or text such as "8GiB".
absl::Status ReadByteSize(const YAML::Node& parent, const std::string& path, const char* key,
                          uint64_t* out);
absl::Status ReadString(const YAML::Node& parent, const std::string& path, const char* key,
                        std::string* out);
absl::Status ReadBool(const YAML::Node& parent, const std::string& path, const char* key,
                      bool* out);
// Shares of a list of classes must sum to 1 (within 1e-9).
absl::Status CheckShares(double sum, const std::string& path);

}  // namespace fleetgrid::models
