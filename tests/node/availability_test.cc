// The agent's view of the simulator's availability models, and scenario files.
#include "node/availability.h"

#include <gtest/gtest.h>

#include "node/scenario.h"

namespace fleetgrid::node {
namespace {

TEST(AvailabilityTest, StationaryStartShareAndMeans) {
  AvailabilityParams p;  // FLEET-1: on 6 h, off 2 h => 75% parked at t = 0
  auto model = MakeFleetAvailability(p, 5);
  const int n = 20000;
  int on = 0;
  double on_sum = 0, off_sum = 0;
  for (int car = 0; car < n; ++car) {
    CarAvailability a(model, car);
    const AvailabilityPeriod first = a.Next();
    if (first.available) {
      ++on;
      on_sum += first.length.SecondsF();
    } else {
      off_sum += first.length.SecondsF();
    }
  }
  EXPECT_NEAR(static_cast<double>(on) / n, 0.75, 0.015);  // sd 0.003
  EXPECT_NEAR(on_sum / on / 21600, 1.0, 0.05);
  EXPECT_NEAR(off_sum / (n - on) / 7200, 1.0, 0.08);
}

TEST(AvailabilityTest, PeriodsAlternateWithTheRightMeans) {
  AvailabilityParams p;
  p.model.mean_on = Duration::Seconds(100);
  p.model.mean_off = Duration::Seconds(50);
  CarAvailability a(MakeFleetAvailability(p, 9), 0);
  AvailabilityPeriod prev = a.Next();
  double on_sum = 0, off_sum = 0;
  int on_n = 0, off_n = 0;
  for (int i = 0; i < 40000; ++i) {
    const AvailabilityPeriod x = a.Next();
    EXPECT_NE(x.available, prev.available);
    EXPECT_GE(x.length, Duration::Zero());
    (x.available ? on_sum : off_sum) += x.length.SecondsF();
    ++(x.available ? on_n : off_n);
    prev = x;
  }
  EXPECT_NEAR(on_sum / on_n, 100, 3);
  EXPECT_NEAR(off_sum / off_n, 50, 1.5);
}

TEST(AvailabilityTest, SameHistoryAsTheSimulatorForTheSameSeedAndCar) {
  AvailabilityParams p;
  auto sim_model = sim::MakeAvailabilityModel(p.model, 1);
  CarAvailability car(MakeFleetAvailability(p, 1), 17);
  const auto start = sim_model->Initial(17);
  AvailabilityPeriod x = car.Next();
  EXPECT_EQ(x.available, start.available);
  EXPECT_EQ(x.length, start.end - TimePoint::Epoch());
  TimePoint t = start.end;
  bool avail = start.available;
  for (uint32_t k = 1; k < 20; ++k) {
    avail = !avail;
    const TimePoint end = sim_model->PeriodEnd(17, k, t, avail);
    x = car.Next();
    EXPECT_EQ(x.available, avail);
    EXPECT_EQ(x.length, end - t);
    t = end;
  }
}

TEST(AvailabilityTest, CarsDiffer) {
  AvailabilityParams p;
  auto model = MakeFleetAvailability(p, 1);
  CarAvailability a(model, 1), b(model, 2);
  bool differs = false;
  for (int i = 0; i < 10; ++i) differs |= a.Next().length != b.Next().length;
  EXPECT_TRUE(differs);
}

TEST(AvailabilityTest, NeverLeaves) {
  AvailabilityParams p;
  p.model.kind = sim::AvailabilityKind::kNeverLeaves;
  CarAvailability a(MakeFleetAvailability(p, 1), 0);
  const AvailabilityPeriod x = a.Next();
  EXPECT_TRUE(x.available);
  EXPECT_TRUE(x.length.IsInfinite());
}

TEST(ScenarioTest, TakesAvailabilitySpeedClassesAndSeed) {
  FleetOptions o;
  ASSERT_TRUE(ApplyScenarioText(R"(
seed: 42
fleet:
  size: 10
  classes:
    - {speed: 1, share: 0.5}
    - {speed: 4, share: 0.5}
availability:
  model: exponential-on-off
  mean_on: 1h
  mean_off: 10m
)",
                                /*take_seed=*/true, o)
                  .ok());
  EXPECT_EQ(o.seed, 42u);
  EXPECT_EQ(o.availability.model.mean_on, Duration::Hours(1));
  EXPECT_EQ(o.availability.model.mean_off, Duration::Minutes(10));
  ASSERT_EQ(o.speed_classes.size(), 2u);
  EXPECT_EQ(o.speed_classes[1].speed, 4);
}

TEST(ScenarioTest, RejectsBadFilesAndKeepsOptions) {
  FleetOptions o;
  EXPECT_EQ(ApplyScenarioText("availability: {mean_on: -1h}", true, o).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyScenarioText("availability: {model: trace}", true, o).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(o.seed, FleetOptions{}.seed);
  EXPECT_EQ(o.availability.model.mean_on, Duration::Hours(6));
  EXPECT_EQ(ApplyScenario("/nonexistent/x.yaml", true, o).code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace fleetgrid::node
