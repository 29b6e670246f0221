// Core entry points and bookkeeping for owner rules, batteries, departure warnings and
// learned stays (owner_rules.h, stay_history.h).
#include <algorithm>
#include <string>

#include "common/status.h"
#include "coordinator/core/core.h"
#include "coordinator/core/node_energy_books.h"

namespace fleetgrid::core {

absl::Status Core::SetOwnerRules(TimePoint now, NodeId node, const OwnerRules& rules,
                                 const BatterySpec& battery, Decisions& out) {
  FG_RETURN_IF_ERROR(CheckNode(node));
  FG_RETURN_IF_ERROR(CheckOwnerRules(rules, battery));
  if (t_.energy.size() < t_.nodes.size()) t_.energy.resize(t_.nodes.size());
  NodeEnergy& e = t_.energy[node.value()];
  auto [it, fresh] = t_.rule_index.try_emplace(rules, static_cast<uint32_t>(t_.rule_sets.size()));
  if (fresh) t_.rule_sets.push_back(rules);
  e.rules = it->second;
  e.battery = battery;
  t_.now = now;
  EnforceRules(now, node.value(), out);
  ArmRuleTimers(now, node.value());
  MatchAll(now, out);
  return absl::OkStatus();
}

absl::Status Core::WarnDeparture(TimePoint now, NodeId node, TimePoint departure, Decisions& out) {
  FG_RETURN_IF_ERROR(CheckNode(node));
  const uint32_t id = node.value();
  if (t_.nodes[id].conn != NodeConnection::kConnected) {
    return absl::FailedPreconditionError("node " + std::to_string(id) + " is not connected");
  }
  if (departure < now) {
    return absl::InvalidArgumentError("departure is in the past");
  }
  if (t_.predictions.size() < t_.nodes.size()) t_.predictions.resize(t_.nodes.size());
  t_.predictions[id] = NodePrediction{departure, 1.0};
  ++t_.stats.departure_warnings;
  for (uint32_t s = t_.nodes[id].attempts_head; s != kNil; s = t_.attempts[s].next_in_node) {
    AskCheckpoint(now, s, departure, out);
  }
  MatchAll(now, out);
  return absl::OkStatus();
}

void Core::AskCheckpoint(TimePoint now, uint32_t slot, TimePoint departure, Decisions& out) {
  const AttemptRec& a = t_.attempts[slot];
  const uint64_t bytes = t_.SpecOf(a.task).checkpoint_bytes;
  if (bytes == 0) return;
  const LinkSpec& link = t_.links[a.node];
  const Duration upload =
      link.latency + Duration::FromSecondsF(static_cast<double>(bytes) /
                                            std::max(1.0, link.bandwidth_bytes_per_s));
  // A quarter of the upload again, at least 5 s, for a link slower than it said.
  const Duration margin = std::max(Duration::Seconds(5), upload / 4);
  TimePoint start_by = departure - upload - margin;
  if (start_by < now) start_by = now;
  out.checkpoint_requests.push_back({NodeId(a.node), TaskId(a.task),
                                     MakeAttemptId(TaskId(a.task), a.epoch), a.epoch, start_by,
                                     departure});
  ++t_.stats.checkpoint_requests;
}

void Core::EnforceRules(TimePoint now, uint32_t node, Decisions& out) {
  if (node >= t_.energy.size() || t_.energy[node].rules == kNil) return;
  const NodeEnergy& e = t_.energy[node];
  const OwnerRules& r = t_.rule_sets[e.rules];
  const NodeRec& n = t_.nodes[node];
  const bool grid = n.state == NodeState::kPlugged || n.state == NodeState::kCharging;
  const CancelReason reason = CancelReason::kOwnerRule;
  // End the newest attempt while a rule is broken: the older ones have more work in them.
  for (;;) {
    const uint32_t slot = n.attempts_head;  // newest first
    if (slot == kNil) return;
    bool broken = (r.plugged_only && !grid) || !InWindow(r, now);
    if (!broken) {
      const EnergyBooks b = CountEnergyBooks(t_, node, now);
      if (r.daily_energy_wh > 0 && b.today_wh >= r.daily_energy_wh) broken = true;
      if (!grid && GuardsBattery(e, r)) {
        const double floor_wh = r.min_soc * e.battery.capacity_wh;
        broken = broken || e.soc < 0 || e.battery.capacity_wh <= 0 ||
                 b.available_wh - b.need_wh < floor_wh;
      }
    }
    if (!broken) return;
    const uint32_t task = t_.attempts[slot].task;
    EndAttempt(now, slot, AttemptOutcome::kCancelled, out, &reason);
    ++t_.stats.attempts_ended_by_rules;
    Settle(now, task, ReadyReason::kRequeued, out);
  }
}

void Core::CountEnergy(TimePoint now, uint32_t slot) {
  const AttemptRec& a = t_.attempts[slot];
  if (a.node >= t_.energy.size() || a.reported) return;
  NodeEnergy& e = t_.energy[a.node];
  const double power = e.battery.compute_power_w;
  if (power <= 0) return;
  const int32_t offset = e.rules == kNil ? 0 : t_.rule_sets[e.rules].utc_offset_s;
  const int64_t today = LocalDay(now, offset);
  if (e.day != today) {
    e.day = today;
    e.day_wh = 0;
  }
  const TimePoint midnight = NextLocalMidnight(now, offset) - Duration::Hours(24);
  e.day_wh += std::max(0.0, (now - std::max(a.started, midnight)).SecondsF()) * power / 3600.0;
  const NodeState s = t_.nodes[a.node].state;
  if (s != NodeState::kPlugged && s != NodeState::kCharging) {
    e.drawn_wh += std::max(0.0, (now - std::max(a.started, e.soc_at)).SecondsF()) * power / 3600.0;
  }
}

void Core::BookMeteredBytes(TimePoint now, uint32_t node, uint32_t task) {
  if (!t_.links[node].metered) return;
  NodeEnergy& e = t_.energy[node];
  const int32_t offset = e.rules == kNil ? 0 : t_.rule_sets[e.rules].utc_offset_s;
  const int64_t today = LocalDay(now, offset);
  if (e.data_day != today) {
    e.data_day = today;
    e.data_bytes = 0;
  }
  e.data_bytes += AttemptBytes(t_, node, task);
}

void Core::ArmRuleTimers(TimePoint now, uint32_t node) {
  if (node >= t_.energy.size() || t_.energy[node].rules == kNil) return;
  const OwnerRules& r = t_.rule_sets[t_.energy[node].rules];
  const NodeRec& n = t_.nodes[node];
  if (!r.windows.empty() && n.running > 0) {
    const Duration left = WindowLeft(r, now);
    if (!left.IsInfinite()) timers_.Push(now + left, TimerKind::kWindowEnd, node, 0);
  }
  if (n.waiting()) {
    // Work a rule holds back now may fit later: when a window opens (or the one open now
    // closes, to wait for the next), or when a new energy or metered-data day starts.
    TimePoint at = TimePoint::Infinite();
    if (!r.windows.empty()) {
      at = InWindow(r, now) ? now + WindowLeft(r, now) : NextWindowOpen(r, now);
    }
    if ((r.daily_energy_wh > 0 && CountEnergyBooks(t_, node, now).today_wh > 0) ||
        (r.metered_daily_cap_bytes > 0 && MeteredBytesToday(t_, node, now) > 0)) {
      at = std::min(at, NextLocalMidnight(now, r.utc_offset_s));
    }
    if (!at.IsInfinite()) timers_.Push(at, TimerKind::kRuleOpen, node, n.wait_ticket);
  }
}

void Core::StayBegins(TimePoint at, uint32_t node) {
  if (t_.predictions.size() > node) t_.predictions[node] = NodePrediction{};
  if (!t_.learn_stays) return;
  NodeStay& s = t_.stays[node];
  if (s.since.IsInfinite()) s.since = at;
}

void Core::StayEnds(TimePoint at, uint32_t node) {
  if (t_.predictions.size() > node) t_.predictions[node] = NodePrediction{};
  if (!t_.learn_stays) return;
  NodeStay& s = t_.stays[node];
  if (s.since.IsInfinite()) return;
  const Duration stay = at > s.since ? at - s.since : Duration::Nanos(0);
  s.history.Add(stay);
  ++t_.fleet_stays[StayBin(stay)];
  s.since = TimePoint::Infinite();
}

}  // namespace fleetgrid::core
