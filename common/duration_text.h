// Durations written by people: scenario files, job files and command-line flags.
//
// A duration is a non-negative decimal number with an optional unit, nothing around it:
//   300   0.05   1e3      a number of seconds
//   12ns  10us  50ms  300s  1.5m  2min  6h  7d
// The number may have a leading "+", a fraction and an exponent; hexadecimal, "inf", "nan"
// and surrounding spaces are refused. Words with a meaning of their own ("inf", "off",
// "never"...) belong to the callers that give them that meaning, before they call this.
// Thread-safe: a pure function (locale-independent).
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "common/time.h"

namespace fleetgrid {

// The duration `text` denotes, rounded to the nearest nanosecond. Zero is accepted (callers
// that need > 0 check it). At most about 146 years (4.6e18 ns), so that the sum of two parsed
// durations stays in range.
// InvalidArgument with a short reason that quotes `text` otherwise; the caller adds the key
// or flag. The reasons start with "expected a duration", "unknown duration unit",
// "must not be negative", "too long" or "out of range" (beyond a double's exponent).
absl::StatusOr<Duration> ParseDuration(std::string_view text);

}  // namespace fleetgrid
