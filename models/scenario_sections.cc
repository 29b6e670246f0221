#include "models/scenario_sections.h"

#include <filesystem>

#include "common/status.h"
#include "models/hardware_catalog.h"
#include "models/owner_rules_section.h"
#include "models/region_sections.h"
#include "models/trace_import.h"
#include "models/yaml_fields.h"

namespace fleetgrid::models {

absl::Status ParseSpeedClasses(const YAML::Node& c, const std::string& cp, FleetConfig& f) {
  if (!c.IsSequence() || c.size() == 0) return KeyError(cp, "expected a non-empty list");
  if (c.size() > 255) return KeyError(cp, "at most 255 classes");
  f.classes.clear();
  double sum = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    const std::string ip = cp + "[" + std::to_string(i) + "]";
    FG_RETURN_IF_ERROR(CheckMap(c[i], ip, {"hardware", "speed", "share", "memory", "power_w"}));
    SpeedClass sc;
    // A named class takes the catalog's figures; `speed`, `memory` and `power_w` override.
    if (c[i]["hardware"]) {
      std::string name;
      FG_RETURN_IF_ERROR(ReadString(c[i], ip, "hardware", &name));
      absl::StatusOr<const HardwareEntry*> hw = FindHardware(name);
      if (!hw.ok()) return KeyError(JoinKey(ip, "hardware"), std::string(hw.status().message()));
      sc.hardware = std::string((*hw)->name);
      sc.speed = (*hw)->speed();
      sc.memory_bytes = (*hw)->memory_bytes;
      sc.power_w = (*hw)->power_mid_w();
    }
    FG_RETURN_IF_ERROR(ReadNumber(c[i], ip, "speed", &sc.speed, 0, 1e12, true));
    FG_RETURN_IF_ERROR(ReadByteSize(c[i], ip, "memory", &sc.memory_bytes));
    FG_RETURN_IF_ERROR(ReadNumber(c[i], ip, "power_w", &sc.power_w, 0, 1e7));
    FG_RETURN_IF_ERROR(ReadNumber(c[i], ip, "share", &sc.share, 0, 1));
    if (!c[i]["share"] && c.size() > 1)
      return KeyError(ip + ".share", "required with several classes");
    sum += sc.share;
    f.classes.push_back(sc);
  }
  return CheckShares(sum, cp);
}

namespace {

absl::Status ParseLinks(const YAML::Node& l, const std::string& lp, FleetConfig& f) {
  if (!l.IsSequence() || l.size() == 0) return KeyError(lp, "expected a non-empty list");
  if (l.size() > 255) return KeyError(lp, "at most 255 link classes");
  f.links.clear();
  double sum = 0;
  for (size_t i = 0; i < l.size(); ++i) {
    const std::string ip = lp + "[" + std::to_string(i) + "]";
    FG_RETURN_IF_ERROR(CheckMap(
        l[i], ip, {"bandwidth_bytes_per_s", "latency", "share", "metered", "price_per_gb"}));
    LinkClass lc;
    FG_RETURN_IF_ERROR(
        ReadNumber(l[i], ip, "bandwidth_bytes_per_s", &lc.bandwidth_bytes_per_s, 0, 1e15, true));
    FG_RETURN_IF_ERROR(ReadDuration(l[i], ip, "latency", &lc.latency));
    FG_RETURN_IF_ERROR(ReadNumber(l[i], ip, "share", &lc.share, 0, 1));
    FG_RETURN_IF_ERROR(ReadBool(l[i], ip, "metered", &lc.metered));
    FG_RETURN_IF_ERROR(ReadNumber(l[i], ip, "price_per_gb", &lc.price_per_gb, 0, 1e6));
    if (lc.price_per_gb > 0 && !lc.metered) {
      return KeyError(ip + ".price_per_gb", "only for a metered link (metered: true)");
    }
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
    FG_RETURN_IF_ERROR(ParseCarSections(root, s));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(std::string("scenario: ") + e.what());
  }
  return s;
}

}  // namespace

absl::Status ParseFleetSection(const YAML::Node& n, FleetConfig& f) {
  const std::string path = "fleet";
  FG_RETURN_IF_ERROR(CheckMap(
      n, path, {"size", "owners", "classes", "links", "battery", "owner_rules", "malicious"}));
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
    BatteryConfig& c = f.battery;
    FG_RETURN_IF_ERROR(
        CheckMap(b, bp,
                 {"capacity_wh", "max_charging_power_w", "awake_power_w", "consumption_wh_per_km",
                  "mean_trip_km", "initial_soc", "min_arrival_soc"}));
    FG_RETURN_IF_ERROR(ReadNumber(b, bp, "capacity_wh", &c.capacity_wh, 0, 1e7, true));
    FG_RETURN_IF_ERROR(
        ReadNumber(b, bp, "max_charging_power_w", &c.max_charging_power_w, 0, 1e7, true));
    FG_RETURN_IF_ERROR(ReadNumber(b, bp, "awake_power_w", &c.awake_power_w, 0, 1e5));
    FG_RETURN_IF_ERROR(
        ReadNumber(b, bp, "consumption_wh_per_km", &c.consumption_wh_per_km, 0, 1e4));
    FG_RETURN_IF_ERROR(ReadNumber(b, bp, "mean_trip_km", &c.mean_trip_km, 0, 1e4));
    FG_RETURN_IF_ERROR(ReadNumber(b, bp, "min_arrival_soc", &c.min_arrival_soc, 0, 1));
    if (const YAML::Node s = b["initial_soc"]) {
      const std::string sp = JoinKey(bp, "initial_soc");
      if (!s.IsSequence() || s.size() != 2) {
        return KeyError(sp, "expected [min, max], e.g. [0.3, 0.9]");
      }
      for (int i = 0; i < 2; ++i) {
        const std::string ip = sp + "[" + std::to_string(i) + "]";
        absl::StatusOr<double> v = AsNumber(s[i], ip);
        if (!v.ok()) return v.status();
        if (*v < 0 || *v > 1) return KeyError(ip, "must be in [0, 1], got " + NumberText(*v));
        (i == 0 ? c.initial_soc_min : c.initial_soc_max) = *v;
      }
      if (c.initial_soc_min > c.initial_soc_max) return KeyError(sp, "min is above max");
    }
    c.simulated = true;
  }
  if (const YAML::Node r = n["owner_rules"]) {
    FG_RETURN_IF_ERROR(ParseOwnerRules(r, JoinKey(path, "owner_rules"), f.owner_rules));
    f.battery.simulated = true;
  }
  return absl::OkStatus();
}

absl::Status ParseAvailabilitySection(const YAML::Node& n, AvailabilityConfig& a,
                                      const std::string& path) {
  FG_RETURN_IF_ERROR(CheckMap(n, path,
                              {"model", "mean_on", "mean_off", "start_available", "shape", "sigma",
                               "plugged_share", "routines", "jitter", "trace"}));
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
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "shape", &a.weibull_shape, 0.05, 20));
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "sigma", &a.lognormal_sigma, 0.01, 5));
  FG_RETURN_IF_ERROR(ReadNumber(n, path, "plugged_share", &a.plugged_share, 0, 1));
  if (const YAML::Node r = n["routines"]) {
    const std::string rp = JoinKey(path, "routines");
    if (!r.IsMap() || r.size() == 0) {
      return KeyError(rp,
                      "expected a map of archetype: share, e.g. {home-charger: 0.6, commuter: "
                      "0.4}, got " +
                          ShowNode(r));
    }
    a.routines.clear();
    double sum = 0;
    for (const auto& kv : r) {
      RoutineShare share;
      share.archetype = kv.first.as<std::string>();
      FG_ASSIGN_OR_RETURN(share.share, AsNumber(kv.second, JoinKey(rp, share.archetype)));
      if (share.share < 0 || share.share > 1) {
        return KeyError(JoinKey(rp, share.archetype),
                        "must be in [0, 1], got " + NumberText(share.share));
      }
      sum += share.share;
      a.routines.push_back(share);
    }
    FG_RETURN_IF_ERROR(CheckShares(sum, rp));
  }
  FG_RETURN_IF_ERROR(ReadDuration(n, path, "jitter", &a.jitter));
  if (a.jitter < Duration::Zero() || a.jitter > Duration::Hours(12)) {
    return KeyError(JoinKey(path, "jitter"), "must be in [0, 12h]");
  }
  if (const YAML::Node t = n["trace"]) {
    FG_RETURN_IF_ERROR(ParseTraceSection(t, JoinKey(path, "trace"), a.trace));
  }
  if (a.kind == AvailabilityKind::kTrace && a.trace.files.empty()) {
    return KeyError(JoinKey(path, "trace"), "required with model: trace (files and columns)");
  }
  return absl::OkStatus();
}

absl::Status ParseCarSections(const YAML::Node& root, CarScenario& s) {
  FG_RETURN_IF_ERROR(ParseSeed(root, s.seed));
  FG_RETURN_IF_ERROR(ParseStart(root, s.start_unix_s));
  if (const YAML::Node f = root["fleet"]) FG_RETURN_IF_ERROR(ParseFleetSection(f, s.fleet));
  if (const YAML::Node a = root["availability"]) {
    FG_RETURN_IF_ERROR(ParseAvailabilitySection(a, s.availability));
  }
  if (const YAML::Node a = root["archetypes"])
    FG_RETURN_IF_ERROR(ParseArchetypesSection(a, s.archetypes));
  if (const YAML::Node r = root["regions"]) {
    FG_RETURN_IF_ERROR(ParseRegionsSection(r, s.availability, s.regions));
    // A region's own owner rules need the battery simulation as the fleet's do.
    for (const RegionConfig& g : s.regions) {
      if (g.owner_rules) s.fleet.battery.simulated = true;
    }
  }
  if (const YAML::Node w = root["departure_warnings"]) {
    FG_RETURN_IF_ERROR(ParseDepartureWarnings(w, "departure_warnings", s.departure_warnings));
  }
  size_t classes = s.fleet.classes.size();
  for (const RegionConfig& r : s.regions) classes += r.classes.size();
  if (classes > 255) {
    return KeyError("regions",
                    "at most 255 classes in all (fleet.classes and the regions' own), got " +
                        std::to_string(classes));
  }
  // Archetype names are checked here, not when the model is built, so that a typo is
  // reported with its key before anything runs.
  const auto check_mix = [&](const AvailabilityConfig& a, const std::string& path) -> absl::Status {
    if (a.kind != AvailabilityKind::kRoutine) return absl::OkStatus();
    for (const RoutineShare& r : a.routines) {
      bool known = false;
      for (const Archetype& x : BuiltinArchetypes()) known |= x.name == r.archetype;
      for (const Archetype& x : s.archetypes) known |= x.name == r.archetype;
      if (!known) {
        std::string names;
        for (const Archetype& x : BuiltinArchetypes())
          names += (names.empty() ? "" : ", ") + x.name;
        for (const Archetype& x : s.archetypes) names += ", " + x.name;
        return KeyError(JoinKey(path, "routines." + r.archetype),
                        "unknown archetype (expected one of " + names + ")");
      }
    }
    return absl::OkStatus();
  };
  FG_RETURN_IF_ERROR(check_mix(s.availability, "availability"));
  for (size_t i = 0; i < s.regions.size(); ++i) {
    if (s.regions[i].availability) {
      FG_RETURN_IF_ERROR(
          check_mix(*s.regions[i].availability, "regions[" + std::to_string(i) + "].availability"));
    }
  }
  return absl::OkStatus();
}

AvailabilitySetup SetupOf(const CarScenario& s) {
  AvailabilitySetup a;
  a.seed = s.seed;
  a.fleet_size = s.fleet.size;
  a.start_unix_s = s.start_unix_s;
  a.availability = s.availability;
  a.regions = s.regions;
  a.archetypes = s.archetypes;
  a.scenario_dir = s.dir;
  return a;
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
  FG_ASSIGN_OR_RETURN(CarScenario s, FromRoot(root));
  s.dir = std::filesystem::path(path).parent_path().string();
  return s;
}

}  // namespace fleetgrid::models
