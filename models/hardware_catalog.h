// The hardware catalog: inference computers by name (Tesla HW3, HW4, AI5, NVIDIA DGX Spark,
// H100, B200), with throughput, memory, power and where each figure comes from
// (docs/hardware.md has the table and the sources in full).
//
// Speed unit: a speed of 1.0 is one Tesla HW3 board, 144 INT8 TOPS (two FSD chips of 72
// TOPS), so FLEET-1's plain `speed:` numbers keep their meaning ("a speed-1 car does one work
// unit per second"). A named class's speed is the midpoint of its INT8 TOPS range divided by
// kTopsPerSpeedUnit. Ranges are given where public figures conflict or are estimates; a
// figure known exactly has low == high.
// Thread safety: immutable static data.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace fleetgrid::models {

// INT8 TOPS of one speed unit (one Tesla HW3 board).
inline constexpr double kTopsPerSpeedUnit = 144;

enum class HardwareKind : uint8_t { kCar, kDesk, kDatacenter };
std::string_view HardwareKindName(HardwareKind kind);  // "car", "desk", "datacenter"

struct FigureRange {
  double low = 0;
  double high = 0;
  double mid() const { return (low + high) / 2; }
};

struct HardwareEntry {
  std::string_view name;     // canonical, e.g. "DGX Spark"
  std::string_view aliases;  // other names it is looked up by, comma-separated ("" = none)
  HardwareKind kind = HardwareKind::kCar;
  FigureRange int8_tops;      // dense INT8 tera-operations per second (see docs for each)
  uint64_t memory_bytes = 0;  // memory usable by tasks
  FigureRange power_w;        // electrical power while computing, watts
  // Which figures are estimates rather than published specifications.
  bool tops_estimated = false;
  bool memory_estimated = false;
  bool power_estimated = false;
  std::string_view source;  // one line; docs/hardware.md has the detail

  // Work units per second: int8_tops.mid() / kTopsPerSpeedUnit.
  double speed() const { return int8_tops.mid() / kTopsPerSpeedUnit; }
  double power_mid_w() const { return power_w.mid(); }
};

// Every entry, in a fixed order (cars first, then desk, then datacenter).
std::span<const HardwareEntry> HardwareCatalog();

// The entry named `name` or one of its aliases, case-insensitively and ignoring spaces,
// '-' and '_' ("dgx-spark", "DGX Spark", "gb10" all find DGX Spark).
// NOT_FOUND "unknown hardware \"HW9\"; known: HW3, HW4, AI5, DGX Spark, H100, B200" otherwise.
absl::StatusOr<const HardwareEntry*> FindHardware(std::string_view name);

// "HW3, HW4, AI5, DGX Spark, H100, B200": the canonical names, for messages.
std::string KnownHardwareNames();

}  // namespace fleetgrid::models
