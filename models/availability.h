// Availability models: when each car is parked and available, and when it drives off.
//
// A model answers, for one car, "available at t=0?" and "the period that starts now: when
// does it end?". Draws for car c's k-th period come from their own sub-stream
// ("availability", c, k), so a car's whole on/off history depends only on the seed, the
// model's parameters and the car's index: policies and workloads compared on one seed see
// the same fleet (common random numbers), and car 41,237 has the same history in `fleetgrid
// sim` and in any `fleetgrid node --first-car` split. Later models (Weibull, log-normal,
// time-of-day profiles, trace replay) implement the same interface.
// Thread safety: a model is immutable after construction and may be shared; CarPeriods is
// one car's cursor and is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "common/time.h"
#include "models/availability_config.h"

namespace fleetgrid::models {

class AvailabilityModel {
 public:
  virtual ~AvailabilityModel() = default;

  struct Start {
    bool available;
    TimePoint end;  // end of the first period; TimePoint::Infinite() = never changes
  };
  virtual Start Initial(uint32_t car) const = 0;
  // The period numbered `period` (>= 1) starts at `start` in state `available`; its end.
  virtual TimePoint PeriodEnd(uint32_t car, uint32_t period, TimePoint start,
                              bool available) const = 0;
};

// Alternating renewal process with exponential on and off periods. Exponential periods are
// memoryless, so starting in the on state with probability p and drawing a full period is
// the stationary process when p = mean_on / (mean_on + mean_off).
class ExponentialOnOff final : public AvailabilityModel {
 public:
  ExponentialOnOff(const AvailabilityConfig& config, uint64_t seed);
  Start Initial(uint32_t car) const override;
  TimePoint PeriodEnd(uint32_t car, uint32_t period, TimePoint start,
                      bool available) const override;

 private:
  double mean_on_s_;
  double mean_off_s_;
  double p_start_;
  uint64_t seed_;
};

// A datacenter pool: always available, never leaves.
class NeverLeaves final : public AvailabilityModel {
 public:
  Start Initial(uint32_t) const override { return {true, TimePoint::Infinite()}; }
  TimePoint PeriodEnd(uint32_t, uint32_t, TimePoint, bool) const override {
    return TimePoint::Infinite();
  }
};

std::unique_ptr<AvailabilityModel> MakeAvailabilityModel(const AvailabilityConfig& config,
                                                         uint64_t seed);

// One car's periods in order, from a shared model: the simulator steps the model itself
// (it keeps a car's cursor in its compact per-car record); the car agent uses this cursor.
class CarPeriods {
 public:
  struct Period {
    bool available = false;  // parked (may compute) vs driving / away
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
