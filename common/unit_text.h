// "<number><unit>" text as the scenario files and flags write durations and sizes: a
// decimal or exponent number (a leading "+" allowed), then a unit from a table (the empty
// unit is one of the table's). Shared by duration_text and size_text.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace fleetgrid {

struct TextUnit {
  std::string_view name;
  double scale;  // base units (nanoseconds, bytes) per unit
};

struct UnitGrammar {
  std::span<const TextUnit> units;
  std::string_view what;       // "duration", "size": for messages
  std::string_view example;    // e.g. 300, "300s" or "6h"
  std::string_view unit_list;  // e.g. ns, us, ms, s, m, min, h or d
  std::string_view too_large;  // "too long", "too large"
  double limit;                // results at or above are refused as too large
};

// The value in base units, rounded to the nearest integer. INVALID_ARGUMENT, quoting the
// text, for an empty, malformed, negative, out of range or too large value or an unknown unit.
absl::StatusOr<double> ParseUnitText(std::string_view text, const UnitGrammar& grammar);

std::string QuotedText(std::string_view text);

}  // namespace fleetgrid
