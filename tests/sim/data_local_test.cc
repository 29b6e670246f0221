// Data-local input (workload.data_local, docs/workloads.md): a task whose input lives on one
// car runs there without a download, or on another car only after that car uploaded
// (staged) the input, which the coordinator asks for after stage_after; an upload cut by a
// departure does not count; a golden run; bad keys.
#include <gtest/gtest.h>

#include <string>

#include "tests/sim/run_summary.h"

namespace fleetgrid::sim {
namespace {

const std::string kSource = FLEETGRID_SOURCE_DIR;

// Twenty cars that come and go; 400 clips of 20 MB, each on a random car, 10 minutes of work.
const char kClips[] = R"(
name: clips
horizon: 2d
fleet:
  size: 20
  classes: [{speed: 1, share: 1}]
  links: [{bandwidth_bytes_per_s: 1e6, latency: 50ms, share: 1}]
availability: {model: exponential-on-off, mean_on: 3h, mean_off: 1h}
workload:
  tasks: 400
  work: 600
  input_bytes: 20000000
  output_bytes: 100000
  data_local: {stage_after: 10m}
outputs: {timeseries_interval: 0}
)";

// Would catch: a data-local task given to another car before its input was staged (the
// simulator counts each such attempt as a violation), or staging that never happens.
TEST(DataLocalTest, NoTaskRunsElsewhereBeforeItsInputIsStaged) {
  const auto j = RunSim(kClips);
  const auto& d = j["data_local"];
  EXPECT_EQ(d["violations"].get<int>(), 0);
  EXPECT_GT(d["attempts_remote"].get<int>(), 0);
  EXPECT_GT(d["attempts_local"].get<int>(), 0);
  EXPECT_GT(d["inputs_staged"].get<int>(), 0);
  EXPECT_DOUBLE_EQ(d["staged_bytes"].get<double>(), d["inputs_staged"].get<double>() * 20e6);
  EXPECT_EQ(d["stage_requests"].get<int>(),
            d["inputs_staged"].get<int>() + d["stage_failed"].get<int>());
}

// Would catch: staging asked for although the job said never.
TEST(DataLocalTest, NeverStagedRunsOnlyOnTheInputsCar) {
  const auto j = RunSim(kClips, {"workload.data_local={stage_after: never}"});
  const auto& d = j["data_local"];
  EXPECT_EQ(d["attempts_remote"].get<int>(), 0);
  EXPECT_EQ(d["stage_requests"].get<int>(), 0);
  EXPECT_GT(d["attempts_local"].get<int>(), 0);
}

// Would catch: uploads that a departure cut counted as staged. Cars leave every few minutes
// and an upload takes 200 s.
TEST(DataLocalTest, AnUploadCutByADepartureIsNotStaged) {
  const auto j =
      RunSim(kClips, {"availability.mean_on=4m", "availability.mean_off=4m",
                      "workload.data_local={stage_after: 1m}", "workload.input_bytes=200000000"});
  const auto& d = j["data_local"];
  EXPECT_GT(d["stage_failed"].get<int>(), 0);
  EXPECT_EQ(d["violations"].get<int>(), 0);
}

// One car that never leaves, one clip of 1 GB over a 1 MB/s link: it runs at once on its
// own car with no download. Would catch: a local input downloaded anyway (1000 s more).
TEST(DataLocalTest, TheInputsCarDoesNotDownloadIt) {
  const auto j = RunSim(kClips, {"fleet.size=1", "workload.tasks=1",
                                 "availability={model: "
                                 "never-leaves}",
                                 "workload.input_bytes=1000000000"});
  ASSERT_TRUE(j["all_done"].get<bool>());
  // latency, 600 s of work, then 0.1 MB up (latency + 0.1 s).
  EXPECT_NEAR(j["makespan_s"].get<double>(), 0.05 + 600 + 0.05 + 0.1, 1e-6);
  EXPECT_DOUBLE_EQ(j["data"]["transfer_bytes"].get<double>(), 100000);
}

// Twenty cars of kClips: every deterministic key of the summary is pinned. Regenerate with
// FLEETGRID_UPDATE_GOLDEN=1 after an intended change.
TEST(DataLocalTest, Golden) {
  auto got = RunSim(kClips);
  ExpectGolden(got, "data_local_n20");
}

TEST(DataLocalTest, BadKeysAreClearErrors) {
  ExpectKeyErrors(
      kClips, {
                  {"workload.data_local={stage_after: soon}", "workload.data_local.stage_after"},
                  {"workload.data_local={upload: true}", "workload.data_local.upload: unknown key"},
                  {"workload.data_local=yes", "workload.data_local: expected a map"},
              });
}

}  // namespace
}  // namespace fleetgrid::sim
