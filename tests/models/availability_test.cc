// Availability models (models/availability.h) and one car's cursor over them.
#include "models/availability.h"

#include <gtest/gtest.h>

namespace fleetgrid::models {
namespace {

std::shared_ptr<const AvailabilityModel> Model(const AvailabilityConfig& c, uint64_t seed) {
  return MakeRenewalModel(c, seed);
}

TEST(AvailabilityTest, StationaryStartShareAndMeans) {
  const auto model = Model({}, 5);  // FLEET-1: on 6 h, off 2 h => 75% parked at t = 0
  const int n = 20000;
  int on = 0;
  double on_sum = 0, off_sum = 0;
  for (int car = 0; car < n; ++car) {
    CarPeriods a(model, car);
    const CarPeriods::Period first = a.Next();
    EXPECT_EQ(first.start, TimePoint::Epoch());
    if (first.available) {
      ++on;
      on_sum += (first.end - first.start).SecondsF();
    } else {
      off_sum += (first.end - first.start).SecondsF();
    }
  }
  EXPECT_NEAR(static_cast<double>(on) / n, 0.75, 0.015);  // sd 0.003
  EXPECT_NEAR(on_sum / on / 21600, 1.0, 0.05);
  EXPECT_NEAR(off_sum / (n - on) / 7200, 1.0, 0.08);
}

TEST(AvailabilityTest, PeriodsAlternateAndFollowEachOtherWithTheRightMeans) {
  AvailabilityConfig c;
  c.mean_on = Duration::Seconds(100);
  c.mean_off = Duration::Seconds(50);
  CarPeriods a(Model(c, 9), 0);
  CarPeriods::Period prev = a.Next();
  double on_sum = 0, off_sum = 0;
  int on_n = 0, off_n = 0;
  for (int i = 0; i < 40000; ++i) {
    const CarPeriods::Period x = a.Next();
    EXPECT_NE(x.available, prev.available);
    EXPECT_EQ(x.start, prev.end);
    EXPECT_GE(x.end, x.start);
    (x.available ? on_sum : off_sum) += (x.end - x.start).SecondsF();
    ++(x.available ? on_n : off_n);
    prev = x;
  }
  EXPECT_NEAR(on_sum / on_n, 100, 3);
  EXPECT_NEAR(off_sum / off_n, 50, 1.5);
}

TEST(AvailabilityTest, CursorWalksTheModelAsTheSimulatorSteps) {
  const auto model = Model({}, 1);
  CarPeriods car(model, 17);
  const AvailabilityModel::Start start = model->Initial(17);
  CarPeriods::Period x = car.Next();
  EXPECT_EQ(x.available, start.available);
  EXPECT_EQ(x.end, start.end);
  TimePoint t = start.end;
  bool avail = start.available;
  for (uint32_t k = 1; k < 20; ++k) {
    avail = !avail;
    const TimePoint end = model->Next(17, k, t, avail).end;
    x = car.Next();
    EXPECT_EQ(x.available, avail);
    EXPECT_EQ(x.start, t);
    EXPECT_EQ(x.end, end);
    t = end;
  }
}

TEST(AvailabilityTest, CarsDiffer) {
  const auto model = Model({}, 1);
  CarPeriods a(model, 1), b(model, 2);
  bool differs = false;
  for (int i = 0; i < 10; ++i) differs |= a.Next().end != b.Next().end;
  EXPECT_TRUE(differs);
}

TEST(AvailabilityTest, NeverLeavesStaysParkedForever) {
  AvailabilityConfig c;
  c.kind = AvailabilityKind::kNeverLeaves;
  CarPeriods a(Model(c, 1), 0);
  for (int i = 0; i < 3; ++i) {
    const CarPeriods::Period x = a.Next();
    EXPECT_TRUE(x.available);
    EXPECT_TRUE(x.end.IsInfinite());
  }
}

TEST(AvailabilityTest, OneSetOfModelNames) {
  for (AvailabilityKind k : {AvailabilityKind::kExponentialOnOff, AvailabilityKind::kNeverLeaves}) {
    EXPECT_EQ(AvailabilityKindFromName(AvailabilityKindName(k)), k);
  }
  EXPECT_EQ(AvailabilityKindFromName("exponential"), std::nullopt);
  EXPECT_EQ(AvailabilityKindFromName("always"), std::nullopt);
}

}  // namespace
}  // namespace fleetgrid::models
