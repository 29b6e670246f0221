// fifo: FLEET-1's baseline. The longest-waiting node gets the head of the queue: requeued
// tasks first (most recently requeued first), then fresh tasks oldest first; higher job
// priority first (parameter priority=false ignores it).
#include "coordinator/core/policies/builtin.h"
#include "coordinator/core/policies/node_fifo.h"
#include "coordinator/core/policies/task_queue.h"

namespace fleetgrid::core {
namespace {

class FifoPolicy final : public SchedulingPolicy {
 public:
  FifoPolicy(std::string name, bool priority, uint32_t scan_limit)
      : name_(std::move(name)), tasks_(priority), scan_limit_(scan_limit) {}

  std::string_view name() const override { return name_; }

  void OnTaskReady(const FleetView& view, TaskId task, uint32_t ticket, ReadyReason) override {
    tasks_.PushFront(view.TaskPriority(task), task, ticket);
  }
  void OnTasksSubmitted(const FleetView& view, JobId job, TaskId first, uint32_t count) override {
    tasks_.PushFresh(view.JobPriority(job), first, count);
  }
  void OnNodeWaiting(const FleetView&, NodeId node, uint32_t ticket) override {
    nodes_.Push(node, ticket);
  }

  bool Pick(const FleetView& view, TimePoint, Match* out) override {
    return nodes_.PickLongestWaiting(
        view, scan_limit_,
        [&](NodeId node, TaskId* task) { return tasks_.Take(view, node, scan_limit_, task); }, out);
  }

  size_t MemoryBytes() const override { return tasks_.MemoryBytes() + nodes_.MemoryBytes(); }

 private:
  std::string name_;
  TaskQueue tasks_;
  NodeFifo nodes_;
  uint32_t scan_limit_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeFifoPolicy(const PolicyContext& ctx) {
  ParamReader p("fifo", ctx.params);
  auto priority = p.Bool("priority", true);
  if (!priority.ok()) return priority.status();
  auto scan = p.UInt("scan_limit", kDefaultScanLimit);
  if (!scan.ok()) return scan.status();
  if (absl::Status s = p.CheckAllUsed(); !s.ok()) return s;
  return std::make_unique<FifoPolicy>(p.DisplayName(), *priority,
                                      static_cast<uint32_t>(std::max<uint64_t>(*scan, 1)));
}

}  // namespace fleetgrid::core
