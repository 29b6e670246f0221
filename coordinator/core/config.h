// CoreConfig: how a Core is built. Plain value.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/time.h"

namespace fleetgrid::core {

struct CoreConfig {
  Duration heartbeat_grace = Duration::Seconds(300);  // silent this long => node lost
  Duration attempt_timeout = Duration::Infinite();    // lease deadline = start + this
  uint16_t default_max_attempts = 0;                  // 0 = unlimited
  std::string policy = "fifo";                        // by name, from the policy registry
  std::map<std::string, std::string> policy_params;   // policy-specific, see docs/core.md
  uint64_t seed = 1;                                  // for policies that draw randomness
  bool record_changes = false;  // keep a change log for a durable store (live system)
};

}  // namespace fleetgrid::core
