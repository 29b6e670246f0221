#include "sim/scenario/scenario.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string_view>

#include "common/status.h"
#include "models/hardware_catalog.h"
#include "models/scenario_sections.h"
#include "models/yaml_fields.h"

namespace fleetgrid::sim {
namespace {

using models::AsNumber;
using models::CheckMap;
using models::JoinKey;
using models::KeyError;
using models::NumberText;
using models::ReadBool;
using models::ReadDuration;
using models::ReadInt;
using models::ReadNumber;
using models::ReadString;
using models::ShowNode;

absl::Status ParseWork(const YAML::Node& n, const std::string& path, WorkDist& w) {
  if (n.IsScalar()) {
    FG_ASSIGN_OR_RETURN(w.mean, AsNumber(n, path));
    if (w.mean <= 0) return KeyError(path, "must be > 0, got " + NumberText(w.mean));
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
    return KeyError(
        JoinKey(path, "distribution"),
        "unknown distribution \"" + dist + "\" (expected constant, exponential or lognormal)");
  }
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "mean", &w.mean, 0, 1e15, true));
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "sigma", &w.sigma, 0, 10));
  return absl::OkStatus();
}

absl::Status ParseJobTrace(const YAML::Node& n, const std::string& path, JobTraceConfig& t) {
  FG_RETURN_IF_ERROR(
      CheckMap(n, path,
               {"file", "submit_column", "time_unit", "run_columns", "priority_column", "keep",
                "rate_scale", "work_per_second", "loop"}));
  FG_RETURN_IF_ERROR(ReadString(n, path, "file", &t.file));
  if (t.file.empty()) return KeyError(JoinKey(path, "file"), "must name a CSV file");
  FG_RETURN_IF_ERROR(ReadString(n, path, "submit_column", &t.submit_column));
  std::string unit = "s";
  FG_RETURN_IF_ERROR(ReadString(n, path, "time_unit", &unit));
  if (unit == "s") {
    t.time_unit_s = 1;
  } else if (unit == "ms") {
    t.time_unit_s = 1e-3;
  } else if (unit == "us") {
    t.time_unit_s = 1e-6;
  } else {
    return KeyError(JoinKey(path, "time_unit"), "expected s, ms or us, got \"" + unit + "\"");
  }
  if (const YAML::Node r = n["run_columns"]) {
    const std::string rp = JoinKey(path, "run_columns");
    if (!r.IsSequence() || r.size() != 2 || !r[0].IsScalar() || !r[1].IsScalar()) {
      return KeyError(rp, "expected [start column, end column], got " + ShowNode(r));
    }
    t.run_start_column = r[0].Scalar();
    t.run_end_column = r[1].Scalar();
  }
  FG_RETURN_IF_ERROR(ReadString(n, path, "priority_column", &t.priority_column));
  if (const YAML::Node k = n["keep"]) {
    const std::string kp = JoinKey(path, "keep");
    FG_RETURN_IF_ERROR(CheckMap(k, kp, {"column", "values"}));
    FG_RETURN_IF_ERROR(ReadString(k, kp, "column", &t.keep_column));
    const YAML::Node v = k["values"];
    if (t.keep_column.empty() || !v || !v.IsSequence() || v.size() == 0) {
      return KeyError(kp, "expected {column: name, values: [kept values]}");
    }
    for (const YAML::Node& x : v) {
      if (!x.IsScalar())
        return KeyError(JoinKey(kp, "values"), "expected scalars, got " + ShowNode(x));
      t.keep_values.push_back(x.Scalar());
    }
  }
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "rate_scale", &t.rate_scale, 0, 1e9, true));
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "work_per_second", &t.work_per_second, 0, 1e12, true));
  FG_RETURN_IF_ERROR(ReadBool(n, path, "loop", &t.loop));
  return absl::OkStatus();
}

absl::Status ParseInference(const YAML::Node& n, const std::string& path,
                            std::vector<InferenceModel>& models) {
  FG_RETURN_IF_ERROR(CheckMap(n, path, {"models"}));
  const std::string mp = JoinKey(path, "models");
  const YAML::Node list = n["models"];
  if (!list || !list.IsSequence() || list.size() == 0) {
    return KeyError(mp, "expected a list of {name, size, memory, share}");
  }
  if (list.size() > 65535) return KeyError(mp, "more than 65535 models");
  double shares = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string ip = mp + "[" + std::to_string(i) + "]";
    const YAML::Node m = list[i];
    FG_RETURN_IF_ERROR(CheckMap(m, ip, {"name", "size", "memory", "share"}));
    InferenceModel model;
    model.name = "model" + std::to_string(i + 1);
    FG_RETURN_IF_ERROR(ReadString(m, ip, "name", &model.name));
    for (const InferenceModel& other : models) {
      if (other.name == model.name) {
        return KeyError(JoinKey(ip, "name"), "\"" + model.name + "\" is given twice");
      }
    }
    if (!m["size"]) return KeyError(JoinKey(ip, "size"), "required: the weights' size (e.g. 4GiB)");
    FG_RETURN_IF_ERROR(models::ReadByteSize(m, ip, "size", &model.size_bytes));
    FG_RETURN_IF_ERROR(models::ReadByteSize(m, ip, "memory", &model.memory_bytes));
    model.share = list.size() == 1 ? 1.0 : 0.0;
    FG_RETURN_IF_ERROR(ReadNumber(m, ip, "share", &model.share, 0, 1));
    shares += model.share;
    models.push_back(model);
  }
  if (std::abs(shares - 1) > 1e-6) {
    return KeyError(mp, "shares must sum to 1, they sum to " + NumberText(shares));
  }
  return absl::OkStatus();
}

absl::Status ParseClients(const YAML::Node& list, const std::string& path,
                          std::vector<WorkloadConfig::Client>& clients) {
  if (!list.IsSequence() || list.size() == 0) {
    return KeyError(path, "expected a list of {name, share}, got " + ShowNode(list));
  }
  if (list.size() > 10000) return KeyError(path, "more than 10000 clients");
  double shares = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string ip = path + "[" + std::to_string(i) + "]";
    FG_RETURN_IF_ERROR(CheckMap(list[i], ip, {"name", "share"}));
    WorkloadConfig::Client c;
    FG_RETURN_IF_ERROR(ReadString(list[i], ip, "name", &c.name));
    if (c.name.empty() || c.name.size() > 256) {
      return KeyError(JoinKey(ip, "name"), "required: 1 to 256 characters");
    }
    for (const auto& other : clients) {
      if (other.name == c.name) {
        return KeyError(JoinKey(ip, "name"), "\"" + c.name + "\" is given twice");
      }
    }
    c.share = list.size() == 1 ? 1.0 : 0.0;
    FG_RETURN_IF_ERROR(ReadNumber(list[i], ip, "share", &c.share, 0, 1));
    shares += c.share;
    clients.push_back(c);
  }
  if (std::abs(shares - 1) > 1e-6) {
    return KeyError(path, "shares must sum to 1, they sum to " + NumberText(shares));
  }
  return absl::OkStatus();
}

absl::Status ParseTraining(const YAML::Node& n, const std::string& path, TrainingConfig& t) {
  FG_RETURN_IF_ERROR(CheckMap(n, path, {"runs", "workers", "rounds", "round_deadline"}));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "runs", &t.runs, 1, 1e6));
  if (!n["workers"]) {
    return KeyError(JoinKey(path, "workers"), "required: the workers (tasks) of each round");
  }
  FG_RETURN_IF_ERROR(ReadInt(n, path, "workers", &t.workers, 1, 1e6));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "rounds", &t.rounds, 0, 1e12));
  FG_RETURN_IF_ERROR(ReadDuration(n, path, "round_deadline", &t.round_deadline));
  if (t.round_deadline <= Duration::Zero()) {
    return KeyError(JoinKey(path, "round_deadline"), "must be > 0");
  }
  return absl::OkStatus();
}

absl::Status ParseWorkload(const YAML::Node& n, WorkloadConfig& w) {
  const std::string path = "workload";
  FG_RETURN_IF_ERROR(CheckMap(
      n, path,
      {"model", "tasks", "tasks_per_car", "job_rate_per_s", "tasks_per_job", "max_jobs",
       "job_trace", "inference", "work", "input_bytes", "output_bytes", "memory", "checkpoint",
       "validation", "allow_metered", "data_local", "training", "clients", "deadline"}));
  FG_RETURN_IF_ERROR(ReadDuration(n, path, "deadline", &w.deadline));
  if (w.deadline <= Duration::Zero()) return KeyError(JoinKey(path, "deadline"), "must be > 0");
  if (const YAML::Node c = n["clients"]) {
    FG_RETURN_IF_ERROR(ParseClients(c, JoinKey(path, "clients"), w.clients));
  }
  if (const YAML::Node d = n["data_local"]) {
    const std::string dp = JoinKey(path, "data_local");
    FG_RETURN_IF_ERROR(CheckMap(d, dp, {"stage_after"}));
    w.data_local = true;
    if (d["stage_after"] && d["stage_after"].IsScalar() && d["stage_after"].Scalar() == "never") {
      w.stage_after = Duration::Infinite();
    } else {
      w.stage_after = Duration::Minutes(30);
      FG_RETURN_IF_ERROR(ReadDuration(d, dp, "stage_after", &w.stage_after));
    }
  }
  FG_RETURN_IF_ERROR(ReadBool(n, path, "allow_metered", &w.allow_metered));
  std::string model = "bag-of-tasks";
  FG_RETURN_IF_ERROR(ReadString(n, path, "model", &model));
  if (model == "bag-of-tasks") {
    w.kind = WorkloadKind::kBagOfTasks;
  } else if (model == "poisson") {
    w.kind = WorkloadKind::kPoisson;
  } else if (model == "job-trace") {
    w.kind = WorkloadKind::kJobTrace;
  } else if (model == "training") {
    w.kind = WorkloadKind::kTraining;
  } else {
    return KeyError(
        JoinKey(path, "model"),
        "unknown model \"" + model + "\" (expected bag-of-tasks, poisson, job-trace or training)");
  }
  FG_RETURN_IF_ERROR(ReadInt(n, path, "tasks", &w.tasks, 0, 4e9));
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "tasks_per_car", &w.tasks_per_car, 0, 4e9));
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "job_rate_per_s", &w.job_rate_per_s, 0, 1e9));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "tasks_per_job", &w.tasks_per_job, 1, 4e9));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "max_jobs", &w.max_jobs, 0, 4e9));
  if (const YAML::Node wk = n["work"])
    FG_RETURN_IF_ERROR(ParseWork(wk, JoinKey(path, "work"), w.work));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "input_bytes", &w.input_bytes, 0, 1e18));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "output_bytes", &w.output_bytes, 0, 1e18));
  FG_RETURN_IF_ERROR(models::ReadByteSize(n, path, "memory", &w.memory_bytes));
  if (const YAML::Node c = n["checkpoint"]) {
    const std::string cp = JoinKey(path, "checkpoint");
    FG_RETURN_IF_ERROR(CheckMap(c, cp, {"interval", "size"}));
    FG_RETURN_IF_ERROR(ReadNumber(c, cp, "interval", &w.checkpoint_interval, 0, 1e15));
    FG_RETURN_IF_ERROR(models::ReadByteSize(c, cp, "size", &w.checkpoint_bytes));
    if (!w.checkpoints()) {
      return KeyError(cp, "set interval (work units between checkpoints) or size (bytes)");
    }
  }
  if (const YAML::Node v = n["validation"]) {
    const std::string vp = JoinKey(path, "validation");
    ValidationConfig& c = w.validation;
    FG_RETURN_IF_ERROR(
        CheckMap(v, vp,
                 {"replication", "quorum", "trust_threshold", "skip_probability",
                  "untrusted_quorum", "spot_check_rate", "daily_quota", "initial_quota"}));
    FG_RETURN_IF_ERROR(ReadInt(v, vp, "replication", &c.replication, 1, 64));
    FG_RETURN_IF_ERROR(ReadInt(v, vp, "quorum", &c.quorum, 1, 64));
    if (c.quorum > c.replication) {
      return KeyError(JoinKey(vp, "quorum"), "must be <= replication (" +
                                                 std::to_string(c.replication) + "), got " +
                                                 std::to_string(c.quorum));
    }
    FG_RETURN_IF_ERROR(ReadInt(v, vp, "trust_threshold", &c.trust_threshold, 0, 65535));
    if (c.trust_threshold > 0 && c.quorum < 2) {
      return KeyError(JoinKey(vp, "trust_threshold"),
                      "needs quorum >= 2 (nothing to skip otherwise)");
    }
    FG_RETURN_IF_ERROR(ReadNumber(v, vp, "skip_probability", &c.skip_probability, 0, 1));
    FG_RETURN_IF_ERROR(ReadNumber(v, vp, "spot_check_rate", &c.spot_check_rate, 0, 1));
    FG_RETURN_IF_ERROR(ReadInt(v, vp, "untrusted_quorum", &c.untrusted_quorum, 0, 64));
    if (c.untrusted_quorum != 0 && (c.trust_threshold == 0 || c.untrusted_quorum < c.quorum)) {
      return KeyError(JoinKey(vp, "untrusted_quorum"),
                      "must be 0 or >= quorum (" + std::to_string(c.quorum) +
                          "), with trust_threshold > 0; got " + std::to_string(c.untrusted_quorum));
    }
    FG_RETURN_IF_ERROR(ReadInt(v, vp, "daily_quota", &c.daily_quota, 0, 65535));
    FG_RETURN_IF_ERROR(ReadInt(v, vp, "initial_quota", &c.initial_quota, 0, 65535));
    if (c.initial_quota > c.daily_quota) {
      return KeyError(JoinKey(vp, "initial_quota"), "must be <= daily_quota (" +
                                                        std::to_string(c.daily_quota) + "), got " +
                                                        std::to_string(c.initial_quota));
    }
  }
  if (const YAML::Node i = n["inference"]) {
    FG_RETURN_IF_ERROR(ParseInference(i, JoinKey(path, "inference"), w.models));
  }
  if (const YAML::Node t = n["job_trace"]) {
    FG_RETURN_IF_ERROR(ParseJobTrace(t, JoinKey(path, "job_trace"), w.job_trace));
  }
  if (w.kind == WorkloadKind::kJobTrace && w.job_trace.file.empty()) {
    return KeyError(JoinKey(path, "job_trace.file"), "the job-trace model needs a trace file");
  }
  if (w.kind != WorkloadKind::kJobTrace && !w.job_trace.file.empty()) {
    return KeyError(JoinKey(path, "job_trace"), "only for model: job-trace");
  }
  if (const YAML::Node t = n["training"]) {
    if (w.kind != WorkloadKind::kTraining) {
      return KeyError(JoinKey(path, "training"), "only for model: training");
    }
    FG_RETURN_IF_ERROR(ParseTraining(t, JoinKey(path, "training"), w.training));
  } else if (w.kind == WorkloadKind::kTraining) {
    return KeyError(JoinKey(path, "training"),
                    "the training model needs {workers, rounds, round_deadline}");
  }
  if (w.kind == WorkloadKind::kTraining && !w.models.empty()) {
    return KeyError(JoinKey(path, "inference"), "not with model: training");
  }
  if (w.kind == WorkloadKind::kPoisson && w.job_rate_per_s <= 0) {
    return KeyError(JoinKey(path, "job_rate_per_s"),
                    "must be > 0 for the poisson model, got " + NumberText(w.job_rate_per_s));
  }
  return absl::OkStatus();
}

absl::Status ParseDatacenterPool(const YAML::Node& n, DatacenterPoolConfig& p) {
  const std::string path = "datacenter_pool";
  FG_RETURN_IF_ERROR(CheckMap(
      n, path, {"count", "hardware", "bandwidth_bytes_per_s", "latency", "price_per_hour"}));
  if (!n["count"]) return KeyError(JoinKey(path, "count"), "required: the accelerators");
  FG_RETURN_IF_ERROR(ReadInt(n, path, "count", &p.count, 0, 1e6));  // 0: no pool
  FG_RETURN_IF_ERROR(ReadString(n, path, "hardware", &p.hardware));
  auto hw = models::FindHardware(p.hardware);
  if (!hw.ok()) return KeyError(JoinKey(path, "hardware"), std::string(hw.status().message()));
  p.hardware = std::string((*hw)->name);
  FG_RETURN_IF_ERROR(
      ReadNumber(n, path, "bandwidth_bytes_per_s", &p.bandwidth_bytes_per_s, 0, 1e15, true));
  FG_RETURN_IF_ERROR(ReadDuration(n, path, "latency", &p.latency));
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "price_per_hour", &p.price_per_hour, 0, 1e6));
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
    const std::string pp = JoinKey(path, "params");
    if (!params.IsMap()) return KeyError(pp, "expected a map, got " + ShowNode(params));
    for (const auto& kv : params) {
      if (!kv.second.IsScalar()) {
        return KeyError(JoinKey(pp, kv.first.Scalar()),
                        "expected a scalar, got " + ShowNode(kv.second));
      }
      p.params[kv.first.Scalar()] = kv.second.Scalar();
    }
  }
  return absl::OkStatus();
}

absl::Status ParseOutputs(const YAML::Node& n, OutputsConfig& o) {
  const std::string path = "outputs";
  FG_RETURN_IF_ERROR(
      CheckMap(n, path, {"dir", "timeseries_interval", "attempts_csv", "parked_periods_csv"}));
  FG_RETURN_IF_ERROR(ReadBool(n, path, "parked_periods_csv", &o.parked_periods_csv));
  FG_RETURN_IF_ERROR(ReadString(n, path, "dir", &o.dir));
  FG_RETURN_IF_ERROR(ReadDuration(n, path, "timeseries_interval", &o.timeseries_interval));
  FG_RETURN_IF_ERROR(ReadBool(n, path, "attempts_csv", &o.attempts_csv));
  return absl::OkStatus();
}

absl::Status Validate(const YAML::Node& root, Scenario& s) {
  if (!root || root.IsNull()) return KeyError("(top level)", "the scenario is empty");
  FG_RETURN_IF_ERROR(
      CheckMap(root, "",
               {"name", "seed", "horizon", "grace_period", "attempt_timeout", "max_attempts",
                "engine", "start", "fleet", "availability", "archetypes", "regions", "workload",
                "departure_warnings", "economics", "datacenter_pool", "policy", "outputs"}));
  FG_RETURN_IF_ERROR(ReadString(root, "", "name", &s.name));
  {
    models::CarScenario cars = CarsOf(s);
    FG_RETURN_IF_ERROR(models::ParseCarSections(root, cars));
    s.seed = cars.seed;
    s.start_unix_s = cars.start_unix_s;
    s.fleet = cars.fleet;
    s.availability = cars.availability;
    s.archetypes = cars.archetypes;
    s.regions = cars.regions;
  }
  FG_RETURN_IF_ERROR(ReadDuration(root, "", "horizon", &s.horizon));
  if (s.horizon <= Duration::Zero()) return KeyError("horizon", "must be > 0");
  FG_RETURN_IF_ERROR(ReadDuration(root, "", "grace_period", &s.grace_period));
  FG_RETURN_IF_ERROR(ReadDuration(root, "", "attempt_timeout", &s.attempt_timeout, true));
  FG_RETURN_IF_ERROR(ReadInt(root, "", "max_attempts", &s.max_attempts, 0, 65535));
  if (const YAML::Node e = root["engine"]) {
    FG_RETURN_IF_ERROR(CheckMap(e, "engine", {"queue"}));
    std::string q = "bucket";
    FG_RETURN_IF_ERROR(ReadString(e, "engine", "queue", &q));
    auto kind = ParseQueueKind(q);
    if (!kind.ok()) return KeyError("engine.queue", std::string(kind.status().message()));
    s.queue = *kind;
  }
  if (const YAML::Node w = root["workload"]) FG_RETURN_IF_ERROR(ParseWorkload(w, s.workload));
  if (const YAML::Node w = root["departure_warnings"]) {
    FG_RETURN_IF_ERROR(
        models::ParseDepartureWarnings(w, "departure_warnings", s.departure_warnings));
  }
  if (const YAML::Node d = root["datacenter_pool"]) {
    FG_RETURN_IF_ERROR(ParseDatacenterPool(d, s.datacenter_pool));
  }
  if (const YAML::Node e = root["economics"]) {
    FG_RETURN_IF_ERROR(ParseEconomics(e, s.economics));
    for (const auto& entry : s.economics.region_prices) {
      const std::string& name = entry.first;  // (a structured binding: clang cannot capture it)
      const bool known = std::any_of(s.regions.begin(), s.regions.end(),
                                     [&](const models::RegionConfig& r) { return r.name == name; });
      if (!known) return KeyError("economics.region_prices." + name, "no region of that name");
    }
  }
  if (const YAML::Node p = root["policy"]) FG_RETURN_IF_ERROR(ParsePolicy(p, s.policy));
  if (const YAML::Node o = root["outputs"]) FG_RETURN_IF_ERROR(ParseOutputs(o, s.outputs));
  if (s.workload.kind == WorkloadKind::kBagOfTasks) {
    const uint64_t t = s.workload.BagTasks(s.fleet.size);
    if (t == 0) return KeyError("workload.tasks", "the bag of tasks is empty");
    if (t > 4'000'000'000ULL) return KeyError("workload.tasks", "more than 4e9 tasks");
  }
  return absl::OkStatus();
}

// A list index: digits, at most nine of them (longer ones would overflow std::stoull and
// name no item of any list a scenario can hold).
bool IsIndex(const std::string& s) {
  return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string::npos;
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
    return KeyError(key, "--set value is not valid YAML: " + e.msg);
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
    path = JoinKey(path, part);
    if (cur.IsSequence()) {
      if (!IsIndex(part) || std::stoull(part) >= cur.size()) {
        return KeyError(path, "--set: no list item " + part + " (the list has " +
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
      return KeyError(path, "--set: the parent is " + ShowNode(cur) + ", not a map");
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

uint64_t WorkloadConfig::BagTasks(uint32_t fleet_size) const {
  if (tasks > 0) return tasks;
  return static_cast<uint64_t>(std::llround(tasks_per_car * fleet_size));
}

absl::StatusOr<Scenario> ParseScenario(const std::string& yaml_text,
                                       const std::vector<std::string>& overrides,
                                       const std::string& default_name) {
  FG_ASSIGN_OR_RETURN(YAML::Node root, models::ParseYamlText(yaml_text));
  return FromNode(root, overrides, default_name);
}

models::CarScenario CarsOf(const Scenario& s) {
  models::CarScenario c;
  c.seed = s.seed;
  c.start_unix_s = s.start_unix_s;
  c.fleet = s.fleet;
  c.availability = s.availability;
  c.archetypes = s.archetypes;
  c.regions = s.regions;
  c.dir = s.path.empty() ? "" : std::filesystem::path(s.path).parent_path().string();
  return c;
}

absl::StatusOr<Scenario> LoadScenario(const std::string& path,
                                      const std::vector<std::string>& overrides) {
  FG_ASSIGN_OR_RETURN(YAML::Node root, models::LoadYamlFile(path));
  FG_ASSIGN_OR_RETURN(Scenario s, FromNode(root, overrides, std::filesystem::path(path).stem()));
  s.path = path;
  return s;
}

}  // namespace fleetgrid::sim
