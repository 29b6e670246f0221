// Renewal on/off models with heavy tails (models/availability.h): the stationary start draws
// the first period from the residual-life distribution, so the chance that an attempt of
// length d started at t = 0 on a parked car survives is the closed form
//   P(residual > d) = 1 - (1/m) * integral_0^d S(x) dx,
// S the survival function of a parked period with mean m (Weibull: exp(-(x/l)^k);
// log-normal: erfc((ln x - mu) / (sigma sqrt 2)) / 2). The integral is taken numerically.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "models/availability.h"

namespace fleetgrid::models {
namespace {

double ResidualSurvival(const std::function<double(double)>& survival, double mean, double d) {
  const int steps = 200000;
  const double h = d / steps;
  double area = 0.5 * (survival(0) + survival(d));
  for (int i = 1; i < steps; ++i) area += survival(i * h);
  return 1 - area * h / mean;
}

struct Case {
  AvailabilityKind kind;
  double param;  // shape or sigma
};

class RenewalTest : public ::testing::TestWithParam<Case> {};

TEST_P(RenewalTest, AttemptSuccessAtAStationaryStartMatchesTheResidualLife) {
  AvailabilityConfig c;
  c.kind = GetParam().kind;
  c.weibull_shape = GetParam().param;
  c.lognormal_sigma = GetParam().param;
  const double mean = 6 * 3600;
  std::function<double(double)> survival;
  if (c.kind == AvailabilityKind::kWeibull) {
    const double k = c.weibull_shape;
    const double scale = mean / std::tgamma(1 + 1 / k);
    survival = [=](double x) { return std::exp(-std::pow(x / scale, k)); };
  } else {
    const double s = c.lognormal_sigma;
    const double mu = std::log(mean) - s * s / 2;
    survival = [=](double x) {
      return x <= 0 ? 1.0 : 0.5 * std::erfc((std::log(x) - mu) / (s * std::sqrt(2.0)));
    };
  }
  const auto model = MakeRenewalModel(c, 3);
  const int n = 200000;
  int parked = 0;
  const double hours[] = {0.5, 1, 3, 6, 12};
  int survived[5] = {};
  for (uint32_t car = 0; car < n; ++car) {
    const AvailabilityModel::Start st = model->Initial(car);
    if (!st.available) continue;
    ++parked;
    const double residual = (st.end - TimePoint::Epoch()).SecondsF();
    for (int i = 0; i < 5; ++i) survived[i] += residual > hours[i] * 3600 ? 1 : 0;
  }
  // Stationary share parked: 6 / (6 + 2); binomial sd 0.001.
  EXPECT_NEAR(static_cast<double>(parked) / n, 0.75, 0.005);
  for (int i = 0; i < 5; ++i) {
    const double want = ResidualSurvival(survival, mean, hours[i] * 3600);
    const double got = static_cast<double>(survived[i]) / parked;
    // Binomial sd <= 0.0013 with 150,000 parked cars: 5 sd.
    EXPECT_NEAR(got, want, 0.0065) << "attempt of " << hours[i] << " h";
  }
}

TEST_P(RenewalTest, FullPeriodsHaveTheConfiguredMeans) {
  AvailabilityConfig c;
  c.kind = GetParam().kind;
  c.weibull_shape = GetParam().param;
  c.lognormal_sigma = GetParam().param;
  c.mean_on = Duration::Seconds(600);
  c.mean_off = Duration::Seconds(200);
  CarPeriods car(MakeRenewalModel(c, 9), 4);
  car.Next();
  double sum[2] = {}, count[2] = {};
  for (int i = 0; i < 400000; ++i) {
    const CarPeriods::Period p = car.Next();
    sum[p.available] += (p.end - p.start).SecondsF();
    ++count[p.available];
  }
  // Heavy tails converge slowly: 3% (the sd of the mean is below 1% for these shapes).
  EXPECT_NEAR(sum[1] / count[1] / 600, 1, 0.03);
  EXPECT_NEAR(sum[0] / count[0] / 200, 1, 0.03);
}

INSTANTIATE_TEST_SUITE_P(
    HeavyTails, RenewalTest,
    ::testing::Values(Case{AvailabilityKind::kWeibull, 0.7}, Case{AvailabilityKind::kWeibull, 1.5},
                      Case{AvailabilityKind::kLognormal, 1.0},
                      Case{AvailabilityKind::kLognormal, 0.5}),
    [](const auto& info) {
      return std::string(info.param.kind == AvailabilityKind::kWeibull ? "Weibull" : "Lognormal") +
             std::to_string(static_cast<int>(info.param.param * 10));
    });

TEST(RenewalTest, ExponentialDrawsAreFleet1s) {
  // The exponential model keeps FLEET-1's draws: plugged_share 1 draws nothing more.
  AvailabilityConfig c;
  const auto model = MakeRenewalModel(c, 1);
  Rng rng = Rng::Stream(1, "availability", uint64_t{7} << 32);
  const bool on = rng.Bernoulli(0.75);
  const double len = rng.Exponential(on ? 21600 : 7200);
  const AvailabilityModel::Start st = model->Initial(7);
  EXPECT_EQ(st.available, on);
  EXPECT_EQ(st.end, TimePoint::Epoch() + Duration::FromSecondsF(len));
  EXPECT_EQ(st.plugged, on);
}

TEST(RenewalTest, PluggedShare) {
  AvailabilityConfig c;
  c.plugged_share = 0.3;
  CarPeriods car(MakeRenewalModel(c, 2), 1);
  int parked = 0, plugged = 0;
  for (int i = 0; i < 100000; ++i) {
    const CarPeriods::Period p = car.Next();
    parked += p.available;
    plugged += p.plugged;
    if (!p.available) {
      EXPECT_FALSE(p.plugged);
    }
  }
  EXPECT_NEAR(static_cast<double>(plugged) / parked, 0.3, 0.01);  // sd 0.002
}

}  // namespace
}  // namespace fleetgrid::models
