#include "sim/economics/economics_config.h"

#include "common/status.h"
#include "models/hardware_catalog.h"
#include "models/yaml_fields.h"

namespace fleetgrid::sim {

absl::Status ParseEconomics(const YAML::Node& n, EconomicsConfig& c) {
  const std::string path = "economics";
  FG_RETURN_IF_ERROR(
      models::CheckMap(n, path,
                       {"currency", "electricity_price", "region_prices", "charger_efficiency",
                        "battery_wear_per_kwh", "price_per_top_hour", "pool_fee", "datacenter"}));
  c.enabled = true;
  FG_RETURN_IF_ERROR(models::ReadString(n, path, "currency", &c.currency));
  if (const YAML::Node e = n["electricity_price"]) {
    FG_RETURN_IF_ERROR(
        PriceSchedule::Parse(e, models::JoinKey(path, "electricity_price"), &c.electricity_price));
  }
  if (const YAML::Node r = n["region_prices"]) {
    const std::string rp = models::JoinKey(path, "region_prices");
    if (!r.IsMap()) return models::KeyError(rp, "expected a map of region name: price");
    for (const auto& kv : r) {
      const std::string name = kv.first.as<std::string>();
      FG_RETURN_IF_ERROR(
          PriceSchedule::Parse(kv.second, models::JoinKey(rp, name), &c.region_prices[name]));
    }
  }
  FG_RETURN_IF_ERROR(models::ReadNumber(n, path, "charger_efficiency", &c.charger_efficiency, 0, 1,
                                        /*min_exclusive=*/true));
  FG_RETURN_IF_ERROR(
      models::ReadNumber(n, path, "battery_wear_per_kwh", &c.battery_wear_per_kwh, 0, 1e6));
  FG_RETURN_IF_ERROR(
      models::ReadNumber(n, path, "price_per_top_hour", &c.price_per_top_hour, 0, 1e6));
  FG_RETURN_IF_ERROR(models::ReadNumber(n, path, "pool_fee", &c.pool_fee, 0, 1));
  if (const YAML::Node d = n["datacenter"]) {
    const std::string dp = models::JoinKey(path, "datacenter");
    FG_RETURN_IF_ERROR(models::CheckMap(d, dp, {"hardware", "price_per_hour", "pue"}));
    DatacenterConfig& dc = c.datacenter;
    FG_RETURN_IF_ERROR(models::ReadString(d, dp, "hardware", &dc.hardware));
    FG_RETURN_IF_ERROR(models::ReadNumber(d, dp, "price_per_hour", &dc.price_per_hour, 0, 1e6));
    FG_RETURN_IF_ERROR(models::ReadNumber(d, dp, "pue", &dc.pue, 1, 10));
  }
  auto hw = models::FindHardware(c.datacenter.hardware);
  if (!hw.ok()) {
    return models::KeyError("economics.datacenter.hardware", std::string(hw.status().message()));
  }
  c.datacenter.hardware = std::string((*hw)->name);
  return absl::OkStatus();
}

}  // namespace fleetgrid::sim
