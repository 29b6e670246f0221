// Core entry points for nodes, heartbeat bookkeeping and time (Tick / NextWakeup).
#include <algorithm>
#include <cmath>

#include "coordinator/core/core.h"

namespace fleetgrid::core {
namespace {

// Time between two paced losses. REQUIRES: max_losses_per_second > 0.
Duration PaceInterval(const LossGuard& g) {
  return Duration::Nanos(std::max<int64_t>(1, std::llround(1e9 / g.max_losses_per_second)));
}

}  // namespace

NodeId Core::RegisterNode(const NodeSpec& spec) {
  const uint32_t id = static_cast<uint32_t>(t_.nodes.size());
  NodeRec& n = t_.nodes.emplace_back();
  n.owner = spec.owner;
  n.speed = static_cast<float>(spec.speed);
  n.hw_class = spec.hw_class;
  n.max_concurrent = std::max<uint16_t>(spec.max_concurrent, 1);
  n.implicit_heartbeat = spec.implicit_heartbeat;
  t_.links.push_back(spec.link);
  if (spec.memory_bytes != 0 || !t_.node_memory.empty()) {
    t_.node_memory.resize(t_.nodes.size(), 0);
    t_.node_memory.back() = spec.memory_bytes;
  }
  if (spec.datacenter || !t_.node_datacenter.empty()) {
    t_.node_datacenter.resize(t_.nodes.size(), 0);
    t_.node_datacenter.back() = spec.datacenter ? 1 : 0;
  }
  if (spec.price_zone != 0 || !t_.node_zone.empty()) {
    t_.node_zone.resize(t_.nodes.size(), 0);
    t_.node_zone.back() = spec.price_zone;
  }
  if (t_.trust_on || config_.quota.daily != 0) EnsureTrust();
  if (!t_.energy.empty()) t_.energy.resize(t_.nodes.size());
  if (!t_.held_model.empty()) t_.held_model.resize(t_.nodes.size(), 0);
  if (t_.learn_stays) t_.stays.resize(t_.nodes.size());
  ++t_.stats.nodes_registered;
  if (config_.record_changes && !restoring_) Record(change::NodeRegistered{NodeId(id), spec});
  return NodeId(id);
}

// ---------------------------------------------------------------- heartbeat list

void Core::HbRemove(uint32_t node) {
  NodeRec& n = t_.nodes[node];
  if (!n.in_hb_list) return;
  (n.hb_prev == kNil ? hb_head_ : t_.nodes[n.hb_prev].hb_next) = n.hb_next;
  (n.hb_next == kNil ? hb_tail_ : t_.nodes[n.hb_next].hb_prev) = n.hb_prev;
  n.hb_prev = n.hb_next = kNil;
  n.in_hb_list = false;
  --hb_size_;
}

void Core::HbInsert(uint32_t node) {
  NodeRec& n = t_.nodes[node];
  uint32_t after = hb_tail_;  // usually the newest: O(1)
  while (after != kNil && t_.nodes[after].last_heard > n.last_heard) {
    after = t_.nodes[after].hb_prev;
  }
  n.hb_prev = after;
  n.hb_next = after == kNil ? hb_head_ : t_.nodes[after].hb_next;
  (after == kNil ? hb_head_ : t_.nodes[after].hb_next) = node;
  (n.hb_next == kNil ? hb_tail_ : t_.nodes[n.hb_next].hb_prev) = node;
  n.in_hb_list = true;
  ++hb_size_;
}

void Core::Touch(TimePoint now, uint32_t node) {
  NodeRec& n = t_.nodes[node];
  if (n.conn != NodeConnection::kConnected || n.implicit_heartbeat) return;
  n.last_heard = std::max(n.last_heard, now);
  if (n.in_hb_list && n.hb_next == kNil) return;  // already the newest
  HbRemove(node);
  HbInsert(node);
}

// ---------------------------------------------------------------- entry points

void Core::ConnectInternal(TimePoint now, uint32_t node, std::span<const HeldAttempt> held,
                           Decisions& out) {
  NodeRec& n = t_.nodes[node];
  // Attempts the car no longer holds are lost now.
  scratch_.clear();
  for (uint32_t s = n.attempts_head; s != kNil; s = t_.attempts[s].next_in_node) {
    const AttemptRec& a = t_.attempts[s];
    const AttemptId id = MakeAttemptId(TaskId(a.task), a.epoch);
    const bool kept = std::any_of(held.begin(), held.end(), [&](const HeldAttempt& h) {
      return h.attempt == id && h.epoch == a.epoch;
    });
    if (!kept) scratch_.push_back(s);
  }
  for (size_t i = scratch_.size(); i-- > 0;) {
    const uint32_t slot = scratch_[i];
    const uint32_t task = t_.attempts[slot].task;
    if (task == kNil) continue;
    EndAttempt(now, slot, AttemptOutcome::kLost, out, nullptr);
    Settle(now, task, ReadyReason::kRequeued, out);
  }
  if (n.conn != NodeConnection::kConnected) {
    PrimNodeStatus(now, node, NodeConnection::kConnected, n.state, n.draining);
    if (n.state != NodeState::kDriving) StayBegins(now, node);
  }
  n.last_heard = std::max(n.last_heard, now);
  HbRemove(node);
  if (!n.implicit_heartbeat) HbInsert(node);
}

absl::Status Core::Connect(TimePoint now, NodeId node, std::span<const HeldAttempt> held,
                           Decisions& out) {
  FG_RETURN_IF_ERROR(CheckNode(node));
  ConnectInternal(now, node.value(), held, out);
  MatchAll(now, out);
  return absl::OkStatus();
}

absl::Status Core::Heartbeat(TimePoint now, NodeId node, NodeState state, float battery_soc,
                             Decisions& out) {
  FG_RETURN_IF_ERROR(CheckNode(node));
  if (battery_soc != kSocUnknown && !(battery_soc >= 0 && battery_soc <= 1)) {
    return absl::InvalidArgumentError("battery_soc must be in [0, 1] (or unknown), got " +
                                      std::to_string(battery_soc));
  }
  const uint32_t id = node.value();
  NodeRec& n = t_.nodes[id];
  n.battery_soc = battery_soc;
  t_.now = now;
  if (id < t_.energy.size()) {
    NodeEnergy& e = t_.energy[id];
    e.soc = battery_soc;
    e.soc_at = now;
    e.drawn_wh = 0;
  }
  if (n.conn == NodeConnection::kSilent) {
    // Alive after all: cancel the pending loss, keep its attempts.
    PrimNodeStatus(now, id, NodeConnection::kConnected, n.state, n.draining);
    n.last_heard = now;
    HbRemove(id);
    if (!n.implicit_heartbeat) HbInsert(id);
  } else if (n.conn != NodeConnection::kConnected) {
    ConnectInternal(now, id, {}, out);
  }
  Touch(now, id);
  if (n.state != state) {
    const bool was_driving = n.state == NodeState::kDriving;
    PrimNodeStatus(now, id, n.conn, state, n.draining);
    if (state == NodeState::kDriving) {
      StayEnds(now, id);
      StopWaiting(id);
      EndNodeAttempts(now, id, AttemptOutcome::kLeft, out);
    } else if (was_driving) {
      StayBegins(now, id);
    }
  }
  EnforceRules(now, id, out);
  ArmRuleTimers(now, id);
  MatchAll(now, out);
  return absl::OkStatus();
}

absl::Status Core::RequestWork(TimePoint now, NodeId node, uint32_t slots, Decisions& out) {
  FG_RETURN_IF_ERROR(CheckNode(node));
  const uint32_t id = node.value();
  NodeRec& n = t_.nodes[id];
  if (n.state == NodeState::kDriving) {
    return absl::FailedPreconditionError("node " + std::to_string(id) + " is driving");
  }
  if (n.draining) {
    return absl::FailedPreconditionError("node " + std::to_string(id) + " is draining");
  }
  // A new session (from silent too: a car back from a drive holds nothing).
  if (n.conn != NodeConnection::kConnected) ConnectInternal(now, id, {}, out);
  Touch(now, id);
  const uint32_t free_slots = n.max_concurrent > n.running ? n.max_concurrent - n.running : 0u;
  const uint16_t want = static_cast<uint16_t>(std::min(slots, free_slots));
  if (want == 0) {
    StopWaiting(id);
  } else {
    StartWaiting(now, id, want);
  }
  MatchAll(now, out);
  return absl::OkStatus();
}

absl::Status Core::Leave(TimePoint now, NodeId node, Decisions& out) {
  FG_RETURN_IF_ERROR(CheckNode(node));
  const uint32_t id = node.value();
  StayEnds(now, id);
  StopWaiting(id);
  HbRemove(id);
  EndNodeAttempts(now, id, AttemptOutcome::kLeft, out);
  NodeRec& n = t_.nodes[id];
  if (n.conn != NodeConnection::kLeft) {
    PrimNodeStatus(now, id, NodeConnection::kLeft, n.state, n.draining);
  }
  MatchAll(now, out);
  return absl::OkStatus();
}

absl::Status Core::NodeSilent(TimePoint last_heard, NodeId node) {
  FG_RETURN_IF_ERROR(CheckNode(node));
  const uint32_t id = node.value();
  NodeRec& n = t_.nodes[id];
  if (n.conn != NodeConnection::kConnected && n.conn != NodeConnection::kSilent) {
    return absl::FailedPreconditionError("node " + std::to_string(id) + " is not connected");
  }
  StopWaiting(id);
  StayEnds(last_heard, id);
  if (n.conn != NodeConnection::kSilent) {
    PrimNodeStatus(last_heard, id, NodeConnection::kSilent, n.state, n.draining);
  }
  HbRemove(id);
  n.last_heard = last_heard;
  HbInsert(id);
  return absl::OkStatus();
}

absl::Status Core::Drain(TimePoint now, NodeId node, Decisions& out) {
  FG_RETURN_IF_ERROR(CheckNode(node));
  const uint32_t id = node.value();
  StopWaiting(id);
  NodeRec& n = t_.nodes[id];
  if (!n.draining) PrimNodeStatus(now, id, n.conn, n.state, true);
  MatchAll(now, out);
  return absl::OkStatus();
}

absl::Status Core::Undrain(TimePoint now, NodeId node, Decisions& out) {
  FG_RETURN_IF_ERROR(CheckNode(node));
  NodeRec& n = t_.nodes[node.value()];
  if (n.draining) PrimNodeStatus(now, node.value(), n.conn, n.state, false);
  MatchAll(now, out);
  return absl::OkStatus();
}

absl::Status Core::SetEnergyPrice(TimePoint now, uint16_t zone, double price_per_kwh,
                                  Decisions& out) {
  if (!(price_per_kwh >= 0) || !std::isfinite(price_per_kwh)) {
    return absl::InvalidArgumentError("price_per_kwh must be a finite number >= 0");
  }
  if (zone >= t_.zone_price.size()) t_.zone_price.resize(zone + 1, 0);
  const bool fell = price_per_kwh < t_.zone_price[zone];
  t_.zone_price[zone] = price_per_kwh;
  if (fell) MatchAll(now, out);  // nodes held back for a dear price may now get work
  return absl::OkStatus();
}

absl::Status Core::SetNodePrediction(NodeId node, const NodePrediction& prediction) {
  FG_RETURN_IF_ERROR(CheckNode(node));
  if (t_.predictions.size() < t_.nodes.size()) t_.predictions.resize(t_.nodes.size());
  t_.predictions[node.value()] = prediction;
  return absl::OkStatus();
}

// ---------------------------------------------------------------- time

void Core::LoseNode(TimePoint at, uint32_t node, Decisions& out) {
  HbRemove(node);
  StopWaiting(node);
  StayEnds(at, node);
  NodeRec& n = t_.nodes[node];
  PrimNodeStatus(at, node, NodeConnection::kLost, n.state, n.draining);
  EndNodeAttempts(at, node, AttemptOutcome::kLost, out);
}

void Core::FireTimer(const Timer& timer, Decisions& out) {
  switch (timer.kind) {
    case TimerKind::kLeaseExpiry: {
      const TaskRec& t = t_.tasks[timer.id];
      if (!t.open()) return;
      const uint32_t slot = FindLive(timer.id, timer.gen);
      if (slot == kNil || t_.attempts[slot].reported) return;
      const CancelReason reason = CancelReason::kLeaseExpired;
      EndAttempt(timer.at, slot, AttemptOutcome::kExpired, out, &reason);
      Settle(timer.at, timer.id, ReadyReason::kRequeued, out);
      return;
    }
    case TimerKind::kJobDeadline: {
      const JobStatus s = t_.jobs[timer.id].status;
      if (s == JobStatus::kQueued || s == JobStatus::kRunning) {
        CloseJob(timer.at, timer.id, JobStatus::kFailed, CancelReason::kDeadline, kNil, out);
      }
      return;
    }
    case TimerKind::kQuotaReset:
      QuotaReset(timer.at, timer.id);
      return;
    case TimerKind::kRuleOpen:  // Tick matches it afterwards; still barred: wait again
      t_.now = timer.at;
      ArmRuleTimers(timer.at, timer.id);
      return;
    case TimerKind::kStage:
      StageTimer(timer.at, timer.id, out);
      return;
    case TimerKind::kWindowEnd:
      t_.now = timer.at;
      EnforceRules(timer.at, timer.id, out);
      ArmRuleTimers(timer.at, timer.id);
      return;
  }
}

TimePoint Core::HbDue() const {
  if (hb_head_ == kNil) return TimePoint::Infinite();
  const TimePoint deadline = HbDeadline(hb_head_);
  const LossGuard& g = config_.loss_guard;
  if (g.max_losses_per_second <= 0) return deadline;
  const Duration tau = PaceInterval(g) * (g.loss_burst - 1);
  return std::max(deadline, pace_tat_ - tau);
}

bool Core::SuspectSelf(TimePoint now) {
  const LossGuard& g = config_.loss_guard;
  if (g.suspect_fraction <= 0 || now < no_suspicion_before_ || now < next_suspicion_check_) {
    return false;
  }
  // Nodes that already waited out a suspicion are lost, not counted again; and a check costs
  // up to a walk of the list, so at most one per half window.
  if (HbDeadline(hb_head_) <= no_suspicion_before_) return false;
  next_suspicion_check_ = now + g.suspect_window / 2;
  const auto need = std::max<uint64_t>(
      g.suspect_min_nodes, static_cast<uint64_t>(std::ceil(g.suspect_fraction * hb_size_)));
  const TimePoint horizon = now + g.suspect_window;
  uint64_t due = 0;
  for (uint32_t i = hb_head_; i != kNil && due < need && HbDeadline(i) <= horizon;
       i = t_.nodes[i].hb_next) {
    ++due;
  }
  if (due < need) return false;
  // Every node due within the window counts as heard now: the prefix of the list moves to
  // its tail, in order (last_heard <= now for every node, so the list stays sorted).
  scratch_.clear();
  for (uint32_t i = hb_head_; i != kNil && HbDeadline(i) <= horizon; i = t_.nodes[i].hb_next) {
    scratch_.push_back(i);
  }
  for (const uint32_t i : scratch_) {
    HbRemove(i);
    t_.nodes[i].last_heard = now;
    HbInsert(i);
  }
  no_suspicion_before_ = now + config_.heartbeat_grace;
  ++t_.stats.self_suspicions;
  return true;
}

void Core::Tick(TimePoint now, Decisions& out) {
  // Due events in time order; at equal times node losses first, then timers in push order.
  const LossGuard& g = config_.loss_guard;
  for (;;) {
    const TimePoint hb = HbDue();
    const TimePoint tm = timers_.empty() ? TimePoint::Infinite() : timers_.top().at;
    if (hb <= tm && hb <= now && !hb.IsInfinite()) {
      if (SuspectSelf(now)) continue;
      // A loss the pace held back at an earlier Tick is declared now; others at their deadline.
      TimePoint at = HbDeadline(hb_head_);
      if (pace_held_) {
        at = now;
        ++t_.stats.losses_paced;
      }
      LoseNode(at, hb_head_, out);
      if (g.max_losses_per_second > 0) pace_tat_ = std::max(pace_tat_, now) + PaceInterval(g);
    } else if (tm <= now && !tm.IsInfinite()) {
      const Timer timer = timers_.top();
      timers_.Pop();
      FireTimer(timer, out);
    } else {
      break;
    }
  }
  pace_held_ = hb_head_ != kNil && HbDeadline(hb_head_) <= now;
  MatchAll(now, out);
}

bool Core::TimerLive(const Timer& timer) const {
  if (timer.kind == TimerKind::kQuotaReset) {
    return timer.id < t_.trust.size() && t_.trust[timer.id].held;
  }
  if (timer.kind == TimerKind::kRuleOpen) {
    const NodeRec& n = t_.nodes[timer.id];
    return n.waiting() && n.wait_ticket == timer.gen;
  }
  if (timer.kind == TimerKind::kWindowEnd) return t_.nodes[timer.id].running > 0;
  if (timer.kind == TimerKind::kStage) {
    const TaskRec& t = t_.tasks[timer.id];
    return t.open() && (t.bits & (TaskRec::kStagedBit | TaskRec::kStagingBit)) == 0;
  }
  if (timer.kind == TimerKind::kJobDeadline) {
    const JobStatus s = t_.jobs[timer.id].status;
    return s == JobStatus::kQueued || s == JobStatus::kRunning;
  }
  if (!t_.tasks[timer.id].open()) return false;
  const uint32_t slot = FindLive(timer.id, timer.gen);
  return slot != kNil && !t_.attempts[slot].reported;
}

TimePoint Core::NextWakeup() const {
  const TimePoint hb = HbDue();
  while (!timers_.empty() && !TimerLive(timers_.top())) timers_.Pop();  // amortized O(log n)
  const TimePoint tm = timers_.empty() ? TimePoint::Infinite() : timers_.top().at;
  // A policy waiting for a better node wants another Pick (only while one can be made).
  TimePoint retry = TimePoint::Infinite();
  if (t_.stats.tasks_ready > 0 && t_.stats.nodes_waiting > 0) {
    retry = policy_->RetryAt();
    if (retry <= t_.now) retry = TimePoint::Infinite();
  }
  return std::min({hb, tm, retry});
}

}  // namespace fleetgrid::core
