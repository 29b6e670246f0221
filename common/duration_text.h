// Durations in scenario files: a number of seconds (300, 0.05) or a string with a unit
// ("300s", "50ms", "6h", "7d"). Units: ns, us, ms, s, m (or min), h, d.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "common/time.h"

namespace fleetgrid {

// InvalidArgument with a short reason when `text` is not a duration (the caller adds the key).
absl::StatusOr<Duration> ParseDuration(std::string_view text);

}  // namespace fleetgrid
