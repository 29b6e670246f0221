#include "models/scenario_sections.h"

#include "common/status.h"
#include "models/yaml_fields.h"

namespace fleetgrid::models {
namespace {

absl::Status ParseSpeedClasses(const YAML::Node& c, const std::string& cp, FleetConfig& f) {
  if (!c.IsSequence() || c.size() == 0) return KeyError(cp, "expected a non-empty list");
  if (c.size() > 255) return KeyError(cp, "at most 255 classes");
  f.classes.clear();
  double sum = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    const std::string ip = cp + "[" + std::to_string(i) + "]";
    FG_RETURN_IF_ERROR(CheckMap(c[i], ip, {"speed", "share"}));
    SpeedClass sc;
    FG_RETURN_IF_ERROR(ReadNumber(c[i], ip, "speed", &sc.speed, 0, 1e12, true));
    FG_RETURN_IF_ERROR(ReadNumber(c[i], ip, "share", &sc.share, 0, 1));
    if (!c[i]["share"] && c.size() > 1)
      return KeyError(ip + ".share", "required with several classes");
    sum += sc.share;
    f.classes.push_back(sc);
  }
  return CheckShares(sum, cp);
}

absl::Status ParseLinks(const YAML::Node& l, const std::string& lp, FleetConfig& f) {
  if (!l.IsSequence() || l.size() == 0) return KeyError(lp, "expected a non-empty list");
  if (l.size() > 255) return KeyError(lp, "at most 255 link classes");
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
    if (!l[i]["share"] && l.size() > 1)
      return KeyError(ip + ".share", "required with several links");
    sum += lc.share;
    f.links.push_back(lc);
  }
  return CheckShares(sum, lp);
}

absl::StatusOr<CarScenario> FromRoot(const YAML::Node& root) {
  if (!root || root.IsNull()) return KeyError("(top level)", "the scenario is empty");
  if (!root.IsMap()) return KeyError("(top level)", "expected a map, got " + ShowNode(root));
  CarScenario s;
  try {
    FG_RETURN_IF_ERROR(ParseSeed(root, s.seed));
    if (const YAML::Node f = root["fleet"]) FG_RETURN_IF_ERROR(ParseFleetSection(f, s.fleet));
    if (const YAML::Node a = root["availability"]) {
      FG_RETURN_IF_ERROR(ParseAvailabilitySection(a, s.availability));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(std::string("scenario: ") + e.what());
  }
  return s;
}

}  // namespace

absl::Status ParseFleetSection(const YAML::Node& n, FleetConfig& f) {
  const std::string path = "fleet";
  FG_RETURN_IF_ERROR(
      CheckMap(n, path, {"size", "owners", "classes", "links", "battery", "malicious"}));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "size", &f.size, 1, 100'000'000));
  FG_RETURN_IF_ERROR(ReadInt(n, path, "owners", &f.owners, 0, 100'000'000));
  if (f.owners > f.size) {
    return KeyError(JoinKey(path, "owners"), "must be <= fleet.size (" + std::to_string(f.size) +
                                                 "), got " + std::to_string(f.owners));
  }
  if (const YAML::Node m = n["malicious"]) {
    const std::string mp = JoinKey(path, "malicious");
    FG_RETURN_IF_ERROR(CheckMap(m, mp, {"owner_share", "colluding"}));
    FG_RETURN_IF_ERROR(ReadNumber(m, mp, "owner_share", &f.malicious.owner_share, 0, 1));
    FG_RETURN_IF_ERROR(ReadBool(m, mp, "colluding", &f.malicious.colluding));
  }
  if (const YAML::Node c = n["classes"]) {
    FG_RETURN_IF_ERROR(ParseSpeedClasses(c, JoinKey(path, "classes"), f));
  }
  if (const YAML::Node l = n["links"]) FG_RETURN_IF_ERROR(ParseLinks(l, JoinKey(path, "links"), f));
  if (const YAML::Node b = n["battery"]) {
    const std::string bp = JoinKey(path, "battery");
    FG_RETURN_IF_ERROR(CheckMap(b, bp, {"capacity_wh", "max_charging_power_w"}));
    FG_RETURN_IF_ERROR(ReadNumber(b, bp, "capacity_wh", &f.battery.capacity_wh, 0, 1e7, true));
    FG_RETURN_IF_ERROR(
        ReadNumber(b, bp, "max_charging_power_w", &f.battery.max_charging_power_w, 0, 1e7, true));
  }
  return absl::OkStatus();
}

absl::Status ParseAvailabilitySection(const YAML::Node& n, AvailabilityConfig& a) {
  const std::string path = "availability";
  FG_RETURN_IF_ERROR(CheckMap(n, path, {"model", "mean_on", "mean_off", "start_available"}));
  std::string model(AvailabilityKindName(a.kind));
  FG_RETURN_IF_ERROR(ReadString(n, path, "model", &model));
  const std::optional<AvailabilityKind> kind = AvailabilityKindFromName(model);
  if (!kind) {
    return KeyError(JoinKey(path, "model"), "unknown model \"" + model + "\" (expected " +
                                                std::string(AvailabilityKindNames()) + ")");
  }
  a.kind = *kind;
  FG_RETURN_IF_ERROR(ReadDuration(n, path, "mean_on", &a.mean_on));
  FG_RETURN_IF_ERROR(ReadDuration(n, path, "mean_off", &a.mean_off));
  if (a.mean_on <= Duration::Zero()) return KeyError(JoinKey(path, "mean_on"), "must be > 0");
  if (a.mean_off <= Duration::Zero()) return KeyError(JoinKey(path, "mean_off"), "must be > 0");
  if (const YAML::Node s = n["start_available"];
      s && !(s.IsScalar() && s.Scalar() == "stationary")) {
    FG_RETURN_IF_ERROR(ReadNumber(n, path, "start_available", &a.start_available, 0, 1));
  }
  return absl::OkStatus();
}

absl::Status ParseSeed(const YAML::Node& root, uint64_t& seed) {
  return ReadInt(root, "", "seed", &seed, 0, 9007199254740992.0);
}

absl::StatusOr<CarScenario> ParseCarScenario(const std::string& yaml_text) {
  FG_ASSIGN_OR_RETURN(const YAML::Node root, ParseYamlText(yaml_text));
  return FromRoot(root);
}

absl::StatusOr<CarScenario> LoadCarScenario(const std::string& path) {
  FG_ASSIGN_OR_RETURN(const YAML::Node root, LoadYamlFile(path));
  return FromRoot(root);
}

}  // namespace fleetgrid::models
