// CoreConfig: how a Core is built. Plain value.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/time.h"

namespace fleetgrid::core {

// Protection against an eviction storm, for drivers whose own silence can look like the
// fleet's (the live coordinator paused by the OS, or cut off from its cars). Two rules:
// - Self-suspicion: when the nodes due for loss within `suspect_window` from now are more
//   than `suspect_fraction` of the nodes being watched (and at least `suspect_min_nodes`),
//   the core blames itself rather than them: it counts each of those nodes as heard now and
//   so waits a whole grace period for their heartbeats. It does not suspect itself again
//   before that wait is over, so nodes that stay silent are then lost (the price: a real
//   mass departure is declared one grace period late).
// - Pacing: at most `max_losses_per_second` losses per second, in bursts of `loss_burst`;
//   a loss held back happens as soon as the pace allows (at that time).
// All off by default: the simulator loses a node exactly at last heard + grace.
struct LossGuard {
  double suspect_fraction = 0;  // in (0, 1]; 0 = never suspect
  Duration suspect_window = Duration::Zero();
  uint32_t suspect_min_nodes = 10;
  double max_losses_per_second = 0;  // 0 = unpaced
  uint32_t loss_burst = 1;
};

// Per-node daily quota (BOINC style), off by default: a node starts each day with `daily`
// task assignments; each invalid result (lost vote, failed spot-check) halves its quota
// (never below 1), each accepted result adds one (never above `daily`), and a copy the
// coordinator withdraws (not needed after its quorum, job closed) does not count. A node past
// its quota stops waiting for work until its next day (24 h periods from TimePoint::Epoch(),
// each node's shifted by a fixed offset from its id so that nodes held back do not all come
// back at once); running attempts continue.
// A node first seen starts at `initial` (0 = daily): a new identity must earn its quota.
struct HostQuota {
  uint16_t daily = 0;    // 0 = unlimited
  uint16_t initial = 0;  // 0 = daily; else in [1, daily]
};

struct CoreConfig {
  Duration heartbeat_grace = Duration::Seconds(300);  // silent this long => node lost
  Duration attempt_timeout = Duration::Infinite();    // lease deadline = start + this
  uint16_t default_max_attempts = 0;                  // 0 = unlimited
  std::string policy = "fifo";                        // by name, from the policy registry
  std::map<std::string, std::string> policy_params;   // policy-specific, see docs/core.md
  uint64_t seed = 1;                                  // for policies that draw randomness
  bool record_changes = false;  // keep a change log for a durable store (live system)
  LossGuard loss_guard;
  HostQuota quota;
};

}  // namespace fleetgrid::core
