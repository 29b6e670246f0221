#include "models/trace_import.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "models/csv_file.h"
#include "models/yaml_fields.h"

namespace fleetgrid::models {
namespace {

std::string_view Trim(std::string_view v) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!v.empty() && space(v.front())) v.remove_prefix(1);
  while (!v.empty() && space(v.back())) v.remove_suffix(1);
  return v;
}

// A file's refused lines named in its error when most of it is bad.
constexpr size_t kLinesInFileError = 3;

absl::Status ReadColumn(const YAML::Node& columns, const std::string& path, const char* key,
                        std::vector<std::string>& out) {
  const YAML::Node n = columns[key];
  if (!n) return absl::OkStatus();
  const std::string kp = JoinKey(path, key);
  out.clear();
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence() && n.size() > 0) {
    for (size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar()) {
        return KeyError(kp + "[" + std::to_string(i) + "]",
                        "expected a column name, got " + ShowNode(n[i]));
      }
      out.push_back(n[i].Scalar());
    }
  } else {
    return KeyError(kp, "expected a column name or a list of them, got " + ShowNode(n));
  }
  for (const std::string& name : out) {
    if (Trim(name).empty()) return KeyError(kp, "empty column name");
  }
  return absl::OkStatus();
}

struct Row {
  int64_t start;
  int64_t end;
  float energy;
  std::string site;
};

struct CarRows {
  bool by_charger = false;
  std::vector<Row> rows;
};

// Where each configured key's columns sit in one file's header.
struct Layout {
  std::vector<size_t> start, end, energy, car, charger, connector, site;
};

absl::StatusOr<std::vector<size_t>> Find(const CsvFile& csv, const std::vector<std::string>& names,
                                         const char* key) {
  std::vector<size_t> out;
  for (const std::string& name : names) {
    absl::StatusOr<size_t> i = csv.Column(name);
    if (!i.ok()) {
      return absl::InvalidArgumentError("columns." + std::string(key) + ": " +
                                        std::string(i.status().message()));
    }
    out.push_back(*i);
  }
  return out;
}

// The configured columns' values joined with one space; empty when any of them is empty
// (a date without its time is missing, not unparsable).
std::string Value(const std::vector<std::string>& fields, const std::vector<size_t>& cols) {
  std::string out;
  for (size_t i : cols) {
    if (i >= fields.size()) return "";
    const std::string_view v = Trim(fields[i]);
    if (v.empty()) return "";
    if (!out.empty()) out.push_back(' ');
    out.append(v);
  }
  return out;
}

float AddEnergy(float a, float b) {
  if (std::isnan(a)) return b;
  if (std::isnan(b)) return a;
  return a + b;
}

}  // namespace

uint64_t TraceReport::RowsRefused() const {
  uint64_t n = 0;
  for (const auto& [reason, count] : refused) n += count;
  return n;
}

absl::Status ParseTraceSection(const YAML::Node& n, const std::string& path, TraceConfig& out) {
  FG_RETURN_IF_ERROR(CheckMap(n, path, {"files", "columns", "datetime_format", "time_zone"}));
  if (const YAML::Node f = n["files"]) {
    const std::string fp = JoinKey(path, "files");
    out.files.clear();
    if (f.IsScalar()) {
      out.files.push_back(f.Scalar());
    } else if (f.IsSequence()) {
      for (size_t i = 0; i < f.size(); ++i) {
        if (!f[i].IsScalar() || f[i].Scalar().empty()) {
          return KeyError(fp + "[" + std::to_string(i) + "]",
                          "expected a file path, got " + ShowNode(f[i]));
        }
        out.files.push_back(f[i].Scalar());
      }
    } else {
      return KeyError(fp, "expected a list of file paths, got " + ShowNode(f));
    }
  }
  if (out.files.empty()) return KeyError(JoinKey(path, "files"), "required (a list of CSV files)");
  const std::string cp = JoinKey(path, "columns");
  if (const YAML::Node c = n["columns"]) {
    FG_RETURN_IF_ERROR(
        CheckMap(c, cp, {"start", "end", "energy_kwh", "car", "charger", "connector", "site"}));
    TraceColumns& k = out.columns;
    FG_RETURN_IF_ERROR(ReadColumn(c, cp, "start", k.start));
    FG_RETURN_IF_ERROR(ReadColumn(c, cp, "end", k.end));
    FG_RETURN_IF_ERROR(ReadColumn(c, cp, "energy_kwh", k.energy_kwh));
    FG_RETURN_IF_ERROR(ReadColumn(c, cp, "car", k.car));
    FG_RETURN_IF_ERROR(ReadColumn(c, cp, "charger", k.charger));
    FG_RETURN_IF_ERROR(ReadColumn(c, cp, "connector", k.connector));
    FG_RETURN_IF_ERROR(ReadColumn(c, cp, "site", k.site));
  }
  if (out.columns.start.empty()) return KeyError(JoinKey(cp, "start"), "required");
  if (out.columns.end.empty()) return KeyError(JoinKey(cp, "end"), "required");
  if (out.columns.car.empty() && out.columns.charger.empty()) {
    return KeyError(JoinKey(cp, "charger"),
                    "required without columns.car (cars are then built by charger and connector)");
  }
  FG_RETURN_IF_ERROR(ReadString(n, path, "datetime_format", &out.datetime_format));
  if (out.datetime_format.find('%') == std::string::npos) {
    return KeyError(JoinKey(path, "datetime_format"),
                    "expected a strftime-style format such as \"%d/%m/%Y %H:%M\", got \"" +
                        out.datetime_format + "\"");
  }
  FG_RETURN_IF_ERROR(ReadString(n, path, "time_zone", &out.time_zone));
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(out.time_zone, &tz)) {
    return KeyError(JoinKey(path, "time_zone"), "unknown time zone \"" + out.time_zone +
                                                    "\" (an IANA name such as Europe/London)");
  }
  return absl::OkStatus();
}

absl::StatusOr<TraceSessions> ImportSessions(const TraceConfig& config,
                                             const std::string& scenario_dir) {
  TraceSessions out;
  TraceReport& rep = out.report;
  if (!absl::LoadTimeZone(config.time_zone, &out.time_zone)) {
    return absl::InvalidArgumentError("time_zone: unknown time zone \"" + config.time_zone + "\"");
  }
  if (config.files.empty()) return absl::InvalidArgumentError("files: none given");
  const TraceColumns& cols = config.columns;
  std::map<std::string, CarRows> cars;
  std::map<std::string, bool> sites;
  for (size_t f = 0; f < config.files.size(); ++f) {
    const std::string& name = config.files[f];
    absl::StatusOr<CsvFile> file = CsvFile::Open(name, scenario_dir);
    if (!file.ok()) {
      return absl::InvalidArgumentError("files[" + std::to_string(f) +
                                        "]: " + std::string(file.status().message()));
    }
    CsvFile& csv = *file;
    Layout lay;
    FG_ASSIGN_OR_RETURN(lay.start, Find(csv, cols.start, "start"));
    FG_ASSIGN_OR_RETURN(lay.end, Find(csv, cols.end, "end"));
    FG_ASSIGN_OR_RETURN(lay.energy, Find(csv, cols.energy_kwh, "energy_kwh"));
    FG_ASSIGN_OR_RETURN(lay.car, Find(csv, cols.car, "car"));
    FG_ASSIGN_OR_RETURN(lay.charger, Find(csv, cols.charger, "charger"));
    FG_ASSIGN_OR_RETURN(lay.connector, Find(csv, cols.connector, "connector"));
    FG_ASSIGN_OR_RETURN(lay.site, Find(csv, cols.site, "site"));
    ++rep.files;
    uint64_t rows = 0;
    std::vector<std::string> bad_lines;  // this file's first refused rows
    uint64_t bad = 0;
    std::vector<std::string> fields;
    std::string err;
    while (csv.Next(fields)) {
      ++rows;
      const auto refuse = [&](const std::string& reason, const std::string& detail) {
        ++bad;
        ++rep.refused[reason];
        const std::string where = name + ":" + std::to_string(csv.line()) + ": " + reason + detail;
        if (bad_lines.size() < kLinesInFileError) bad_lines.push_back(where);
        if (rep.first_refused.size() < TraceReport::kMaxListed) rep.first_refused.push_back(where);
      };
      if (csv.malformed()) {
        refuse("malformed quoting", "");
        continue;
      }
      int64_t t[2];
      bool ok = true;
      for (int k = 0; k < 2 && ok; ++k) {
        const char* what = k == 0 ? "start" : "end";
        const std::string v = Value(fields, k == 0 ? lay.start : lay.end);
        absl::Time at;
        if (v.empty()) {
          refuse(std::string("missing ") + what, "");
          ok = false;
        } else if (!absl::ParseTime(config.datetime_format, v, out.time_zone, &at, &err)) {
          refuse(std::string("unparsable ") + what, " \"" + v + "\"");
          ok = false;
        } else {
          t[k] = absl::ToUnixSeconds(at);
        }
      }
      if (!ok) continue;
      if (t[1] < t[0]) {
        refuse("end before start", "");
        continue;
      }
      if (t[1] == t[0]) {
        refuse("zero length", "");
        continue;
      }
      float energy = std::numeric_limits<float>::quiet_NaN();
      if (!lay.energy.empty()) {
        const std::string v = Value(fields, lay.energy);
        double e = 0;
        // The plug-in times are what the replay needs: a meter's bad reading (negative
        // energies occur) keeps its session, with the energy unknown.
        if (!v.empty() && absl::SimpleAtod(v, &e) && std::isfinite(e) && e >= 0) {
          energy = static_cast<float>(e);
        } else {
          ++rep.energy_unknown;
        }
      }
      std::string car = lay.car.empty() ? "" : Value(fields, lay.car);
      bool by_charger = false;
      if (car.empty()) {
        const std::string charger = lay.charger.empty() ? "" : Value(fields, lay.charger);
        if (charger.empty()) {
          refuse(lay.car.empty() ? "missing charger" : "missing car and charger", "");
          continue;
        }
        const std::string connector = lay.connector.empty() ? "" : Value(fields, lay.connector);
        car = "cp " + charger + (connector.empty() ? "" : "/" + connector);
        by_charger = true;
      }
      std::string site = lay.site.empty() ? "" : Value(fields, lay.site);
      if (!site.empty()) sites[site] = true;
      CarRows& c = cars[car];
      c.by_charger = by_charger;
      c.rows.push_back(Row{t[0], t[1], energy, std::move(site)});
      ++rep.sessions_loaded;
    }
    rep.rows_read += rows;
    if (rows == 0) return absl::InvalidArgumentError(name + ": no data rows below the header");
    if (bad * 2 > rows) {
      return absl::InvalidArgumentError(
          name + ": " + std::to_string(bad) + " of " + std::to_string(rows) +
          " rows refused (is the layout or datetime_format \"" + config.datetime_format +
          "\" right?); first: " + absl::StrJoin(bad_lines, "; "));
    }
  }
  if (cars.empty()) return absl::InvalidArgumentError("no sessions in the files");
  rep.first_start_unix_s = std::numeric_limits<int64_t>::max();
  rep.last_end_unix_s = std::numeric_limits<int64_t>::min();
  for (auto& [name, c] : cars) {
    std::sort(c.rows.begin(), c.rows.end(), [](const Row& a, const Row& b) {
      return a.start != b.start ? a.start < b.start : a.end < b.end;
    });
    std::vector<TraceSession> merged;
    for (const Row& r : c.rows) {
      if (!merged.empty() && r.start < merged.back().end_unix_s) {
        merged.back().end_unix_s = std::max(merged.back().end_unix_s, r.end);
        merged.back().energy_kwh = AddEnergy(merged.back().energy_kwh, r.energy);
        ++rep.sessions_merged;
        continue;
      }
      merged.push_back(TraceSession{r.start, r.end, r.energy});
    }
    rep.first_start_unix_s = std::min(rep.first_start_unix_s, merged.front().start_unix_s);
    rep.last_end_unix_s = std::max(rep.last_end_unix_s, merged.back().end_unix_s);
    out.cars.push_back(std::move(merged));
    out.car_names.push_back(name);
    out.car_sites.push_back(c.rows.front().site);
    rep.cars_by_charger += c.by_charger ? 1 : 0;
  }
  rep.cars_built = static_cast<uint32_t>(out.cars.size());
  rep.sites = static_cast<uint32_t>(sites.size());
  // The Monday 00:00 (local) on or before the first session, and whole weeks from there.
  const absl::CivilDay first_day =
      absl::ToCivilDay(absl::FromUnixSeconds(rep.first_start_unix_s), out.time_zone);
  const absl::CivilDay monday = first_day - static_cast<int>(absl::GetWeekday(first_day));
  rep.anchor_unix_s =
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(monday), out.time_zone));
  const int64_t span = rep.last_end_unix_s - rep.anchor_unix_s;
  rep.period_s = std::max<int64_t>(1, (span + kWeekSeconds - 1) / kWeekSeconds) * kWeekSeconds;
  return out;
}

}  // namespace fleetgrid::models
