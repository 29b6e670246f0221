#include "common/unit_text.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace fleetgrid {

std::string QuotedText(std::string_view text) { return "\"" + std::string(text) + "\""; }

absl::StatusOr<double> ParseUnitText(std::string_view text, const UnitGrammar& g) {
  if (text.empty()) {
    return absl::InvalidArgumentError("expected a " + std::string(g.what) +
                                      ", got an empty string");
  }
  // std::from_chars takes "-" but not "+"; strtod, which the parsers before this one used,
  // took both.
  std::string_view number = text;
  if (number.size() > 1 && number[0] == '+' && number[1] != '-' && number[1] != '+') {
    number.remove_prefix(1);
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec == std::errc::result_out_of_range) {
    return absl::InvalidArgumentError("out of range: " + QuotedText(text));
  }
  if (ec != std::errc() || !std::isfinite(value)) {
    return absl::InvalidArgumentError("expected a " + std::string(g.what) + " like " +
                                      std::string(g.example) + ", got " + QuotedText(text));
  }
  const std::string_view unit(end, number.data() + number.size() - end);
  const TextUnit* found = nullptr;
  for (const TextUnit& u : g.units) {
    if (u.name == unit) found = &u;
  }
  if (found == nullptr) {
    return absl::InvalidArgumentError("unknown " + std::string(g.what) + " unit " +
                                      QuotedText(unit) + " in " + QuotedText(text) + " (use " +
                                      std::string(g.unit_list) + ")");
  }
  if (value < 0) return absl::InvalidArgumentError("must not be negative, got " + QuotedText(text));
  const double scaled = std::nearbyint(value * found->scale);
  if (scaled >= g.limit) {
    return absl::InvalidArgumentError(std::string(g.too_large) + ": " + QuotedText(text));
  }
  return scaled;
}

}  // namespace fleetgrid
