// node::CarBattery: the shared battery model (models/battery.h) driven by a car's real-time
// life, checked against the model's own functions on a manual time line (no clock, no sleep).
#include "node/car_battery.h"

#include <gtest/gtest.h>

#include "models/battery.h"

namespace fleetgrid::node {
namespace {

constexpr double kAccelW = 75;
const TimePoint kT0 = TimePoint::FromNanos(int64_t{1000} * 1000'000'000);

models::BatteryConfig Config(double soc) {
  models::BatteryConfig c;
  c.initial_soc_min = c.initial_soc_max = soc;
  return c;
}

TEST(CarBatteryTest, InitialStateOfChargeIsDrawnInRangeFromTheSeed) {
  models::BatteryConfig c;  // [0.3, 0.9]
  CarBattery a(c, kAccelW, 1, Rng::Stream(7, "battery", 3));
  CarBattery b(c, kAccelW, 1, Rng::Stream(7, "battery", 3));
  CarBattery other(c, kAccelW, 1, Rng::Stream(7, "battery", 4));
  const double soc = a.StateOfCharge(kT0);
  EXPECT_GE(soc, 0.3);
  EXPECT_LE(soc, 0.9);
  EXPECT_EQ(soc, b.StateOfCharge(kT0));
  EXPECT_NE(soc, other.StateOfCharge(kT0));
}

// Would catch: draining while idle, or charging off the plug; the draw not being
// ComputePowerW x compute time.
TEST(CarBatteryTest, ComputingOffTheGridDrainsIdleDoesNot) {
  const models::BatteryConfig c = Config(0.8);
  CarBattery b(c, kAccelW, 1, Rng(1));
  b.Park(kT0, /*plugged=*/false, /*after_drive=*/false);
  EXPECT_DOUBLE_EQ(b.StateOfCharge(kT0 + Duration::Hours(2)), 0.8);  // idle
  b.SetComputing(kT0 + Duration::Hours(2), true);
  const double wh = models::ComputePowerW(c, kAccelW) * 3;  // three hours
  EXPECT_DOUBLE_EQ(b.StateOfCharge(kT0 + Duration::Hours(5)), models::AfterDraw(c, 0.8, wh));
  EXPECT_FALSE(b.Charging(kT0 + Duration::Hours(5)));
  EXPECT_EQ(b.ChargingPowerW(kT0 + Duration::Hours(5)), 0);
  // Never below empty.
  EXPECT_EQ(b.StateOfCharge(kT0 + Duration::Hours(10'000)), 0);
}

TEST(CarBatteryTest, PluggedChargesAtTheChargersPowerUntilFull) {
  const models::BatteryConfig c = Config(0.5);
  CarBattery b(c, kAccelW, 1, Rng(1));
  b.Park(kT0, /*plugged=*/true, /*after_drive=*/false);
  b.SetComputing(kT0, true);  // from the grid: the battery still charges at full power
  EXPECT_TRUE(b.Charging(kT0));
  EXPECT_EQ(b.ChargingPowerW(kT0), c.max_charging_power_w);
  EXPECT_DOUBLE_EQ(b.StateOfCharge(kT0 + Duration::Hours(1)),
                   models::AfterCharging(c, 0.5, Duration::Hours(1)));
  EXPECT_EQ(b.StateOfCharge(kT0 + Duration::Hours(10)), 1);
  EXPECT_FALSE(b.Charging(kT0 + Duration::Hours(10)));
  EXPECT_EQ(b.ChargingPowerW(kT0 + Duration::Hours(10)), 0);
}

// Would catch: real time taken for model time (the time scale ignored).
TEST(CarBatteryTest, RealTimeCountsTimeScaleTimesOver) {
  const models::BatteryConfig c = Config(0.5);
  CarBattery b(c, kAccelW, /*time_scale=*/60, Rng(1));
  b.Park(kT0, /*plugged=*/true, /*after_drive=*/false);
  EXPECT_DOUBLE_EQ(b.StateOfCharge(kT0 + Duration::Minutes(1)),
                   models::AfterCharging(c, 0.5, Duration::Hours(1)));
}

// Would catch: a trip never costed, or costed while parked at the start of the run.
TEST(CarBatteryTest, ATripIsCostedWhenTheCarParksAgain) {
  const models::BatteryConfig c = Config(0.7);
  Rng rng(5);
  CarBattery b(c, kAccelW, 1, rng);
  rng.Uniform();  // the battery's initial draw
  b.Park(kT0, false, /*after_drive=*/false);
  EXPECT_DOUBLE_EQ(b.StateOfCharge(kT0), 0.7);
  b.Drive(kT0 + Duration::Hours(1));
  EXPECT_DOUBLE_EQ(b.StateOfCharge(kT0 + Duration::Hours(2)), 0.7);  // costed on arrival
  EXPECT_FALSE(b.Charging(kT0 + Duration::Hours(2)));
  b.Park(kT0 + Duration::Hours(2), true, /*after_drive=*/true);
  EXPECT_DOUBLE_EQ(b.StateOfCharge(kT0 + Duration::Hours(2)), models::AfterTrip(c, 0.7, rng));
}

}  // namespace
}  // namespace fleetgrid::node
