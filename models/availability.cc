#include "models/availability.h"

#include <cmath>

namespace fleetgrid::models {
namespace {

// Gamma(a, 1) for a >= 1 (Marsaglia and Tsang 2000), from our portable normals.
double Gamma(Rng& rng, double a) {
  const double d = a - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.Normal();
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = rng.UniformOpenZero();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

}  // namespace

RenewalOnOff::RenewalOnOff(const AvailabilityConfig& config, uint64_t seed)
    : kind_(config.kind),
      mean_s_{config.mean_off.SecondsF(), config.mean_on.SecondsF()},
      param_{0, 0},
      shape_(config.kind == AvailabilityKind::kWeibull ? config.weibull_shape
                                                       : config.lognormal_sigma),
      p_start_(config.StartProbability()),
      stationary_(config.start_available < 0),
      plugged_share_(config.plugged_share),
      seed_(seed) {
  for (int i = 0; i < 2; ++i) {
    if (kind_ == AvailabilityKind::kWeibull) {
      param_[i] = mean_s_[i] / std::tgamma(1.0 + 1.0 / shape_);
    } else if (kind_ == AvailabilityKind::kLognormal) {
      param_[i] = std::log(mean_s_[i]) - 0.5 * shape_ * shape_;
    }
  }
}

double RenewalOnOff::Draw(Rng& rng, bool available) const {
  const int i = available ? 1 : 0;
  switch (kind_) {
    case AvailabilityKind::kWeibull:
      return rng.Weibull(shape_, param_[i]);
    case AvailabilityKind::kLognormal:
      return rng.LogNormal(param_[i], shape_);
    default:
      return rng.Exponential(mean_s_[i]);
  }
}

double RenewalOnOff::DrawResidual(Rng& rng, bool available) const {
  const int i = available ? 1 : 0;
  switch (kind_) {
    case AvailabilityKind::kWeibull: {
      // Length-biased Weibull: (L / scale)^k ~ Gamma(1 + 1/k, 1).
      const double g = Gamma(rng, 1.0 + 1.0 / shape_);
      return rng.Uniform() * param_[i] * std::pow(g, 1.0 / shape_);
    }
    case AvailabilityKind::kLognormal:
      // Length-biased log-normal: mu + sigma^2, same sigma.
      return rng.Uniform() * rng.LogNormal(param_[i] + shape_ * shape_, shape_);
    default:
      return rng.Exponential(mean_s_[i]);  // memoryless
  }
}

AvailabilityModel::Start RenewalOnOff::Initial(uint32_t car) const {
  Rng rng = Rng::Stream(seed_, "availability", uint64_t{car} << 32);
  const bool available = rng.Bernoulli(p_start_);
  const double len = stationary_ ? DrawResidual(rng, available) : Draw(rng, available);
  const bool plugged = available && (plugged_share_ >= 1 || rng.Bernoulli(plugged_share_));
  return {available, TimePoint::Epoch() + Duration::FromSecondsF(len), plugged};
}

AvailabilityModel::Span RenewalOnOff::Next(uint32_t car, uint32_t period, TimePoint start,
                                           bool available) const {
  Rng rng = Rng::Stream(seed_, "availability", (uint64_t{car} << 32) | period);
  const TimePoint end = start + Duration::FromSecondsF(Draw(rng, available));
  const bool plugged = available && (plugged_share_ >= 1 || rng.Bernoulli(plugged_share_));
  return {end, plugged};
}

std::unique_ptr<AvailabilityModel> MakeRenewalModel(const AvailabilityConfig& config,
                                                    uint64_t seed) {
  switch (config.kind) {
    case AvailabilityKind::kExponentialOnOff:
    case AvailabilityKind::kWeibull:
    case AvailabilityKind::kLognormal:
      return std::make_unique<RenewalOnOff>(config, seed);
    case AvailabilityKind::kNeverLeaves:
      return std::make_unique<NeverLeaves>();
    default:
      return nullptr;
  }
}

CarPeriods::Period CarPeriods::Next() {
  if (period_ == 0) {
    const AvailabilityModel::Start s = model_->Initial(car_);
    current_ = {s.available, s.plugged, TimePoint::Epoch(), s.end};
  } else if (!current_.end.IsInfinite()) {
    const TimePoint start = current_.end;
    const bool available = !current_.available;
    const AvailabilityModel::Span n = model_->Next(car_, period_, start, available);
    current_ = {available, n.plugged, start, n.end};
  }
  ++period_;
  return current_;
}

}  // namespace fleetgrid::models
