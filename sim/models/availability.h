// Availability models: when each car is parked and available, and when it drives off.
//
// A model answers, for one car, "available at t=0?" and "the period that starts now: when
// does it end?". Draws for car c's k-th period come from their own sub-stream
// ("availability", c, k), so a car's whole on/off history depends only on the seed and the
// model's parameters: policies and workloads compared on one seed see the same fleet
// (common random numbers). Later models (Weibull, log-normal, time-of-day profiles, trace
// replay) implement the same interface. Thread safety: none.
#pragma once

#include <cstdint>
#include <memory>

#include "common/time.h"
#include "sim/scenario/scenario.h"

namespace fleetgrid::sim {

class AvailabilityModel {
 public:
  virtual ~AvailabilityModel() = default;

  struct Start {
    bool available;
    TimePoint end;  // end of the first period; TimePoint::Infinite() = never changes
  };
  virtual Start Initial(uint32_t car) = 0;
  // The period numbered `period` (>= 1) starts at `start` in state `available`; its end.
  virtual TimePoint PeriodEnd(uint32_t car, uint32_t period, TimePoint start, bool available) = 0;
};

// Alternating renewal process with exponential on and off periods. Exponential periods are
// memoryless, so starting in the on state with probability p and drawing a full period is
// the stationary process when p = mean_on / (mean_on + mean_off).
class ExponentialOnOff final : public AvailabilityModel {
 public:
  ExponentialOnOff(const AvailabilityConfig& config, uint64_t seed);
  Start Initial(uint32_t car) override;
  TimePoint PeriodEnd(uint32_t car, uint32_t period, TimePoint start, bool available) override;

 private:
  double mean_on_s_;
  double mean_off_s_;
  double p_start_;
  uint64_t seed_;
};

// A datacenter pool: always available, never leaves.
class NeverLeaves final : public AvailabilityModel {
 public:
  Start Initial(uint32_t) override { return {true, TimePoint::Infinite()}; }
  TimePoint PeriodEnd(uint32_t, uint32_t, TimePoint, bool) override {
    return TimePoint::Infinite();
  }
};

std::unique_ptr<AvailabilityModel> MakeAvailabilityModel(const AvailabilityConfig& config,
                                                         uint64_t seed);

}  // namespace fleetgrid::sim
