// Query results: snapshots of one node, task, job or attempt, for drivers and reports.
#pragma once

#include <cstdint>
#include <string>

#include "common/ids.h"
#include "common/time.h"
#include "coordinator/core/types.h"

namespace fleetgrid::core {

struct NodeInfo {
  NodeId id;
  OwnerId owner;
  uint8_t hw_class = 0;
  double speed = 1;
  uint64_t memory_bytes = 0;  // 0 = unknown
  LinkSpec link;
  NodeState state = NodeState::kParked;
  NodeConnection connection = NodeConnection::kRegistered;
  bool draining = false;
  bool implicit_heartbeat = false;
  float battery_soc = 1;
  uint16_t max_concurrent = 1;
  uint16_t running = 0;  // live attempts
  uint16_t waiting_slots = 0;
  TimePoint last_heard;
  TimePoint idle_since;
  uint32_t valid_results = 0;      // results that agreed with the accepted one
  uint32_t invalid_results = 0;    // results that lost a quorum vote (or a spot-check)
  uint16_t consecutive_valid = 0;  // validated results since the last invalid one
  uint16_t daily_quota = 0;        // today's quota (CoreConfig::quota; 0 when off)
  bool operator==(const NodeInfo&) const = default;
};

struct TaskInfo {
  TaskId id;
  JobId job;
  TaskStatus status = TaskStatus::kPending;
  TaskSpec spec;
  uint32_t epoch = 0;     // of the last assignment
  uint16_t attempts = 0;  // started
  uint8_t live_copies = 0;
  bool ready = false;         // wants another copy now
  bool unreplicated = false;  // open: its copy runs alone (adaptive replication)
  bool spot_check = false;    // open: its job knows the answer (never shown to cars)
  double checkpoint_units = 0;
  AttemptId accepted_attempt;  // when done
  NodeId accepted_node;        // when done
  bool operator==(const TaskInfo& o) const {
    return id == o.id && job == o.job && status == o.status && epoch == o.epoch &&
           attempts == o.attempts && live_copies == o.live_copies && ready == o.ready &&
           unreplicated == o.unreplicated && spot_check == o.spot_check &&
           checkpoint_units == o.checkpoint_units && accepted_attempt == o.accepted_attempt &&
           accepted_node == o.accepted_node && spec.work_units == o.spec.work_units &&
           spec.input_bytes == o.spec.input_bytes && spec.output_bytes == o.spec.output_bytes &&
           spec.memory_bytes == o.spec.memory_bytes;
  }
};

struct JobInfo {
  JobId id;
  std::string name;
  JobStatus status = JobStatus::kQueued;
  TaskId first_task;
  uint32_t task_count = 0;
  uint32_t tasks_done = 0;
  uint32_t tasks_closed = 0;  // done + failed + cancelled
  uint8_t replication = 1;
  uint8_t quorum = 1;
  uint16_t max_attempts = 0;
  int32_t priority = 0;
  TimePoint submitted;
  TimePoint deadline;
  bool operator==(const JobInfo&) const = default;
};

struct AttemptInfo {
  AttemptId id;
  TaskId task;
  NodeId node;
  uint32_t epoch = 0;
  bool reported = false;  // result in, waiting for quorum
  double progress_units = 0;
  double checkpoint_units = 0;
  TimePoint started;
  TimePoint lease_deadline;
  bool operator==(const AttemptInfo&) const = default;
};

}  // namespace fleetgrid::core
