// FleetView's owner-rule and stay answers (see fleet_view.h, owner_rules.h).
#include <algorithm>

#include "coordinator/core/fleet_view.h"
#include "coordinator/core/node_energy_books.h"

namespace fleetgrid::core {

double FleetView::TaskSeconds(NodeId node, TaskId task) const {
  return AttemptSeconds(t_, node.value(), task.value(), TaskCheckpoint(task));
}

double FleetView::TaskEnergyWh(NodeId node, TaskId task) const {
  if (node.value() >= t_.energy.size()) return 0;
  return TaskSeconds(node, task) * t_.energy[node.value()].battery.compute_power_w / 3600.0;
}

bool FleetView::NodeBarredSlow(NodeId node) const {
  const NodeEnergy& e = t_.energy[node.value()];
  const OwnerRules& r = t_.rule_sets[e.rules];
  const bool grid = OnGrid(node);
  if (r.plugged_only && !grid) return true;
  if (!InWindow(r, t_.now)) return true;
  const EnergyBooks b = CountEnergyBooks(t_, node.value(), t_.now);
  if (r.daily_energy_wh > 0 && b.today_wh + b.need_wh >= r.daily_energy_wh) return true;
  if (!grid && GuardsBattery(e, r)) {
    // Off the grid a floor needs a known SoC and capacity to judge, and room above it.
    if (e.soc < 0 || e.battery.capacity_wh <= 0) return true;
    if (b.available_wh - b.need_wh <= r.min_soc * e.battery.capacity_wh) return true;
  }
  return false;
}

bool FleetView::RulesAllowSlow(NodeId node, TaskId task) const {
  if (NodeBarredSlow(node)) return false;
  const NodeEnergy& e = t_.energy[node.value()];
  const OwnerRules& r = t_.rule_sets[e.rules];
  const double secs = TaskSeconds(node, task);
  if (WindowLeft(r, t_.now).SecondsF() < secs) return false;
  const double task_wh = secs * e.battery.compute_power_w / 3600.0;
  const EnergyBooks b = CountEnergyBooks(t_, node.value(), t_.now);
  if (r.daily_energy_wh > 0 && b.today_wh + b.need_wh + task_wh > r.daily_energy_wh) return false;
  if (r.metered_daily_cap_bytes > 0 && t_.links[node.value()].metered &&
      MeteredBytesToday(t_, node.value(), t_.now) + AttemptBytes(t_, node.value(), task.value()) >
          r.metered_daily_cap_bytes) {
    return false;
  }
  if (!OnGrid(node) && GuardsBattery(e, r) &&
      b.available_wh - b.need_wh - task_wh < r.min_soc * e.battery.capacity_wh) {
    return false;
  }
  return true;
}

Duration FleetView::ExpectedStay(NodeId node) const {
  const TimePoint now = t_.now;
  const NodePrediction& p = NodePredicted(node);
  if (!p.departure.IsInfinite() && p.departure_confidence > 0) {
    return p.departure > now ? p.departure - now : Duration::Nanos(0);
  }
  if (node.value() >= t_.stays.size()) return Duration::Infinite();
  const NodeStay& s = t_.stays[node.value()];
  const Duration age = s.since.IsInfinite() || s.since > now ? Duration::Nanos(0) : now - s.since;
  if (s.history.total() > 0) {
    const Duration own = ExpectedRemainingStay(s.history.bins, age);
    if (!own.IsInfinite()) return own;
  }
  return ExpectedRemainingStay(t_.fleet_stays, age);
}

}  // namespace fleetgrid::core
