#include "sim/economics/accounting.h"

#include <algorithm>
#include <vector>

#include "models/hardware_catalog.h"

namespace fleetgrid::sim {
namespace {

constexpr double kMonthS = 30 * 86400.0;

// Nearest-rank percentile of sorted values.
double Rank(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
  return sorted[i];
}

}  // namespace

EconomicsResult Account(const EconomicsConfig& c, std::span<const CarBooks> cars,
                        double battery_share, double run_s) {
  EconomicsResult r;
  r.enabled = true;
  r.currency = c.currency;
  const double top_hours_per_unit = models::kTopsPerSpeedUnit / 3600;
  const double owner_rate = c.price_per_top_hour * top_hours_per_unit * (1 - c.pool_fee);
  const double wear_per_kwh = battery_share * c.battery_wear_per_kwh;
  std::vector<double> net_per_month;
  net_per_month.reserve(cars.size());
  for (const CarBooks& car : cars) {
    const double kwh = car.busy_s * car.power_w / 3.6e6;
    r.accepted_units += car.accepted_units;
    r.energy_kwh += kwh;
    r.useful_kwh += car.useful_s * car.power_w / 3.6e6;
    r.electricity_cost += car.energy_cost / c.charger_efficiency;
    r.data_cost += car.data_cost;
    const double net = car.accepted_units * owner_rate - car.energy_cost / c.charger_efficiency -
                       kwh * wear_per_kwh - car.data_cost;
    net_per_month.push_back(run_s > 0 ? net * kMonthS / run_s : 0);
  }
  r.wasted_kwh = r.energy_kwh - r.useful_kwh;
  r.useful_top_hours = r.accepted_units * top_hours_per_unit;
  r.battery_kwh = r.energy_kwh * battery_share;
  r.grid_kwh = r.energy_kwh / c.charger_efficiency;
  r.battery_wear_cost = r.battery_kwh * c.battery_wear_per_kwh;
  r.revenue = r.useful_top_hours * c.price_per_top_hour;
  r.pool_fee = r.revenue * c.pool_fee;
  r.owner_payouts = r.revenue - r.pool_fee;
  r.owner_net = r.owner_payouts - r.electricity_cost - r.battery_wear_cost - r.data_cost;
  r.energy_cost_per_top_hour =
      r.useful_top_hours > 0 ? (r.electricity_cost + r.battery_wear_cost) / r.useful_top_hours : 0;
  std::sort(net_per_month.begin(), net_per_month.end());
  Percentiles& p = r.owner_net_per_car_month;
  p.p10 = Rank(net_per_month, 0.1);
  p.p50 = Rank(net_per_month, 0.5);
  p.p90 = Rank(net_per_month, 0.9);
  double sum = 0;
  for (double v : net_per_month) sum += v;
  p.mean = net_per_month.empty() ? 0 : sum / static_cast<double>(net_per_month.size());

  // ParseEconomics checked the name.
  const models::HardwareEntry& dc = **models::FindHardware(c.datacenter.hardware);
  r.datacenter_hardware = std::string(dc.name);
  r.datacenter_hours = r.useful_top_hours / dc.int8_tops.mid();
  r.datacenter_cost = r.datacenter_hours * c.datacenter.price_per_hour;
  r.datacenter_kwh = r.datacenter_hours * dc.power_w.mid() * c.datacenter.pue / 1000;
  r.datacenter_cost_per_top_hour = c.datacenter.price_per_hour / dc.int8_tops.mid();
  return r;
}

}  // namespace fleetgrid::sim
