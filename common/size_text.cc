#include "common/size_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

namespace fleetgrid {
namespace {

struct Unit {
  std::string_view name;
  double bytes;  // bytes per unit
};

constexpr Unit kUnits[] = {{"", 1},
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

constexpr double kTooLarge = 4611686018427387904.0;  // 2^62

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

absl::StatusOr<uint64_t> ParseByteSize(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("expected a size, got an empty string");
  std::string_view number = text;
  if (number.size() > 1 && number[0] == '+' && number[1] != '-' && number[1] != '+') {
    number.remove_prefix(1);
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec == std::errc::result_out_of_range) {
    return absl::InvalidArgumentError("too large: " + Quoted(text));
  }
  if (ec != std::errc() || !std::isfinite(value)) {
    return absl::InvalidArgumentError(
        "expected a size like 8589934592, \"512MiB\" or \"8GiB\", got " + Quoted(text));
  }
  const std::string_view unit(end, number.data() + number.size() - end);
  const Unit* found = nullptr;
  for (const Unit& u : kUnits) {
    if (u.name == unit) found = &u;
  }
  if (found == nullptr) {
    return absl::InvalidArgumentError("unknown size unit " + Quoted(unit) + " in " + Quoted(text) +
                                      " (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)");
  }
  if (value < 0) return absl::InvalidArgumentError("must not be negative, got " + Quoted(text));
  const double bytes = std::nearbyint(value * found->bytes);
  if (bytes > kTooLarge) return absl::InvalidArgumentError("too large: " + Quoted(text));
  return static_cast<uint64_t>(bytes);
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
