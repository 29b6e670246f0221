#include "common/duration_text.h"

#include "common/unit_text.h"

namespace fleetgrid {
namespace {

// "" (no unit) means seconds, as in every file and flag so far.
constexpr TextUnit kUnits[] = {{"", 1e9},     {"s", 1e9},    {"ns", 1},
                               {"us", 1e3},   {"ms", 1e6},   {"m", 60e9},
                               {"min", 60e9}, {"h", 3600e9}, {"d", 86400e9}};

// Just under 2^62 ns: two parsed durations can be added without overflow.
constexpr UnitGrammar kGrammar{
    kUnits,     "duration", R"(300, "300s" or "6h")", "ns, us, ms, s, m, min, h or d",
    "too long", 4.6e18};

}  // namespace

absl::StatusOr<Duration> ParseDuration(std::string_view text) {
  absl::StatusOr<double> nanos = ParseUnitText(text, kGrammar);
  if (!nanos.ok()) return nanos.status();
  return Duration::Nanos(static_cast<int64_t>(*nanos));
}

}  // namespace fleetgrid
