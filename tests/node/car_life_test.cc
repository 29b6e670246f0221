// The car's life as the coordinator hears it, against a fake coordinator on loopback: its
// battery (state of charge falling while it computes off the grid, rising while plugged in,
// CHARGING until full), its owner's preferences in Enroll and Hello, and a departure
// announced `lead` before the car drives off.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/clock.h"
#include "fake_node_service.h"
#include "models/availability.h"
#include "node/executor.h"
#include "node/fleet.h"
#include "one_car.h"

namespace fleetgrid::node {
namespace {

using testing::FakeConfig;
using testing::FakeNodeService;
using testing::FakeState;
using testing::OneCar;

int64_t Nanos(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000'000'000 + t.nanos();
}

v1::Assignment SimulatedTask(uint64_t task_id, double work_units) {
  v1::Assignment a;
  a.set_task_id(task_id);
  a.set_job_id(1);
  a.set_task_index(static_cast<uint32_t>(task_id));
  a.set_work_units(work_units);
  a.set_output_size_cap_bytes(40);
  a.mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
  a.mutable_executor()->mutable_simulated()->set_seed(11);
  return a;
}

// A parked car, not plugged in, that stays for hundreds of (real) hours.
FleetOptions ParkedUnplugged(const std::string& address) {
  FleetOptions o = OneCar(address);
  o.availability.model.kind = models::AvailabilityKind::kExponentialOnOff;
  o.availability.model.start_available = 1;
  o.availability.model.plugged_share = 0;
  o.availability.model.mean_on = Duration::Hours(100'000);
  o.speed_classes = {models::SpeedClass{}};  // speed 1
  return o;
}

// Would catch: a constant or made-up state of charge, a battery drained while idle or
// charged off the plug, a state of charge outside [0, 1].
TEST(CarBatteryLive, SocFallsWhileComputingUnplugged) {
  FakeConfig cfg;
  cfg.tasks = {SimulatedTask(1, 100)};  // 100 units at speed 1, time scale 100: 1 s
  FakeNodeService fake(cfg);
  FleetOptions o = ParkedUnplugged(fake.Start());
  o.time_scale = 100;
  o.battery.capacity_wh = 100;  // computing (~345 W x 100) drains ~10% a real second
  o.battery.initial_soc_min = o.battery.initial_soc_max = 0.9;
  Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return s.results.size() == 1; }));
  fleet.Stop();
  const FakeState s = fake.Snapshot();
  ASSERT_EQ(s.hellos.size(), 1u);
  const v1::Heartbeat& first = s.hellos[0].initial_state();
  EXPECT_EQ(first.state(), v1::NODE_STATE_PARKED);
  ASSERT_TRUE(first.has_state_of_charge());
  EXPECT_DOUBLE_EQ(first.state_of_charge(), 0.9);  // parked at t = 0: no trip yet
  double previous = first.state_of_charge();
  ASSERT_GE(s.heartbeats.size(), 5u);
  for (const v1::Heartbeat& h : s.heartbeats) {
    EXPECT_EQ(h.state(), v1::NODE_STATE_PARKED);
    EXPECT_EQ(h.charging_power_w(), 0);
    ASSERT_TRUE(h.has_state_of_charge());
    EXPECT_GE(h.state_of_charge(), 0);
    EXPECT_LE(h.state_of_charge(), previous);  // never charges off the plug
    previous = h.state_of_charge();
  }
  // One second of compute at 345 W x 100 from 100 Wh: about 0.1 of the battery.
  EXPECT_LT(previous, 0.9 - 0.05);
  EXPECT_GT(previous, 0.9 - 0.2);
}

TEST(CarBatteryLive, SocRisesWhilePluggedChargingUntilFull) {
  FakeNodeService fake(FakeConfig{});
  FleetOptions o = OneCar(fake.Start());  // never leaves, plugged in
  o.time_scale = 10;
  o.battery.capacity_wh = 100;  // 11 kW x 10 fills half of it in ~1.6 s
  o.battery.initial_soc_min = o.battery.initial_soc_max = 0.5;
  Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor(
      [](const FakeState& s) {
        return !s.heartbeats.empty() && s.heartbeats.back().state() == v1::NODE_STATE_PLUGGED;
      },
      5000));
  fleet.Stop();
  const FakeState s = fake.Snapshot();
  const v1::Heartbeat& first = s.hellos[0].initial_state();
  EXPECT_EQ(first.state(), v1::NODE_STATE_CHARGING);
  EXPECT_EQ(first.charging_power_w(), o.battery.max_charging_power_w);
  double previous = first.state_of_charge();
  int charging = 0;
  for (const v1::Heartbeat& h : s.heartbeats) {
    EXPECT_GE(h.state_of_charge(), previous);
    EXPECT_LE(h.state_of_charge(), 1);
    previous = h.state_of_charge();
    if (h.state() == v1::NODE_STATE_CHARGING) {
      ++charging;
      EXPECT_LT(h.state_of_charge(), 1);
      EXPECT_GT(h.charging_power_w(), 0);
    } else {
      EXPECT_EQ(h.state(), v1::NODE_STATE_PLUGGED);
      EXPECT_DOUBLE_EQ(h.state_of_charge(), 1);  // full
      EXPECT_EQ(h.charging_power_w(), 0);
    }
  }
  EXPECT_GE(charging, 3);
}

// Would catch: preferences or the battery's awake power left out of Enroll or Hello, a
// window ending at midnight sent as end_s 0 (the wire wants 86400), no UTC offset.
TEST(CarPreferences, OptionsReachEnrollAndHello) {
  FakeNodeService fake(FakeConfig{});
  FleetOptions o = OneCar(fake.Start());
  o.owner_rules.given = true;
  o.owner_rules.plugged_only = true;
  o.owner_rules.min_soc = 0.3;
  o.owner_rules.windows = {{22 * 3600, 6 * 3600}, {12 * 3600, 0}};
  o.owner_rules.daily_energy_wh = 5000;
  o.owner_rules.metered_daily_cap_bytes = 300'000'000;
  o.battery.awake_power_w = 250;
  models::RegionConfig tokyo;
  tokyo.name = "tokyo";
  tokyo.time_zone = "Asia/Tokyo";  // UTC+9, no daylight saving
  o.availability.regions = {tokyo};
  Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return !s.hellos.empty(); }));
  fleet.Stop();
  const FakeState s = fake.Snapshot();
  ASSERT_EQ(s.enroll_requests.size(), 1u);
  for (const v1::OwnerPreferences& p :
       {s.enroll_requests[0].preferences(), s.hellos[0].preferences()}) {
    EXPECT_TRUE(p.compute_only_when_plugged());
    EXPECT_DOUBLE_EQ(p.min_state_of_charge(), 0.3);
    ASSERT_EQ(p.allowed_windows_size(), 2);
    EXPECT_EQ(p.allowed_windows(0).start_s(), 79200u);
    EXPECT_EQ(p.allowed_windows(0).end_s(), 21600u);
    EXPECT_EQ(p.allowed_windows(0).days_mask(), 0u);
    EXPECT_EQ(p.allowed_windows(1).start_s(), 43200u);
    EXPECT_EQ(p.allowed_windows(1).end_s(), 86400u);
    EXPECT_DOUBLE_EQ(p.daily_compute_energy_wh(), 5000);
    EXPECT_EQ(p.metered_daily_cap_bytes(), 300'000'000u);
    EXPECT_EQ(p.utc_offset_s(), 9 * 3600);
  }
  for (const v1::BatteryDescription& b : {s.enroll_requests[0].battery(), s.hellos[0].battery()}) {
    EXPECT_EQ(b.capacity_wh(), o.battery.capacity_wh);
    EXPECT_EQ(b.max_charging_power_w(), o.battery.max_charging_power_w);
    EXPECT_EQ(b.awake_power_w(), 250);
  }
  EXPECT_TRUE(s.hellos[0].capabilities().supports_checkpoints());
}

// Would catch: a region's own owner rules not replacing the fleet's for its cars.
TEST(CarPreferences, ARegionsOwnRulesReplaceTheFleets) {
  FakeNodeService fake(FakeConfig{});
  FleetOptions o = OneCar(fake.Start());
  o.owner_rules.given = true;
  o.owner_rules.min_soc = 0.3;
  models::RegionConfig strict;
  strict.name = "strict";
  strict.owner_rules = models::OwnerRulesConfig{};
  strict.owner_rules->given = true;
  strict.owner_rules->plugged_only = true;
  strict.owner_rules->min_soc = 0.6;
  o.availability.regions = {strict};
  Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return !s.hellos.empty(); }));
  fleet.Stop();
  const v1::OwnerPreferences p = fake.Snapshot().hellos[0].preferences();
  EXPECT_TRUE(p.compute_only_when_plugged());
  EXPECT_DOUBLE_EQ(p.min_state_of_charge(), 0.6);
}

// Would catch: no warning, a warning that does not arrive `lead` before the departure, or
// an announced time off the departure the availability model gives.
TEST(CarDepartureWarning, AnnouncedLeadBeforeTheCarDrivesOff) {
  FakeNodeService fake(FakeConfig{});
  FleetOptions o = OneCar(fake.Start());
  o.availability.model.kind = models::AvailabilityKind::kExponentialOnOff;
  o.availability.model.start_available = 1;
  o.availability.model.mean_off = Duration::Hours(1000);
  o.availability.vanish_probability = 0;
  o.time_scale = 1000;
  o.departure_warnings.share = 1;
  o.departure_warnings.lead = Duration::Seconds(1000);  // 1 s real
  // The first stay is an exponential draw times mean_on: scale it to last 2 s of real time.
  o.availability.model.mean_on = Duration::Seconds(1000);
  auto first_stay = [&o] {
    auto model = FleetAvailability(o);
    EXPECT_TRUE(model.ok());
    models::CarPeriods periods(*model, 0);
    const models::CarPeriods::Period p = periods.Next();
    EXPECT_TRUE(p.available);
    return (p.end - p.start).SecondsF() / o.time_scale;
  };
  o.availability.model.mean_on = Duration::FromSecondsF(1000 * 2.0 / first_stay());
  ASSERT_NEAR(first_stay(), 2.0, 0.01);

  const int64_t start = UnixNowNanos();
  Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(fake.WaitFor([](const FakeState& s) { return !s.leaves.empty(); }, 5000));
  const FakeState s = fake.Snapshot();
  EXPECT_EQ(s.leaves[0].reason(), v1::LEAVE_REASON_OWNER_DRIVING);
  const auto warned =
      std::find_if(s.heartbeats.begin(), s.heartbeats.end(),
                   [](const v1::Heartbeat& h) { return h.has_expected_departure_at(); });
  ASSERT_NE(warned, s.heartbeats.end());
  const double departure_s = (Nanos(warned->expected_departure_at()) - start) * 1e-9;
  const double warned_s = (Nanos(warned->sent_at()) - start) * 1e-9;
  EXPECT_NEAR(departure_s, 2.0, 0.3);
  EXPECT_NEAR(departure_s - warned_s, 1.0, 0.2);  // lead 1000 s at time scale 1000
  EXPECT_EQ(warned->departure_confidence(), 1);
  EXPECT_GT(warned_s, 0.8);  // not before its time: the heartbeats before say nothing
  EXPECT_EQ(fleet.stats().departure_warnings, 1u);
}

}  // namespace
}  // namespace fleetgrid::node
