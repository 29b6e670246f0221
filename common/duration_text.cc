#include "common/duration_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace fleetgrid {

absl::StatusOr<Duration> ParseDuration(std::string_view text) {
  const std::string s(text);
  if (s.empty()) return absl::InvalidArgumentError("expected a duration, got an empty string");
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || errno == ERANGE || !std::isfinite(value)) {
    return absl::InvalidArgumentError("expected a duration like 300, \"300s\" or \"6h\", got \"" +
                                      s + "\"");
  }
  const std::string unit(end);
  double scale;  // nanoseconds per unit
  if (unit.empty() || unit == "s") {
    scale = 1e9;
  } else if (unit == "ns") {
    scale = 1;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "m" || unit == "min") {
    scale = 60e9;
  } else if (unit == "h") {
    scale = 3600e9;
  } else if (unit == "d") {
    scale = 86400e9;
  } else {
    return absl::InvalidArgumentError("unknown duration unit \"" + unit + "\" in \"" + s +
                                      "\" (use ns, us, ms, s, m, h or d)");
  }
  if (value < 0) return absl::InvalidArgumentError("must not be negative, got \"" + s + "\"");
  const double ns = std::nearbyint(value * scale);
  if (ns >= 4.6e18) return absl::InvalidArgumentError("too long: \"" + s + "\"");
  return Duration::Nanos(static_cast<int64_t>(ns));
}

}  // namespace fleetgrid
