#include "common/time.h"

#include <cstdio>

namespace fleetgrid {

std::string Duration::ToString() const {
  if (IsInfinite()) return "inf";
  int64_t ns = ns_;
  std::string out;
  if (ns < 0) {
    out = "-";
    ns = -ns;
  }
  const int64_t kSec = 1000'000'000;
  const int64_t hours = ns / (3600 * kSec);
  const int64_t minutes = ns / (60 * kSec) % 60;
  const int64_t secs = ns / kSec % 60;
  const int64_t frac_ms = ns % kSec / 1000'000;
  char buf[64];
  if (hours > 0) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", static_cast<long long>(hours),
                  static_cast<long long>(minutes), static_cast<long long>(secs));
  } else if (minutes > 0) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(minutes),
                  static_cast<long long>(secs));
  } else if (secs > 0 || frac_ms > 0) {
    std::snprintf(buf, sizeof buf, "%lld.%03llds", static_cast<long long>(secs),
                  static_cast<long long>(frac_ms));
  } else {
    std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(ns));
  }
  return out + buf;
}

}  // namespace fleetgrid
