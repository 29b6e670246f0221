// Typed time for Fleetgrid: integer nanoseconds, never raw int64 milliseconds.
//
// Duration and TimePoint are 64-bit counts of nanoseconds (about +-292 years). TimePoint is
// measured from an epoch chosen by its Clock: the simulator's epoch is t=0 of the scenario,
// the wall clock's is the steady clock's. Arithmetic is exact; conversions to and from
// floating-point seconds round to the nearest nanosecond. Thread-safe: plain values.
#pragma once

#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>
#include <string>

namespace fleetgrid {

class Duration {
 public:
  constexpr Duration() = default;

  static constexpr Duration Nanos(int64_t n) { return Duration(n); }
  static constexpr Duration Micros(int64_t n) { return Duration(n * 1000); }
  static constexpr Duration Millis(int64_t n) { return Duration(n * 1000'000); }
  static constexpr Duration Seconds(int64_t n) { return Duration(n * 1000'000'000); }
  static constexpr Duration Minutes(int64_t n) { return Seconds(n * 60); }
  static constexpr Duration Hours(int64_t n) { return Seconds(n * 3600); }
  // Rounds to the nearest nanosecond; saturates at Infinite() / -Infinite().
  static Duration FromSecondsF(double s) {
    const double ns = std::nearbyint(s * 1e9);
    if (ns >= 9.2e18) return Infinite();
    if (ns <= -9.2e18) return Duration(-kMax);
    return Duration(static_cast<int64_t>(ns));
  }
  static constexpr Duration Zero() { return Duration(0); }
  // Larger than any finite duration; used for "never".
  static constexpr Duration Infinite() { return Duration(kMax); }

  constexpr int64_t nanos() const { return ns_; }
  constexpr int64_t millis() const { return ns_ / 1000'000; }
  constexpr double SecondsF() const { return static_cast<double>(ns_) * 1e-9; }
  constexpr bool IsInfinite() const { return ns_ == kMax; }

  constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
  constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
  constexpr Duration operator-() const { return Duration(-ns_); }
  constexpr Duration operator*(int64_t k) const { return Duration(ns_ * k); }
  constexpr Duration operator/(int64_t k) const { return Duration(ns_ / k); }
  constexpr int64_t operator/(Duration o) const { return ns_ / o.ns_; }
  constexpr Duration operator%(Duration o) const { return Duration(ns_ % o.ns_); }
  constexpr Duration& operator+=(Duration o) {
    ns_ += o.ns_;
    return *this;
  }
  constexpr Duration& operator-=(Duration o) {
    ns_ -= o.ns_;
    return *this;
  }
  constexpr auto operator<=>(const Duration&) const = default;

  // "1h2m3.5s" style, for logs and summaries.
  std::string ToString() const;

 private:
  static constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr explicit Duration(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

class TimePoint {
 public:
  constexpr TimePoint() = default;
  static constexpr TimePoint FromNanos(int64_t ns) { return TimePoint(ns); }
  static constexpr TimePoint Epoch() { return TimePoint(0); }
  // Later than any reachable time; used for "never" (e.g. no wake-up needed).
  static constexpr TimePoint Infinite() { return TimePoint(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t nanos() const { return ns_; }
  constexpr double SecondsF() const { return static_cast<double>(ns_) * 1e-9; }
  constexpr Duration SinceEpoch() const { return Duration::Nanos(ns_); }
  constexpr bool IsInfinite() const { return ns_ == std::numeric_limits<int64_t>::max(); }

  // Saturating: adding to Infinite() or adding Duration::Infinite() stays Infinite(), and so
  // does a sum past the int64 range (a negative one stops at the lowest value).
  constexpr TimePoint operator+(Duration d) const {
    if (IsInfinite() || d.IsInfinite()) return Infinite();
    int64_t sum = 0;
    if (__builtin_add_overflow(ns_, d.nanos(), &sum)) {
      return d.nanos() > 0 ? Infinite() : TimePoint(std::numeric_limits<int64_t>::min());
    }
    return TimePoint(sum);
  }
  constexpr TimePoint operator-(Duration d) const { return TimePoint(ns_ - d.nanos()); }
  constexpr Duration operator-(TimePoint o) const { return Duration::Nanos(ns_ - o.ns_); }
  constexpr TimePoint& operator+=(Duration d) {
    *this = *this + d;
    return *this;
  }
  constexpr auto operator<=>(const TimePoint&) const = default;

 private:
  constexpr explicit TimePoint(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

}  // namespace fleetgrid
