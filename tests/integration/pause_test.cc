// The real `fleetgrid coordinator` process paused (SIGSTOP) for three grace periods with 40
// cars (a real `fleetgrid node` process) each holding an attempt, then resumed. The cars are
// stopped too and resumed half a second after the coordinator, so that it judges them
// before it hears from any: the worst order, which a real pause meets whenever the brain's
// timer runs before the queued heartbeats are read. With the shipped loss guard nobody is
// lost: every car looks silent at once, the coordinator blames itself and waits a grace
// period for heartbeats. The same pause with the guard off (--suspect-fraction 0) evicts the
// fleet, which shows the test can fail.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "fleetgrid/v1/job.grpc.pb.h"
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
};

double Metric(const CoordinatorProcess& coord, const std::string& name) {
  return MetricValue(HttpGet(coord.metrics_port(), "/metrics").second, name);
}

PauseOutcome PauseForThreeGraces(const std::string& name, const std::vector<std::string>& flags) {
  PauseOutcome r;
  const std::string dir = TempDir(name);
  CoordinatorProcess coord(dir, dir + "/fleetgrid.db");
  EXPECT_TRUE(coord.Start(flags)) << coord.stderr_text();
  if (coord.pid() <= 0) return r;
  NodeProcess cars(dir);
  cars.Start({"--insecure", "--coordinator", coord.address(), "--cars", std::to_string(kCars),
              "--availability", "never-leaves", "--executor", "simulated", "--seed", "5",
              "--report-every", "0"});

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
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::SubmitJobResponse sub;
  EXPECT_TRUE(jobs->SubmitJob(&ctx, req, &sub).ok());
  bool running = false;
  for (int i = 0; i < 300 && !running; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    running = Metric(coord, "fleetgrid_running_attempts") == kCars;
  }
  EXPECT_TRUE(running) << "the cars did not all get an attempt";
  if (!running) return r;

  kill(cars.pid(), SIGSTOP);
  kill(coord.pid(), SIGSTOP);
  std::this_thread::sleep_for(kGrace * 3);
  kill(coord.pid(), SIGCONT);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(cars.pid(), SIGCONT);
  // Two graces more: a car the coordinator still thought silent would be lost by then.
  std::this_thread::sleep_for(kGrace * 2);

  r.nodes_lost = Metric(coord, "fleetgrid_nodes_lost_total");
  r.self_suspicions = Metric(coord, "fleetgrid_self_suspicions_total");
  r.attempts_lost = Metric(coord, "fleetgrid_attempts_lost_total");
  EXPECT_EQ(cars.Terminate(), 0) << cars.stderr_text();
  EXPECT_EQ(coord.Terminate(), 0);
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
  return r;
}

TEST(CoordinatorPause, ThreeGracePeriodsStoppedLosesNoCarAndNoAttempt) {
  const PauseOutcome r = PauseForThreeGraces("pause-guarded", {});
  std::cout << "pause, guard on: lost " << r.nodes_lost << " cars, " << r.attempts_lost
            << " attempts, " << r.self_suspicions << " self-suspicions\n";
  EXPECT_EQ(r.nodes_lost, 0);
  EXPECT_EQ(r.attempts_lost, 0);
  EXPECT_EQ(r.self_suspicions, 1);
}

TEST(CoordinatorPause, WithoutTheGuardTheSamePauseEvictsTheFleet) {
  const PauseOutcome r = PauseForThreeGraces("pause-unguarded", {"--suspect-fraction", "0"});
  std::cout << "pause, guard off: lost " << r.nodes_lost << " cars, " << r.attempts_lost
            << " attempts\n";
  EXPECT_GE(r.nodes_lost, kCars * 3 / 4);  // a heartbeat already on its way may save one
  EXPECT_EQ(r.self_suspicions, 0);
}

}  // namespace
}  // namespace fleetgrid::testing
