// A node's energy books at a moment: what its battery holds, what its running attempts still
// need, and what it computed today. Shared by FleetView (before assigning) and the core
// (enforcing the rules). Thread safety: pure function over the tables.
#pragma once

#include <algorithm>

#include "coordinator/core/tables.h"

namespace fleetgrid::core {

struct EnergyBooks {
  double available_wh = 0;  // SoC x capacity at the report, less what was drawn off the grid since
  double need_wh = 0;       // the running attempts' energy to finish
  double today_wh = 0;      // compute energy of the local day so far (running attempts included)
};

// Off the grid, is the battery guarded? With a floor, always (an unknown SoC or capacity
// then bars the work); without one, when the SoC and capacity are known: no car computes
// its battery flat, floor or not.
inline bool GuardsBattery(const NodeEnergy& e, const OwnerRules& r) {
  return r.min_soc > 0 ||
         (e.soc >= 0 && e.battery.capacity_wh > 0 && e.battery.compute_power_w > 0);
}

// Seconds an attempt of `task` from `from_units` keeps `node` busy: its download (the
// model's weights too when the node does not hold them), compute and upload (what the car
// is awake for, and so what it draws energy for).
inline double AttemptSeconds(const Tables& t, uint32_t node, uint32_t task, double from_units) {
  const TaskSpec& s = t.SpecOf(task);
  const LinkSpec& l = t.links[node];
  const uint64_t weights = t.HoldsModel(node, task) ? 0 : s.model_bytes;
  const uint64_t input = s.data_node == node ? 0 : s.input_bytes;
  const double transfer = static_cast<double>(input + s.output_bytes + weights) /
                              std::max(1.0, l.bandwidth_bytes_per_s) +
                          2 * l.latency.SecondsF();
  return std::max(0.0, s.work_units - from_units) / t.nodes[node].speed + transfer;
}

// Bytes an attempt of `task` moves over `node`'s link: input, the model's weights when the
// node does not hold them, output.
inline uint64_t AttemptBytes(const Tables& t, uint32_t node, uint32_t task) {
  const TaskSpec& s = t.SpecOf(task);
  return (s.data_node == node ? 0 : s.input_bytes) + s.output_bytes +
         (t.HoldsModel(node, task) ? 0 : s.model_bytes);
}

// Bytes already booked today on `node`'s metered link. REQUIRES: node < t.energy.size().
inline uint64_t MeteredBytesToday(const Tables& t, uint32_t node, TimePoint now) {
  const NodeEnergy& e = t.energy[node];
  const int32_t offset = e.rules == kNil ? 0 : t.rule_sets[e.rules].utc_offset_s;
  return e.data_day == LocalDay(now, offset) ? e.data_bytes : 0;
}

// REQUIRES: node < t.energy.size().
inline EnergyBooks CountEnergyBooks(const Tables& t, uint32_t node, TimePoint now) {
  const NodeEnergy& e = t.energy[node];
  const NodeRec& n = t.nodes[node];
  const double power = e.battery.compute_power_w;
  const bool grid = n.state == NodeState::kPlugged || n.state == NodeState::kCharging;
  EnergyBooks b;
  b.available_wh = std::max(0.0, double{e.soc}) * e.battery.capacity_wh - e.drawn_wh;
  const OwnerRules* r = e.rules == kNil ? nullptr : &t.rule_sets[e.rules];
  const int32_t offset = r != nullptr ? r->utc_offset_s : 0;
  const int64_t today = LocalDay(now, offset);
  b.today_wh = e.day == today ? e.day_wh : 0;
  if (power <= 0) return b;
  for (uint32_t s = n.attempts_head; s != kNil; s = t.attempts[s].next_in_node) {
    const AttemptRec& a = t.attempts[s];
    const double total_s = AttemptSeconds(t, node, a.task, a.start_units);
    const double ran_s = std::max(0.0, (now - a.started).SecondsF());
    b.need_wh += std::max(0.0, total_s - ran_s) * power / 3600.0;
    // Today's share of what it ran, and, off the grid, what it drew since the SoC report.
    const TimePoint midnight = NextLocalMidnight(now, offset) - Duration::Hours(24);
    b.today_wh += std::max(0.0, (now - std::max(a.started, midnight)).SecondsF()) * power / 3600.0;
    if (!grid) {
      b.available_wh -=
          std::max(0.0, (now - std::max(a.started, e.soc_at)).SecondsF()) * power / 3600.0;
    }
  }
  return b;
}

}  // namespace fleetgrid::core
