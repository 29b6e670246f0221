// Reconnect backoff: exponential with full jitter bounds, capped.
//
// The n-th delay (n = 0, 1, ...) is uniform in [base_n * (1 - jitter), base_n], where
// base_n = min(initial * multiplier^n, max). Reset() after a session is established.
// Randomness comes from the Rng passed in (tests inject a seeded one). Thread safety: none.
#pragma once

#include "common/rng.h"
#include "common/time.h"

namespace fleetgrid::node {

struct BackoffPolicy {
  Duration initial = Duration::Millis(200);
  Duration max = Duration::Seconds(30);
  double multiplier = 2.0;  // >= 1
  double jitter = 0.5;      // in [0, 1]: fraction of the delay that is randomised away
};

class Backoff {
 public:
  Backoff(BackoffPolicy policy, Rng rng) : policy_(policy), rng_(rng) {}
  // The delay before the next attempt; advances the schedule.
  Duration Next();
  // The un-jittered delay the next call to Next() will draw from.
  Duration CurrentBase() const;
  void Reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  BackoffPolicy policy_;
  Rng rng_;
  int attempt_ = 0;
};

}  // namespace fleetgrid::node
