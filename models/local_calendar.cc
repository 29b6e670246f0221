#include "models/local_calendar.h"

#include <algorithm>

namespace fleetgrid::models {
namespace {

constexpr int64_t kDay = 86'400;
constexpr int64_t kWeek = 7 * kDay;
constexpr int64_t kCachedHours = 2 * 366 * 24;

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

absl::StatusOr<LocalCalendar> LocalCalendar::Create(int64_t start_unix_s,
                                                    const std::string& time_zone,
                                                    const std::vector<Duration>& holidays) {
  LocalCalendar c;
  if (!absl::LoadTimeZone(time_zone, &c.zone_)) {
    return absl::InvalidArgumentError("unknown time zone \"" + time_zone +
                                      "\" (expected an IANA name such as Europe/London)");
  }
  c.start_unix_s_ = start_unix_s;
  c.offsets_.resize(kCachedHours);
  for (int64_t h = 0; h < kCachedHours; ++h) {
    c.offsets_[h] = c.zone_.At(absl::FromUnixSeconds(start_unix_s + h * 3600)).offset;
  }
  // Local seconds of t = 0 since the Unix epoch's local midnight; the Unix epoch was a
  // Thursday, so Monday 00:00 local is 3 days earlier in the weekly cycle.
  const int64_t local0 = start_unix_s + c.offsets_[0];
  const int64_t since_monday = ((local0 + 3 * kDay) % kWeek + kWeek) % kWeek;
  c.monday_base_ = since_monday;
  for (const Duration h : holidays) {
    c.holiday_days_.push_back(FloorDiv(c.LocalSeconds(TimePoint::Epoch() + h), kDay));
  }
  std::sort(c.holiday_days_.begin(), c.holiday_days_.end());
  return c;
}

int32_t LocalCalendar::OffsetAt(TimePoint t) const {
  const int64_t s = FloorDiv(t.nanos(), 1'000'000'000);
  const int64_t h = FloorDiv(s, 3600);
  if (h >= 0 && h < static_cast<int64_t>(offsets_.size())) return offsets_[h];
  return zone_.At(absl::FromUnixSeconds(start_unix_s_ + s)).offset;
}

int64_t LocalCalendar::LocalSeconds(TimePoint t) const {
  const int64_t s = FloorDiv(t.nanos(), 1'000'000'000);
  return monday_base_ + s + (OffsetAt(t) - offsets_[0]);
}

TimePoint LocalCalendar::AtLocal(int64_t local_seconds) const {
  const int64_t guess = local_seconds - monday_base_;
  const TimePoint approx = TimePoint::Epoch() + Duration::Seconds(guess);
  const int64_t s = guess - (OffsetAt(approx) - offsets_[0]);
  return TimePoint::Epoch() + Duration::Seconds(s);
}

int LocalCalendar::DayOfWeek(int64_t local_seconds) {
  return static_cast<int>(((FloorDiv(local_seconds, kDay)) % 7 + 7) % 7);
}

int LocalCalendar::HourOfWeek(int64_t local_seconds) const {
  const int64_t day = FloorDiv(local_seconds, kDay);
  const int hour = static_cast<int>(FloorDiv(local_seconds, 3600) - day * 24);
  if (!holiday_days_.empty() &&
      std::binary_search(holiday_days_.begin(), holiday_days_.end(), day)) {
    return 6 * 24 + hour;  // Sunday's hours
  }
  return static_cast<int>((day % 7 + 7) % 7) * 24 + hour;
}

absl::StatusOr<int64_t> ParseInstant(const std::string& text) {
  absl::Time t;
  std::string err;
  for (const char* format :
       {"%Y-%m-%dT%H:%M:%E*S%Ez", "%Y-%m-%dT%H:%M:%E*SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d"}) {
    if (absl::ParseTime(format, text, absl::UTCTimeZone(), &t, &err)) {
      return absl::ToUnixSeconds(t);
    }
  }
  return absl::InvalidArgumentError(
      "expected a date (2026-03-02) or an instant "
      "(2026-03-02T06:00:00Z or ...+01:00), got \"" +
      text + "\"");
}

absl::StatusOr<int32_t> UtcOffsetAt(const std::string& time_zone, int64_t unix_s) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(time_zone, &zone)) {
    return absl::InvalidArgumentError("unknown time zone \"" + time_zone + "\"");
  }
  return static_cast<int32_t>(zone.At(absl::FromUnixSeconds(unix_s)).offset);
}

}  // namespace fleetgrid::models
