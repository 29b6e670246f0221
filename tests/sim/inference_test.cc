// Batch inference (workload.inference, docs/workloads.md): a car downloads a model's weights
// before its first task of that model and never again while it holds them; the download
// takes link time; tasks run only where the model fits in memory; fifo's affinity sends a
// model's tasks to the cars that hold it; a golden fixed-seed run; bad keys.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/simulator.h"
#include "tests/sim/run_summary.h"

namespace fleetgrid::sim {
namespace {

const std::string kSource = FLEETGRID_SOURCE_DIR;

// 20 HW4 cars that never leave; a job of 10 requests every 10 s for an hour against one
// 1 GB model, over 100 MB/s links.
const char kOneModel[] = R"(
name: one-model
horizon: 2h
fleet:
  size: 20
  classes: [{hardware: HW4, share: 1}]
  links: [{bandwidth_bytes_per_s: 1e8, latency: 0s, share: 1}]
availability: {model: never-leaves}
workload:
  model: poisson
  job_rate_per_s: 0.1
  max_jobs: 360
  tasks_per_job: 10
  work: 20
  input_bytes: 0
  output_bytes: 0
  inference:
    models: [{name: m, size: 1e9, memory: 6GiB}]
outputs: {timeseries_interval: 0}
)";

// Would catch: weights downloaded per task (or per attempt) instead of once per car.
TEST(InferenceTest, AModelIsDownloadedOncePerCar) {
  for (const char* affinity : {"true", "false"}) {
    const auto j = RunSim(
        kOneModel, {std::string("policy={name: fifo, params: {affinity: ") + affinity + "}}"});
    ASSERT_TRUE(j["all_done"].get<bool>()) << affinity;
    const auto& inf = j["inference"];
    const auto downloads = inf["downloads_completed"].get<uint64_t>();
    EXPECT_GE(downloads, 1u) << affinity;
    EXPECT_LE(downloads, 20u) << affinity;  // at most once per car
    EXPECT_EQ(inf["downloads_started"].get<uint64_t>(), downloads) << affinity;
    EXPECT_DOUBLE_EQ(inf["bytes_downloaded"].get<double>(), 1e9 * static_cast<double>(downloads));
    EXPECT_EQ(inf["attempts"].get<uint64_t>(), 3600u);
    EXPECT_EQ(inf["attempts_holding"].get<uint64_t>(), 3600u - downloads) << affinity;
    EXPECT_EQ(inf["models"][0]["cars_holding"].get<uint64_t>(), downloads) << affinity;
  }
}

// Would catch: a car counted as holding weights whose download a departure cut off, or a
// car that downloads again what it holds. Cars come and go every few minutes.
TEST(InferenceTest, UnderChurnNoCarDownloadsWhatItHolds) {
  const auto j = RunSim(kOneModel, {"availability={model: exponential-on-off, mean_on: 5m, "
                                    "mean_off: 2m}",
                                    "fleet.links.0.bandwidth_bytes_per_s=2e6"});
  const auto& inf = j["inference"];
  const auto started = inf["downloads_started"].get<uint64_t>();
  const auto completed = inf["downloads_completed"].get<uint64_t>();
  EXPECT_GT(started, completed);  // 500 s downloads in 5 min stays: many are cut
  EXPECT_LE(completed, 20u);      // one model: once held, never fetched again
  EXPECT_EQ(inf["models"][0]["cars_holding"].get<uint64_t>(), completed);
  // Cut downloads moved part of the weights.
  EXPECT_GT(inf["bytes_downloaded"].get<double>(), 1e9 * static_cast<double>(completed));
  EXPECT_LT(inf["bytes_downloaded"].get<double>(), 1e9 * static_cast<double>(started));
}

// One car, one task: download (latency + (input + weights) / bandwidth), compute, upload.
// Would catch: the weights' transfer left out of the attempt, or paid at the wrong rate.
TEST(InferenceTest, TheDownloadTakesLinkTime) {
  const auto j = RunSim(kOneModel, {"fleet.size=1", "workload.max_jobs=1",
                                    "workload.tasks_per_job=1", "workload.input_bytes=1e8",
                                    "workload.output_bytes=1e8", "fleet.links.0.latency=1s"});
  ASSERT_TRUE(j["all_done"].get<bool>());
  // HW4 computes 20 units in 5 s; first job arrives at some t0: turnaround is exact.
  const double turnaround = j["task_turnaround_s"]["mean"].get<double>();
  EXPECT_NEAR(turnaround, (1 + 11) + 20.0 / 4 + (1 + 1), 1e-6);
}

// Would catch: a model placed on a car whose memory it does not fit.
TEST(InferenceTest, AModelRunsOnlyWhereItFits) {
  auto s = ParseScenario(kOneModel, {"fleet.classes=[{hardware: HW3, share: 0.5}, "
                                     "{hardware: HW4, share: 0.5}]",
                                     "workload.inference.models.0.memory=12GiB"});
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<double> speeds;
  SimHooks hooks;
  hooks.on_attempt = [&](const AttemptRecord& a) { speeds.push_back(a.speed); };
  auto sim = Simulator::Create(*s, hooks);
  ASSERT_TRUE(sim.ok()) << sim.status();
  ASSERT_TRUE((*sim)->Run().ok());
  ASSERT_FALSE(speeds.empty());
  for (double v : speeds) EXPECT_EQ(v, 4) << "an HW3 (8 GiB) ran a 12 GiB model";
}

// Two models on twenty cars, jobs of either. Would catch: affinity that does not reach the
// cars holding the weights (every car then swaps models back and forth).
TEST(InferenceTest, AffinityKeepsEachModelOnItsCars) {
  const std::vector<std::string> two = {
      "workload.inference.models=[{name: a, size: 1e9, share: 0.5}, "
      "{name: b, size: 1e9, share: 0.5}]"};
  auto with = two;
  with.push_back("policy={name: fifo, params: {affinity: true}}");
  const auto on = RunSim(kOneModel, with);
  const auto off = RunSim(kOneModel, two);
  const auto d_on = on["inference"]["downloads_completed"].get<uint64_t>();
  const auto d_off = off["inference"]["downloads_completed"].get<uint64_t>();
  EXPECT_LE(d_on, 40u);  // each car at most once per model
  EXPECT_GT(d_off, 5 * d_on) << "affinity " << d_on << ", none " << d_off;
  EXPECT_EQ(on["tasks_completed"].get<uint64_t>(), 3600u);
}

// scenarios/inference.yaml at 500 cars for 6 hours: every deterministic key is pinned.
// Regenerate with FLEETGRID_UPDATE_GOLDEN=1 after an intended change.
TEST(InferenceTest, Golden) {
  auto s = LoadScenario(kSource + "/scenarios/inference.yaml",
                        {"fleet.size=500", "horizon=6h", "workload.job_rate_per_s=0.02"});
  ASSERT_TRUE(s.ok()) << s.status();
  auto got = SummaryOf(s);
  ExpectGolden(got, "inference_n500_seed3");
}

TEST(InferenceTest, BadKeysAreClearErrors) {
  ExpectKeyErrors(
      kOneModel,
      {
          {"workload.inference.models=[]", "workload.inference.models: expected a list"},
          {"workload.inference.models=[{name: a, size: 1e9, share: 0.5}, {name: b, size: 1e9, "
           "share: 0.4}]",
           "workload.inference.models: shares must sum to 1, they sum to 0.9"},
          {"workload.inference.models=[{name: a, size: 1e9, share: 0.5}, {name: a, size: 1e9, "
           "share: 0.5}]",
           "workload.inference.models[1].name: \"a\" is given twice"},
          {"workload.inference.models=[{name: a}]", "workload.inference.models[0].size: required"},
          {"workload.inference.models=[{name: a, size: lots}]",
           "workload.inference.models[0].size:"},
          {"workload.inference.models=[{name: a, size: 1e9, vram: 3}]",
           "workload.inference.models[0].vram: unknown key"},
          {"workload.inference.cache=2", "workload.inference.cache: unknown key"},
          {"policy.params={affinity: maybe}", "affinity"},
      });
}

}  // namespace
}  // namespace fleetgrid::sim
