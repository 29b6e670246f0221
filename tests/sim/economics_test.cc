// Energy and money accounting in the simulator (docs/economics.md): a case worked by hand,
// the books that must balance, and bad keys.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "sim/economics/price_schedule.h"
#include "tests/sim/run_summary.h"

namespace fleetgrid::sim {
namespace {

// Ten HW3 cars that never leave, two tasks of an HW3-hour each, no transfers: every task is
// busy exactly 3600 s at 270 W (the awake car) + 72 W (HW3's board) = 342 W.
const char kByHand[] = R"(
name: by-hand
horizon: 1d
fleet:
  size: 10
  classes: [{hardware: HW3, share: 1}]
  links: [{bandwidth_bytes_per_s: 1e9, latency: 0s, share: 1}]
availability: {model: never-leaves}
workload: {tasks_per_car: 2, work: 3600, input_bytes: 0, output_bytes: 0}
economics:
  electricity_price: 0.30
  charger_efficiency: 0.9
  price_per_top_hour: 0.001
  pool_fee: 0.2
  datacenter: {hardware: H100, price_per_hour: 2.5, pue: 1.2}
outputs: {timeseries_interval: 0}
)";

// Would catch: energy, prices, fee, payouts or the datacenter figure computed off by any
// factor (kWh vs Wh, TOP-hours vs units, the fee taken twice, the efficiency forgotten).
TEST(EconomicsTest, AlwaysPluggedFleetAtAFlatPriceMatchesTheHandComputation) {
  const auto j = RunSim(kByHand);
  ASSERT_TRUE(j["all_done"].get<bool>());
  ASSERT_DOUBLE_EQ(j["end_s"].get<double>(), 7200);
  const auto& e = j["economics"];
  // 20 tasks x 3600 s x 342 W = 6.84 kWh, all useful; 7.6 kWh bought at 0.30 = 2.28.
  EXPECT_NEAR(e["energy_kwh"].get<double>(), 6.84, 1e-9);
  EXPECT_NEAR(e["useful_kwh"].get<double>(), 6.84, 1e-9);
  EXPECT_NEAR(e["wasted_kwh"].get<double>(), 0, 1e-9);
  EXPECT_NEAR(e["grid_kwh"].get<double>(), 7.6, 1e-9);
  EXPECT_NEAR(e["electricity_cost"].get<double>(), 2.28, 0.005);
  // 72,000 units x 144 TOPS / 3600 = 2880 TOP-h at 0.001 = 2.88; fee 0.576; owners 2.304.
  EXPECT_NEAR(e["useful_top_hours"].get<double>(), 2880, 1e-6);
  EXPECT_NEAR(e["revenue"].get<double>(), 2.88, 0.005);
  EXPECT_NEAR(e["pool_fee"].get<double>(), 0.576, 0.005);
  EXPECT_NEAR(e["owner_payouts"].get<double>(), 2.304, 0.005);
  EXPECT_NEAR(e["owner_net"].get<double>(), 0.024, 0.005);
  // Each car nets 0.0024 in 2 h: 0.864 per 30 days, the same for every car.
  for (const char* q : {"p10", "p50", "p90", "mean"}) {
    EXPECT_NEAR(e["owner_net_per_car_month"][q].get<double>(), 0.864, 0.005) << q;
  }
  // H100: 1979 TOPS -> 2880 / 1979 = 1.4553 h at 2.5 = 3.64; 700 W x 1.2 PUE = 1.2224 kWh.
  EXPECT_NEAR(e["datacenter"]["hours"].get<double>(), 2880.0 / 1979, 1e-9);
  EXPECT_NEAR(e["datacenter"]["cost"].get<double>(), 3.64, 0.005);
  EXPECT_NEAR(e["datacenter"]["energy_kwh"].get<double>(), 2880.0 / 1979 * 0.84, 1e-9);
}

// Would catch: money created or lost between clients, pool and owners, energy counted in
// one place and not the other, or the accounting disagreeing with the battery model's own
// integration of the same compute (two independent sums of one quantity).
TEST(EconomicsTest, TheBooksBalance) {
  const char kChurn[] = R"(
name: churn
horizon: 7d
fleet:
  size: 300
  classes: [{hardware: HW3, share: 0.5}, {hardware: HW4, share: 0.5}]
  battery: {capacity_wh: 75000}
availability: {model: exponential-on-off, mean_on: 6h, mean_off: 2h, plugged_share: 0.5}
workload: {tasks_per_car: 5, work: 7200, input_bytes: 1e7, output_bytes: 1e6}
economics: {battery_wear_per_kwh: 0.05}
outputs: {timeseries_interval: 0}
)";
  const auto j = RunSim(kChurn);
  ASSERT_TRUE(j["all_done"].get<bool>());
  const auto& e = j["economics"];
  EXPECT_NEAR(e["revenue"].get<double>(),
              e["pool_fee"].get<double>() + e["owner_payouts"].get<double>(), 1e-9);
  EXPECT_NEAR(e["owner_net"].get<double>(),
              e["owner_payouts"].get<double>() - e["electricity_cost"].get<double>() -
                  e["battery_wear_cost"].get<double>(),
              1e-9);
  EXPECT_NEAR(e["energy_kwh"].get<double>(),
              e["useful_kwh"].get<double>() + e["wasted_kwh"].get<double>(), 1e-9);
  EXPECT_GT(e["wasted_kwh"].get<double>(), 0) << "departures lose attempts";
  const double drawn_kwh =
      (j["energy"]["battery_wh"].get<double>() + j["energy"]["grid_wh"].get<double>()) / 1000;
  EXPECT_NEAR(e["energy_kwh"].get<double>(), drawn_kwh, 1e-6 * drawn_kwh);
  EXPECT_NEAR(e["battery_kwh"].get<double>(), j["energy"]["battery_wh"].get<double>() / 1000,
              1e-6 * drawn_kwh);
  EXPECT_GT(e["battery_wear_cost"].get<double>(), 0);
  // The accepted work is the run's work done, at 144 TOP-h per 3600 units.
  EXPECT_NEAR(e["useful_top_hours"].get<double>(), j["work_done_units"].get<double>() * 144 / 3600,
              1e-6);
}

PriceSchedule Schedule(const std::string& yaml) {
  PriceSchedule p;
  const absl::Status s = PriceSchedule::Parse(YAML::Load(yaml), "price", &p);
  EXPECT_TRUE(s.ok()) << s;
  return p;
}

TimePoint At(double hours) { return TimePoint::FromNanos(static_cast<int64_t>(hours * 3.6e12)); }

// Would catch: a window edge off by its piece, a wrap past midnight lost, the local time of
// day at t = 0 ignored.
TEST(PriceScheduleTest, IntegralsCrossWindowsAndMidnight) {
  const PriceSchedule flat = Schedule("0.25");
  EXPECT_DOUBLE_EQ(flat.Integral(At(0), At(10), 0), 0.25 * 36000);
  const PriceSchedule tou = Schedule(
      "{flat: 0.40, time_of_use: [{from: '22:00', to: '06:00', price: 0.10}, "
      "{from: '17:00', to: '20:00', price: 0.60}]}");
  EXPECT_DOUBLE_EQ(tou.At(23 * 3600), 0.10);
  EXPECT_DOUBLE_EQ(tou.At(3 * 3600), 0.10);
  EXPECT_DOUBLE_EQ(tou.At(6 * 3600), 0.40);
  EXPECT_DOUBLE_EQ(tou.At(18 * 3600), 0.60);
  // 05:00-07:00: an hour at 0.10, an hour at 0.40.
  EXPECT_NEAR(tou.Integral(At(5), At(7), 0), 3600 * 0.5, 1e-6);
  // A whole day: 8 h at 0.10, 3 h at 0.60, 13 h at 0.40; the same from any start.
  const double day = 3600 * (8 * 0.10 + 3 * 0.60 + 13 * 0.40);
  EXPECT_NEAR(tou.Integral(At(0), At(24), 0), day, 1e-6);
  EXPECT_NEAR(tou.Integral(At(7.25), At(31.25), 0), day, 1e-6);
  // t = 0 at local 21:00: run hours 0-2 are local 21:00-23:00: an hour at 0.40, one at 0.10.
  EXPECT_NEAR(tou.Integral(At(0), At(2), 21 * 3600), 3600 * 0.5, 1e-6);
}

// Would catch: time-of-use prices not reaching the accounting.
TEST(EconomicsTest, TimeOfUsePricesEachHourOfTheRun) {
  // Starts at 00:00 UTC: every car's first task runs 00:00-01:00 (cheap), its second
  // 01:00-02:00 (flat). 10 cars x (0.342 kWh x 0.10 + 0.342 kWh x 0.30) / 0.9 = 1.52.
  const auto j = RunSim(kByHand, {"start=2024-01-08T00:00:00Z",
                                  "economics.electricity_price={flat: 0.30, time_of_use: "
                                  "[{from: '00:00', to: '01:00', price: 0.10}]}"});
  EXPECT_NEAR(j["economics"]["electricity_cost"].get<double>(), 1.52, 1e-9);
  // The same by region: region `cheap` (half the cars) pays 0.10 all day.
  const auto r = RunSim(kByHand, {"regions=[{name: cheap, share: 0.5}, {name: dear, share: 0.5}]",
                                  "economics.region_prices={cheap: 0.10}"});
  // 5 cars x 0.684 kWh at 0.10 + 5 x 0.684 at 0.30, / 0.9.
  EXPECT_NEAR(r["economics"]["electricity_cost"].get<double>(), (3.42 * 0.10 + 3.42 * 0.30) / 0.9,
              1e-9);
}

// Would catch: the price at an instant read from the wrong window or time zone (what the
// simulator tells price-aware policies).
TEST(PriceScheduleTest, PriceAtAnInstant) {
  const PriceSchedule tou =
      Schedule("{flat: 0.40, time_of_use: [{from: '22:00', to: '06:00', price: 0.10}]}");
  EXPECT_DOUBLE_EQ(tou.PriceAt(At(5.99), 0), 0.10);
  EXPECT_DOUBLE_EQ(tou.PriceAt(At(6), 0), 0.40);
  EXPECT_DOUBLE_EQ(tou.PriceAt(At(22), 0), 0.10);
  EXPECT_DOUBLE_EQ(tou.PriceAt(At(47), 0), 0.10);         // the next night
  EXPECT_DOUBLE_EQ(tou.PriceAt(At(1), 21 * 3600), 0.10);  // local 22:00
  EXPECT_DOUBLE_EQ(tou.PriceAt(At(1), -8 * 3600), 0.40);  // local 17:00 the day before
  EXPECT_DOUBLE_EQ(Schedule("0.25").PriceAt(At(13), 0), 0.25);
}

// Two regions of never-leaving cars, one at 0.10 and one at 0.40 per kWh. cheap-energy with
// a max price between them gives the dear region nothing while no job has waited its hold,
// and the simulator's price zones reach the brain. Would catch: regions not made price
// zones, prices not told, or the policy ignoring them.
TEST(EconomicsTest, CheapEnergyKeepsWorkOffADearRegion) {
  const std::vector<std::string> set = {
      "regions=[{name: cheap, share: 0.5}, {name: dear, share: 0.5}]",
      "economics.region_prices={cheap: 0.10, dear: 0.40}", "workload.tasks_per_car=1"};
  auto with = set;
  with.push_back("policy={name: cheap-energy, params: {max_price: 0.2, hold: 86400}}");
  const auto j = RunSim(kByHand, with);
  ASSERT_TRUE(j["all_done"].get<bool>());
  ASSERT_EQ(j["regions"].size(), 2u);
  EXPECT_EQ(j["regions"][0]["name"], "cheap");
  EXPECT_GT(j["regions"][0]["useful_car_s"].get<double>(), 0);
  EXPECT_EQ(j["regions"][1]["useful_car_s"].get<double>(), 0);
  // Ten tasks on five cheap cars: two rounds of an hour, all at 0.10.
  EXPECT_DOUBLE_EQ(j["end_s"].get<double>(), 7200);
  EXPECT_NEAR(j["economics"]["electricity_cost"].get<double>(), 3.42 * 0.10 / 0.9, 1e-9);
  // With a short hold the dear cars take the jobs that waited it out: both regions work.
  with.back() = "policy={name: cheap-energy, params: {max_price: 0.2, hold: 600}}";
  const auto k = RunSim(kByHand, with);
  EXPECT_GT(k["regions"][1]["useful_car_s"].get<double>(), 0);
  EXPECT_LT(k["end_s"].get<double>(), 7200);
}

// Would catch: hourly prices read at the wrong hour, a per-MWh file taken per kWh.
TEST(EconomicsTest, HourlyPricesFromACsvFile) {
  const std::string kwh = WriteFile(
      "prices_kwh.csv", "time,price\n2024-01-08T00:00:00Z,0.10\n2024-01-08T01:00:00Z,0.50\n");
  const std::string mwh = WriteFile(
      "prices_mwh.csv",
      "hour,ignored,eur_mwh\n\"2024-01-08T00:00:00Z\",x,100\n2024-01-08T01:00:00Z,y,500\n");
  // The first task of every car in hour 0 (0.10), the second in hour 1 (0.50):
  // 10 x 0.342 kWh x 0.60 / 0.9 = 2.28.
  const auto j = RunSim(kByHand, {"start=2024-01-08T00:00:00Z",
                                  "economics.electricity_price={csv: {file: " + kwh + "}}"});
  EXPECT_NEAR(j["economics"]["electricity_cost"].get<double>(), 2.28, 1e-9);
  const auto m = RunSim(
      kByHand, {"start=2024-01-08T00:00:00Z", "economics.electricity_price={csv: {file: " + mwh +
                                                  ", time_column: hour, price_column: eur_mwh, "
                                                  "per: MWh}}"});
  EXPECT_NEAR(m["economics"]["electricity_cost"].get<double>(), 2.28, 1e-9);
  // A run that starts an hour later loops: hour 1 (0.50), then hour 0 again (0.10).
  const auto later = RunSim(kByHand, {"start=2024-01-08T01:00:00Z",
                                      "economics.electricity_price={csv: {file: " + kwh + "}}"});
  EXPECT_NEAR(later["economics"]["electricity_cost"].get<double>(), 2.28, 1e-9);
}

// Would catch: a bad price file run with made-up prices, or refused without saying where.
TEST(EconomicsTest, BadPriceFilesNameTheFileAndLine) {
  const std::string gap =
      WriteFile("gap.csv", "time,price\n2024-01-08T00:00:00Z,0.1\n2024-01-08T02:00:00Z,0.2\n");
  const std::string nan = WriteFile("nan.csv", "time,price\n2024-01-08T00:00:00Z,cheap\n");
  const std::string twice =
      WriteFile("twice.csv", "time,price\n2024-01-08T00:00:00Z,0.1\n2024-01-08T00:00:00Z,0.2\n");
  const std::string half = WriteFile("half.csv", "time,price\n2024-01-08T00:30:00Z,0.1\n");
  for (const auto& [file, want] : std::vector<std::pair<std::string, std::string>>{
           {gap, "gap.csv:3: an hour is missing"},
           {nan, "nan.csv:2: price \"cheap\" is not a number"},
           {twice, "twice.csv:3: hour"},
           {half, "half.csv:2: time \"2024-01-08T00:30:00Z\" is not the start of an hour"},
           {"/no/such/prices.csv", "cannot read /no/such/prices.csv"}}) {
    const absl::Status s =
        RunError(kByHand, {"economics.electricity_price={csv: {file: " + file + "}}"});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << file;
    EXPECT_NE(s.message().find(want), std::string::npos) << s;
  }
  const absl::Status col = RunError(
      kByHand, {"economics.electricity_price={csv: {file: " + gap + ", price_column: eur}}"});
  EXPECT_NE(col.message().find("gap.csv:1: no column \"eur\""), std::string::npos) << col;
}

TEST(EconomicsTest, BadKeysAreClearErrors) {
  for (const auto& [set, key] : std::vector<std::pair<std::string, std::string>>{
           {"economics.pool_fee=1.5", "economics.pool_fee"},
           {"economics.charger_efficiency=0", "economics.charger_efficiency"},
           {"economics.electricity_price=-1", "economics.electricity_price"},
           {"economics.datacenter.hardware=TPU9", "economics.datacenter.hardware"},
           {"economics.datacenter.pue=0.5", "economics.datacenter.pue"},
           {"economics.price=3", "economics.price"},
           {"economics.electricity_price={flat: 0.3, time_of_use: [{from: '01:00', to: '05:00', "
            "price: 0.1}, {from: '04:00', to: '06:00', price: 0.2}]}",
            "economics.electricity_price.time_of_use[1]: overlaps"},
           {"economics.electricity_price={time_of_use: [{from: '01:00', to: '25:00', price: 1}]}",
            "economics.electricity_price.time_of_use[0]"},
           {"economics.electricity_price=-0.1", "economics.electricity_price"},
           {"economics.region_prices={mars: 0.1}", "economics.region_prices.mars"},
           {"economics.electricity_price={csv: {file: x.csv, per: GWh}}",
            "economics.electricity_price.csv.per"}}) {
    auto s = ParseScenario(kByHand, {set});
    ASSERT_FALSE(s.ok()) << set;
    EXPECT_NE(s.status().message().find(key), std::string::npos) << s.status();
  }
  // Without the section, no economics in the summary (summaries stay as they were).
  const auto plain = RunSim(
      "name: plain\nhorizon: 1d\nfleet: {size: 5}\navailability: {model: never-leaves}\n"
      "workload: {tasks_per_car: 1, work: 60}\noutputs: {timeseries_interval: 0}\n");
  EXPECT_FALSE(plain.contains("economics"));
}

}  // namespace
}  // namespace fleetgrid::sim
