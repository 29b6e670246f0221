// fastest-first: the fastest waiting node (ties: longest waiting) gets the head of the
// same queue as fifo (requeued first, then oldest; higher priority first).
#include <algorithm>
#include <vector>

#include "coordinator/core/policies/builtin.h"
#include "coordinator/core/policies/task_queue.h"

namespace fleetgrid::core {
namespace {

class FastestFirstPolicy final : public TaskQueuePolicy {
 public:
  FastestFirstPolicy(std::string name, bool priority, uint32_t scan_limit)
      : TaskQueuePolicy(priority), name_(std::move(name)), scan_limit_(scan_limit) {}

  std::string_view name() const override { return name_; }

  void OnNodeWaiting(const FleetView& view, NodeId node, uint32_t ticket) override {
    if (nodes_.size() > 2 * view.stats().nodes_waiting + 1024) {  // drop stale entries
      std::erase_if(nodes_,
                    [&](const Entry& e) { return !view.NodeLive(NodeId(e.node), e.ticket); });
      std::make_heap(nodes_.begin(), nodes_.end(), Slower);
    }
    nodes_.push_back(Entry{view.NodeSpeed(node), seq_++, node.value(), ticket});
    std::push_heap(nodes_.begin(), nodes_.end(), Slower);
  }

  bool Pick(const FleetView& view, TimePoint, Match* out) override {
    bool found = false;
    uint32_t tried = 0;
    while (!nodes_.empty() && tried < scan_limit_) {
      const Entry e = nodes_.front();
      std::pop_heap(nodes_.begin(), nodes_.end(), Slower);
      nodes_.pop_back();
      if (!view.NodeLive(NodeId(e.node), e.ticket)) continue;
      if (view.NodeFitsNoTask(NodeId(e.node))) {  // not counted: see FleetView
        held_.push_back(e);
        continue;
      }
      ++tried;
      TaskId task;
      if (tasks_.Take(view, NodeId(e.node), scan_limit_, &task)) {
        *out = Match{NodeId(e.node), task};
        found = true;
        break;
      }
      held_.push_back(e);  // no eligible task for this node: put it back afterwards
    }
    for (const Entry& e : held_) {
      nodes_.push_back(e);
      std::push_heap(nodes_.begin(), nodes_.end(), Slower);
    }
    held_.clear();
    return found;
  }

  size_t MemoryBytes() const override {
    return tasks_.MemoryBytes() + nodes_.capacity() * sizeof(Entry);
  }

 private:
  struct Entry {
    double speed;
    uint64_t seq;  // waiting order
    uint32_t node;
    uint32_t ticket;
  };
  // Max-heap on speed, then min on seq.
  static bool Slower(const Entry& a, const Entry& b) {
    return a.speed != b.speed ? a.speed < b.speed : a.seq > b.seq;
  }

  std::string name_;
  uint32_t scan_limit_;
  uint64_t seq_ = 0;
  std::vector<Entry> nodes_;
  std::vector<Entry> held_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeFastestFirstPolicy(const PolicyContext& ctx) {
  ParamReader p("fastest-first", ctx.params);
  auto priority = p.Bool("priority", true);
  if (!priority.ok()) return priority.status();
  auto scan = p.ScanLimit();
  if (!scan.ok()) return scan.status();
  if (absl::Status s = p.CheckAllUsed(); !s.ok()) return s;
  return std::make_unique<FastestFirstPolicy>(p.DisplayName(), *priority, *scan);
}

}  // namespace fleetgrid::core
