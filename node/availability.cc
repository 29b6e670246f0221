#include "node/availability.h"

namespace fleetgrid::node {

AvailabilityPeriod CarAvailability::Next() {
  TimePoint start = end_;
  if (period_ == 0) {
    const sim::AvailabilityModel::Start s = model_->Initial(car_);
    available_ = s.available;
    start = TimePoint::Epoch();
    end_ = s.end;
  } else {
    available_ = !available_;
    end_ = model_->PeriodEnd(car_, period_, start, available_);
  }
  ++period_;
  if (end_.IsInfinite()) return {available_, Duration::Infinite()};
  return {available_, end_ - start};
}

std::shared_ptr<sim::AvailabilityModel> MakeFleetAvailability(const AvailabilityParams& params,
                                                              uint64_t seed) {
  return sim::MakeAvailabilityModel(params.model, seed);
}

}  // namespace fleetgrid::node
