#include "common/duration_text.h"

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

namespace fleetgrid {
namespace {

struct Unit {
  std::string_view name;
  double nanos;  // nanoseconds per unit
};

// "" (no unit) means seconds, as in every file and flag so far.
constexpr Unit kUnits[] = {{"", 1e9},   {"s", 1e9},    {"ns", 1},     {"us", 1e3},   {"ms", 1e6},
                           {"m", 60e9}, {"min", 60e9}, {"h", 3600e9}, {"d", 86400e9}};

// Just under 2^62 ns: two parsed durations can be added without overflow.
constexpr double kTooLongNanos = 4.6e18;

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

absl::StatusOr<Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("expected a duration, got an empty string");
  // std::from_chars takes "-" but not "+"; strtod, which the parsers before this one used,
  // took both.
  std::string_view number = text;
  if (number.size() > 1 && number[0] == '+' && number[1] != '-' && number[1] != '+') {
    number.remove_prefix(1);
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec == std::errc::result_out_of_range) {
    return absl::InvalidArgumentError("out of range: " + Quoted(text));
  }
  if (ec != std::errc() || !std::isfinite(value)) {
    return absl::InvalidArgumentError("expected a duration like 300, \"300s\" or \"6h\", got " +
                                      Quoted(text));
  }
  const std::string_view unit(end, number.data() + number.size() - end);
  const Unit* found = nullptr;
  for (const Unit& u : kUnits) {
    if (u.name == unit) found = &u;
  }
  if (found == nullptr) {
    return absl::InvalidArgumentError("unknown duration unit " + Quoted(unit) + " in " +
                                      Quoted(text) + " (use ns, us, ms, s, m, min, h or d)");
  }
  if (value < 0) return absl::InvalidArgumentError("must not be negative, got " + Quoted(text));
  const double nanos = std::nearbyint(value * found->nanos);
  if (nanos >= kTooLongNanos) {
    return absl::InvalidArgumentError("too long: " + Quoted(text));
  }
  return Duration::Nanos(static_cast<int64_t>(nanos));
}

}  // namespace fleetgrid
