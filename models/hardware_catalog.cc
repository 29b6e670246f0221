#include "models/hardware_catalog.h"

#include <array>
#include <cctype>

namespace fleetgrid::models {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

// Figures and their sources: docs/hardware.md (keep the two in step). DRAM is counted in
// binary gigabytes: the vendors' "GB" of DRAM are 2^30-byte gigabytes of the chips.
constexpr std::array<HardwareEntry, 6> kCatalog{{
    {.name = "HW3",
     .aliases = "AI3,FSD1,Tesla HW3",
     .kind = HardwareKind::kCar,
     .int8_tops = {144, 144},
     .memory_bytes = 8 * kGiB,
     .power_w = {72, 72},
     .memory_estimated = true,
     .source = "Tesla Autonomy Day 2019; Talpes et al., IEEE Micro 40(2) 2020: 2 x 72 TOPS, 72 W "
               "board; 8 GB LPDDR4 from teardowns"},
    {.name = "HW4",
     .aliases = "AI4,Tesla HW4",
     .kind = HardwareKind::kCar,
     .int8_tops = {432, 720},
     .memory_bytes = 16 * kGiB,
     .power_w = {100, 160},
     .tops_estimated = true,
     .memory_estimated = true,
     .power_estimated = true,
     .source = "no Tesla specification; 3-5x HW3 from public estimates; 16 GB GDDR6 from "
               "teardowns"},
    {.name = "AI5",
     .aliases = "HW5,Tesla AI5",
     .kind = HardwareKind::kCar,
     .int8_tops = {2000, 2500},
     .memory_bytes = 32 * kGiB,
     .power_w = {150, 250},
     .tops_estimated = true,
     .memory_estimated = true,
     .power_estimated = true,
     .source = "announced, not shipped: ~10x HW4 per Tesla earnings calls (2024-25), 2000-2500 "
               "TOPS claims; memory and power assumed"},
    {.name = "DGX Spark",
     .aliases = "GB10,Spark,NVIDIA DGX Spark",
     .kind = HardwareKind::kDesk,
     .int8_tops = {250, 500},
     .memory_bytes = 128 * kGiB,
     .power_w = {170, 240},
     .tops_estimated = true,
     .power_estimated = true,
     .source = "NVIDIA DGX Spark (GB10): 1 PFLOP FP4 with sparsity, 128 GB unified LPDDR5x, "
               "240 W supply; INT8 derived"},
    {.name = "H100",
     .aliases = "H100 SXM,NVIDIA H100",
     .kind = HardwareKind::kDatacenter,
     .int8_tops = {1979, 1979},
     .memory_bytes = 80 * kGiB,
     .power_w = {700, 700},
     .source = "NVIDIA H100 SXM5 datasheet: 1979 INT8 TOPS dense (3958 sparse), 80 GB HBM3, "
               "700 W"},
    {.name = "B200",
     .aliases = "NVIDIA B200",
     .kind = HardwareKind::kDatacenter,
     .int8_tops = {4500, 4500},
     .memory_bytes = 180 * kGiB,
     .power_w = {1000, 1200},
     .source = "NVIDIA HGX/DGX B200 datasheets: 4.5 POPS INT8 dense, 180 GB (192 GB at GTC "
               "2024) HBM3e, 1000 W (1200 W in GB200)"},
}};

// Lower case without spaces, '-' and '_'.
std::string Fold(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == ' ' || c == '-' || c == '_') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

bool Matches(const HardwareEntry& e, const std::string& folded) {
  if (Fold(e.name) == folded) return true;
  std::string_view rest = e.aliases;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    if (Fold(rest.substr(0, comma)) == folded) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string_view HardwareKindName(HardwareKind kind) {
  switch (kind) {
    case HardwareKind::kCar:
      return "car";
    case HardwareKind::kDesk:
      return "desk";
    case HardwareKind::kDatacenter:
      return "datacenter";
  }
  return "car";
}

std::span<const HardwareEntry> HardwareCatalog() { return kCatalog; }

absl::StatusOr<const HardwareEntry*> FindHardware(std::string_view name) {
  const std::string folded = Fold(name);
  if (!folded.empty()) {
    for (const HardwareEntry& e : kCatalog) {
      if (Matches(e, folded)) return &e;
    }
  }
  return absl::NotFoundError("unknown hardware \"" + std::string(name) +
                             "\"; known: " + KnownHardwareNames());
}

std::string KnownHardwareNames() {
  std::string names;
  for (const HardwareEntry& e : kCatalog) {
    if (!names.empty()) names += ", ";
    names += e.name;
  }
  return names;
}

}  // namespace fleetgrid::models
