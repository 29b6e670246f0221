// Rng: the only source of randomness in Fleetgrid. Seeded, portable, bit-reproducible.
//
// xoshiro256** seeded through SplitMix64. The standard library's distributions are
// implementation-defined, so every distribution used by models is implemented here with
// explicit arithmetic: the same seed gives the same numbers with any compiler or libstdc++.
// Independent streams: Rng::Stream(seed, "availability") derives a generator from the run's
// seed and a stream name, so changing one model's draws never reshuffles another's.
// Thread safety: none; give each thread or model its own Rng.
#pragma once

#include <cstdint>
#include <string_view>

namespace fleetgrid {

class Rng {
 public:
  explicit Rng(uint64_t seed);
  // A generator for one named purpose, independent of every other name under the same seed.
  static Rng Stream(uint64_t seed, std::string_view name);
  // A generator for one numbered sub-stream (e.g. one per car) of this named stream.
  static Rng Stream(uint64_t seed, std::string_view name, uint64_t index);

  uint64_t Next();  // 64 uniformly random bits

  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  // Uniform in (0, 1]: safe to take the logarithm of.
  double UniformOpenZero();
  // Uniform integer in [0, n). REQUIRES: n > 0. Unbiased (Lemire's method).
  uint64_t Below(uint64_t n);
  bool Bernoulli(double p) { return Uniform() < p; }
  // Exponential with the given mean (> 0).
  double Exponential(double mean);
  // Standard normal (Marsaglia polar method; consumes a variable number of draws).
  double Normal();
  // Log-normal with the given parameters of the underlying normal.
  double LogNormal(double mu, double sigma);
  // Weibull with shape k and scale lambda.
  double Weibull(double shape, double scale);

 private:
  uint64_t s_[4];
};

// 64-bit FNV-1a of a string; stable across runs and machines (used to name streams).
uint64_t StableHash(std::string_view s);

}  // namespace fleetgrid
