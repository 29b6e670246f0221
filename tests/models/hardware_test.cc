// The hardware catalog (models/hardware_catalog.h) and scenario classes named after it:
// lookup, derived speeds, the shares a fleet draws, and errors that name their key.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "models/fleet_draw.h"
#include "models/hardware_catalog.h"
#include "models/scenario_sections.h"

namespace fleetgrid::models {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

const HardwareEntry& Find(std::string_view name) {
  absl::StatusOr<const HardwareEntry*> e = FindHardware(name);
  EXPECT_TRUE(e.ok()) << e.status();
  static const HardwareEntry kNone{};
  return e.ok() ? **e : kNone;
}

TEST(HardwareCatalogTest, LookupIgnoresCaseSpacesAndDashes) {
  EXPECT_EQ(Find("HW3").name, "HW3");
  EXPECT_EQ(Find("hw3").name, "HW3");
  EXPECT_EQ(Find("ai4").name, "HW4");
  EXPECT_EQ(Find("DGX Spark").name, "DGX Spark");
  EXPECT_EQ(Find("dgx-spark").name, "DGX Spark");
  EXPECT_EQ(Find("GB10").name, "DGX Spark");
  EXPECT_EQ(Find("h100_sxm").name, "H100");
  EXPECT_EQ(Find("b200").name, "B200");
}

TEST(HardwareCatalogTest, UnknownNameListsTheKnownOnes) {
  for (const char* bad : {"HW9", "", "  ", "H1000"}) {
    absl::StatusOr<const HardwareEntry*> e = FindHardware(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(e.status().message(), "unknown hardware \"" + std::string(bad) +
                                        "\"; known: HW3, HW4, AI5, DGX Spark, H100, B200");
  }
}

// Speed 1.0 is one HW3 board (144 INT8 TOPS); ranges count at their midpoint.
TEST(HardwareCatalogTest, SpeedDerivesFromInt8Throughput) {
  EXPECT_DOUBLE_EQ(Find("HW3").speed(), 1.0);
  EXPECT_DOUBLE_EQ(Find("HW4").speed(), (432.0 + 720.0) / 2 / 144);  // 4.0
  EXPECT_DOUBLE_EQ(Find("AI5").speed(), 2250.0 / 144);
  EXPECT_DOUBLE_EQ(Find("DGX Spark").speed(), 375.0 / 144);
  EXPECT_DOUBLE_EQ(Find("H100").speed(), 1979.0 / 144);
  EXPECT_DOUBLE_EQ(Find("B200").speed(), 4500.0 / 144);
}

TEST(HardwareCatalogTest, FiguresAreSaneAndSourced) {
  ASSERT_EQ(HardwareCatalog().size(), 6u);
  for (const HardwareEntry& e : HardwareCatalog()) {
    SCOPED_TRACE(std::string(e.name));
    EXPECT_GT(e.int8_tops.low, 0);
    EXPECT_LE(e.int8_tops.low, e.int8_tops.high);
    EXPECT_GT(e.power_w.low, 0);
    EXPECT_LE(e.power_w.low, e.power_w.high);
    EXPECT_GT(e.memory_bytes, 0u);
    EXPECT_FALSE(e.source.empty());
    // A throughput range means no one published number: it must be marked an estimate.
    if (e.int8_tops.low != e.int8_tops.high) {
      EXPECT_TRUE(e.tops_estimated);
    }
  }
  EXPECT_EQ(Find("HW3").memory_bytes, 8 * kGiB);
  EXPECT_EQ(Find("HW4").memory_bytes, 16 * kGiB);
  EXPECT_EQ(Find("DGX Spark").memory_bytes, 128 * kGiB);
  EXPECT_EQ(Find("H100").memory_bytes, 80 * kGiB);
  EXPECT_EQ(Find("HW3").power_w.low, 72);
  EXPECT_EQ(Find("DGX Spark").kind, HardwareKind::kDesk);
  EXPECT_EQ(Find("B200").kind, HardwareKind::kDatacenter);
  EXPECT_EQ(Find("AI5").kind, HardwareKind::kCar);
}

absl::StatusOr<CarScenario> Parse(const std::string& text) { return ParseCarScenario(text); }

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<CarScenario> s = Parse(text);
  if (s.ok()) return "";
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(s.status().message());
}

TEST(HardwareScenarioTest, NamedClassesTakeTheCatalogsFigures) {
  absl::StatusOr<CarScenario> s = Parse(R"(
fleet:
  size: 1000
  classes:
    - {hardware: HW3, share: 0.5}
    - {hardware: hw4, share: 0.3}
    - {hardware: AI5, share: 0.1, speed: 12, memory: 64GiB, power_w: 300}
    - {speed: 2, share: 0.1}
)");
  ASSERT_TRUE(s.ok()) << s.status();
  const std::vector<SpeedClass>& c = s->fleet.classes;
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].hardware, "HW3");
  EXPECT_DOUBLE_EQ(c[0].speed, 1.0);
  EXPECT_EQ(c[0].memory_bytes, 8 * kGiB);
  EXPECT_DOUBLE_EQ(c[0].power_w, 72);
  EXPECT_EQ(c[1].hardware, "HW4");  // the canonical name, whatever the file wrote
  EXPECT_DOUBLE_EQ(c[1].speed, 4.0);
  EXPECT_DOUBLE_EQ(c[1].power_w, 130);
  EXPECT_EQ(c[2].hardware, "AI5");  // overrides win
  EXPECT_DOUBLE_EQ(c[2].speed, 12);
  EXPECT_EQ(c[2].memory_bytes, 64 * kGiB);
  EXPECT_DOUBLE_EQ(c[2].power_w, 300);
  EXPECT_EQ(c[3].hardware, "");  // a plain speed, as in FLEET-1: nothing else known
  EXPECT_DOUBLE_EQ(c[3].speed, 2);
  EXPECT_EQ(c[3].memory_bytes, 0u);
  EXPECT_DOUBLE_EQ(c[3].power_w, 0);
}

// A fleet of cars plus a datacenter group that never leaves, both by name; the draw gives
// each class its share (binomial sd at most 0.5% of 10,000 cars: tolerance 4 sd).
TEST(HardwareScenarioTest, MixedPoolDrawsTheShares) {
  absl::StatusOr<CarScenario> s = Parse(R"(
fleet:
  size: 20000
  classes: [{hardware: HW3, share: 0.6}, {hardware: HW4, share: 0.4}]
regions:
  - {name: cars, share: 0.5}
  - name: datacenter
    share: 0.5
    availability: {model: never-leaves}
    classes: [{hardware: H100, share: 0.75}, {hardware: B200, share: 0.25}]
)");
  ASSERT_TRUE(s.ok()) << s.status();
  const std::vector<SpeedClass> table = ClassTable(s->fleet.classes, s->regions);
  ASSERT_EQ(table.size(), 4u);
  EXPECT_EQ(table[2].hardware, "H100");
  EXPECT_EQ(table[3].memory_bytes, 180 * kGiB);
  const uint32_t n = s->fleet.size;
  const FleetDraw d = DrawFleet(s->fleet.classes, s->fleet.links, s->regions, n, s->seed, 0, n);
  const std::vector<uint32_t> starts = RegionStarts(s->regions, n);
  ASSERT_EQ(starts.size(), 2u);
  std::array<double, 4> cars_in_region{}, dc{};
  for (uint32_t car = 0; car < n; ++car) {
    const bool in_dc = car >= starts[1];
    (in_dc ? dc : cars_in_region)[d.speed_class[car]] += 1;
  }
  const double half = n / 2.0;
  EXPECT_NEAR(cars_in_region[0] / half, 0.6, 0.02);
  EXPECT_NEAR(cars_in_region[1] / half, 0.4, 0.02);
  EXPECT_EQ(cars_in_region[2] + cars_in_region[3], 0);  // no car draws a datacenter class
  EXPECT_EQ(dc[0] + dc[1], 0);                          // and no datacenter node a car's
  EXPECT_NEAR(dc[2] / half, 0.75, 0.02);
  EXPECT_NEAR(dc[3] / half, 0.25, 0.02);
}

TEST(HardwareScenarioTest, BadNamesAndSizesNameTheirKey) {
  EXPECT_EQ(ErrorOf("fleet: {classes: [{speed: 1, share: 0.5}, {hardware: HW9, share: 0.5}]}"),
            "fleet.classes[1].hardware: unknown hardware \"HW9\"; known: HW3, HW4, AI5, DGX "
            "Spark, H100, B200");
  EXPECT_EQ(ErrorOf("fleet: {classes: [{hardware: [HW3]}]}"),
            "fleet.classes[0].hardware: expected a string, got a list");
  EXPECT_EQ(ErrorOf("fleet: {classes: [{hardware: HW3, memory: 8 gigs}]}"),
            "fleet.classes[0].memory: unknown size unit \" gigs\" in \"8 gigs\" (use B, kB, MB, "
            "GB, TB, KiB, MiB, GiB or TiB)");
  EXPECT_EQ(ErrorOf("fleet: {classes: [{hardware: HW3, memory: -1GiB}]}"),
            "fleet.classes[0].memory: must not be negative, got \"-1GiB\"");
  EXPECT_EQ(ErrorOf("fleet: {classes: [{hardware: HW3, memory: {a: 1}}]}"),
            "fleet.classes[0].memory: expected a size, got a map");
  EXPECT_EQ(ErrorOf("fleet: {classes: [{hardware: HW3, speed: 0}]}"),
            "fleet.classes[0].speed: must be > 0, got 0");
  EXPECT_EQ(ErrorOf("fleet: {classes: [{hardware: HW3, tops: 5}]}").substr(0, 38),
            "fleet.classes[0].tops: unknown key (ex");
  EXPECT_EQ(ErrorOf(R"(
regions:
  - {name: a, share: 0.5}
  - {name: b, share: 0.5, classes: [{hardware: TPUv9}]}
)"),
            "regions[1].classes[0].hardware: unknown hardware \"TPUv9\"; known: HW3, HW4, AI5, "
            "DGX Spark, H100, B200");
}

}  // namespace
}  // namespace fleetgrid::models
