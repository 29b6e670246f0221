// Clock jumps. The real coordinator runs under libfaketime with its calendar clock
// (CLOCK_REALTIME) moved a day forward, then two days back, while a car holds an attempt
// under a 20 s lease and a 2 s grace: the monotonic clock, which leases and grace run on,
// does not move, so nothing expires early and nobody is lost. The car's own clock is also
// a day off in the other direction (Heartbeat.sent_at): it never matters either.
// libfaketime fakes CLOCK_REALTIME only (FAKETIME_DONT_FAKE_MONOTONIC), timerfds included
// but for monotonic ones (tests/integration/monotonic_timerfd.cc).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "fleetgrid/v1/job.grpc.pb.h"
#include "tests/integration/process.h"
#include "tests/service/http_get.h"
#include "tests/service/test_car.h"

namespace fleetgrid::testing {
namespace {

constexpr const char* kFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

void SetOffset(const std::string& file, const std::string& offset) {
  std::ofstream(file, std::ios::trunc) << offset << "\n";
}

// Heartbeats for `d` with the car's clock a day behind.
void HeartbeatFor(TestCar& car, std::chrono::milliseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  uint64_t seq = 1000;
  while (std::chrono::steady_clock::now() < end) {
    v1::NodeMessage m;
    m.mutable_heartbeat()->set_seq(++seq);
    m.mutable_heartbeat()->set_state(v1::NODE_STATE_PLUGGED);
    m.mutable_heartbeat()->set_state_of_charge(0.5);
    const auto skewed = std::chrono::system_clock::now() - std::chrono::hours(24);
    m.mutable_heartbeat()->mutable_sent_at()->set_seconds(
        std::chrono::duration_cast<std::chrono::seconds>(skewed.time_since_epoch()).count());
    car.Send(m);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int64_t SubmittedUnixSeconds(v1::JobService::Stub& jobs, uint32_t tasks, uint64_t* id) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::SubmitJobRequest req;
  req.mutable_spec()->set_name("clock");
  req.mutable_spec()->set_task_count(tasks);
  req.mutable_spec()->set_work_units_per_task(1);
  req.mutable_spec()->set_output_size_bytes(32);
  req.mutable_spec()->mutable_executor()->set_kind(v1::EXECUTOR_KIND_HASH);
  req.mutable_spec()->mutable_executor()->mutable_hash()->set_rounds(10);
  req.mutable_spec()->mutable_executor()->mutable_hash()->set_seed(1);
  v1::SubmitJobResponse resp;
  EXPECT_TRUE(jobs.SubmitJob(&ctx, req, &resp).ok());
  *id = resp.job_id();
  return resp.job().submitted_at().seconds();
}

TEST(ClockJumps, CalendarJumpsOnTheCoordinatorExpireNoLeaseAndLoseNoCar) {
  if (!std::filesystem::exists(kFaketime)) GTEST_SKIP() << "libfaketime is not installed";
  const std::string dir = TempDir("clock-jump");
  const std::string offset_file = dir + "/faketime";
  SetOffset(offset_file, "+0");
  CoordinatorProcess coord(dir, dir + "/fleetgrid.db");
  coord.set_env({std::string("LD_PRELOAD=") + MONOTONIC_TIMERFD + ":" + kFaketime,
                 "FAKETIME_TIMESTAMP_FILE=" + offset_file, "FAKETIME_NO_CACHE=1",
                 "FAKETIME_DONT_FAKE_MONOTONIC=1"});
  ASSERT_TRUE(coord.Start({"--lease", "20s"})) << coord.stderr_text();
  auto channel = grpc::CreateChannel(coord.address(), grpc::InsecureChannelCredentials());
  auto jobs = v1::JobService::NewStub(channel);

  uint64_t job = 0;
  const int64_t unix_now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  EXPECT_NEAR(SubmittedUnixSeconds(*jobs, 1, &job), unix_now, 60);
  TestCar car(channel, "skewed");
  ASSERT_TRUE(car.Enroll().ok());
  ASSERT_TRUE(car.Connect().ok());
  car.RequestWork(1);
  auto a = car.NextAssignment();
  ASSERT_TRUE(a);

  // A day forward: a lease or grace on the calendar clock would be long gone.
  SetOffset(offset_file, "+1d");
  HeartbeatFor(car, std::chrono::milliseconds(3000));
  uint64_t other = 0;
  const int64_t forward = SubmittedUnixSeconds(*jobs, 1, &other);
  EXPECT_NEAR(forward, unix_now + 86400, 120) << "the coordinator's calendar did not jump";
  // Two days back: a deadline on the calendar clock would never come.
  SetOffset(offset_file, "-1d");
  HeartbeatFor(car, std::chrono::milliseconds(3000));
  EXPECT_NEAR(SubmittedUnixSeconds(*jobs, 1, &other), unix_now - 86400, 120);

  car.SendResult(*a, TestCar::Compute(*a));
  auto ack = car.NextAck();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED) << ack->ShortDebugString();
  const auto [code, metrics] = HttpGet(coord.metrics_port(), "/metrics");
  ASSERT_EQ(code, 200);
  EXPECT_EQ(MetricValue(metrics, "fleetgrid_nodes_lost_total"), 0);
  EXPECT_EQ(MetricValue(metrics, "fleetgrid_attempts_lost_total"), 0);
  EXPECT_EQ(MetricValue(metrics, "fleetgrid_attempts_failed_total"), 0);

  // And the monotonic lease still works: silent past the grace, the car is lost on time.
  // (This failed one loaded run in ten until monotonic_timerfd.cc kept libfaketime off
  // monotonic timerfds: see there.)
  car.Drop();
  double lost = 0;
  for (int i = 0; i < 150 && lost != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    lost =
        MetricValue(HttpGet(coord.metrics_port(), "/metrics").second, "fleetgrid_nodes_lost_total");
  }
  EXPECT_EQ(lost, 1) << "a silent car was not lost within 15 s of a 2 s grace\n"
                     << HttpGet(coord.metrics_port(), "/metrics").second << coord.stderr_text();
  EXPECT_EQ(coord.Terminate(), 0);
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fleetgrid::testing
