// The job-trace workload (docs/workloads.md): jobs arrive as a CSV trace's rows, with the
// trace's run time as work, its priority, a row filter, a rate scale and looping; a golden
// run of the Google 2011 trace's first hours; bad keys and files are errors naming the key,
// file and line.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/simulator.h"
#include "tests/sim/run_summary.h"

namespace fleetgrid::sim {
namespace {

const std::string kSource = FLEETGRID_SOURCE_DIR;

// Three jobs at 0, 100 and 250 s of trace time (microseconds, from 1000 s), run for 10, 20
// and 30 s; a fourth that was killed. Ten cars that never leave and infinitely fast links.
const char kJobs[] =
    "job,submit_us,start_us,end_us,end_event,class\n"
    "a,1000000000,1000500000,1010500000,FINISH,0\n"
    "b,1100000000,1100000000,1120000000,FINISH,2\n"
    "c,1250000000,1251000000,1281000000,FINISH,1\n"
    "d,1300000000,1300000000,1900000000,KILL,0\n";

std::string Scenario(const std::string& file) {
  return R"(
name: jobs
horizon: 1h
fleet:
  size: 10
  classes: [{speed: 1, share: 1}]
  links: [{bandwidth_bytes_per_s: 1e12, latency: 0s, share: 1}]
availability: {model: never-leaves}
workload:
  model: job-trace
  job_trace:
    file: )" +
         file + R"(
    submit_column: submit_us
    time_unit: us
    run_columns: [start_us, end_us]
    priority_column: class
    keep: {column: end_event, values: [FINISH]}
    work_per_second: 2
  tasks_per_job: 2
  input_bytes: 0
  output_bytes: 0
outputs: {timeseries_interval: 0}
)";
}

// Would catch: rows filtered wrongly, run times not taken as work (or not scaled), arrivals
// not at the trace's times (the last job ends at 250 s + 60 s of work).
TEST(JobTraceTest, JobsArriveAtTraceTimesWithTheirRunTimeAsWork) {
  const std::string file = WriteFile("jobs.csv", kJobs);
  const auto j = RunSim(Scenario(file));
  EXPECT_EQ(j["jobs_submitted"].get<int>(), 3);
  EXPECT_EQ(j["tasks_total"].get<int>(), 6);
  ASSERT_TRUE(j["all_done"].get<bool>());
  // 2 tasks each of 2 x (10, 20, 30) s of work.
  EXPECT_DOUBLE_EQ(j["work_done_units"].get<double>(), 2 * 2 * (10 + 20 + 30));
  EXPECT_DOUBLE_EQ(j["makespan_s"].get<double>(), 250 + 60);
  EXPECT_EQ(j["job_trace"]["rows_read"].get<int>(), 4);
  EXPECT_EQ(j["job_trace"]["jobs_kept"].get<int>(), 3);
  EXPECT_EQ(j["job_trace"]["jobs_with_run_time"].get<int>(), 3);
  // Three arrivals over 250 s: one pass is 250 s and one mean gap (125 s).
  EXPECT_DOUBLE_EQ(j["job_trace"]["pass_s"].get<double>(), 375);
}

// Would catch: rate_scale multiplying the gaps instead of dividing them.
TEST(JobTraceTest, RateScaleCompressesTheArrivals) {
  const std::string file = WriteFile("jobs.csv", kJobs);
  const auto j = RunSim(Scenario(file), {"workload.job_trace.rate_scale=5"});
  EXPECT_DOUBLE_EQ(j["makespan_s"].get<double>(), 250.0 / 5 + 60);
}

// Would catch: a loop that stops after one pass, or restarts without the pass's offset.
TEST(JobTraceTest, LoopReplaysTheFileUntilTheHorizon) {
  const std::string file = WriteFile("jobs.csv", kJobs);
  // Passes start at 0, 375, 750, 1125 s; a horizon of 999 s sees jobs at 0, 100, 250, 375,
  // 475, 625, 750, 850: eight.
  const auto j = RunSim(Scenario(file), {"workload.job_trace.loop=true", "horizon=999s"});
  EXPECT_EQ(j["jobs_submitted"].get<int>(), 8);
  // max_jobs stops the stream early, looped or not.
  const auto k = RunSim(Scenario(file), {"workload.job_trace.loop=true", "workload.max_jobs=4"});
  EXPECT_EQ(k["jobs_submitted"].get<int>(), 4);
  EXPECT_TRUE(k["all_done"].get<bool>());
}

// Would catch: the trace's priority column ignored. One car, busy with a long first job;
// of the two jobs that queue behind it, the later one has the higher class and runs first.
TEST(JobTraceTest, TheTracePriorityOrdersTheQueue) {
  const std::string file =
      WriteFile("prio.csv",
                "job,submit_us,start_us,end_us,end_event,class\n"
                "long,0,0,1000000000,FINISH,0\n"     // 1000 s x 2 units: busy until 2000 s
                "low,1000000,0,1000000,FINISH,0\n"   // arrives at 1 s, class 0
                "high,2000000,0,2000000,FINISH,3\n"  // arrives at 2 s, class 3: runs before "low"
      );
  auto s = ParseScenario(Scenario(file), {"fleet.size=1", "workload.tasks_per_job=1"});
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<AttemptRecord> attempts;
  SimHooks hooks;
  hooks.on_attempt = [&](const AttemptRecord& a) { attempts.push_back(a); };
  auto sim = Simulator::Create(*s, hooks);
  ASSERT_TRUE(sim.ok()) << sim.status();
  ASSERT_TRUE((*sim)->Run().ok());
  ASSERT_EQ(attempts.size(), 3u);
  // Task ids follow arrival: 0 long, 1 low, 2 high. After "long", "high" (4 units) runs
  // before "low" (2 units).
  EXPECT_EQ(attempts[0].task, 0u);
  EXPECT_EQ(attempts[1].task, 2u);
  EXPECT_EQ(attempts[2].task, 1u);
}

// The Google 2011 trace's first 2,000 jobs (tests/data/google-2011-jobs-extract.csv) on 300
// cars of GOOGLE-WEEK: every deterministic key of the summary is pinned. Regenerate with
// FLEETGRID_UPDATE_GOLDEN=1 after an intended change (tests/sim/sim_test.cc's CheckGolden).
TEST(JobTraceTest, GoogleTraceGolden) {
  auto s = LoadScenario(kSource + "/scenarios/google-week.yaml",
                        {"fleet.size=300", "horizon=6h",
                         "workload.job_trace.file=../tests/data/google-2011-jobs-extract.csv"});
  ASSERT_TRUE(s.ok()) << s.status();
  auto got = SummaryOf(s);
  ExpectGolden(got, "google_trace_n300_seed2");
  EXPECT_EQ(got["job_trace"]["jobs_kept"].get<int>(), 1391);
}

// Would catch: a bad trace or key that runs anyway, or an error that does not say where.
TEST(JobTraceTest, BadTracesAndKeysAreClearErrors) {
  const std::string good = WriteFile("jobs.csv", kJobs);
  const std::string nan =
      WriteFile("nan.csv", "job,submit_us,start_us,end_us,end_event,class\na,soon,0,1,FINISH,0\n");
  const std::string backwards =
      WriteFile("backwards.csv",
                "job,submit_us,start_us,end_us,end_event,class\na,0,0,1,FINISH,0\n"
                "b,5,9,3,FINISH,0\n");
  const std::string prio =
      WriteFile("prio.csv", "job,submit_us,start_us,end_us,end_event,class\na,0,0,1,FINISH,high\n");
  const std::string killed =
      WriteFile("killed.csv", "job,submit_us,start_us,end_us,end_event,class\na,0,0,1,KILL,0\n");
  const std::string short_row =
      WriteFile("short.csv", "job,submit_us,start_us,end_us,end_event,class\na,0,0\n");
  const struct {
    std::vector<std::string> set;
    std::string want;
  } cases[] = {
      {{"workload.job_trace.file=" + nan},
       "workload.job_trace: " + nan + ":2: submit_us \"soon\" is not a number"},
      {{"workload.job_trace.file=" + backwards}, backwards + ":3: end_us is before start_us"},
      {{"workload.job_trace.file=" + prio}, prio + ":2: class \"high\" is not a number"},
      {{"workload.job_trace.file=" + killed}, killed + ": the keep filter kept no row"},
      {{"workload.job_trace.file=" + short_row}, short_row + ":2: 3 fields, the columns need 6"},
      {{"workload.job_trace.file=/no/such/jobs.csv"},
       "workload.job_trace: cannot read /no/such/jobs.csv"},
      {{"workload.job_trace.submit_column=queued"},
       good + ":1: no column \"queued\" (its columns: job, submit_us"},
      {{"workload.job_trace.time_unit=h"},
       "workload.job_trace.time_unit: expected s, ms or us, got \"h\""},
      {{"workload.job_trace.rate_scale=0"}, "workload.job_trace.rate_scale: must be > 0"},
      {{"workload.job_trace.run_columns=[start_us]"},
       "workload.job_trace.run_columns: expected [start column, end column]"},
      {{"workload.job_trace.keep={column: end_event}"},
       "workload.job_trace.keep: expected {column: name, values: [kept values]}"},
      {{"workload.job_trace.speed=2"}, "workload.job_trace.speed: unknown key"},
      {{"workload.model=poisson", "workload.job_rate_per_s=1"},
       "workload.job_trace: only for model: job-trace"},
  };
  for (const auto& c : cases) {
    const absl::Status s = RunError(Scenario(good), c.set);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.want;
    EXPECT_NE(s.message().find(c.want), std::string::npos) << s;
  }
  const absl::Status none =
      RunError("workload: {model: job-trace}\noutputs: {timeseries_interval: 0}\n");
  EXPECT_NE(none.message().find("workload.job_trace.file: the job-trace model needs a trace file"),
            std::string::npos)
      << none;
}

}  // namespace
}  // namespace fleetgrid::sim
