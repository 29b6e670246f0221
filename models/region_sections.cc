#include "models/region_sections.h"

#include <cstdio>

#include "common/status.h"
#include "models/local_calendar.h"
#include "models/owner_rules_section.h"
#include "models/scenario_sections.h"
#include "models/yaml_fields.h"

namespace fleetgrid::models {
namespace {

std::string At(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

absl::Status ReadDay(const YAML::Node& list, const std::string& path, double min, double max,
                     double scale, float* out) {
  if (!list.IsSequence()) {
    return KeyError(path, "expected a list of 24 hourly values, got " + ShowNode(list));
  }
  if (list.size() != 24) {
    return KeyError(path,
                    "expected a list of 24 hourly values, got " + std::to_string(list.size()));
  }
  for (size_t h = 0; h < 24; ++h) {
    FG_ASSIGN_OR_RETURN(const double v, AsNumber(list[h], At(path, h)));
    if (v < min || v > max) {
      return KeyError(At(path, h), "must be in [" + NumberText(min) + ", " + NumberText(max) +
                                       "], got " + NumberText(v));
    }
    out[h] = static_cast<float>(v * scale);
  }
  return absl::OkStatus();
}

// A table over the 168 hours of a week: one number for every hour, a list of 24 (every
// day), or a map of `weekday` (Monday-Friday), `saturday`, `sunday`, `weekend` (both) lists
// of 24, or `week`: a list of 168.
absl::Status ReadWeek(const YAML::Node& n, const std::string& path, double min, double max,
                      double scale, std::array<float, 168>& out) {
  if (n.IsScalar()) {
    FG_ASSIGN_OR_RETURN(const double v, AsNumber(n, path));
    if (v < min || v > max) {
      return KeyError(path, "must be in [" + NumberText(min) + ", " + NumberText(max) + "], got " +
                                NumberText(v));
    }
    out.fill(static_cast<float>(v * scale));
    return absl::OkStatus();
  }
  if (n.IsSequence()) {
    float day[24];
    FG_RETURN_IF_ERROR(ReadDay(n, path, min, max, scale, day));
    for (int h = 0; h < 168; ++h) out[h] = day[h % 24];
    return absl::OkStatus();
  }
  FG_RETURN_IF_ERROR(CheckMap(n, path, {"week", "weekday", "weekend", "saturday", "sunday"}));
  if (const YAML::Node w = n["week"]) {
    if (n.size() != 1) return KeyError(path, "`week` excludes the other keys");
    if (!w.IsSequence() || w.size() != 168) {
      return KeyError(JoinKey(path, "week"), "expected a list of 168 hourly values");
    }
    for (int d = 0; d < 7; ++d) {
      YAML::Node day(YAML::NodeType::Sequence);
      for (int h = 0; h < 24; ++h) day.push_back(w[d * 24 + h]);
      FG_RETURN_IF_ERROR(ReadDay(day, JoinKey(path, "week") + "[" + std::to_string(d * 24) + "+]",
                                 min, max, scale, &out[d * 24]));
    }
    return absl::OkStatus();
  }
  if (!n["weekday"]) return KeyError(JoinKey(path, "weekday"), "required (or give `week`)");
  if (!n["weekend"] && !(n["saturday"] && n["sunday"])) {
    return KeyError(JoinKey(path, "weekend"), "required unless `saturday` and `sunday` are given");
  }
  float day[24];
  FG_RETURN_IF_ERROR(ReadDay(n["weekday"], JoinKey(path, "weekday"), min, max, scale, day));
  for (int d = 0; d < 5; ++d) std::copy(day, day + 24, &out[d * 24]);
  for (const auto& [key, d] : {std::pair<const char*, int>{"saturday", 5}, {"sunday", 6}}) {
    const YAML::Node x = n[key] ? n[key] : n["weekend"];
    FG_RETURN_IF_ERROR(ReadDay(x, JoinKey(path, n[key] ? key : "weekend"), min, max, scale, day));
    std::copy(day, day + 24, &out[d * 24]);
  }
  return absl::OkStatus();
}

// "07:30" or a duration ("7h30m") as a time of day.
absl::Status ReadTimeOfDay(const YAML::Node& parent, const std::string& path, const char* key,
                           Duration* out) {
  const YAML::Node n = parent[key];
  if (!n) return KeyError(JoinKey(path, key), "required");
  if (n.IsScalar()) {
    int h = 0, m = 0;
    char tail = 0;
    if (std::sscanf(n.Scalar().c_str(), "%d:%d%c", &h, &m, &tail) == 2) {
      if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) {
        return KeyError(JoinKey(path, key),
                        "expected a time of day HH:MM, got \"" + n.Scalar() + "\"");
      }
      *out = Duration::Minutes(h * 60 + m);
      return absl::OkStatus();
    }
  }
  FG_RETURN_IF_ERROR(ReadDuration(parent, path, key, out));
  if (*out < Duration::Zero() || *out > Duration::Hours(24)) {
    return KeyError(JoinKey(path, key), "a time of day must be within 00:00-24:00");
  }
  return absl::OkStatus();
}

absl::Status ReadDays(const YAML::Node& n, const std::string& path, uint8_t& days) {
  static const char* kNames[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  if (n.IsScalar()) {
    const std::string v = n.Scalar();
    if (v == "weekdays") {
      days = 0x1f;
    } else if (v == "weekends") {
      days = 0x60;
    } else if (v == "all") {
      days = 0x7f;
    } else {
      return KeyError(path,
                      "expected weekdays, weekends, all or a list of mon..sun, got \"" + v + "\"");
    }
    return absl::OkStatus();
  }
  if (!n.IsSequence() || n.size() == 0) {
    return KeyError(path, "expected weekdays, weekends, all or a list of mon..sun");
  }
  days = 0;
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string v = n[i].IsScalar() ? n[i].Scalar() : "";
    int d = 0;
    while (d < 7 && v != kNames[d]) ++d;
    if (d == 7) return KeyError(At(path, i), "expected mon, tue, wed, thu, fri, sat or sun");
    days |= static_cast<uint8_t>(1u << d);
  }
  return absl::OkStatus();
}

absl::Status ParseEvent(const YAML::Node& n, const std::string& path, RegionEvent& e) {
  FG_RETURN_IF_ERROR(CheckMap(n, path, {"kind", "days", "from", "to", "share", "at", "duration"}));
  std::string kind;
  FG_RETURN_IF_ERROR(ReadString(n, path, "kind", &kind));
  if (kind == "rush") {
    e.kind = RegionEvent::Kind::kRush;
    if (const YAML::Node d = n["days"])
      FG_RETURN_IF_ERROR(ReadDays(d, JoinKey(path, "days"), e.days));
    FG_RETURN_IF_ERROR(ReadTimeOfDay(n, path, "from", &e.from));
    FG_RETURN_IF_ERROR(ReadTimeOfDay(n, path, "to", &e.to));
    if (e.to <= e.from) return KeyError(JoinKey(path, "to"), "must be after `from`");
    if (!n["share"]) return KeyError(JoinKey(path, "share"), "required");
    FG_RETURN_IF_ERROR(ReadNumber(n, path, "share", &e.share, 0, 1));
    for (const char* k : {"at", "duration"}) {
      if (n[k]) return KeyError(JoinKey(path, k), "not a key of a rush (it has days, from, to)");
    }
  } else if (kind == "outage") {
    e.kind = RegionEvent::Kind::kOutage;
    for (const char* k : {"at", "duration", "share"}) {
      if (!n[k]) return KeyError(JoinKey(path, k), "required");
    }
    FG_RETURN_IF_ERROR(ReadDuration(n, path, "at", &e.at));
    FG_RETURN_IF_ERROR(ReadDuration(n, path, "duration", &e.duration));
    if (e.at < Duration::Zero()) return KeyError(JoinKey(path, "at"), "must be >= 0");
    if (e.duration <= Duration::Zero()) return KeyError(JoinKey(path, "duration"), "must be > 0");
    FG_RETURN_IF_ERROR(ReadNumber(n, path, "share", &e.share, 0, 1));
    for (const char* k : {"days", "from", "to"}) {
      if (n[k])
        return KeyError(JoinKey(path, k), "not a key of an outage (it has at, duration, share)");
    }
  } else if (kind == "holiday") {
    e.kind = RegionEvent::Kind::kHoliday;
    if (!n["at"])
      return KeyError(JoinKey(path, "at"), "required (the day, as an offset from start)");
    FG_RETURN_IF_ERROR(ReadDuration(n, path, "at", &e.at));
    if (e.at < Duration::Zero()) return KeyError(JoinKey(path, "at"), "must be >= 0");
    for (const char* k : {"days", "from", "to", "share", "duration"}) {
      if (n[k]) return KeyError(JoinKey(path, k), "not a key of a holiday (it has at)");
    }
  } else {
    return KeyError(JoinKey(path, "kind"),
                    "unknown event \"" + kind + "\" (expected rush, outage or holiday)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseStart(const YAML::Node& root, int64_t& start_unix_s) {
  const YAML::Node n = root["start"];
  if (!n) return absl::OkStatus();
  if (!n.IsScalar()) return KeyError("start", "expected a date or an instant, got " + ShowNode(n));
  absl::StatusOr<int64_t> t = ParseInstant(n.Scalar());
  if (!t.ok()) return KeyError("start", std::string(t.status().message()));
  start_unix_s = *t;
  return absl::OkStatus();
}

absl::Status ParseArchetypesSection(const YAML::Node& n, std::vector<Archetype>& out) {
  const std::string path = "archetypes";
  if (!n.IsSequence()) return KeyError(path, "expected a list, got " + ShowNode(n));
  out.clear();
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string ip = At(path, i);
    FG_RETURN_IF_ERROR(CheckMap(n[i], ip, {"name", "parked", "plugged", "mean_stay_hours"}));
    Archetype a;
    FG_RETURN_IF_ERROR(ReadString(n[i], ip, "name", &a.name));
    if (a.name.empty()) return KeyError(JoinKey(ip, "name"), "required");
    for (const Archetype& b : out) {
      if (b.name == a.name) return KeyError(JoinKey(ip, "name"), "\"" + a.name + "\" given twice");
    }
    for (const char* k : {"parked", "plugged", "mean_stay_hours"}) {
      if (!n[i][k]) return KeyError(JoinKey(ip, k), "required");
    }
    FG_RETURN_IF_ERROR(ReadWeek(n[i]["parked"], JoinKey(ip, "parked"), 0, 1, 1, a.parked));
    FG_RETURN_IF_ERROR(ReadWeek(n[i]["plugged"], JoinKey(ip, "plugged"), 0, 1, 1, a.plugged));
    FG_RETURN_IF_ERROR(ReadWeek(n[i]["mean_stay_hours"], JoinKey(ip, "mean_stay_hours"), 0.01,
                                24 * 365, 3600, a.mean_stay_s));
    out.push_back(a);
  }
  return absl::OkStatus();
}

absl::Status ParseRegionsSection(const YAML::Node& n, const AvailabilityConfig& availability,
                                 std::vector<RegionConfig>& out) {
  const std::string path = "regions";
  if (!n.IsSequence() || n.size() == 0) return KeyError(path, "expected a non-empty list");
  if (n.size() > 64) return KeyError(path, "at most 64 regions");
  out.clear();
  double sum = 0;
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string ip = At(path, i);
    FG_RETURN_IF_ERROR(CheckMap(
        n[i], ip,
        {"name", "share", "time_zone", "availability", "classes", "owner_rules", "events"}));
    RegionConfig r;
    FG_RETURN_IF_ERROR(ReadString(n[i], ip, "name", &r.name));
    if (r.name.empty()) return KeyError(JoinKey(ip, "name"), "required");
    for (const RegionConfig& o : out) {
      if (o.name == r.name) return KeyError(JoinKey(ip, "name"), "\"" + r.name + "\" given twice");
    }
    if (!n[i]["share"] && n.size() > 1)
      return KeyError(JoinKey(ip, "share"), "required with several regions");
    FG_RETURN_IF_ERROR(ReadNumber(n[i], ip, "share", &r.share, 0, 1));
    sum += r.share;
    FG_RETURN_IF_ERROR(ReadString(n[i], ip, "time_zone", &r.time_zone));
    if (!LocalCalendar::Create(kDefaultStartUnixS, r.time_zone).ok()) {
      return KeyError(JoinKey(ip, "time_zone"),
                      "unknown time zone \"" + r.time_zone +
                          "\" (expected an IANA name such as Europe/London)");
    }
    if (const YAML::Node a = n[i]["availability"]) {
      AvailabilityConfig ac = availability;
      FG_RETURN_IF_ERROR(ParseAvailabilitySection(a, ac, JoinKey(ip, "availability")));
      r.availability = ac;
    }
    if (const YAML::Node c = n[i]["classes"]) {
      FleetConfig f;
      FG_RETURN_IF_ERROR(ParseSpeedClasses(c, JoinKey(ip, "classes"), f));
      r.classes = f.classes;
    }
    if (const YAML::Node o = n[i]["owner_rules"]) {
      OwnerRulesConfig rules;
      FG_RETURN_IF_ERROR(ParseOwnerRules(o, JoinKey(ip, "owner_rules"), rules));
      r.owner_rules = rules;
    }
    if (const YAML::Node ev = n[i]["events"]) {
      const std::string ep = JoinKey(ip, "events");
      if (!ev.IsSequence()) return KeyError(ep, "expected a list, got " + ShowNode(ev));
      for (size_t k = 0; k < ev.size(); ++k) {
        RegionEvent e;
        FG_RETURN_IF_ERROR(ParseEvent(ev[k], At(ep, k), e));
        r.events.push_back(e);
      }
    }
    out.push_back(r);
  }
  return CheckShares(sum, path);
}

}  // namespace fleetgrid::models
