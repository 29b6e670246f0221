#include "models/yaml_fields.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "common/duration_text.h"
#include "common/size_text.h"
#include "common/status.h"

namespace fleetgrid::models {

absl::StatusOr<YAML::Node> ParseYamlText(const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(std::string("scenario is not valid YAML: ") + e.what());
  }
}

absl::StatusOr<YAML::Node> LoadYamlFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("scenario file not found: " + path);
  try {
    return YAML::Load(in);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(path + ": not valid YAML: " + e.what());
  }
}

std::string JoinKey(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

absl::Status KeyError(const std::string& path, const std::string& msg) {
  return absl::InvalidArgumentError(path + ": " + msg);
}

std::string ShowNode(const YAML::Node& n) {
  if (n.IsScalar()) return "\"" + n.Scalar() + "\"";
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  return "nothing";
}

std::string NumberText(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

namespace {
// " (line N)" of a node read from text; "" for one built in code (a --set value).
std::string LineOf(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.line >= 0 ? " (again on line " + std::to_string(m.line + 1) + ")" : "";
}
}  // namespace

absl::Status CheckMap(const YAML::Node& node, const std::string& path,
                      std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap())
    return KeyError(path.empty() ? "(top level)" : path, "expected a map, got " + ShowNode(node));
  std::vector<std::string> seen;  // yaml-cpp keeps the first of two equal keys, silently
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return KeyError(JoinKey(path, key), "given twice" + LineOf(kv.first));
    }
    seen.push_back(key);
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || a == key;
    if (!ok) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return KeyError(JoinKey(path, key), "unknown key (expected one of: " + list + ")");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<double> AsNumber(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) return KeyError(path, "expected a number, got " + ShowNode(n));
  try {
    const double v = n.as<double>();
    if (std::isnan(v)) return KeyError(path, "expected a number, got " + ShowNode(n));
    return v;
  } catch (const YAML::Exception&) {
    return KeyError(path, "expected a number, got " + ShowNode(n));
  }
}

absl::Status ReadNumber(const YAML::Node& parent, const std::string& path, const char* key,
                        double* out, double min, double max, bool min_exclusive) {
  const YAML::Node n = parent[key];
  if (!n) return absl::OkStatus();
  const std::string p = JoinKey(path, key);
  FG_ASSIGN_OR_RETURN(const double v, AsNumber(n, p));
  if (v < min || (min_exclusive && v == min)) {
    return KeyError(p, std::string("must be ") + (min_exclusive ? "> " : ">= ") + NumberText(min) +
                           ", got " + NumberText(v));
  }
  if (v > max) return KeyError(p, "must be <= " + NumberText(max) + ", got " + NumberText(v));
  *out = v;
  return absl::OkStatus();
}

absl::StatusOr<double> ReadWhole(const YAML::Node& parent, const std::string& path, const char* key,
                                 double min, double max) {
  const YAML::Node n = parent[key];
  const std::string p = JoinKey(path, key);
  FG_ASSIGN_OR_RETURN(const double v, AsNumber(n, p));
  if (v != std::floor(v)) return KeyError(p, "expected a whole number, got " + ShowNode(n));
  if (v < min) return KeyError(p, "must be >= " + NumberText(min) + ", got " + NumberText(v));
  if (v > max) return KeyError(p, "must be <= " + NumberText(max) + ", got " + NumberText(v));
  return v;
}

absl::Status ReadDuration(const YAML::Node& parent, const std::string& path, const char* key,
                          Duration* out, bool allow_infinite) {
  const YAML::Node n = parent[key];
  if (!n) return absl::OkStatus();
  const std::string p = JoinKey(path, key);
  if (!n.IsScalar()) return KeyError(p, "expected a duration, got " + ShowNode(n));
  const std::string& s = n.Scalar();
  if (s == "inf" || s == "infinite" || s == "never" || s == ".inf") {
    if (!allow_infinite) return KeyError(p, "must be finite");
    *out = Duration::Infinite();
    return absl::OkStatus();
  }
  auto d = ParseDuration(s);
  if (!d.ok()) return KeyError(p, std::string(d.status().message()));
  *out = *d;
  return absl::OkStatus();
}

absl::Status ReadByteSize(const YAML::Node& parent, const std::string& path, const char* key,
                          uint64_t* out) {
  const YAML::Node n = parent[key];
  if (!n) return absl::OkStatus();
  const std::string p = JoinKey(path, key);
  if (!n.IsScalar()) return KeyError(p, "expected a size, got " + ShowNode(n));
  auto b = ParseByteSize(n.Scalar());
  if (!b.ok()) return KeyError(p, std::string(b.status().message()));
  *out = *b;
  return absl::OkStatus();
}

absl::Status ReadString(const YAML::Node& parent, const std::string& path, const char* key,
                        std::string* out) {
  const YAML::Node n = parent[key];
  if (!n) return absl::OkStatus();
  if (!n.IsScalar()) return KeyError(JoinKey(path, key), "expected a string, got " + ShowNode(n));
  *out = n.Scalar();
  return absl::OkStatus();
}

absl::Status ReadBool(const YAML::Node& parent, const std::string& path, const char* key,
                      bool* out) {
  const YAML::Node n = parent[key];
  if (!n) return absl::OkStatus();
  try {
    if (!n.IsScalar()) throw YAML::Exception(YAML::Mark(), "");
    *out = n.as<bool>();
  } catch (const YAML::Exception&) {
    return KeyError(JoinKey(path, key), "expected true or false, got " + ShowNode(n));
  }
  return absl::OkStatus();
}

absl::Status CheckShares(double sum, const std::string& path) {
  if (std::fabs(sum - 1.0) > 1e-9) {
    return KeyError(path, "shares must sum to 1, they sum to " + NumberText(sum));
  }
  return absl::OkStatus();
}

}  // namespace fleetgrid::models
