// Departure warnings: a share of the cars know when they will leave (their routine or trace
// says so) and tell the coordinator `lead` before, the announced time off by a normal error
// of sd `noise` (docs/owner_rules.md). The scenario's `departure_warnings` section; both the
// simulator and the car agent (`fleetgrid node`) read it.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/time.h"
#include "yaml-cpp/yaml.h"

namespace fleetgrid::models {

struct DepartureWarningsConfig {
  double share = 0;                       // of the cars, in [0, 1]
  Duration lead = Duration::Minutes(10);  // model time, >= 0
  Duration noise = Duration::Zero();      // sd of the announced time's error, model time, >= 0
};

// {share, lead, noise}. InvalidArgument naming the key (`path`.share ...) otherwise.
absl::Status ParseDepartureWarnings(const YAML::Node& n, const std::string& path,
                                    DepartureWarningsConfig& c);

// Whether each of the cars [first_car, first_car + cars) warns: car i's is the i-th draw of
// the stream "departure-warnings" under `seed`, as the simulator draws them for the whole
// fleet, so a live fleet split over processes warns with the simulator's cars.
std::vector<bool> DrawWarningCars(uint64_t seed, double share, uint32_t first_car, uint32_t cars);

}  // namespace fleetgrid::models
