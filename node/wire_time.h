// Internal: the car's conversions between Fleetgrid time (common/time.h), the wire's
// protobuf Duration/Timestamp, and Boost.Asio's steady timers. Thread-safe: pure functions.
#pragma once

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "common/clock.h"
#include "common/time.h"

namespace fleetgrid::node {

// A timer's delay. Saturates far beyond any run: steady_timer overflows on
// Duration::Infinite().
inline std::chrono::steady_clock::duration ToSteady(Duration d) {
  constexpr int64_t kYear = int64_t{365} * 24 * 3600 * 1000'000'000;
  return std::chrono::nanoseconds(std::min(d.nanos(), kYear));
}

inline Duration FromProto(const google::protobuf::Duration& d) {
  return Duration::Seconds(d.seconds()) + Duration::Nanos(d.nanos());
}

inline void SetDuration(google::protobuf::Duration* d, Duration v) {
  d->set_seconds(v.nanos() / 1000'000'000);
  d->set_nanos(static_cast<int32_t>(v.nanos() % 1000'000'000));
}

inline int64_t UnixNanos(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000'000'000 + t.nanos();
}

// REQUIRES: ns >= 0 (a calendar time after 1970).
inline void SetUnixNanos(google::protobuf::Timestamp* ts, int64_t ns) {
  ts->set_seconds(ns / 1000'000'000);
  ts->set_nanos(static_cast<int32_t>(ns % 1000'000'000));
}

// The calendar time now (car clock), for timestamps on the wire.
inline void SetNow(google::protobuf::Timestamp* ts) { SetUnixNanos(ts, UnixNowNanos()); }

}  // namespace fleetgrid::node
