#include "models/trace_replay.h"

#include <algorithm>

#include "absl/time/time.h"

namespace fleetgrid::models {
namespace {

int64_t FloorMod(int64_t a, int64_t m) {
  const int64_t r = a % m;
  return r < 0 ? r + m : r;
}

int64_t FloorSeconds(TimePoint t) {
  const int64_t ns = t.nanos();
  return ns >= 0 ? ns / 1'000'000'000 : -((-ns + 999'999'999) / 1'000'000'000);
}

}  // namespace

TraceReplay::TraceReplay(std::shared_ptr<const TraceSessions> trace, int64_t start_unix_s)
    : trace_(std::move(trace)),
      anchor_(trace_->report.anchor_unix_s),
      period_(trace_->report.period_s),
      last_end_(trace_->report.last_end_unix_s - trace_->report.anchor_unix_s) {
  const absl::TimeZone& tz = trace_->time_zone;
  // Same local weekday and time of day: count local (civil) seconds from the frame's Monday
  // to the start, reduce them modulo the period (whole weeks), and find that local time in
  // the frame.
  const absl::CivilSecond frame0 = absl::ToCivilSecond(absl::FromUnixSeconds(anchor_), tz);
  const absl::CivilSecond start = absl::ToCivilSecond(absl::FromUnixSeconds(start_unix_s), tz);
  const absl::CivilSecond local = frame0 + FloorMod(start - frame0, period_);
  offset_ = FloorMod(absl::ToUnixSeconds(absl::FromCivil(local, tz)) - anchor_, period_);
  cars_.reserve(trace_->cars.size());
  for (const std::vector<TraceSession>& car : trace_->cars) {
    std::vector<Session> s;
    s.reserve(car.size());
    for (const TraceSession& x : car) {
      s.push_back(Session{x.start_unix_s - anchor_, x.end_unix_s - anchor_});
    }
    cars_.push_back(std::move(s));
  }
}

int64_t TraceReplay::Position(int64_t t_s) const { return FloorMod(offset_ + t_s, period_); }

int64_t TraceReplay::SessionEnd(const std::vector<Session>& s, int64_t x) const {
  auto it = std::upper_bound(s.begin(), s.end(), x,
                             [](int64_t v, const Session& a) { return v < a.start; });
  if (it == s.begin()) return -1;
  --it;
  return x < it->end ? it->end : -1;
}

int64_t TraceReplay::NextStart(const std::vector<Session>& s, int64_t x) const {
  // A session that starts where the last one ended (x) is next: the away period between
  // them lasts zero seconds.
  auto it = std::lower_bound(s.begin(), s.end(), x,
                             [](const Session& a, int64_t v) { return a.start < v; });
  return it != s.end() ? it->start : period_ + s.front().start;
}

AvailabilityModel::Start TraceReplay::Initial(uint32_t car) const {
  const std::vector<Session>& s = CarSessions(car);
  const int64_t x = offset_;
  const int64_t end = SessionEnd(s, x);
  if (end >= 0) return {true, TimePoint::Epoch() + Duration::Seconds(end - x), true};
  return {false, TimePoint::Epoch() + Duration::Seconds(NextStart(s, x) - x), false};
}

AvailabilityModel::Span TraceReplay::Next(uint32_t car, uint32_t, TimePoint start,
                                          bool available) const {
  const std::vector<Session>& s = CarSessions(car);
  // Boundaries fall on whole simulated seconds; a start between two (cut by a region
  // event) is replayed from the second it falls in.
  const int64_t t = FloorSeconds(start);
  const int64_t x = Position(t);
  if (available) {
    const int64_t end = SessionEnd(s, x);
    if (end >= 0) return {TimePoint::Epoch() + Duration::Seconds(t + end - x), true};
    return {start + Duration::Seconds(1), false};
  }
  const TimePoint end = TimePoint::Epoch() + Duration::Seconds(t + NextStart(s, x) - x);
  return {std::max(end, start), false};
}

bool TraceReplay::Loops(Duration horizon) const {
  const int64_t h = horizon.nanos() / 1'000'000'000 + (horizon.nanos() % 1'000'000'000 != 0);
  return offset_ + h > last_end_;
}

}  // namespace fleetgrid::models
