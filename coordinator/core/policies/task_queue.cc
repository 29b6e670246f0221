#include "coordinator/core/policies/task_queue.h"

namespace fleetgrid::core {
namespace {
constexpr size_t kMaxEmptyLevels = 8;
}  // namespace

TaskQueue::Level& TaskQueue::LevelFor(int32_t priority) {
  if (!honour_priority_) priority = 0;
  if (!levels_.empty() && levels_.begin()->first == priority) return levels_.begin()->second;
  return levels_[priority];
}

void TaskQueue::PushFresh(int32_t priority, TaskId first, uint32_t count) {
  if (count == 0) return;
  Level& level = LevelFor(priority);
  const uint32_t f = first.value();
  if (!level.fresh.empty() && level.fresh.back().end == f) {
    level.fresh.back().end = f + count;
  } else {
    level.fresh.push_back(Range{f, f + count});
  }
}

void TaskQueue::PushFront(int32_t priority, TaskId task, uint32_t ticket) {
  LevelFor(priority).stack.push_back(Entry{task.value(), ticket});
}

void TaskQueue::CleanHead(const FleetView& view, Level& level) {
  while (!level.stack.empty() &&
         !view.TaskLive(TaskId(level.stack.back().task), level.stack.back().ticket)) {
    level.stack.pop_back();
  }
  if (!level.stack.empty()) return;
  while (!level.fresh.empty()) {
    Range& r = level.fresh.front();
    while (r.first < r.end && !view.TaskLive(TaskId(r.first), 0)) ++r.first;
    if (r.first < r.end) return;
    level.fresh.pop_front();
  }
}

bool TaskQueue::Take(const FleetView& view, NodeId node, uint32_t scan_limit, TaskId* out) {
  uint32_t scanned = 0;
  size_t empty_levels = 0;
  for (auto it = levels_.begin(); it != levels_.end(); ++it) {
    Level& level = it->second;
    CleanHead(view, level);
    if (level.empty()) {
      ++empty_levels;
      continue;
    }
    // Fast path: the head is live; take it if the node may run it.
    if (!level.stack.empty()) {
      const Entry e = level.stack.back();
      if (view.Eligible(node, TaskId(e.task))) {
        level.stack.pop_back();
        *out = TaskId(e.task);
        return true;
      }
    } else {
      Range& r = level.fresh.front();
      if (view.Eligible(node, TaskId(r.first))) {
        *out = TaskId(r.first++);
        if (r.first == r.end) level.fresh.pop_front();
        return true;
      }
    }
    // Slow path (replication: the head already runs on this owner): scan in queue order.
    for (size_t i = level.stack.size(); i-- > 0 && scanned < scan_limit;) {
      const Entry e = level.stack[i];
      if (!view.TaskLive(TaskId(e.task), e.ticket)) continue;
      ++scanned;
      if (view.Eligible(node, TaskId(e.task))) {
        *out = TaskId(e.task);
        return true;
      }
    }
    for (const Range& r : level.fresh) {
      for (uint32_t t = r.first; t < r.end && scanned < scan_limit; ++t) {
        if (!view.TaskLive(TaskId(t), 0)) continue;
        ++scanned;
        if (view.Eligible(node, TaskId(t))) {
          *out = TaskId(t);
          return true;
        }
      }
      if (scanned >= scan_limit) break;
    }
    if (scanned >= scan_limit) break;
  }
  if (empty_levels > kMaxEmptyLevels) {
    std::erase_if(levels_, [](const auto& kv) { return kv.second.empty(); });
  }
  return false;
}

bool TaskQueue::TakeMatching(const FleetView& view, NodeId node, uint32_t scan_limit,
                             absl::FunctionRef<bool(TaskId)> want, TaskId* out) {
  for (auto& [priority, level] : levels_) {
    CleanHead(view, level);
    if (level.empty()) continue;
    uint32_t scanned = 0;
    for (size_t i = level.stack.size(); i-- > 0 && scanned < scan_limit;) {
      const TaskId t(level.stack[i].task);
      if (!view.TaskLive(t, level.stack[i].ticket)) continue;
      ++scanned;
      if (want(t) && view.Eligible(node, t)) {
        *out = t;
        return true;
      }
    }
    for (const Range& r : level.fresh) {
      for (uint32_t t = r.first; t < r.end && scanned < scan_limit; ++t) {
        if (!view.TaskLive(TaskId(t), 0)) continue;
        ++scanned;
        if (want(TaskId(t)) && view.Eligible(node, TaskId(t))) {
          *out = TaskId(t);
          return true;
        }
      }
      if (scanned >= scan_limit) break;
    }
    return false;  // only the highest level: affinity does not beat priority
  }
  return false;
}

bool TaskQueue::Front(const FleetView& view, TaskId* out) {
  for (auto& [priority, level] : levels_) {
    CleanHead(view, level);
    if (level.empty()) continue;
    *out = TaskId(level.stack.empty() ? level.fresh.front().first : level.stack.back().task);
    return true;
  }
  return false;
}

size_t TaskQueue::MemoryBytes() const {
  size_t bytes = 0;
  for (const auto& [p, level] : levels_) {
    bytes += level.stack.capacity() * sizeof(Entry) + level.fresh.size() * sizeof(Range) + 64;
  }
  return bytes;
}

}  // namespace fleetgrid::core
