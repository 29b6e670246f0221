// Untrusted results: node reputation (consecutive validated results), adaptive replication,
// spot-checks with known answers and the per-node daily quota.
//
// Every rule here is a pure function of the replayed change records (AttemptStarted,
// AttemptEnded), the job specs and the config, so Restore rebuilds reputation and quotas
// exactly without records of their own. Holding a node back (NodeTrust::held) is waiting
// state, which is not durable: a restored node asks again and is held again if need be.
#include <algorithm>

#include "common/rng.h"
#include "coordinator/core/core.h"

namespace fleetgrid::core {
namespace {

constexpr Duration kDay = Duration::Hours(24);

// Each node's day starts at its own offset into the 24 h (a fixed hash of its id), so that
// held-back nodes do not all come back at the same instant (like hosts' local midnights).
Duration DayOffset(uint32_t node) {
  return Duration::Nanos(static_cast<int64_t>((uint64_t{node} * 0x9E3779B97F4A7C15ull) %
                                              static_cast<uint64_t>(kDay.nanos())));
}

TimePoint NextDay(TimePoint at, uint32_t node) {
  const int64_t day = (at.SinceEpoch() + DayOffset(node)) / kDay;
  return TimePoint::Epoch() + kDay * (day + 1) - DayOffset(node);
}

}  // namespace

uint16_t QuotaDay(TimePoint at, uint32_t node) {
  return static_cast<uint16_t>((at.SinceEpoch() + DayOffset(node)) / kDay);  // mod 2^16
}

void Core::EnsureTrust() {
  t_.trust_on = true;
  if (t_.trust.size() == t_.nodes.size()) return;
  NodeTrust fresh;
  fresh.quota = config_.quota.initial != 0 ? config_.quota.initial : config_.quota.daily;
  t_.trust.resize(t_.nodes.size(), fresh);
}

bool Core::OverQuota(TimePoint now, uint32_t node) const {
  if (config_.quota.daily == 0) return false;
  const NodeTrust& tr = t_.trust[node];
  const uint16_t used = tr.day == QuotaDay(now, node) ? tr.used : 0;
  return used >= tr.quota;
}

void Core::HoldForQuota(TimePoint now, uint32_t node) {
  NodeTrust& tr = t_.trust[node];
  ++t_.stats.quota_holds;
  if (tr.held) return;  // its timer is pending
  tr.held = true;
  timers_.Push(NextDay(now, node), TimerKind::kQuotaReset, node, 0);
}

void Core::QuotaReset(TimePoint now, uint32_t node) {
  NodeTrust& tr = t_.trust[node];
  if (!tr.held) return;
  tr.held = false;
  const NodeRec& n = t_.nodes[node];
  if (n.conn != NodeConnection::kConnected || n.state == NodeState::kDriving || n.draining ||
      n.wanted > 0 || n.running >= n.max_concurrent) {
    return;  // gone, or asking on its own again
  }
  StartWaiting(now, node, static_cast<uint16_t>(n.max_concurrent - n.running));
}

void Core::StartWaiting(TimePoint now, uint32_t node, uint16_t want) {
  NodeRec& n = t_.nodes[node];
  if (OverQuota(now, node)) {
    StopWaiting(node);
    HoldForQuota(now, node);
    return;
  }
  if (n.wanted == 0) {
    n.wanted = want;
    n.idle_since = now;
    ++t_.stats.nodes_waiting;
    policy_->OnNodeWaiting(view_, NodeId(node), ++n.wait_ticket);
    if (!t_.energy.empty()) {
      t_.now = now;
      ArmRuleTimers(now, node);
    }
  } else {
    n.wanted = want;  // already waiting: keeps its place
  }
}

void Core::UpdateTrust(TimePoint now, uint32_t slot, AttemptOutcome outcome) {
  if (t_.trust.empty()) return;
  const AttemptRec& a = t_.attempts[slot];
  NodeTrust& tr = t_.trust[a.node];
  const uint16_t daily = config_.quota.daily;
  if (outcome == AttemptOutcome::kDisagreed) {  // an invalid result: trust lost at once
    tr.consecutive_valid = 0;
    tr.quota = std::max<uint16_t>(1, tr.quota / 2);
    return;
  }
  if (outcome == AttemptOutcome::kCancelled) {
    // Withdrawn by the coordinator (its quorum was met without it, or its job closed): the
    // car did nothing wrong and nothing of it was judged, so the assignment is given back
    // if it was counted today. Else every third copy cancelled after a 2-of-3 quorum would
    // cost an honest car a unit for nothing, and a car at a low quota soon stops for the day.
    if (daily != 0 && tr.used > 0 && tr.day == QuotaDay(a.started, a.node)) --tr.used;
  } else if (outcome == AttemptOutcome::kSucceeded) {
    // Every accepted result lifts the quota (BOINC's rule), but only checked results build
    // trust: agreement in a quorum of 2 or more, or a passed spot-check. A result accepted
    // alone (quorum 1, or a trusted car's unreplicated copy) proves nothing about the car;
    // were it not to lift the quota either, each such copy would use up a unit for good.
    const TaskRec& t = t_.tasks[a.task];
    const bool canary = (t.bits & TaskRec::kCanaryBit) != 0;
    const bool validated =
        canary || ((t.bits & TaskRec::kSoloBit) == 0 && t_.jobs[t_.JobOf(a.task)].quorum >= 2);
    if (validated && tr.consecutive_valid != UINT16_MAX) ++tr.consecutive_valid;
    if (tr.quota < daily) ++tr.quota;
  } else {
    return;
  }
  // Held until its next day, a node whose quota was lifted or given back may take work today
  // (else a new car starting at quota 1 would wait a day after its first result). Never
  // during Restore: held is waiting state, which replay does not rebuild.
  if (tr.held && !OverQuota(now, a.node)) QuotaReset(now, a.node);
}

void Core::DecideSolo(uint32_t task, uint32_t epoch, uint32_t node) {
  TaskRec& t = t_.tasks[task];
  if (t.live != 0) return;  // a further copy: the task's mode is already set
  t.bits &= ~TaskRec::kSoloBit;
  const JobRec& j = t_.jobs[t_.JobOf(task)];
  const AdaptiveReplication& ar = j.adaptive;
  if (ar.trust_threshold == 0 || j.quorum < 2 || (t.bits & TaskRec::kCanaryBit) != 0 ||
      t_.trust[node].consecutive_valid < ar.trust_threshold) {
    return;
  }
  // One draw per (task, epoch) from the core's seed: deterministic, and the same on replay.
  Rng rng = Rng::Stream(config_.seed, "adaptive-replication", (uint64_t{task} << 32) | epoch);
  if (rng.Uniform() < ar.skip_probability) t.bits |= TaskRec::kSoloBit;
}

bool Core::Trusted(uint32_t node, const JobRec& job) const {
  return job.adaptive.trust_threshold > 0 &&
         t_.trust[node].consecutive_valid >= job.adaptive.trust_threshold;
}

uint32_t Core::QuorumFor(const JobRec& job, bool trusted) const {
  const uint8_t uq = job.adaptive.untrusted_quorum;
  return !trusted && uq > job.quorum ? uq : job.quorum;
}

bool Core::GroupQualifies(uint32_t task, uint32_t slot) const {
  const JobRec& j = t_.jobs[t_.JobOf(task)];
  const ResultDigest& digest = t_.attempts[slot].digest;
  uint32_t agree = 0;
  bool trusted = false;
  for (uint32_t s = t_.tasks[task].link; s != kNil; s = t_.attempts[s].next_in_task) {
    const AttemptRec& a = t_.attempts[s];
    if (a.reported && a.digest == digest) {
      ++agree;
      if (j.adaptive.untrusted_quorum != 0) trusted |= Trusted(a.node, j);
    }
  }
  return agree >= QuorumFor(j, trusted);
}

const ResultDigest* Core::KnownDigest(uint32_t task) const {
  const JobRec& j = t_.jobs[t_.JobOf(task)];
  if (j.known == nullptr) return nullptr;
  const uint32_t index = task - j.first_task;
  auto it = std::lower_bound(j.known->begin(), j.known->end(), index,
                             [](const KnownAnswer& k, uint32_t i) { return k.task_index < i; });
  return it != j.known->end() && it->task_index == index ? &it->digest : nullptr;
}

}  // namespace fleetgrid::core
