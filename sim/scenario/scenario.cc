#include "sim/scenario/scenario.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string_view>

#include "common/duration_text.h"
#include "common/status.h"

namespace fleetgrid::sim {
namespace {

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

absl::Status Err(const std::string& path, const std::string& msg) {
  return absl::InvalidArgumentError(path + ": " + msg);
}

std::string Show(const YAML::Node& n) {
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

// Strict map check: `node` must be a map whose keys are all in `allowed`.
absl::Status CheckMap(const YAML::Node& node, const std::string& path,
                      std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap())
    return Err(path.empty() ? "(top level)" : path, "expected a map, got " + Show(node));
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || a == key;
    if (!ok) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Err(Join(path, key), "unknown key (expected one of: " + list + ")");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<double> AsNumber(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) return Err(path, "expected a number, got " + Show(n));
  try {
    const double v = n.as<double>();
    if (std::isnan(v)) return Err(path, "expected a number, got " + Show(n));
    return v;
  } catch (const YAML::Exception&) {
    return Err(path, "expected a number, got " + Show(n));
  }
}

// Each Read* leaves *out unchanged when the key is absent.
absl::Status ReadNumber(const YAML::Node& parent, const std::string& path, const char* key,
                        double* out, double min, double max, bool min_exclusive = false) {
  const YAML::Node n = parent[key];
  if (!n) return absl::OkStatus();
  const std::string p = Join(path, key);
  FG_ASSIGN_OR_RETURN(const double v, AsNumber(n, p));
  if (v < min || (min_exclusive && v == min)) {
    return Err(p, std::string("must be ") + (min_exclusive ? "> " : ">= ") + NumberText(min) +
                      ", got " + NumberText(v));
  }
  if (v > max) return Err(p, "must be <= " + NumberText(max) + ", got " + NumberText(v));
  *out = v;
  return absl::OkStatus();
}

template <typename Int>
absl::Status ReadInt(const YAML::Node& parent, const std::string& path, const char* key, Int* out,
                     double min, double max) {
  const YAML::Node n = parent[key];
  if (!n) return absl::OkStatus();
  const std::string p = Join(path, key);
  FG_ASSIGN_OR_RETURN(const double v, AsNumber(n, p));
  if (v != std::floor(v)) return Err(p, "expected a whole number, got " + Show(n));
  if (v < min) return Err(p, "must be >= " + NumberText(min) + ", got " + NumberText(v));
  if (v > max) return Err(p, "must be <= " + NumberText(max) + ", got " + NumberText(v));
  *out = static_cast<Int>(v);
  return absl::OkStatus();
}

absl::Status ReadDuration(const YAML::Node& parent, const std::string& path, const char* key,
                          Duration* out, bool allow_infinite = false) {
  const YAML::Node n = parent[key];
  if (!n) return absl::OkStatus();
  const std::string p = Join(path, key);
  if (!n.IsScalar()) return Err(p, "expected a duration, got " + Show(n));
  const std::string& s = n.Scalar();
  if (s == "inf" || s == "infinite" || s == "never" || s == ".inf") {
    if (!allow_infinite) return Err(p, "must be finite");
    *out = Duration::Infinite();
    return absl::OkStatus();
  }
  auto d = ParseDuration(s);
  if (!d.ok()) return Err(p, std::string(d.status().message()));
  *out = *d;
  return absl::OkStatus();
}

absl::Status ReadString(const YAML::Node& parent, const std::string& path, const char* key,
                        std::string* out) {
  const YAML::Node n = parent[key];
  if (!n) return absl::OkStatus();
  if (!n.IsScalar()) return Err(Join(path, key), "expected a string, got " + Show(n));
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
    return Err(Join(path, key), "expected true or false, got " + Show(n));
  }
  return absl::OkStatus();
}

absl::Status CheckShares(double sum, const std::string& path) {
  if (std::fabs(sum - 1.0) > 1e-9) {
    return Err(path, "shares must sum to 1, they sum to " + NumberText(sum));
  }
  return absl::OkStatus();
}

absl::Status ParseFleet(const YAML::Node& n, FleetConfig& f) {
  const std::string path = "fleet";
  FG_RETURN_IF_ERROR(CheckMap(n, path, {"size", "owners", "classes", "links", "malicious"}));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "size", &f.size, 1, 100'000'000));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "owners", &f.owners, 0, 100'000'000));
  if (f.owners > f.size) {
    return Err(Join(path, "owners"), "must be <= fleet.size (" + std::to_string(f.size) +
                                         "), got " + std::to_string(f.owners));
  }
  if (const YAML::Node m = n["malicious"]) {
    const std::string mp = Join(path, "malicious");
    FG_RETURN_IF_ERROR(CheckMap(m, mp, {"owner_share", "colluding"}));
    FG_RETURN_IF_ERROR(ReadNumber(m, mp, "owner_share", &f.malicious.owner_share, 0, 1));
    FG_RETURN_IF_ERROR(ReadBool(m, mp, "colluding", &f.malicious.colluding));
  }
  if (const YAML::Node c = n["classes"]) {
    const std::string cp = Join(path, "classes");
    if (!c.IsSequence() || c.size() == 0) return Err(cp, "expected a non-empty list");
    if (c.size() > 255) return Err(cp, "at most 255 classes");
    f.classes.clear();
    double sum = 0;
    for (size_t i = 0; i < c.size(); ++i) {
      const std::string ip = cp + "[" + std::to_string(i) + "]";
      FG_RETURN_IF_ERROR(CheckMap(c[i], ip, {"speed", "share"}));
      SpeedClass sc;
      FG_RETURN_IF_ERROR(ReadNumber(c[i], ip, "speed", &sc.speed, 0, 1e12, true));
      FG_RETURN_IF_ERROR(ReadNumber(c[i], ip, "share", &sc.share, 0, 1));
      if (!c[i]["share"] && c.size() > 1)
        return Err(ip + ".share", "required with several classes");
      sum += sc.share;
      f.classes.push_back(sc);
    }
    FG_RETURN_IF_ERROR(CheckShares(sum, cp));
  }
  if (const YAML::Node l = n["links"]) {
    const std::string lp = Join(path, "links");
    if (!l.IsSequence() || l.size() == 0) return Err(lp, "expected a non-empty list");
    if (l.size() > 255) return Err(lp, "at most 255 link classes");
    f.links.clear();
    double sum = 0;
    for (size_t i = 0; i < l.size(); ++i) {
      const std::string ip = lp + "[" + std::to_string(i) + "]";
      FG_RETURN_IF_ERROR(CheckMap(l[i], ip, {"bandwidth_bytes_per_s", "latency", "share"}));
      LinkClass lc;
      FG_RETURN_IF_ERROR(
          ReadNumber(l[i], ip, "bandwidth_bytes_per_s", &lc.bandwidth_bytes_per_s, 0, 1e15, true));
      FG_RETURN_IF_ERROR(ReadDuration(l[i], ip, "latency", &lc.latency));
      FG_RETURN_IF_ERROR(ReadNumber(l[i], ip, "share", &lc.share, 0, 1));
      if (!l[i]["share"] && l.size() > 1) return Err(ip + ".share", "required with several links");
      sum += lc.share;
      f.links.push_back(lc);
    }
    FG_RETURN_IF_ERROR(CheckShares(sum, lp));
  }
  return absl::OkStatus();
}

absl::Status ParseAvailability(const YAML::Node& n, AvailabilityConfig& a) {
  const std::string path = "availability";
  FG_RETURN_IF_ERROR(CheckMap(n, path, {"model", "mean_on", "mean_off", "start_available"}));
  std::string model = "exponential-on-off";
  FG_RETURN_IF_ERROR(ReadString(n, path, "model", &model));
  if (model == "exponential-on-off") {
    a.kind = AvailabilityKind::kExponentialOnOff;
  } else if (model == "never-leaves") {
    a.kind = AvailabilityKind::kNeverLeaves;
  } else {
    return Err(Join(path, "model"),
               "unknown model \"" + model + "\" (expected exponential-on-off or never-leaves)");
  }
  FG_RETURN_IF_ERROR(ReadDuration(n, path, "mean_on", &a.mean_on));
  FG_RETURN_IF_ERROR(ReadDuration(n, path, "mean_off", &a.mean_off));
  if (a.mean_on <= Duration::Zero()) return Err(Join(path, "mean_on"), "must be > 0");
  if (a.mean_off <= Duration::Zero()) return Err(Join(path, "mean_off"), "must be > 0");
  if (const YAML::Node s = n["start_available"];
      s && !(s.IsScalar() && s.Scalar() == "stationary")) {
    FG_RETURN_IF_ERROR(ReadNumber(n, path, "start_available", &a.start_available, 0, 1));
  }
  return absl::OkStatus();
}

absl::Status ParseWork(const YAML::Node& n, const std::string& path, WorkDist& w) {
  if (n.IsScalar()) {
    FG_ASSIGN_OR_RETURN(w.mean, AsNumber(n, path));
    if (w.mean <= 0) return Err(path, "must be > 0, got " + NumberText(w.mean));
    w.kind = WorkDistKind::kConstant;
    return absl::OkStatus();
  }
  FG_RETURN_IF_ERROR(CheckMap(n, path, {"distribution", "mean", "sigma"}));
  std::string dist = "constant";
  FG_RETURN_IF_ERROR(ReadString(n, path, "distribution", &dist));
  if (dist == "constant") {
    w.kind = WorkDistKind::kConstant;
  } else if (dist == "exponential") {
    w.kind = WorkDistKind::kExponential;
  } else if (dist == "lognormal" || dist == "log-normal") {
    w.kind = WorkDistKind::kLogNormal;
  } else {
    return Err(Join(path, "distribution"), "unknown distribution \"" + dist +
                                               "\" (expected constant, exponential or lognormal)");
  }
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "mean", &w.mean, 0, 1e15, true));
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "sigma", &w.sigma, 0, 10));
  return absl::OkStatus();
}

absl::Status ParseWorkload(const YAML::Node& n, WorkloadConfig& w) {
  const std::string path = "workload";
  FG_RETURN_IF_ERROR(CheckMap(n, path,
                              {"model", "tasks", "tasks_per_car", "job_rate_per_s", "tasks_per_job",
                               "max_jobs", "work", "input_bytes", "output_bytes", "validation"}));
  std::string model = "bag-of-tasks";
  FG_RETURN_IF_ERROR(ReadString(n, path, "model", &model));
  if (model == "bag-of-tasks") {
    w.kind = WorkloadKind::kBagOfTasks;
  } else if (model == "poisson") {
    w.kind = WorkloadKind::kPoisson;
  } else {
    return Err(Join(path, "model"),
               "unknown model \"" + model + "\" (expected bag-of-tasks or poisson)");
  }
  FG_RETURN_IF_ERROR(ReadInt(n, path, "tasks", &w.tasks, 0, 4e9));
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "tasks_per_car", &w.tasks_per_car, 0, 4e9));
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "job_rate_per_s", &w.job_rate_per_s, 0, 1e9));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "tasks_per_job", &w.tasks_per_job, 1, 4e9));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "max_jobs", &w.max_jobs, 0, 4e9));
  if (const YAML::Node wk = n["work"])
    FG_RETURN_IF_ERROR(ParseWork(wk, Join(path, "work"), w.work));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "input_bytes", &w.input_bytes, 0, 1e18));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "output_bytes", &w.output_bytes, 0, 1e18));
  if (const YAML::Node v = n["validation"]) {
    const std::string vp = Join(path, "validation");
    ValidationConfig& c = w.validation;
    FG_RETURN_IF_ERROR(
        CheckMap(v, vp,
                 {"replication", "quorum", "trust_threshold", "skip_probability",
                  "untrusted_quorum", "spot_check_rate", "daily_quota", "initial_quota"}));
    FG_RETURN_IF_ERROR(ReadInt(v, vp, "replication", &c.replication, 1, 64));
    FG_RETURN_IF_ERROR(ReadInt(v, vp, "quorum", &c.quorum, 1, 64));
    if (c.quorum > c.replication) {
      return Err(Join(vp, "quorum"), "must be <= replication (" + std::to_string(c.replication) +
                                         "), got " + std::to_string(c.quorum));
    }
    FG_RETURN_IF_ERROR(ReadInt(v, vp, "trust_threshold", &c.trust_threshold, 0, 65535));
    if (c.trust_threshold > 0 && c.quorum < 2) {
      return Err(Join(vp, "trust_threshold"), "needs quorum >= 2 (nothing to skip otherwise)");
    }
    FG_RETURN_IF_ERROR(ReadNumber(v, vp, "skip_probability", &c.skip_probability, 0, 1));
    FG_RETURN_IF_ERROR(ReadNumber(v, vp, "spot_check_rate", &c.spot_check_rate, 0, 1));
    FG_RETURN_IF_ERROR(ReadInt(v, vp, "untrusted_quorum", &c.untrusted_quorum, 0, 64));
    if (c.untrusted_quorum != 0 && (c.trust_threshold == 0 || c.untrusted_quorum < c.quorum)) {
      return Err(Join(vp, "untrusted_quorum"),
                 "must be 0 or >= quorum (" + std::to_string(c.quorum) +
                     "), with trust_threshold > 0; got " + std::to_string(c.untrusted_quorum));
    }
    FG_RETURN_IF_ERROR(ReadInt(v, vp, "daily_quota", &c.daily_quota, 0, 65535));
    FG_RETURN_IF_ERROR(ReadInt(v, vp, "initial_quota", &c.initial_quota, 0, 65535));
    if (c.initial_quota > c.daily_quota) {
      return Err(Join(vp, "initial_quota"), "must be <= daily_quota (" +
                                                std::to_string(c.daily_quota) + "), got " +
                                                std::to_string(c.initial_quota));
    }
  }
  if (w.kind == WorkloadKind::kPoisson && w.job_rate_per_s <= 0) {
    return Err(Join(path, "job_rate_per_s"),
               "must be > 0 for the poisson model, got " + NumberText(w.job_rate_per_s));
  }
  return absl::OkStatus();
}

absl::Status ParsePolicy(const YAML::Node& n, PolicyConfig& p) {
  const std::string path = "policy";
  if (n.IsScalar()) {
    p.name = n.Scalar();
    return absl::OkStatus();
  }
  FG_RETURN_IF_ERROR(CheckMap(n, path, {"name", "params"}));
  FG_RETURN_IF_ERROR(ReadString(n, path, "name", &p.name));
  if (const YAML::Node params = n["params"]) {
    const std::string pp = Join(path, "params");
    if (!params.IsMap()) return Err(pp, "expected a map, got " + Show(params));
    for (const auto& kv : params) {
      if (!kv.second.IsScalar()) {
        return Err(Join(pp, kv.first.Scalar()), "expected a scalar, got " + Show(kv.second));
      }
      p.params[kv.first.Scalar()] = kv.second.Scalar();
    }
  }
  return absl::OkStatus();
}

absl::Status ParseOutputs(const YAML::Node& n, OutputsConfig& o) {
  const std::string path = "outputs";
  FG_RETURN_IF_ERROR(CheckMap(n, path, {"dir", "timeseries_interval", "attempts_csv"}));
  FG_RETURN_IF_ERROR(ReadString(n, path, "dir", &o.dir));
  FG_RETURN_IF_ERROR(ReadDuration(n, path, "timeseries_interval", &o.timeseries_interval));
  FG_RETURN_IF_ERROR(ReadBool(n, path, "attempts_csv", &o.attempts_csv));
  return absl::OkStatus();
}

absl::Status Validate(const YAML::Node& root, Scenario& s) {
  if (!root || root.IsNull()) return Err("(top level)", "the scenario is empty");
  FG_RETURN_IF_ERROR(
      CheckMap(root, "",
               {"name", "seed", "horizon", "grace_period", "attempt_timeout", "max_attempts",
                "engine", "fleet", "availability", "workload", "policy", "outputs"}));
  FG_RETURN_IF_ERROR(ReadString(root, "", "name", &s.name));
  FG_RETURN_IF_ERROR(ReadInt(root, "", "seed", &s.seed, 0, 9007199254740992.0));
  FG_RETURN_IF_ERROR(ReadDuration(root, "", "horizon", &s.horizon));
  if (s.horizon <= Duration::Zero()) return Err("horizon", "must be > 0");
  FG_RETURN_IF_ERROR(ReadDuration(root, "", "grace_period", &s.grace_period));
  FG_RETURN_IF_ERROR(ReadDuration(root, "", "attempt_timeout", &s.attempt_timeout, true));
  FG_RETURN_IF_ERROR(ReadInt(root, "", "max_attempts", &s.max_attempts, 0, 65535));
  if (const YAML::Node e = root["engine"]) {
    FG_RETURN_IF_ERROR(CheckMap(e, "engine", {"queue"}));
    std::string q = "bucket";
    FG_RETURN_IF_ERROR(ReadString(e, "engine", "queue", &q));
    auto kind = ParseQueueKind(q);
    if (!kind.ok()) return Err("engine.queue", std::string(kind.status().message()));
    s.queue = *kind;
  }
  if (const YAML::Node f = root["fleet"]) FG_RETURN_IF_ERROR(ParseFleet(f, s.fleet));
  if (const YAML::Node a = root["availability"]) {
    FG_RETURN_IF_ERROR(ParseAvailability(a, s.availability));
  }
  if (const YAML::Node w = root["workload"]) FG_RETURN_IF_ERROR(ParseWorkload(w, s.workload));
  if (const YAML::Node p = root["policy"]) FG_RETURN_IF_ERROR(ParsePolicy(p, s.policy));
  if (const YAML::Node o = root["outputs"]) FG_RETURN_IF_ERROR(ParseOutputs(o, s.outputs));
  if (s.workload.kind == WorkloadKind::kBagOfTasks) {
    const uint64_t t = s.workload.BagTasks(s.fleet.size);
    if (t == 0) return Err("workload.tasks", "the bag of tasks is empty");
    if (t > 4'000'000'000ULL) return Err("workload.tasks", "more than 4e9 tasks");
  }
  return absl::OkStatus();
}

bool IsIndex(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

absl::Status ApplyOverride(YAML::Node& root, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError("--set " + assignment + ": expected key.path=value");
  }
  const std::string key = assignment.substr(0, eq);
  const std::string value_text = assignment.substr(eq + 1);
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    return Err(key, "--set value is not valid YAML: " + e.msg);
  }
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string part; std::getline(ss, part, '.');) {
    if (part.empty()) return absl::InvalidArgumentError("--set " + assignment + ": empty key part");
    parts.push_back(part);
  }
  if (!root.IsMap()) root = YAML::Node(YAML::NodeType::Map);
  YAML::Node cur;
  cur.reset(root);
  std::string path;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    path = Join(path, part);
    if (cur.IsSequence()) {
      if (!IsIndex(part) || std::stoull(part) >= cur.size()) {
        return Err(path, "--set: no list item " + part + " (the list has " +
                             std::to_string(cur.size()) + ")");
      }
      const size_t idx = std::stoull(part);
      if (last) {
        cur[idx] = value;
      } else {
        YAML::Node next = cur[idx];
        cur.reset(next);
      }
      continue;
    }
    if (!cur.IsMap()) {
      return Err(path, "--set: the parent is " + Show(cur) + ", not a map");
    }
    if (last) {
      cur[part] = value;
    } else {
      if (!cur[part] || cur[part].IsNull()) cur[part] = YAML::Node(YAML::NodeType::Map);
      YAML::Node next = cur[part];
      cur.reset(next);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Scenario> FromNode(YAML::Node root, const std::vector<std::string>& overrides,
                                  const std::string& default_name) {
  for (const std::string& o : overrides) FG_RETURN_IF_ERROR(ApplyOverride(root, o));
  Scenario s;
  s.name = default_name;
  try {
    FG_RETURN_IF_ERROR(Validate(root, s));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(std::string("scenario: ") + e.what());
  }
  return s;
}

}  // namespace

double AvailabilityConfig::StartProbability() const {
  if (kind == AvailabilityKind::kNeverLeaves) return 1.0;
  if (start_available >= 0) return start_available;
  const double on = mean_on.SecondsF();
  const double off = mean_off.SecondsF();
  return on / (on + off);
}

uint64_t WorkloadConfig::BagTasks(uint32_t fleet_size) const {
  if (tasks > 0) return tasks;
  return static_cast<uint64_t>(std::llround(tasks_per_car * fleet_size));
}

absl::StatusOr<Scenario> ParseScenario(const std::string& yaml_text,
                                       const std::vector<std::string>& overrides,
                                       const std::string& default_name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(std::string("scenario is not valid YAML: ") + e.what());
  }
  return FromNode(root, overrides, default_name);
}

absl::StatusOr<Scenario> LoadScenario(const std::string& path,
                                      const std::vector<std::string>& overrides) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("scenario file not found: " + path);
  YAML::Node root;
  try {
    root = YAML::Load(in);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(path + ": not valid YAML: " + e.what());
  }
  FG_ASSIGN_OR_RETURN(Scenario s, FromNode(root, overrides, std::filesystem::path(path).stem()));
  s.path = path;
  return s;
}

}  // namespace fleetgrid::sim
