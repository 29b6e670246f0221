#include "models/availability.h"

#include "common/rng.h"

namespace fleetgrid::models {

ExponentialOnOff::ExponentialOnOff(const AvailabilityConfig& config, uint64_t seed)
    : mean_on_s_(config.mean_on.SecondsF()),
      mean_off_s_(config.mean_off.SecondsF()),
      p_start_(config.StartProbability()),
      seed_(seed) {}

AvailabilityModel::Start ExponentialOnOff::Initial(uint32_t car) const {
  Rng rng = Rng::Stream(seed_, "availability", uint64_t{car} << 32);
  const bool available = rng.Bernoulli(p_start_);
  const double len = rng.Exponential(available ? mean_on_s_ : mean_off_s_);
  return {available, TimePoint::Epoch() + Duration::FromSecondsF(len)};
}

TimePoint ExponentialOnOff::PeriodEnd(uint32_t car, uint32_t period, TimePoint start,
                                      bool available) const {
  Rng rng = Rng::Stream(seed_, "availability", (uint64_t{car} << 32) | period);
  return start + Duration::FromSecondsF(rng.Exponential(available ? mean_on_s_ : mean_off_s_));
}

std::unique_ptr<AvailabilityModel> MakeAvailabilityModel(const AvailabilityConfig& config,
                                                         uint64_t seed) {
  switch (config.kind) {
    case AvailabilityKind::kExponentialOnOff:
      return std::make_unique<ExponentialOnOff>(config, seed);
    case AvailabilityKind::kNeverLeaves:
      return std::make_unique<NeverLeaves>();
  }
  return nullptr;
}

CarPeriods::Period CarPeriods::Next() {
  if (period_ == 0) {
    const AvailabilityModel::Start s = model_->Initial(car_);
    current_ = {s.available, TimePoint::Epoch(), s.end};
  } else if (!current_.end.IsInfinite()) {
    const TimePoint start = current_.end;
    const bool available = !current_.available;
    current_ = {available, start, model_->PeriodEnd(car_, period_, start, available)};
  }
  ++period_;
  return current_;
}

}  // namespace fleetgrid::models
