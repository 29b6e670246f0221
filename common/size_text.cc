#include "common/size_text.h"

#include <cmath>
#include <cstdio>

#include "common/unit_text.h"

namespace fleetgrid {
namespace {

// Decimal and binary prefixes; "" (no unit) means bytes.
constexpr TextUnit kUnits[] = {{"", 1},
                               {"B", 1},
                               {"kB", 1e3},
                               {"KB", 1e3},
                               {"MB", 1e6},
                               {"GB", 1e9},
                               {"TB", 1e12},
                               {"KiB", 1024.0},
                               {"MiB", 1048576.0},
                               {"GiB", 1073741824.0},
                               {"TiB", 1099511627776.0}};

// 2^62 bytes: far beyond any memory, and still exact in a uint64_t.
constexpr UnitGrammar kGrammar{kUnits,
                               "size",
                               R"(8589934592, "512MiB" or "8GiB")",
                               "B, kB, MB, GB, TB, KiB, MiB, GiB or TiB",
                               "too large",
                               4611686018427387904.0};

}  // namespace

absl::StatusOr<uint64_t> ParseByteSize(std::string_view text) {
  absl::StatusOr<double> bytes = ParseUnitText(text, kGrammar);
  if (!bytes.ok()) return bytes.status();
  return static_cast<uint64_t>(*bytes);
}

std::string ByteSizeText(uint64_t bytes) {
  static constexpr const char* kNames[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  size_t u = 0;
  double v = static_cast<double>(bytes);
  while (v >= 1024 && u + 1 < std::size(kNames)) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f %s", v == std::floor(v) ? 0 : 1, v, kNames[u]);
  return buf;
}

}  // namespace fleetgrid
