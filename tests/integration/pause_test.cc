// The real `fleetgrid coordinator` process paused (SIGSTOP) for three grace periods with 40
// emulated cars each holding an attempt, then resumed (SIGCONT). With the shipped loss guard
// nobody is lost: the coordinator sees every car silent at once, blames itself and waits for
// heartbeats. The same pause with the guard turned off (--suspect-fraction 0) loses the
// fleet, which shows the test can fail.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "fleetgrid/v1/job.grpc.pb.h"
#include "node/fleet.h"
#include "tests/integration/process.h"
#include "tests/service/http_get.h"

namespace fleetgrid::testing {
namespace {

constexpr uint32_t kCars = 40;
constexpr auto kGrace = std::chrono::seconds(2);  // CoordinatorProcess's setting

struct PauseOutcome {
  double nodes_lost = -1;
  double self_suspicions = -1;
  double attempts_lost = -1;
  uint64_t reconnects = 0;
};

PauseOutcome PauseForThreeGraces(const std::string& name, const std::vector<std::string>& flags) {
  PauseOutcome r;
  const std::string dir = TempDir(name);
  CoordinatorProcess coord(dir, dir + "/fleetgrid.db");
  EXPECT_TRUE(coord.Start(flags)) << coord.stderr_text();
  if (coord.pid() <= 0) return r;

  node::FleetOptions fo;
  fo.coordinator = coord.address();
  fo.cars = kCars;
  fo.seed = 5;
  fo.time_scale = 1;
  fo.availability.model.kind = sim::AvailabilityKind::kNeverLeaves;
  fo.backoff.initial = Duration::Millis(50);
  fo.backoff.max = Duration::Millis(300);
  fo.stop_timeout = Duration::Seconds(5);
  node::Fleet fleet(fo);
  EXPECT_TRUE(fleet.Start().ok());

  // Tasks far longer than the test: every car holds one attempt throughout.
  v1::SubmitJobRequest req;
  req.mutable_spec()->set_name("pause");
  req.mutable_spec()->set_task_count(kCars);
  req.mutable_spec()->set_work_units_per_task(3600);
  req.mutable_spec()->set_output_size_bytes(64);
  req.mutable_spec()->mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
  auto jobs = v1::JobService::NewStub(
      grpc::CreateChannel(coord.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  v1::SubmitJobResponse sub;
  EXPECT_TRUE(jobs->SubmitJob(&ctx, req, &sub).ok());
  EXPECT_TRUE(
      fleet.WaitUntil([](const node::FleetStats& s) { return s.attempts_assigned >= kCars; },
                      Duration::Seconds(30)));

  kill(coord.pid(), SIGSTOP);
  std::this_thread::sleep_for(kGrace * 3);
  kill(coord.pid(), SIGCONT);
  // Two graces more: a car the coordinator still thought silent would be lost by then.
  std::this_thread::sleep_for(kGrace * 2);

  const auto [code, body] = HttpGet(coord.metrics_port(), "/metrics");
  EXPECT_EQ(code, 200);
  r.nodes_lost = MetricValue(body, "fleetgrid_nodes_lost_total");
  r.self_suspicions = MetricValue(body, "fleetgrid_self_suspicions_total");
  r.attempts_lost = MetricValue(body, "fleetgrid_attempts_lost_total");
  r.reconnects = fleet.stats().reconnects;
  fleet.Stop();
  EXPECT_EQ(coord.Terminate(), 0);
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
  return r;
}

TEST(CoordinatorPause, ThreeGracePeriodsStoppedLosesNoCarAndNoAttempt) {
  const PauseOutcome r = PauseForThreeGraces("pause-guarded", {});
  std::cout << "pause, guard on: lost " << r.nodes_lost << " cars, " << r.attempts_lost
            << " attempts, " << r.self_suspicions << " self-suspicions, " << r.reconnects
            << " reconnects\n";
  EXPECT_EQ(r.nodes_lost, 0);
  EXPECT_EQ(r.attempts_lost, 0);
  EXPECT_GE(r.self_suspicions, 1);
}

TEST(CoordinatorPause, WithoutTheGuardTheSamePauseEvictsTheFleet) {
  const PauseOutcome r = PauseForThreeGraces("pause-unguarded", {"--suspect-fraction", "0"});
  std::cout << "pause, guard off: lost " << r.nodes_lost << " cars, " << r.attempts_lost
            << " attempts\n";
  EXPECT_GE(r.nodes_lost, kCars / 2);
  EXPECT_EQ(r.self_suspicions, 0);
}

}  // namespace
}  // namespace fleetgrid::testing
