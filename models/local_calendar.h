// A region's calendar: where simulated time falls in the local week. Simulated t = 0 is the
// scenario's `start` (an absolute instant); the region's time zone (IANA name, daylight
// saving included) gives local time, and its holidays make a weekday follow the Sunday
// routine. Offsets are looked up once per UTC hour for the first two years and cached;
// later times ask the time zone database.
// Thread safety: immutable after Create; may be shared.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/time.h"

namespace fleetgrid::models {

class LocalCalendar {
 public:
  // INVALID_ARGUMENT naming the time zone when the database does not know it.
  // `holidays`: offsets from t = 0 whose local calendar day is a holiday.
  static absl::StatusOr<LocalCalendar> Create(int64_t start_unix_s, const std::string& time_zone,
                                              const std::vector<Duration>& holidays = {});

  // Local seconds since the Monday 00:00 (local) on or before t = 0, at simulated time t
  // (a continuous count: week k starts at k * 604800).
  int64_t LocalSeconds(TimePoint t) const;
  // Hour of the week (0 = Monday 00:00-01:00, 167 = Sunday 23:00) of a LocalSeconds value;
  // a holiday's hours are Sunday's.
  int HourOfWeek(int64_t local_seconds) const;
  // Day of the week (0 = Monday) of a LocalSeconds value.
  static int DayOfWeek(int64_t local_seconds);
  // The simulated time at which the local clock shows `local_seconds` (the inverse of
  // LocalSeconds; in the hour a clock is set back, the first of the two).
  TimePoint AtLocal(int64_t local_seconds) const;

 private:
  int32_t OffsetAt(TimePoint t) const;  // UTC offset in seconds
  int64_t start_unix_s_ = 0;
  int64_t monday_base_ = 0;  // local seconds of t = 0 since that Monday 00:00
  absl::TimeZone zone_;
  std::vector<int32_t> offsets_;       // per UTC hour since t = 0
  std::vector<int64_t> holiday_days_;  // local day numbers (LocalSeconds / 86400), sorted
};

// "2026-03-02", "2026-03-02T06:00:00Z", "2026-03-02T06:00:00+01:00" -> Unix seconds (a date
// alone is midnight UTC). INVALID_ARGUMENT otherwise.
absl::StatusOr<int64_t> ParseInstant(const std::string& text);

// The UTC offset (local time = UTC + offset), in seconds, of the IANA `time_zone` at the
// instant `unix_s` (daylight saving included). INVALID_ARGUMENT naming an unknown zone.
absl::StatusOr<int32_t> UtcOffsetAt(const std::string& time_zone, int64_t unix_s);

}  // namespace fleetgrid::models
