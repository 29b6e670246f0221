// Change records: every durable state change the core makes, in order.
//
// With CoreConfig::record_changes the core appends one record per change; a store persists
// them before the service acknowledges anything, and Core::Restore rebuilds the state from
// them. Heartbeats, progress without checkpoint and waiting for work are not durable: after
// a restore, nodes are heard "now" and must ask for work again.
// Thread safety: plain values.
#pragma once

#include <variant>

#include "common/ids.h"
#include "common/time.h"
#include "coordinator/core/types.h"

namespace fleetgrid::core {

namespace change {
struct NodeRegistered {
  NodeId node;
  NodeSpec spec;
};
struct NodeStatus {  // connection, reported state and drain flag after the change
  TimePoint at;
  NodeId node;
  NodeConnection conn;
  NodeState state;
  bool draining;
};
struct JobSubmitted {
  TimePoint at;
  JobId job;
  TaskId first_task;
  JobSpec spec;
};
struct JobStatusChanged {
  TimePoint at;
  JobId job;
  JobStatus status;
};
struct AttemptStarted {
  TimePoint at;
  TaskId task;
  uint32_t epoch;
  NodeId node;
  TimePoint lease_deadline;
};
struct AttemptEnded {
  TimePoint at;
  TaskId task;
  uint32_t epoch;
  AttemptOutcome outcome;
  double work_lost_units;
};
struct ResultRecorded {  // a result waiting for quorum
  TimePoint at;
  TaskId task;
  uint32_t epoch;
  ResultDigest digest;
};
struct Checkpointed {
  TimePoint at;
  TaskId task;
  uint32_t epoch;
  double units;
};
struct TaskAccepted {  // after the task's attempts all ended (the winner kSucceeded)
  TimePoint at;
  TaskId task;
  uint32_t epoch;  // of the accepted attempt
  NodeId node;
  ResultDigest digest;
};
struct TaskClosed {  // failed or cancelled
  TimePoint at;
  TaskId task;
  TaskStatus status;
};
}  // namespace change

using Change = std::variant<change::NodeRegistered, change::NodeStatus, change::JobSubmitted,
                            change::JobStatusChanged, change::AttemptStarted, change::AttemptEnded,
                            change::ResultRecorded, change::Checkpointed, change::TaskAccepted,
                            change::TaskClosed>;

}  // namespace fleetgrid::core
