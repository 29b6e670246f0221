#include "models/owner_rules_section.h"

#include <cstdio>

#include "common/status.h"
#include "models/yaml_fields.h"

namespace fleetgrid::models {

absl::Status ParseDailyWindow(const std::string& text, const std::string& key,
                              std::pair<int32_t, int32_t>* out) {
  int h1 = -1, m1 = -1, h2 = -1, m2 = -1;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%d:%d-%d:%d%c", &h1, &m1, &h2, &m2, &tail) != 4 || h1 < 0 ||
      h1 > 24 || h2 < 0 || h2 > 24 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59 ||
      (h1 == 24 && m1 != 0) || (h2 == 24 && m2 != 0)) {
    return KeyError(key, "expected a local time window \"HH:MM-HH:MM\", got \"" + text + "\"");
  }
  out->first = (h1 * 3600 + m1 * 60) % 86400;
  out->second = (h2 * 3600 + m2 * 60) % 86400;
  if (out->first == out->second) return KeyError(key, "the window \"" + text + "\" is empty");
  return absl::OkStatus();
}

absl::Status ParseOwnerRules(const YAML::Node& n, const std::string& path, OwnerRulesConfig& r) {
  FG_RETURN_IF_ERROR(CheckMap(
      n, path, {"plugged_only", "min_soc", "windows", "daily_energy_wh", "metered_daily_cap"}));
  r.given = true;
  FG_RETURN_IF_ERROR(ReadBool(n, path, "plugged_only", &r.plugged_only));
  if (n["min_soc"]) {
    absl::StatusOr<double> v = AsNumber(n["min_soc"], JoinKey(path, "min_soc"));
    if (!v.ok()) return v.status();
    if (!(*v >= 0 && *v < 1)) {
      return KeyError(JoinKey(path, "min_soc"), "must be in [0, 1), got " + NumberText(*v));
    }
    r.min_soc = *v;
  }
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "daily_energy_wh", &r.daily_energy_wh, 0, 1e9));
  FG_RETURN_IF_ERROR(ReadByteSize(n, path, "metered_daily_cap", &r.metered_daily_cap_bytes));
  if (const YAML::Node w = n["windows"]) {
    const std::string wp = JoinKey(path, "windows");
    if (!w.IsSequence() || w.size() == 0) {
      return KeyError(wp,
                      "expected a non-empty list of \"HH:MM-HH:MM\" (leave it out for any time)");
    }
    r.windows.clear();
    for (size_t i = 0; i < w.size(); ++i) {
      const std::string ip = wp + "[" + std::to_string(i) + "]";
      if (!w[i].IsScalar()) return KeyError(ip, "expected \"HH:MM-HH:MM\", got " + ShowNode(w[i]));
      std::pair<int32_t, int32_t> win;
      FG_RETURN_IF_ERROR(ParseDailyWindow(w[i].Scalar(), ip, &win));
      r.windows.push_back(win);
    }
  }
  return absl::OkStatus();
}

}  // namespace fleetgrid::models
