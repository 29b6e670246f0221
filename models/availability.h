// Availability models: when each car is parked and available, and when it drives off.
//
// A model answers, for one car, "available at t=0?" and "the period that starts now: when
// does it end?". Draws for car c's k-th period come from their own sub-stream
// ("availability", c, k), so a car's whole on/off history depends only on the seed, the
// model's parameters and the car's index: policies and workloads compared on one seed see
// the same fleet (common random numbers), and car 41,237 has the same history in `fleetgrid
// sim` and in any `fleetgrid node --first-car` split. Renewal, routine (models/routine.h),
// trace replay (models/trace_replay.h) and their regional composition
// (models/fleet_availability.h) implement the same interface.
// Thread safety: a model is immutable after construction and may be shared; CarPeriods is
// one car's cursor and is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "common/rng.h"
#include "common/time.h"
#include "models/availability_config.h"

namespace fleetgrid::models {

class AvailabilityModel {
 public:
  virtual ~AvailabilityModel() = default;

  // The period in progress at t = 0: parked (available) or away, plugged in (only when
  // parked), and when it ends.
  struct Start {
    bool available;
    TimePoint end;  // end of the first period; TimePoint::Infinite() = never changes
    bool plugged = false;
  };
  // The period numbered `period` (>= 1), which starts at `start` in state `available`.
  struct Span {
    TimePoint end;  // TimePoint::Infinite() = never changes again
    bool plugged = false;
  };
  virtual Start Initial(uint32_t car) const = 0;
  virtual Span Next(uint32_t car, uint32_t period, TimePoint start, bool available) const = 0;
};

// Alternating renewal process: on (parked) and off (away) periods drawn independently from
// one family with the configured means: exponential, Weibull (shape k) or log-normal
// (sigma). A stationary start (the default) begins in the on state with probability
// p = mean_on / (mean_on + mean_off) and draws the first period from the residual-life
// (equilibrium) distribution, the length-biased period times a uniform fraction, so that the
// fleet at t = 0 already looks as it does at any later time. (Exponential periods are
// memoryless: the residual is a full period, drawn as FLEET-1 always drew it.) With an
// explicit start_available the first period is a full one. A parked period is plugged in
// with probability plugged_share.
class RenewalOnOff final : public AvailabilityModel {
 public:
  RenewalOnOff(const AvailabilityConfig& config, uint64_t seed);
  Start Initial(uint32_t car) const override;
  Span Next(uint32_t car, uint32_t period, TimePoint start, bool available) const override;

  // One full period's length in seconds, and a residual (stationary first) one.
  double Draw(Rng& rng, bool available) const;
  double DrawResidual(Rng& rng, bool available) const;

 private:
  AvailabilityKind kind_;
  double mean_s_[2];  // [off, on]
  double param_[2];   // Weibull: scale; log-normal: mu of log-duration
  double shape_;      // Weibull k or log-normal sigma
  double p_start_;
  bool stationary_;
  double plugged_share_;
  uint64_t seed_;
};

// A datacenter pool: always available, never leaves.
class NeverLeaves final : public AvailabilityModel {
 public:
  Start Initial(uint32_t) const override { return {true, TimePoint::Infinite(), true}; }
  Span Next(uint32_t, uint32_t, TimePoint, bool) const override {
    return {TimePoint::Infinite(), true};
  }
};

// The model of one group of cars, for the kinds that need nothing but their parameters and
// the seed (renewal models and never-leaves). Routines need a calendar and traces their
// files: models/fleet_availability.h builds those.
std::unique_ptr<AvailabilityModel> MakeRenewalModel(const AvailabilityConfig& config,
                                                    uint64_t seed);

// One car's periods in order, from a shared model: the simulator steps the model itself
// (it keeps a car's cursor in its compact per-car record); the car agent uses this cursor.
class CarPeriods {
 public:
  struct Period {
    bool available = false;  // parked (may compute) vs driving / away
    bool plugged = false;    // parked and plugged in
    TimePoint start;
    TimePoint end;  // TimePoint::Infinite(): the state never changes again
  };
  CarPeriods(std::shared_ptr<const AvailabilityModel> model, uint32_t car)
      : model_(std::move(model)), car_(car) {}
  // The first call returns the period in progress at t = 0 (start = epoch), then the next.
  // After an infinite period, returns it again.
  Period Next();

 private:
  std::shared_ptr<const AvailabilityModel> model_;
  uint32_t car_;
  uint32_t period_ = 0;
  Period current_;
};

}  // namespace fleetgrid::models
