// Trace replay of real charging sessions (models/trace_import.h, models/trace_replay.h) and
// its helpers (models/csv_reader.h, models/ks_distance.h). The replay's promise is that it
// reproduces its input: the plug-in durations and the hour-of-day profile of plug-ins of the
// simulated cars match the file's, to a two-sample KS distance below 0.02 (the issue's
// tolerance; a faithful replay differs only by the sessions merged because they overlap on
// one charge point). The reference is read from the file here, independently of the importer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/time/time.h"
#include "models/csv_reader.h"
#include "models/fleet_availability.h"
#include "models/ks_distance.h"
#include "models/scenario_sections.h"
#include "models/trace_import.h"
#include "models/trace_replay.h"

namespace fleetgrid::models {
namespace {

using ::testing::HasSubstr;

const std::string kSource = FLEETGRID_SOURCE_DIR;
const std::string kExtract = kSource + "/tests/data/ev-dundee-extract.csv";
const std::string kDundeeDir = kSource + "/../shared/data/ev-dundee";

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/fleetgrid_trace_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TraceConfig DundeeConfig(std::vector<std::string> files) {
  TraceConfig c;
  c.files = std::move(files);
  c.columns.start = {"Start Date", "Start Time"};
  c.columns.end = {"End Date", "End Time"};
  c.columns.energy_kwh = {"Total kWh"};
  c.columns.charger = {"CP ID"};
  c.columns.connector = {"Connector"};
  c.columns.site = {"Site"};
  c.time_zone = "Europe/London";
  return c;
}

int64_t Unix(int y, int mo, int d, int h, int mi, const char* zone) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(zone, &tz));
  return absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), tz));
}

// ---- CSV reader -------------------------------------------------------------------------

TEST(CsvReader, QuotedFieldsCrlfBlankLinesAndLineNumbers) {
  const std::string text =
      "\xEF\xBB\xBF"
      "a,b,c\r\n"
      "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
      "\r\n"
      "2,\"two\nlines\",\r\n"
      "3,,last";
  CsvReader csv(text);
  std::vector<std::string> f;
  ASSERT_TRUE(csv.Next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(csv.line(), 1u);
  ASSERT_TRUE(csv.Next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ(csv.line(), 2u);
  EXPECT_FALSE(csv.malformed());
  ASSERT_TRUE(csv.Next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"2", "two\nlines", ""}));
  EXPECT_EQ(csv.line(), 4u);
  ASSERT_TRUE(csv.Next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"3", "", "last"}));
  EXPECT_EQ(csv.line(), 6u);
  EXPECT_FALSE(csv.Next(f));
}

TEST(CsvReader, BrokenQuotingIsFlagged) {
  CsvReader csv("\"closed\"junk,x\n\"never closed,y\n");
  std::vector<std::string> f;
  ASSERT_TRUE(csv.Next(f));
  EXPECT_TRUE(csv.malformed());
  EXPECT_EQ(f, (std::vector<std::string>{"closedjunk", "x"}));
  ASSERT_TRUE(csv.Next(f));
  EXPECT_TRUE(csv.malformed());
  EXPECT_EQ(f, (std::vector<std::string>{"never closed,y\n"}));
  EXPECT_FALSE(csv.Next(f));
}

// ---- KS distance ------------------------------------------------------------------------

TEST(KsDistance, KnownValues) {
  EXPECT_EQ(KsDistance({1, 2, 3}, {3, 2, 1}), 0);
  EXPECT_EQ(KsDistance({1, 2, 3}, {4, 5, 6}), 1);
  EXPECT_DOUBLE_EQ(KsDistance({1, 2, 3, 4}, {3, 4, 5, 6}), 0.5);
  // Ties are stepped together: equal samples with repeats are at distance 0.
  EXPECT_EQ(KsDistance({1, 1, 2}, {1, 2, 1}), 0);
  EXPECT_DOUBLE_EQ(HistogramKsDistance({1, 1, 0, 0}, {0, 1, 1, 0}), 0.5);
  EXPECT_EQ(HistogramKsDistance({2, 4}, {1, 2}), 0);
}

// ---- Replay reproduces its input --------------------------------------------------------

struct Profile {
  std::vector<double> durations_h;
  std::vector<double> hours = std::vector<double>(24, 0.0);
};

// The file's sessions as the data's README measures them: both times given, end after start.
Profile FileProfile(const std::vector<std::string>& files) {
  Profile p;
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/London", &tz));
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    CsvReader csv(text);
    std::vector<std::string> f, header;
    EXPECT_TRUE(csv.Next(header));
    const auto col = [&](const std::string& name) {
      return std::find(header.begin(), header.end(), name) - header.begin();
    };
    const auto sd = col("Start Date"), st = col("Start Time"), ed = col("End Date"),
               et = col("End Time");
    while (csv.Next(f)) {
      absl::Time s, e;
      std::string err;
      if (!absl::ParseTime("%d/%m/%Y %H:%M", f[sd] + " " + f[st], tz, &s, &err) ||
          !absl::ParseTime("%d/%m/%Y %H:%M", f[ed] + " " + f[et], tz, &e, &err) || e <= s) {
        continue;
      }
      p.durations_h.push_back(static_cast<double>(absl::ToInt64Seconds(e - s)) / 3600);
      p.hours[std::stoi(f[st].substr(0, 2))] += 1;
    }
  }
  return p;
}

// Every parked period of every car over one loop of the trace, replayed from its anchor.
Profile ReplayProfile(const TraceConfig& config, TraceReport* report) {
  absl::StatusOr<TraceSessions> sessions = ImportSessions(config, "");
  EXPECT_TRUE(sessions.ok()) << sessions.status();
  *report = sessions->report;
  AvailabilitySetup setup;
  setup.fleet_size = report->cars_built;
  setup.start_unix_s = report->anchor_unix_s;
  setup.availability.kind = AvailabilityKind::kTrace;
  setup.availability.trace = config;
  absl::StatusOr<std::unique_ptr<FleetAvailability>> fa = FleetAvailability::Build(setup);
  EXPECT_TRUE(fa.ok()) << fa.status();
  std::shared_ptr<const AvailabilityModel> model = std::move(*fa);
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/London", &tz));
  Profile p;
  const TimePoint loop_end = TimePoint::Epoch() + Duration::Seconds(report->period_s);
  for (uint32_t car = 0; car < report->cars_built; ++car) {
    CarPeriods periods(model, car);
    for (CarPeriods::Period x = periods.Next(); x.start < loop_end; x = periods.Next()) {
      if (!x.available) continue;
      EXPECT_TRUE(x.plugged);
      // Whole seconds on both sides, so that equal durations compare equal (ties matter:
      // the files have minute resolution).
      p.durations_h.push_back(static_cast<double>((x.end - x.start).nanos() / 1'000'000'000) /
                              3600);
      const int64_t at =
          report->anchor_unix_s + (x.start - TimePoint::Epoch()).nanos() / 1'000'000'000;
      p.hours[absl::ToCivilHour(absl::FromUnixSeconds(at), tz).hour()] += 1;
    }
  }
  return p;
}

void ExpectReproduces(const std::vector<std::string>& files, const char* what) {
  TraceReport report;
  const Profile sim = ReplayProfile(DundeeConfig(files), &report);
  const Profile file = FileProfile(files);
  ASSERT_GT(file.durations_h.size(), 1000u);
  const double ks_duration = KsDistance(sim.durations_h, file.durations_h);
  const double ks_hour = HistogramKsDistance(sim.hours, file.hours);
  double max_hour_diff = 0;
  const double ns = static_cast<double>(sim.durations_h.size());
  const double nf = static_cast<double>(file.durations_h.size());
  for (int h = 0; h < 24; ++h) {
    max_hour_diff = std::max(max_hour_diff, std::abs(sim.hours[h] / ns - file.hours[h] / nf));
  }
  std::printf("%s: %zu file sessions, %zu replayed (%" PRIu64
              " merged), %u cars; KS durations "
              "%.4f, KS hour-of-day %.4f, max hourly share diff %.4f\n",
              what, file.durations_h.size(), sim.durations_h.size(), report.sessions_merged,
              report.cars_built, ks_duration, ks_hour, max_hour_diff);
  EXPECT_EQ(sim.durations_h.size() + report.sessions_merged, file.durations_h.size());
  EXPECT_LT(ks_duration, 0.02);
  EXPECT_LT(ks_hour, 0.02);
  EXPECT_LT(max_hour_diff, 0.01);
}

TEST(TraceReplay, ReproducesDundeeExtract) { ExpectReproduces({kExtract}, "extract"); }

// The whole year, when the shared data sits beside the repository (CI has it).
TEST(TraceReplay, ReproducesDundeeFullData) {
  const std::vector<std::string> files = {
      kDundeeDir + "/cpdata.csv", kDundeeDir + "/cp-data-dec-mar-2018.csv",
      kDundeeDir + "/cp-data-mar-may-2018.csv", kDundeeDir + "/charge-sessions-june-sept.csv"};
  for (const std::string& f : files) {
    if (!std::filesystem::exists(f)) GTEST_SKIP() << f << " is absent";
  }
  ExpectReproduces(files, "full Dundee data");
}

// ---- Another operator's layout ----------------------------------------------------------

// Different column names and order, ISO date-times in one column, CRLF, quoted sites, no
// car id: cars come from station and port.
const char kOtherLayout[] =
    "Session,Plugged in,Unplugged,Station,Port,Location,kWh delivered\r\n"
    "s1,2024-03-04T08:15:00,2024-03-04T17:30:00,ST-A,1,\"Car park, level 2\",12.5\r\n"
    "s2,2024-03-04T18:00:00,2024-03-05T07:00:00,ST-A,1,\"Car park, level 2\",20\r\n"
    "s3,2024-03-05T06:30:00,2024-03-05T09:00:00,ST-A,1,\"Car park, level 2\",3\r\n"
    "s4,2024-03-06T12:00:00,2024-03-06T12:45:00,ST-B,2,\"The \"\"Green\"\" lot\",\r\n"
    "s5,2024-03-10T23:00:00,2024-03-11T01:00:00,ST-A,2,\"Car park, level 2\",4.25\r\n";

const char kOtherLayoutYaml[] = R"(
availability:
  model: trace
  trace:
    files: [%s]
    columns: {start: Plugged in, end: [Unplugged], charger: Station, connector: Port,
              site: Location, energy_kwh: kWh delivered}
    datetime_format: "%%Y-%%m-%%dT%%H:%%M:%%S"
    time_zone: Europe/Berlin
)";

std::string OtherLayoutScenario() {
  const std::string path = WriteTemp("other.csv", kOtherLayout);
  char buf[1024];
  std::snprintf(buf, sizeof buf, kOtherLayoutYaml, path.c_str());
  return buf;
}

TEST(TraceImport, AnotherLayoutNeedsOnlyAColumnsMapping) {
  absl::StatusOr<CarScenario> s = ParseCarScenario(OtherLayoutScenario());
  ASSERT_TRUE(s.ok()) << s.status();
  absl::StatusOr<TraceSessions> t = ImportSessions(s->availability.trace, "");
  ASSERT_TRUE(t.ok()) << t.status();
  const char* tz = "Europe/Berlin";
  EXPECT_EQ(t->car_names, (std::vector<std::string>{"cp ST-A/1", "cp ST-A/2", "cp ST-B/2"}));
  EXPECT_EQ(t->car_sites[2], "The \"Green\" lot");
  ASSERT_EQ(t->cars[0].size(), 2u);  // s2 and s3 overlap on one car: merged
  EXPECT_EQ(t->cars[0][0].start_unix_s, Unix(2024, 3, 4, 8, 15, tz));
  EXPECT_EQ(t->cars[0][0].end_unix_s, Unix(2024, 3, 4, 17, 30, tz));
  EXPECT_EQ(t->cars[0][0].end_unix_s - t->cars[0][0].start_unix_s, 9 * 3600 + 15 * 60);
  EXPECT_EQ(t->cars[0][1].start_unix_s, Unix(2024, 3, 4, 18, 0, tz));
  EXPECT_EQ(t->cars[0][1].end_unix_s, Unix(2024, 3, 5, 9, 0, tz));
  EXPECT_FLOAT_EQ(t->cars[0][1].energy_kwh, 23);
  ASSERT_EQ(t->cars[2].size(), 1u);
  EXPECT_TRUE(std::isnan(t->cars[2][0].energy_kwh));
  const TraceReport& r = t->report;
  EXPECT_EQ(r.rows_read, 5u);
  EXPECT_EQ(r.sessions_loaded, 5u);
  EXPECT_EQ(r.sessions_merged, 1u);
  EXPECT_EQ(r.energy_unknown, 1u);
  EXPECT_EQ(r.RowsRefused(), 0u);
  EXPECT_EQ(r.cars_built, 3u);
  EXPECT_EQ(r.cars_by_charger, 3u);
  EXPECT_EQ(r.sites, 2u);
  // Berlin is UTC+1 in early March: 08:15 local is 07:15 UTC.
  EXPECT_EQ(r.first_start_unix_s, 1709536500);
  EXPECT_EQ(r.anchor_unix_s, Unix(2024, 3, 4, 0, 0, tz));  // the Monday itself
  EXPECT_EQ(r.period_s, 2 * kWeekSeconds);                 // 7 days and 1 hour, rounded up
}

// A start in another year, in summer time, replays the trace's Monday at the same local time.
TEST(TraceReplay, AnchorsOnWeekdayAndLocalTime) {
  absl::StatusOr<CarScenario> s = ParseCarScenario(OtherLayoutScenario());
  ASSERT_TRUE(s.ok()) << s.status();
  auto t = ImportSessions(s->availability.trace, "");
  ASSERT_TRUE(t.ok()) << t.status();
  auto trace = std::make_shared<const TraceSessions>(std::move(*t));
  // The frame is two weeks long: Monday 26 May 2025 is 64 weeks after Monday 4 March 2024,
  // so it replays the frame's first Monday, and 2 June 2025 its second.
  EXPECT_EQ(TraceReplay(trace, Unix(2025, 6, 2, 12, 0, "Europe/Berlin")).replay_start_unix_s(),
            Unix(2024, 3, 11, 12, 0, "Europe/Berlin"));
  const TraceReplay replay(trace, Unix(2025, 5, 26, 12, 0, "Europe/Berlin"));
  EXPECT_EQ(replay.replay_start_unix_s(), Unix(2024, 3, 4, 12, 0, "Europe/Berlin"));
  const TimePoint t0 = TimePoint::Epoch();
  AvailabilityModel::Start a = replay.Initial(0);  // ST-A/1: plugged in 08:15-17:30
  EXPECT_TRUE(a.available);
  EXPECT_TRUE(a.plugged);
  EXPECT_EQ(a.end - t0, Duration::Minutes(5 * 60 + 30));
  AvailabilityModel::Span n = replay.Next(0, 1, a.end, false);  // back at 18:00
  EXPECT_EQ(n.end - a.end, Duration::Minutes(30));
  n = replay.Next(0, 2, t0 + Duration::Hours(6), true);  // until Tuesday 09:00
  EXPECT_EQ(n.end - t0, Duration::Hours(21));
  EXPECT_TRUE(n.plugged);
  AvailabilityModel::Start b = replay.Initial(1);  // ST-A/2: next plug-in Sunday 23:00
  EXPECT_FALSE(b.available);
  EXPECT_EQ(b.end - t0, Duration::Hours(6 * 24 + 11));
  AvailabilityModel::Start c = replay.Initial(2);  // ST-B/2: Wednesday 12:00
  EXPECT_FALSE(c.available);
  EXPECT_EQ(c.end - t0, Duration::Hours(48));
  // A region with more cars than the trace repeats them: car 3 is car 0.
  AvailabilityModel::Start d = replay.Initial(3);
  EXPECT_EQ(d.available, a.available);
  EXPECT_EQ(d.end, a.end);
}

// ---- Looping ----------------------------------------------------------------------------

TEST(TraceReplay, LoopsByWholeWeeksWhenTheRunOutlastsTheTrace) {
  absl::StatusOr<CarScenario> s = ParseCarScenario(OtherLayoutScenario());
  ASSERT_TRUE(s.ok()) << s.status();
  AvailabilitySetup setup = SetupOf(*s);
  setup.fleet_size = 3;
  setup.start_unix_s = Unix(2024, 3, 4, 0, 0, "Europe/Berlin");
  auto fa = FleetAvailability::Build(setup);
  ASSERT_TRUE(fa.ok()) << fa.status();
  // The last session ends Monday 11 March 01:00, 7 days and 1 hour after the start.
  EXPECT_FALSE((*fa)->LoopsWithin(Duration::Hours(7 * 24)));
  EXPECT_TRUE((*fa)->LoopsWithin(Duration::Hours(7 * 24 + 2)));
  std::shared_ptr<const AvailabilityModel> model = std::move(*fa);
  // Car 0's plug-ins over three loops (two weeks each): the same local times every loop.
  CarPeriods periods(model, 0);
  std::vector<int64_t> plug_in_s;
  for (CarPeriods::Period p = periods.Next();
       p.start < TimePoint::Epoch() + Duration::Hours(6 * 168); p = periods.Next()) {
    if (p.available) plug_in_s.push_back((p.start - TimePoint::Epoch()).nanos() / 1'000'000'000);
  }
  const int64_t loop = 2 * kWeekSeconds;
  const int64_t a = 8 * 3600 + 15 * 60, b = 18 * 3600;
  EXPECT_EQ(plug_in_s,
            (std::vector<int64_t>{a, b, loop + a, loop + b, 2 * loop + a, 2 * loop + b}));
  // Car 1's only session runs Sunday 23:00 - Monday 01:00 of the second week.
  CarPeriods car1(model, 1);
  CarPeriods::Period p = car1.Next();
  EXPECT_FALSE(p.available);
  p = car1.Next();
  EXPECT_TRUE(p.available);
  EXPECT_EQ(p.end - p.start, Duration::Hours(2));
  p = car1.Next();
  EXPECT_FALSE(p.available);
  EXPECT_EQ(p.end - p.start, Duration::Seconds(loop) - Duration::Hours(2));
}

// Touching sessions of one charge point are two vehicles: two parked periods with a
// zero-length away period between them, not one merged period.
TEST(TraceReplay, TouchingSessionsStayApart) {
  const std::string path = WriteTemp("touching.csv",
                                     "start,end,cp\n"
                                     "2024-01-01 08:00,2024-01-01 09:00,A\n"
                                     "2024-01-01 09:00,2024-01-01 09:30,A\n"
                                     "2024-01-01 09:10,2024-01-01 09:20,A\n");  // overlaps: merged
  TraceConfig c;
  c.files = {path};
  c.columns.start = {"start"};
  c.columns.end = {"end"};
  c.columns.charger = {"cp"};
  c.datetime_format = "%Y-%m-%d %H:%M";
  auto t = ImportSessions(c, "");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->report.sessions_merged, 1u);
  ASSERT_EQ(t->cars[0].size(), 2u);
  auto trace = std::make_shared<const TraceSessions>(std::move(*t));
  CarPeriods periods(std::make_shared<const TraceReplay>(trace, Unix(2024, 1, 1, 8, 0, "UTC")), 0);
  const TimePoint t0 = TimePoint::Epoch();
  CarPeriods::Period p = periods.Next();
  EXPECT_TRUE(p.available);
  EXPECT_EQ(p.end - t0, Duration::Hours(1));
  p = periods.Next();
  EXPECT_FALSE(p.available);
  EXPECT_EQ(p.end, p.start);
  p = periods.Next();
  EXPECT_TRUE(p.available);
  EXPECT_EQ(p.end - p.start, Duration::Minutes(30));
  p = periods.Next();
  EXPECT_FALSE(p.available);
  EXPECT_EQ(p.end - t0, Duration::Hours(7 * 24));  // a one-week frame: next Monday 08:00
}

// ---- Bad rows and bad sections ----------------------------------------------------------

const char kHeader[] = "id,start,end,cp\n";

TraceConfig SimpleConfig(std::vector<std::string> files) {
  TraceConfig c;
  c.files = std::move(files);
  c.columns.start = {"start"};
  c.columns.end = {"end"};
  c.columns.charger = {"cp"};
  c.datetime_format = "%Y-%m-%d %H:%M";
  return c;
}

TEST(TraceImport, BadRowsAreCountedByReasonWithFileAndLine) {
  const std::string path = WriteTemp(
      "bad_rows.csv", std::string(kHeader) +
                          "1,2024-01-01 08:00,2024-01-01 09:00,A\n"   // line 2
                          "2,2024-01-01 10:00,,A\n"                   // 3: missing end
                          "3,2024-01-02 08:00,2024-01-02 09:00,A\n"   // 4
                          "4,2024-01-02 10:00,2024-01-02 09:00,A\n"   // 5: end before start
                          "5,2024-01-03 08:00,2024-01-03 09:00,B\n"   // 6
                          "6,yesterday,2024-01-03 09:00,B\n"          // 7: unparsable start
                          "7,2024-01-04 08:00,2024-01-04 09:00,B\n"   // 8
                          "8,2024-01-04 10:00,2024-01-04 10:00,B\n"   // 9: zero length
                          "9,2024-01-05 08:00,2024-01-05 09:00,\n"    // 10: missing charger
                          "10,2024-01-05 08:00,2024-01-05 09:00,C\n"  // 11
                          "11,2024-01-06 08:00,2024-01-06 09:00,C\n"  // 12
                          "12,2024-01-06 10:00,2024-01-06 11:00,C\n");
  absl::StatusOr<TraceSessions> t = ImportSessions(SimpleConfig({path}), "");
  ASSERT_TRUE(t.ok()) << t.status();
  const TraceReport& r = t->report;
  EXPECT_EQ(r.rows_read, 12u);
  EXPECT_EQ(r.sessions_loaded, 7u);
  EXPECT_EQ(r.RowsRefused(), 5u);
  EXPECT_EQ(r.refused, (std::map<std::string, uint64_t>{{"missing end", 1},
                                                        {"end before start", 1},
                                                        {"unparsable start", 1},
                                                        {"zero length", 1},
                                                        {"missing charger", 1}}));
  ASSERT_EQ(r.first_refused.size(), 5u);
  EXPECT_EQ(r.first_refused[0], path + ":3: missing end");
  EXPECT_EQ(r.first_refused[1], path + ":5: end before start");
  EXPECT_EQ(r.first_refused[2], path + ":7: unparsable start \"yesterday\"");
  EXPECT_EQ(r.first_refused[3], path + ":9: zero length");
  EXPECT_EQ(r.first_refused[4], path + ":10: missing charger");
  EXPECT_EQ(r.cars_built, 3u);
}

TEST(TraceImport, MostlyBadFileIsAnErrorNamingItsFirstBadLines) {
  const std::string good =
      WriteTemp("good.csv", std::string(kHeader) + "1,2024-01-01 08:00,2024-01-01 09:00,A\n");
  const std::string bad =
      WriteTemp("mostly_bad.csv", std::string(kHeader) +
                                      "1,01/02/2024 08:00,01/02/2024 09:00,A\n"
                                      "2,2024-01-02 08:00,2024-01-02 09:00,A\n"
                                      "3,01/03/2024 08:00,01/03/2024 09:00,A\n"
                                      "4,01/04/2024 08:00,01/04/2024 09:00,A\n");
  absl::StatusOr<TraceSessions> t = ImportSessions(SimpleConfig({good, bad}), "");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr(bad + ": 3 of 4 rows refused"));
  EXPECT_THAT(t.status().message(), HasSubstr(bad + ":2: unparsable start \"01/02/2024 08:00\""));
  EXPECT_THAT(t.status().message(), HasSubstr(bad + ":4: unparsable start"));
  EXPECT_THAT(t.status().message(), HasSubstr(bad + ":5: unparsable start"));
}

TEST(TraceImport, MissingColumnOrFileIsNamed) {
  const std::string path =
      WriteTemp("cols.csv", std::string(kHeader) + "1,2024-01-01 08:00,2024-01-01 09:00,A\n");
  TraceConfig c = SimpleConfig({path});
  c.columns.end = {"Plug out"};
  absl::StatusOr<TraceSessions> t = ImportSessions(c, "");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(),
              HasSubstr("columns.end: " + path + ":1: no column \"Plug out\""));
  EXPECT_THAT(t.status().message(), HasSubstr("its columns: id, start, end, cp"));

  // Relative paths are the scenario directory's; the message names the entry and the path.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  c = SimpleConfig({std::filesystem::path(path).filename().string(), "no-such.csv"});
  t = ImportSessions(c, dir);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("files[1]: cannot read " + dir + "/no-such.csv"));

  // Through the fleet's build, the message starts with the section's key.
  AvailabilitySetup setup;
  setup.fleet_size = 1;
  setup.availability.kind = AvailabilityKind::kTrace;
  setup.availability.trace = c;
  setup.scenario_dir = dir;
  auto fa = FleetAvailability::Build(setup);
  ASSERT_FALSE(fa.ok());
  EXPECT_THAT(fa.status().message(), HasSubstr("availability.trace: files[1]: cannot read"));
}

TEST(TraceImport, BadSectionsNameTheirKey) {
  const auto error = [](const std::string& trace) {
    absl::StatusOr<CarScenario> s =
        ParseCarScenario("availability:\n  model: trace\n  trace: " + trace + "\n");
    EXPECT_FALSE(s.ok()) << trace;
    return std::string(s.status().message());
  };
  const std::string cols = "columns: {start: s, end: e, charger: cp}";
  EXPECT_THAT(error("{files: [a.csv], " + cols + ", time_zone: Mars/Olympus}"),
              HasSubstr("availability.trace.time_zone: unknown time zone \"Mars/Olympus\""));
  EXPECT_THAT(error("{files: [a.csv], columns: {start: s, end: e, charger: cp, user: u}}"),
              HasSubstr("availability.trace.columns.user"));
  EXPECT_THAT(error("{file: a.csv, " + cols + "}"), HasSubstr("availability.trace.file"));
  EXPECT_THAT(error("{files: [a.csv], columns: {end: e, charger: cp}}"),
              HasSubstr("availability.trace.columns.start: required"));
  EXPECT_THAT(error("{files: [a.csv], columns: {start: s, end: e}}"),
              HasSubstr("availability.trace.columns.charger: required without columns.car"));
  EXPECT_THAT(error("{files: [a.csv], columns: {start: s, end: [e, {x: 1}], charger: cp}}"),
              HasSubstr("availability.trace.columns.end[1]"));
  EXPECT_THAT(error("{files: [], " + cols + "}"), HasSubstr("availability.trace.files: required"));
  EXPECT_THAT(error("{files: [a.csv], " + cols + ", datetime_format: dd/mm/yyyy}"),
              HasSubstr("availability.trace.datetime_format"));
}

}  // namespace
}  // namespace fleetgrid::models
