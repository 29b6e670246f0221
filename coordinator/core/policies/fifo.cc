// fifo: FLEET-1's baseline. The longest-waiting node gets the head of the queue: requeued
// tasks first (most recently requeued first), then fresh tasks oldest first; higher job
// priority first (parameter priority=false ignores it).
// With affinity=true, weights are downloaded once per car rather than once per task: the
// head task goes to the longest-waiting node that holds its model's weights, if one waits
// (a fleet with idle cars); else the longest-waiting node takes the first task of the model
// it holds among the next scan_limit of its priority level (a fleet with a backlog), else
// the head. Delay scheduling (Zaharia et al., EuroSys 2010): a node that holds another
// model's weights takes the head only once the head's job has waited affinity_wait seconds
// (default 60) while some node holds the head's model; a node holding none takes it at once.
// Data-local tasks (TaskSpec::data_node) wait in a queue of their data node, which takes
// them before anything else, until their input is staged; then they join the main queue.
#include <deque>
#include <unordered_map>

#include "coordinator/core/policies/builtin.h"
#include "coordinator/core/policies/node_fifo.h"
#include "coordinator/core/policies/task_queue.h"

namespace fleetgrid::core {
namespace {

class FifoPolicy final : public SchedulingPolicy {
 public:
  FifoPolicy(std::string name, bool priority, bool affinity, Duration affinity_wait,
             uint32_t scan_limit)
      : name_(std::move(name)),
        tasks_(priority),
        affinity_(affinity),
        affinity_wait_(affinity_wait),
        scan_limit_(scan_limit) {}

  std::string_view name() const override { return name_; }

  void OnTaskReady(const FleetView& view, TaskId task, uint32_t ticket, ReadyReason) override {
    if (const uint32_t d = view.TaskDataNode(task);
        d != TaskSpec::kNoDataNode && !view.TaskStaged(task)) {
      local_[d].push_back({task, ticket});  // only its data node may run it
      if (view.NodeWaiting(NodeId(d))) local_waiting_.push_back(NodeId(d));
      return;
    }
    tasks_.PushFront(view.TaskPriority(task), task, ticket);
  }
  void OnTasksSubmitted(const FleetView& view, JobId job, TaskId first, uint32_t count) override {
    if (!view.JobDataLocal(job)) {
      tasks_.PushFresh(view.JobPriority(job), first, count);
      return;
    }
    for (uint32_t i = 0; i < count; ++i) OnTaskReady(view, TaskId(first.value() + i), 0, {});
  }
  void OnNodeWaiting(const FleetView& view, NodeId node, uint32_t ticket) override {
    nodes_.Push(node, ticket);
    if (!local_.empty() && local_.count(node.value()) != 0) local_waiting_.push_back(node);
    if (affinity_) {
      if (const uint32_t m = view.NodeModel(node); m != 0) {
        NodeFifo& fifo = holders_[m];
        fifo.Push(node, ticket);
        // A model without tasks for a long time never pops its holders: keep it short.
        if (fifo.size() > 2 * size_t{view.node_count()} + 64) {
          fifo.EraseIf([&](const NodeFifo::Entry& e) {
            return !view.NodeLive(e.node, e.ticket) || view.NodeModel(e.node) != m;
          });
        }
      }
    }
  }

  bool Pick(const FleetView& view, TimePoint now, Match* out) override {
    retry_at_ = TimePoint::Infinite();
    // Waiting data nodes first, with their own inputs (however long others have waited).
    while (!local_waiting_.empty()) {
      const NodeId node = local_waiting_.front();
      local_waiting_.pop_front();
      TaskId task;
      if (view.NodeWaiting(node) && TakeLocal(view, node, &task)) {
        *out = Match{node, task};
        return true;
      }
    }
    if (!affinity_) {
      return nodes_.PickLongestWaiting(
          view, scan_limit_,
          [&](NodeId node, TaskId* task) {
            return TakeLocal(view, node, task) || tasks_.Take(view, node, scan_limit_, task);
          },
          out);
    }
    if (PickHolder(view, out)) return true;
    // The head's job may still wait for a node that holds its model.
    TimePoint hold_until = TimePoint::Infinite();
    bool hold = false;
    TaskId head;
    if (tasks_.Front(view, &head)) {
      const uint32_t m = view.TaskModel(head);
      if (m != 0 && view.ModelHolders(m) > 0) {
        hold_until = view.JobSubmitted(view.TaskJob(head)) + affinity_wait_;
        hold = now < hold_until;
      }
    }
    const bool picked = nodes_.PickLongestWaiting(
        view, scan_limit_,
        [&](NodeId node, TaskId* task) {
          const uint32_t held = view.NodeModel(node);
          if (held != 0 && tasks_.TakeMatching(
                               view, node, scan_limit_,
                               [&](TaskId t) { return view.TaskModel(t) == held; }, task)) {
            return true;
          }
          if (TakeLocal(view, node, task)) return true;
          if (hold && held != 0) return false;  // would drop its weights for the head
          return tasks_.Take(view, node, scan_limit_, task);
        },
        out);
    if (!picked && hold) retry_at_ = hold_until;
    return picked;
  }

  TimePoint RetryAt() const override { return retry_at_; }

  size_t MemoryBytes() const override {
    size_t bytes = tasks_.MemoryBytes() + nodes_.MemoryBytes();
    for (const auto& [model, fifo] : holders_) bytes += fifo.MemoryBytes() + 32;
    return bytes;
  }

 private:
  // The oldest live task whose input sits on `node` (data-local), left for it alone.
  bool TakeLocal(const FleetView& view, NodeId node, TaskId* task) {
    if (local_.empty()) return false;
    auto it = local_.find(node.value());
    if (it == local_.end()) return false;
    std::deque<NodeFifoTask>& q = it->second;
    while (!q.empty() && !view.TaskLive(q.front().task, q.front().ticket)) q.pop_front();
    for (const NodeFifoTask& e : q) {
      if (view.TaskLive(e.task, e.ticket) && view.Eligible(node, e.task)) {
        *task = e.task;
        return true;
      }
    }
    if (q.empty()) local_.erase(it);
    return false;
  }

  // The head task to a waiting node that holds its model's weights.
  bool PickHolder(const FleetView& view, Match* out) {
    TaskId head;
    if (!tasks_.Front(view, &head)) return false;
    const uint32_t m = view.TaskModel(head);
    if (m == 0) return false;
    auto it = holders_.find(m);
    if (it == holders_.end()) return false;
    NodeFifo& fifo = it->second;
    // Entries of nodes that have since taken another model's weights are stale too.
    while (fifo.size() > 0 &&
           (!view.NodeLive(fifo[0].node, fifo[0].ticket) || view.NodeModel(fifo[0].node) != m)) {
      fifo.PopFront();
    }
    return fifo.PickLongestWaiting(
        view, scan_limit_,
        [&](NodeId node, TaskId* task) {
          return view.NodeModel(node) == m &&
                 tasks_.TakeMatching(
                     view, node, scan_limit_, [&](TaskId t) { return view.TaskModel(t) == m; },
                     task);
        },
        out);
  }

  std::string name_;
  TaskQueue tasks_;
  bool affinity_;
  Duration affinity_wait_;
  TimePoint retry_at_ = TimePoint::Infinite();
  NodeFifo nodes_;
  std::unordered_map<uint32_t, NodeFifo> holders_;  // affinity: waiting nodes by held model
  struct NodeFifoTask {
    TaskId task;
    uint32_t ticket;
  };
  // Data-local tasks not staged yet, by the node that holds their input, oldest first.
  std::unordered_map<uint32_t, std::deque<NodeFifoTask>> local_;
  std::deque<NodeId> local_waiting_;  // waiting nodes that may have tasks in local_
  uint32_t scan_limit_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeFifoPolicy(const PolicyContext& ctx) {
  ParamReader p("fifo", ctx.params);
  auto priority = p.Bool("priority", true);
  if (!priority.ok()) return priority.status();
  auto affinity = p.Bool("affinity", false);
  if (!affinity.ok()) return affinity.status();
  auto wait = p.Double("affinity_wait", 60);
  if (!wait.ok()) return wait.status();
  if (!(*wait >= 0 && *wait <= 1e9)) {
    return absl::InvalidArgumentError("fifo: affinity_wait must be in [0, 1e9] seconds");
  }
  auto scan = p.ScanLimit();
  if (!scan.ok()) return scan.status();
  if (absl::Status s = p.CheckAllUsed(); !s.ok()) return s;
  return std::make_unique<FifoPolicy>(p.DisplayName(), *priority, *affinity,
                                      Duration::FromSecondsF(*wait), *scan);
}

}  // namespace fleetgrid::core
