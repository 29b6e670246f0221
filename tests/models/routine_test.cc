// Weekly routines, local calendars and regional events (models/routine.h,
// models/local_calendar.h, models/fleet_availability.h). The routine's promise is exact: the
// expected share of parked cars in hour h is the table's parked[h]; each test states its
// tolerance from the binomial standard deviation.
#include "models/routine.h"

#include <gtest/gtest.h>

#include <cmath>

#include "models/fleet_availability.h"
#include "models/region_sections.h"
#include "models/scenario_sections.h"

namespace fleetgrid::models {
namespace {

constexpr int64_t kMonday = kDefaultStartUnixS;  // 2024-01-01 00:00 UTC, a Monday

// Share of cars parked at times t0 + k * step, k < samples, for `cars` cars.
std::vector<double> ParkedShare(const std::shared_ptr<const AvailabilityModel>& model,
                                uint32_t cars, TimePoint t0, Duration step, int samples) {
  std::vector<double> parked(samples, 0);
  for (uint32_t car = 0; car < cars; ++car) {
    CarPeriods periods(model, car);
    CarPeriods::Period p = periods.Next();
    for (int k = 0; k < samples; ++k) {
      const TimePoint t = t0 + Duration::Nanos(step.nanos() * k);
      while (!p.end.IsInfinite() && p.end <= t) p = periods.Next();
      parked[k] += p.available ? 1 : 0;
    }
  }
  for (double& x : parked) x /= cars;
  return parked;
}

std::shared_ptr<const FleetAvailability> Build(const std::string& yaml, uint32_t cars) {
  auto s = ParseCarScenario(yaml);
  EXPECT_TRUE(s.ok()) << s.status();
  AvailabilitySetup setup = SetupOf(*s);
  setup.fleet_size = cars;
  auto fa = FleetAvailability::Build(setup);
  EXPECT_TRUE(fa.ok()) << fa.status();
  return std::shared_ptr<const FleetAvailability>(std::move(*fa));
}

TEST(LocalCalendarTest, HoursOfTheWeekInTimeZones) {
  auto utc = LocalCalendar::Create(kMonday, "UTC");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(utc->HourOfWeek(utc->LocalSeconds(TimePoint::Epoch())), 0);
  EXPECT_EQ(utc->HourOfWeek(utc->LocalSeconds(TimePoint::Epoch() + Duration::Hours(30))), 30);
  // Midnight UTC on Monday is 19:00 on Sunday in New York (EST, UTC-5).
  auto ny = LocalCalendar::Create(kMonday, "America/New_York");
  ASSERT_TRUE(ny.ok());
  EXPECT_EQ(ny->HourOfWeek(ny->LocalSeconds(TimePoint::Epoch())), 6 * 24 + 19);
  EXPECT_EQ(ny->HourOfWeek(ny->LocalSeconds(TimePoint::Epoch() + Duration::Hours(5))), 0);
  // Kolkata is UTC+5:30: the local hour starts at :30 UTC.
  auto in = LocalCalendar::Create(kMonday, "Asia/Kolkata");
  ASSERT_TRUE(in.ok());
  const int64_t l = in->LocalSeconds(TimePoint::Epoch());
  EXPECT_EQ(l % 3600, 1800);
  EXPECT_EQ(in->AtLocal(l), TimePoint::Epoch());
  EXPECT_FALSE(LocalCalendar::Create(kMonday, "Mars/Olympus").ok());
}

TEST(LocalCalendarTest, DaylightSavingMovesTheLocalClock) {
  // Europe/London goes to BST on 2024-03-31 at 01:00 UTC. Start on Monday 2024-03-25.
  auto c = LocalCalendar::Create(1711324800, "Europe/London");
  ASSERT_TRUE(c.ok());
  const TimePoint before = TimePoint::Epoch() + Duration::Hours(6 * 24);      // Sun 00:00 UTC
  const TimePoint after = TimePoint::Epoch() + Duration::Hours(6 * 24 + 12);  // Sun 12:00 UTC
  EXPECT_EQ(c->HourOfWeek(c->LocalSeconds(before)), 6 * 24);
  EXPECT_EQ(c->HourOfWeek(c->LocalSeconds(after)), 6 * 24 + 13);  // 13:00 BST
}

TEST(LocalCalendarTest, AHolidayFollowsSunday) {
  auto c = LocalCalendar::Create(kMonday, "UTC", {Duration::Hours(48)});  // Wednesday
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->HourOfWeek(c->LocalSeconds(TimePoint::Epoch() + Duration::Hours(48 + 9))),
            6 * 24 + 9);
  EXPECT_EQ(c->HourOfWeek(c->LocalSeconds(TimePoint::Epoch() + Duration::Hours(72 + 9))),
            3 * 24 + 9);
}

TEST(LocalCalendarTest, Instants) {
  EXPECT_EQ(*ParseInstant("2024-01-01"), kMonday);
  EXPECT_EQ(*ParseInstant("2024-01-01T01:00:00Z"), kMonday + 3600);
  EXPECT_EQ(*ParseInstant("2024-01-01T01:00:00+01:00"), kMonday);
  EXPECT_FALSE(ParseInstant("yesterday").ok());
  EXPECT_FALSE(ParseInstant("2024-13-01").ok());
}

// A custom archetype whose table has sharp steps: parked 0.9 at night, 0.2 by day on
// weekdays, 0.6 all weekend.
constexpr const char* kStepRoutine = R"(
start: 2024-01-01
archetypes:
  - name: steps
    parked: {weekday: [0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.9,0.9,0.9,0.9,0.9,0.9],
             weekend: [0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6,0.6]}
    plugged: 0.5
    mean_stay_hours: 4
availability:
  model: routine
  routines: {steps: 1.0}
  jitter: 0s
)";

TEST(RoutineTest, ParkedShareInEveryHourIsTheTables) {
  const auto model = Build(kStepRoutine, 8000);
  // The middle of every hour of the first week; binomial sd <= 0.0056 with 8,000 cars.
  const auto got =
      ParkedShare(model, 8000, TimePoint::Epoch() + Duration::Minutes(30), Duration::Hours(1), 168);
  for (int h = 0; h < 168; ++h) {
    const int hour = h % 24;
    const double want = h >= 120 ? 0.6 : (hour >= 8 && hour < 18 ? 0.2 : 0.9);
    EXPECT_NEAR(got[h], want, 0.025) << "hour of week " << h;
  }
}

TEST(RoutineTest, BuiltinArchetypesKeepTheirWeeklyMeanWithJitter) {
  for (const Archetype& a : BuiltinArchetypes()) {
    const std::string yaml =
        "availability: {model: routine, routines: {" + a.name + ": 1.0}, jitter: 30m}\n";
    const auto model = Build(yaml, 3000);
    // Every 20 minutes over weeks 2 and 3 (the first has no history before t = 0 for the
    // phase-shifted cars): the weekly mean equals the table's.
    const auto got = ParkedShare(model, 3000, TimePoint::Epoch() + Duration::Hours(168),
                                 Duration::Minutes(20), 2 * 168 * 3);
    double mean_got = 0, mean_want = 0;
    for (double x : got) mean_got += x / got.size();
    for (float p : a.parked) mean_want += p / 168.0;
    EXPECT_NEAR(mean_got, mean_want, 0.01) << a.name;
  }
}

TEST(RoutineTest, PhasesAreJitteredSoTheFleetDoesNotSwitchInLockstep) {
  const std::string jittered =
      std::string(kStepRoutine)
          .replace(std::string(kStepRoutine).find("jitter: 0s"), 10, "jitter: 1h");
  const auto sharp = Build(kStepRoutine, 4000);
  const auto smooth = Build(jittered, 4000);
  // 08:00 + 1 min on Monday: without jitter the share has fallen to 0.2 at once; with an
  // hour's jitter only about half of the cars have passed their 08:00.
  const TimePoint t = TimePoint::Epoch() + Duration::Hours(8) + Duration::Minutes(1);
  EXPECT_NEAR(ParkedShare(sharp, 4000, t, Duration::Hours(1), 1)[0], 0.2, 0.03);
  EXPECT_NEAR(ParkedShare(smooth, 4000, t, Duration::Hours(1), 1)[0], 0.55, 0.06);
}

TEST(RoutineTest, PluggedByHourOfArrival) {
  const auto model = Build(kStepRoutine, 500);
  int parked = 0, plugged = 0;
  for (uint32_t car = 0; car < 500; ++car) {
    CarPeriods p(model, car);
    for (int i = 0; i < 100; ++i) {
      const CarPeriods::Period x = p.Next();
      parked += x.available;
      plugged += x.plugged;
    }
  }
  EXPECT_NEAR(static_cast<double>(plugged) / parked, 0.5, 0.02);  // sd 0.003
}

TEST(RoutineTest, AHolidayLooksLikeSunday) {
  const std::string yaml =
      std::string(kStepRoutine) + "regions:\n  - {name: x, events: [{kind: holiday, at: 2d}]}\n";
  const auto model = Build(yaml, 6000);
  // Wednesday 12:30 is a holiday (the weekend's 0.6), Thursday 12:30 a weekday (0.2).
  const auto got = ParkedShare(model, 6000, TimePoint::Epoch() + Duration::Minutes(48 * 60 + 750),
                               Duration::Hours(24), 2);
  EXPECT_NEAR(got[0], 0.6, 0.03);
  EXPECT_NEAR(got[1], 0.2, 0.03);
}

// Cars that essentially never leave on their own, so that every departure is the event's,
// and stay away long once they have left (a car back within the window would be a parked car
// in it again, and could leave a second time).
constexpr const char* kStill = R"(
start: 2024-01-01
availability: {model: exponential-on-off, mean_on: 100000h, mean_off: 20h, start_available: 1}
)";

TEST(RegionEventTest, ARushMovesItsShareOfParkedCarsWithinItsWindow) {
  const uint32_t n = 20000;
  const auto model = Build(std::string(kStill) + R"(
regions:
  - name: city
    time_zone: Europe/Paris
    events: [{kind: rush, days: weekdays, from: "07:30", to: "08:30", share: 0.3}]
)",
                           n);
  // Count departures by quarter hour on Tuesday 2024-01-02 between 06:00 and 10:00 Paris time
  // (05:00-09:00 UTC), by walking each car's periods.
  const TimePoint day = TimePoint::Epoch() + Duration::Hours(24 + 5);
  std::vector<int> departures(16, 0);
  for (uint32_t car = 0; car < n; ++car) {
    CarPeriods p(model, car);
    for (CarPeriods::Period x = p.Next(); x.start < day + Duration::Hours(4); x = p.Next()) {
      if (!x.available || x.end < day || x.end >= day + Duration::Hours(4)) continue;
      ++departures[(x.end - day).nanos() / Duration::Minutes(15).nanos()];
    }
  }
  int in_window = 0, outside = 0;
  for (int q = 0; q < 16; ++q) (q >= 6 && q < 10 ? in_window : outside) += departures[q];
  // 30% of the cars parked when the window opens (Monday's rush sent some away for ~20 h):
  // sd about sqrt(18000 * 0.3 * 0.7) = 61; cars coming back within the window add a few.
  const double parked =
      n * ParkedShare(model, n, day + Duration::Minutes(90), Duration::Hours(1), 1)[0];  // 07:30
  EXPECT_NEAR(in_window, 0.3 * parked, 250);
  EXPECT_LT(outside, 20);  // natural departures: 20000 * 4 h / 100000 h = 0.8 expected
  // Uniform over the window: each quarter about a quarter (about 1,400, sd 35).
  for (int q = 6; q < 10; ++q) EXPECT_NEAR(departures[q], 0.3 * parked / 4, 150) << q;
  // And nothing on Saturday: weekdays only.
  const TimePoint saturday = TimePoint::Epoch() + Duration::Hours(5 * 24 + 6);
  int weekend = 0;
  for (uint32_t car = 0; car < 2000; ++car) {
    CarPeriods p(model, car);
    for (CarPeriods::Period x = p.Next(); x.start < saturday + Duration::Hours(2); x = p.Next()) {
      weekend += x.available && x.end >= saturday && x.end < saturday + Duration::Hours(2);
    }
  }
  EXPECT_LT(weekend, 5);
}

TEST(RegionEventTest, AnOutageHoldsItsShareAwayUntilItEnds) {
  const uint32_t n = 10000;
  // Here cars come back soon after they are let go.
  const auto model = Build(R"(
start: 2024-01-01
availability: {model: exponential-on-off, mean_on: 100000h, mean_off: 10m, start_available: 1}
regions:
  - name: coast
    events: [{kind: outage, at: 2d, duration: 6h, share: 0.4}]
)",
                           n);
  // Every half hour from 47 h; the outage is 48 h - 54 h.
  const auto got =
      ParkedShare(model, n, TimePoint::Epoch() + Duration::Hours(47), Duration::Minutes(30), 20);
  EXPECT_NEAR(got[0], 1.0, 0.01);    // before
  EXPECT_NEAR(got[3], 0.6, 0.015);   // 30 min in: 40% away (sd 0.005)
  EXPECT_NEAR(got[13], 0.6, 0.015);  // 5.5 h in
  EXPECT_NEAR(got[15], 0.8, 0.04);   // 30 min after the end: half back (returns over an hour)
  EXPECT_NEAR(got[18], 1.0, 0.01);   // back
}

TEST(RegionTest, RegionsAreContiguousBlocksWithTheirOwnModels) {
  const auto model = Build(R"(
start: 2024-01-01
regions:
  - {name: a, share: 0.25, availability: {model: never-leaves}}
  - {name: b, share: 0.75, time_zone: Asia/Tokyo, availability: {model: routine, routines: {depot: 1}}}
)",
                           1000);
  ASSERT_EQ(model->region_count(), 2u);
  EXPECT_EQ(model->region_name(1), "b");
  EXPECT_EQ(model->RegionOf(249), 0u);
  EXPECT_EQ(model->RegionOf(250), 1u);
  EXPECT_TRUE(model->Initial(10).end.IsInfinite());
  EXPECT_FALSE(model->Initial(500).end.IsInfinite());
}

TEST(RegionSectionsTest, BadDefinitionsNameTheirKey) {
  const auto error = [](const std::string& yaml) {
    auto s = ParseCarScenario(yaml);
    return s.ok() ? std::string("ok") : std::string(s.status().message());
  };
  EXPECT_EQ(error("regions: [{name: a, share: 0.5}, {name: b, share: 0.4}]"),
            "regions: shares must sum to 1, they sum to 0.9");
  EXPECT_EQ(error("regions: [{name: a, time_zone: Europe/Lodnon}]"),
            "regions[0].time_zone: unknown time zone \"Europe/Lodnon\" (expected an IANA name "
            "such as Europe/London)");
  EXPECT_EQ(error("regions: [{name: a, events: [{kind: rush, from: '9:00', to: '8:00', share: "
                  "0.1}]}]"),
            "regions[0].events[0].to: must be after `from`");
  EXPECT_EQ(error("regions: [{name: a, events: [{kind: storm}]}]"),
            "regions[0].events[0].kind: unknown event \"storm\" (expected rush, outage or "
            "holiday)");
  EXPECT_EQ(error("regions: [{name: a, events: [{kind: rush, days: [mon, xyz], from: '8:00', "
                  "to: '9:00', share: 0.1}]}]"),
            "regions[0].events[0].days[1]: expected mon, tue, wed, thu, fri, sat or sun");
  EXPECT_EQ(error("archetypes: [{name: x, parked: [0.5, 0.5], plugged: 1, mean_stay_hours: 2}]"),
            "archetypes[0].parked: expected a list of 24 hourly values, got 2");
  EXPECT_EQ(error("archetypes: [{name: x, parked: {weekday: [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                  "0,0,0,0,0,0,1.5], weekend: 1}, plugged: 1, mean_stay_hours: 2}]"),
            "archetypes[0].parked.weekday[23]: must be in [0, 1], got 1.5");
  EXPECT_EQ(error("availability: {model: routine, routines: {home-charger: 0.5, office: 0.5}}"),
            "availability.routines.office: unknown archetype (expected one of home-charger, "
            "commuter, ride-hail, depot)");
  EXPECT_EQ(error("availability: {model: routine, routines: {home-charger: 0.5}}"),
            "availability.routines: shares must sum to 1, they sum to 0.5");
  EXPECT_EQ(error("availability: {model: weibull, shape: 0}"),
            "availability.shape: must be >= 0.05, got 0");
  EXPECT_EQ(error("start: tomorrow"),
            "start: expected a date (2026-03-02) or an instant (2026-03-02T06:00:00Z or "
            "...+01:00), got \"tomorrow\"");
  EXPECT_EQ(error("regions: [{name: a, availability: {model: routine, routines: {x: 1}}}]"),
            "regions[0].availability.routines.x: unknown archetype (expected one of "
            "home-charger, commuter, ride-hail, depot)");
}

}  // namespace
}  // namespace fleetgrid::models
