// Whole-simulator tests: closed-form checks from probability theory, reproducibility,
// engine equivalence and golden fixed-seed runs. Each closed-form test states its formula.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "sim/run.h"
#include "sim/scenario/scenario.h"
#include "sim/simulator.h"
#include "tests/sim/run_summary.h"

namespace fleetgrid::sim {
namespace {

const std::string kSource = FLEETGRID_SOURCE_DIR;

Scenario Parse(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  auto s = ParseScenario(yaml, overrides);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : Scenario{};
}

Scenario Load(const std::string& file, const std::vector<std::string>& overrides = {}) {
  auto s = LoadScenario(kSource + "/scenarios/" + file, overrides);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : Scenario{};
}

nlohmann::ordered_json RunJson(const Scenario& s) {
  RunOptions o;
  o.write_files = false;
  auto out = RunScenario(s, o);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  nlohmann::ordered_json j = out->summary;
  j.erase("run");  // wall time and memory: not deterministic
  return j;
}

// Availability only: a trickle of tiny jobs keeps the run going to the horizon.
const char kAvailabilityOnly[] = R"(
name: availability
horizon: 7d
fleet: {size: 2000}
availability: {model: exponential-on-off, mean_on: 1h, mean_off: 3h}
workload: {model: poisson, job_rate_per_s: 0.001, work: 1, input_bytes: 0, output_bytes: 0}
outputs: {timeseries_interval: 0}
)";

// Alternating renewal process: the long-run fraction of time a car is available is
// E[on] / (E[on] + E[off]) = 1 / (1 + 3) = 0.25; with a stationary start it holds at all t.
TEST(ClosedFormTest, MeanAvailableFraction) {
  const Scenario s = Parse(kAvailabilityOnly);
  const auto j = RunJson(s);
  const double frac = j["available_car_s"].get<double>() / (2000.0 * 604800.0);
  // 2000 cars x 42 cycles: standard error about 0.002.
  EXPECT_NEAR(frac, 0.25, 0.01);
}

TEST(ClosedFormTest, MeanAvailableFractionNonStationaryStartConverges) {
  // Starting all available, the fraction over [0, T] is
  // p + (1 - p) * m * (1 - exp(-T / m)) / T with p = on/(on+off), m = on*off/(on+off).
  const Scenario s = Parse(kAvailabilityOnly, {"availability.start_available=1", "horizon=1d"});
  const auto j = RunJson(s);
  const double frac = j["available_car_s"].get<double>() / (2000.0 * 86400.0);
  const double p = 0.25, m = 3600.0 * 3 / 4, T = 86400.0;
  EXPECT_NEAR(frac, p + (1 - p) * m * (1 - std::exp(-T / m)) / T, 0.01);
}

// Attempts of fixed duration d on always-busy cars whose available periods are exponential
// with mean m: by memorylessness an attempt succeeds with probability exp(-d/m), and the
// compute time thrown away by a lost attempt is E[T | T < d] = m - d e^{-d/m} / (1 - e^{-d/m}).
TEST(ClosedFormTest, AttemptSuccessProbabilityAndLostWork) {
  const Scenario s = Parse(R"(
name: success
horizon: 3d
fleet:
  size: 500
  links: [{bandwidth_bytes_per_s: 1e12, latency: 0}]
availability: {model: exponential-on-off, mean_on: 6h, mean_off: 2h}
workload: {tasks_per_car: 1000, work: 3600, input_bytes: 0, output_bytes: 0}
outputs: {timeseries_interval: 0}
)");
  const auto j = RunJson(s);
  const double ok = j["attempts_succeeded"].get<double>();
  const double lost = j["attempts_lost"].get<double>();
  const double m = 21600, d = 3600;
  const double p = std::exp(-d / m);  // 0.8465
  const double n = ok + lost;
  ASSERT_GT(n, 20000);
  EXPECT_NEAR(ok / n, p, 4 * std::sqrt(p * (1 - p) / n));
  const double lost_mean = m - d * p / (1 - p);  // 1747 units at speed 1
  EXPECT_NEAR(j["work_lost_units"].get<double>() / lost, lost_mean, 0.04 * lost_mean);
}

// FLEET-1 lost-work rule: nothing is lost during the input download. With a download that
// takes the whole attempt (no compute, no upload) every lost attempt loses 0 units.
TEST(ClosedFormTest, NoWorkLostDuringDownload) {
  const Scenario s = Parse(R"(
name: download
horizon: 1d
fleet:
  size: 200
  links: [{bandwidth_bytes_per_s: 1000, latency: 0}]
availability: {model: exponential-on-off, mean_on: 1h, mean_off: 1h}
workload: {tasks_per_car: 100, work: 1e-6, input_bytes: 3600000, output_bytes: 0}
outputs: {timeseries_interval: 0}
)");
  const auto j = RunJson(s);
  EXPECT_GT(j["attempts_lost"].get<double>(), 100);
  EXPECT_EQ(j["work_lost_units"].get<double>(), 0.0);
}

// FLEET-1 lost-work rule: a car that leaves during the upload loses the whole task.
TEST(ClosedFormTest, WholeTaskLostDuringUpload) {
  const Scenario s = Parse(R"(
name: upload
horizon: 1d
fleet:
  size: 200
  links: [{bandwidth_bytes_per_s: 1000, latency: 0}]
availability: {model: exponential-on-off, mean_on: 1h, mean_off: 1h}
workload: {tasks_per_car: 100, work: 1e-3, input_bytes: 0, output_bytes: 3600000}
outputs: {timeseries_interval: 0}
)");
  const auto j = RunJson(s);
  const double lost = j["attempts_lost"].get<double>();
  EXPECT_GT(lost, 100);
  EXPECT_NEAR(j["work_lost_units"].get<double>(), lost * 1e-3, 1e-6);
}

// Erlang C: probability that an arrival waits in an M/M/c queue with offered load a = l/u.
double ErlangC(int c, double a) {
  double sum = 0, term = 1;  // a^k / k!
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a);  // a^c / c! * 1 / (1 - rho)
  return top / (sum + top);
}

// M/M/c: an always-available fleet of c identical cars (speed 1, no transfer time), jobs of
// one task arriving as a Poisson process (rate l), work ~ Exponential(mean 1/u).
// Mean wait in queue W_q = C(c, a) / (c u - l), Erlang C with a = l/u; the mean turnaround
// is W_q + 1/u.
TEST(ClosedFormTest, MMcQueueMeanWait) {
  const int c = 10;
  const double mean_work = 100, lambda = 0.08;  // a = 8, rho = 0.8
  const Scenario s = Parse(R"(
name: mmc
horizon: 60d
fleet:
  size: 10
  links: [{bandwidth_bytes_per_s: 1e12, latency: 0}]
availability: {model: never-leaves}
workload:
  model: poisson
  job_rate_per_s: 0.08
  tasks_per_job: 1
  max_jobs: 300000
  work: {distribution: exponential, mean: 100}
  input_bytes: 0
  output_bytes: 0
outputs: {timeseries_interval: 0}
)");
  const auto j = RunJson(s);
  ASSERT_EQ(j["tasks_completed"].get<uint64_t>(), 300000u);
  const double a = lambda * mean_work;
  const double wq = ErlangC(c, a) / (c / mean_work - lambda);  // about 20.5 s
  EXPECT_NEAR(j["task_wait_s"]["mean"].get<double>(), wq, 0.07 * wq);
  EXPECT_NEAR(j["task_turnaround_s"]["mean"].get<double>(), wq + mean_work,
              0.03 * (wq + mean_work));
  // Utilization of an M/M/c queue: rho = a / c.
  EXPECT_NEAR(j["utilization"].get<double>(), a / c, 0.02);
}

TEST(ReproducibilityTest, SameSeedSameSummaryDifferentSeedDifferent) {
  const Scenario a = Load("fleet1.yaml", {"fleet.size=300"});
  const auto j1 = RunJson(a);
  const auto j2 = RunJson(a);
  EXPECT_EQ(j1.dump(), j2.dump());
  const Scenario b = Load("fleet1.yaml", {"fleet.size=300", "seed=2"});
  const auto j3 = RunJson(b);
  EXPECT_NE(j1["work_lost_units"], j3["work_lost_units"]);
  EXPECT_NE(j1["task_wait_s"].dump(), j3["task_wait_s"].dump());
}

// The event queue is an implementation detail: every one gives the identical run.
TEST(ReproducibilityTest, AllEventQueuesGiveIdenticalRuns) {
  const auto j1 = RunJson(Load("fleet1.yaml", {"fleet.size=500", "engine.queue=heap"}));
  const auto j2 = RunJson(Load("fleet1.yaml", {"fleet.size=500", "engine.queue=calendar"}));
  const auto j3 = RunJson(Load("fleet1.yaml", {"fleet.size=500", "engine.queue=bucket"}));
  EXPECT_EQ(j1.dump(), j2.dump());
  EXPECT_EQ(j1.dump(), j3.dump());
}

// Changing the workload does not change the fleet's availability (independent streams).
TEST(ReproducibilityTest, StreamsAreIndependentAcrossModels) {
  const auto j1 = RunJson(Parse(kAvailabilityOnly, {"horizon=1d"}));
  const auto j2 = RunJson(Parse(kAvailabilityOnly, {"horizon=1d", "workload.job_rate_per_s=0.01"}));
  EXPECT_EQ(j1["available_car_s"], j2["available_car_s"]);
}

// Named hardware and task memory: 64 GiB tasks on a fleet of 16 GiB HW4 cars plus a desk
// group of DGX Sparks (128 GiB) that never leaves run only on the Sparks, under every policy;
// without the requirement the cars take most of the work.
TEST(SimulatorTest, TasksNeedingMemoryRunOnlyWhereTheyFit) {
  const std::string text = R"(
horizon: 2d
fleet:
  size: 300
  classes: [{hardware: HW4, share: 1}]
availability: {model: exponential-on-off, mean_on: 6h, mean_off: 2h}
regions:
  - {name: cars, share: 0.9}
  - name: desk
    share: 0.1
    availability: {model: never-leaves}
    classes: [{hardware: DGX Spark, share: 1}]
workload: {tasks: 600, work: 3600, input_bytes: 0, output_bytes: 0, memory: 64GiB}
outputs: {timeseries_interval: 0}
)";
  for (const char* policy : {"fifo", "fastest-first", "random", "shortest-remaining"}) {
    SCOPED_TRACE(policy);
    const auto j = RunJson(Parse(text, {std::string("policy.name=") + policy}));
    ASSERT_EQ(j["classes"].size(), 2u);
    EXPECT_EQ(j["classes"][0]["hardware"], "HW4");
    EXPECT_EQ(j["classes"][0]["memory_bytes"], uint64_t{16} << 30);
    EXPECT_EQ(j["classes"][1]["hardware"], "DGX Spark");
    EXPECT_EQ(j["classes"][0]["attempts"], 0);
    EXPECT_GT(j["classes"][1]["succeeded"].get<uint64_t>(), 100u);
  }
  const auto free = RunJson(Parse(text, {"workload.memory=0"}));
  EXPECT_GT(free["classes"][0]["succeeded"].get<uint64_t>(),
            free["classes"][1]["succeeded"].get<uint64_t>());
}

TEST(SimulatorTest, UnknownPolicyIsInvalidArgument) {
  auto s = Load("fleet1.yaml", {"fleet.size=10", "policy.name=no-such-policy"});
  auto sim = Simulator::Create(s);
  ASSERT_FALSE(sim.ok());
  EXPECT_EQ(sim.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(sim.status().message().find("policy"), std::string::npos);
}

TEST(SimulatorTest, Fleet1SmallInvariants) {
  const auto j = RunJson(Load("fleet1.yaml", {"fleet.size=200"}));
  EXPECT_EQ(j["tasks_total"].get<uint64_t>(), 2000u);
  EXPECT_EQ(j["tasks_completed"].get<uint64_t>(), 2000u);
  EXPECT_TRUE(j["makespan_s"].is_number());
  // Every started attempt either succeeded or was lost (no cancellations in FLEET-1).
  EXPECT_EQ(j["attempts_started"].get<uint64_t>(),
            j["attempts_succeeded"].get<uint64_t>() + j["attempts_lost"].get<uint64_t>());
  EXPECT_EQ(j["attempts_succeeded"].get<uint64_t>(), 2000u);
  // The brain's view agrees: it loses exactly the attempts that were cut off.
  EXPECT_EQ(j["core"]["attempts_lost"].get<uint64_t>(), j["attempts_lost"].get<uint64_t>());
  EXPECT_EQ(j["work_done_units"].get<double>(), 2000 * 3600.0);
  uint64_t cars = 0;
  for (const auto& c : j["classes"]) cars += c["cars"].get<uint64_t>();
  EXPECT_EQ(cars, 200u);
  EXPECT_GT(j["utilization"].get<double>(), 0.3);
  EXPECT_LE(j["utilization"].get<double>(), 1.0);
}

size_t CountLines(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

TEST(OutputsTest, WritesSummaryTimeseriesAndAttempts) {
  const std::string dir = ::testing::TempDir() + "/fleetgrid_sim_outputs";
  const Scenario s =
      Load("fleet1.yaml", {"fleet.size=50", "outputs.dir=" + dir, "outputs.attempts_csv=true",
                           "outputs.timeseries_interval=1h"});
  RunOptions o;
  auto out = RunScenario(s, o);
  ASSERT_TRUE(out.ok()) << out.status();
  std::ifstream summary(dir + "/summary.json");
  ASSERT_TRUE(summary);
  const auto j = nlohmann::json::parse(summary);
  for (const char* key :
       {"tasks_total", "tasks_completed", "makespan_s", "attempts_started", "attempts_lost",
        "work_lost_units", "events", "seed", "policy", "scenario", "task_wait_s",
        "task_turnaround_s", "classes", "utilization", "work_done_units", "run"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  for (const char* key : {"wall_s", "peak_rss_bytes", "events_per_s", "bytes_per_car"}) {
    EXPECT_TRUE(j["run"].contains(key)) << key;
  }
  // One row per hour from t=0 to the end, plus the header.
  const double end = j["end_s"].get<double>();
  EXPECT_EQ(CountLines(dir + "/timeseries.csv"), static_cast<size_t>(end / 3600) + 2);
  // Every attempt started in a run that finished ended: one row each, plus the header.
  EXPECT_EQ(CountLines(dir + "/attempts.csv"), j["attempts_started"].get<size_t>() + 1);
  std::ifstream ts(dir + "/timeseries.csv");
  std::string header;
  std::getline(ts, header);
  // The fixed columns, then parked/plugged/busy per region (one, "all") and per class.
  EXPECT_EQ(header, std::string(kTimeseriesHeader) +
                        ",region.all.parked,region.all.plugged,region.all.busy"
                        ",class.0.parked,class.0.plugged,class.0.busy"
                        ",class.1.parked,class.1.plugged,class.1.busy"
                        ",class.2.parked,class.2.plugged,class.2.busy");
}

// Golden fixed-seed runs: every deterministic key must match tests/golden/<name>.json.
// Regenerate with FLEETGRID_UPDATE_GOLDEN=1 after an intended change, and say why in review.
void CheckGolden(const std::string& name, const Scenario& s) { ExpectGolden(RunJson(s), name); }

TEST(GoldenTest, Fleet1N1000Seed1) { CheckGolden("fleet1_n1000_seed1", Load("fleet1.yaml")); }

TEST(GoldenTest, Fleet1N200Seed7) {
  CheckGolden("fleet1_n200_seed7", Load("fleet1.yaml", {"fleet.size=200", "seed=7"}));
}

TEST(GoldenTest, DatacenterN200) {
  CheckGolden("datacenter_n200_seed1", Load("datacenter.yaml", {"fleet.size=200"}));
}

TEST(GoldenTest, PoissonN200) {
  CheckGolden(
      "poisson_n200_seed1",
      Load("poisson.yaml", {"fleet.size=200", "workload.job_rate_per_s=0.03", "horizon=12h"}));
}

}  // namespace
}  // namespace fleetgrid::sim
