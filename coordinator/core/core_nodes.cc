// Core entry points for nodes, heartbeat bookkeeping and time (Tick / NextWakeup).
#include <algorithm>

#include "coordinator/core/core.h"

namespace fleetgrid::core {

NodeId Core::RegisterNode(const NodeSpec& spec) {
  const uint32_t id = static_cast<uint32_t>(t_.nodes.size());
  NodeRec& n = t_.nodes.emplace_back();
  n.owner = spec.owner;
  n.speed = static_cast<float>(spec.speed);
  n.hw_class = spec.hw_class;
  n.max_concurrent = std::max<uint16_t>(spec.max_concurrent, 1);
  n.implicit_heartbeat = spec.implicit_heartbeat;
  t_.links.push_back(spec.link);
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
  const uint32_t id = node.value();
  NodeRec& n = t_.nodes[id];
  n.battery_soc = battery_soc;
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
    PrimNodeStatus(now, id, n.conn, state, n.draining);
    if (state == NodeState::kDriving) {
      StopWaiting(id);
      EndNodeAttempts(now, id, AttemptOutcome::kLeft, out);
    }
  }
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
  } else if (n.wanted == 0) {
    n.wanted = want;
    n.idle_since = now;
    ++t_.stats.nodes_waiting;
    policy_->OnNodeWaiting(view_, node, ++n.wait_ticket);
  } else {
    n.wanted = want;  // already waiting: keeps its place
  }
  MatchAll(now, out);
  return absl::OkStatus();
}

absl::Status Core::Leave(TimePoint now, NodeId node, Decisions& out) {
  FG_RETURN_IF_ERROR(CheckNode(node));
  const uint32_t id = node.value();
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
  }
}

void Core::Tick(TimePoint now, Decisions& out) {
  // Due events in time order; at equal times node losses first, then timers in push order.
  for (;;) {
    const TimePoint hb = hb_head_ == kNil ? TimePoint::Infinite() : HbDeadline(hb_head_);
    const TimePoint tm = timers_.empty() ? TimePoint::Infinite() : timers_.top().at;
    if (hb <= tm && hb <= now && !hb.IsInfinite()) {
      LoseNode(hb, hb_head_, out);
    } else if (tm <= now && !tm.IsInfinite()) {
      const Timer timer = timers_.top();
      timers_.Pop();
      FireTimer(timer, out);
    } else {
      break;
    }
  }
  MatchAll(now, out);
}

bool Core::TimerLive(const Timer& timer) const {
  if (timer.kind == TimerKind::kJobDeadline) {
    const JobStatus s = t_.jobs[timer.id].status;
    return s == JobStatus::kQueued || s == JobStatus::kRunning;
  }
  if (!t_.tasks[timer.id].open()) return false;
  const uint32_t slot = FindLive(timer.id, timer.gen);
  return slot != kNil && !t_.attempts[slot].reported;
}

TimePoint Core::NextWakeup() const {
  const TimePoint hb = hb_head_ == kNil ? TimePoint::Infinite() : HbDeadline(hb_head_);
  while (!timers_.empty() && !TimerLive(timers_.top())) timers_.Pop();  // amortized O(log n)
  const TimePoint tm = timers_.empty() ? TimePoint::Infinite() : timers_.top().at;
  return std::min(hb, tm);
}

}  // namespace fleetgrid::core
