// overflow: a hybrid pool of cars and datacenter nodes (NodeSpec::datacenter). Cars take
// work in fifo's order (requeued first, then oldest; higher priority first). Datacenter
// nodes, paid by the hour, take only tasks at risk: those whose job has used `risk` of the
// time between its submission and its deadline (default 0.5), or, for jobs without a
// deadline, has waited `max_wait` seconds (default: never). An at-risk task goes to a waiting
// datacenter node before any car, since a car may drive off before it finishes.
//
// Parameters: risk (in (0, 1]), max_wait (seconds), priority, scan_limit. While datacenter
// nodes wait and nothing is at risk, it asks the core to wake it when the head task will be
// (RetryAt).
#include <algorithm>
#include <cmath>
#include <limits>

#include "coordinator/core/policies/builtin.h"
#include "coordinator/core/policies/node_fifo.h"
#include "coordinator/core/policies/task_queue.h"

namespace fleetgrid::core {
namespace {

class OverflowPolicy final : public TaskQueuePolicy {
 public:
  OverflowPolicy(std::string name, double risk, double max_wait_s, bool priority,
                 uint32_t scan_limit)
      : TaskQueuePolicy(priority),
        name_(std::move(name)),
        risk_(risk),
        max_wait_s_(max_wait_s),
        scan_limit_(scan_limit) {}

  std::string_view name() const override { return name_; }

  void OnNodeWaiting(const FleetView& view, NodeId node, uint32_t ticket) override {
    NodeFifo& q = view.NodeInDatacenter(node) ? datacenter_ : cars_;
    if (q.size() > 2 * view.stats().nodes_waiting + 1024) {
      q.EraseIf([&](const NodeFifo::Entry& e) { return !view.NodeLive(e.node, e.ticket); });
    }
    q.Push(node, ticket);
  }

  bool Pick(const FleetView& view, TimePoint now, Match* out) override {
    retry_at_ = TimePoint::Infinite();
    auto at_risk = [&](TaskId t) { return RiskTime(view, t) <= now; };
    if (datacenter_.PickLongestWaiting(
            view, scan_limit_,
            [&](NodeId n, TaskId* t) {
              return tasks_.TakeMatching(view, n, scan_limit_, at_risk, t);
            },
            out)) {
      return true;
    }
    if (cars_.PickLongestWaiting(
            view, scan_limit_,
            [&](NodeId n, TaskId* t) { return tasks_.Take(view, n, scan_limit_, t); }, out)) {
      return true;
    }
    datacenter_.CleanFront(view);
    TaskId head;
    if (datacenter_.size() > 0 && tasks_.Front(view, &head)) {
      const TimePoint due = RiskTime(view, head);
      if (due > now && !due.IsInfinite()) retry_at_ = due;
    }
    return false;
  }

  TimePoint RetryAt() const override { return retry_at_; }

  size_t MemoryBytes() const override {
    return tasks_.MemoryBytes() + cars_.MemoryBytes() + datacenter_.MemoryBytes();
  }

 private:
  // When `task` becomes at risk (Infinite: never).
  TimePoint RiskTime(const FleetView& view, TaskId task) const {
    const JobId job = view.TaskJob(task);
    const TimePoint submitted = view.JobSubmitted(job);
    TimePoint t = TimePoint::Infinite();
    const TimePoint deadline = view.JobDeadline(job);
    if (!deadline.IsInfinite()) {
      t = submitted + Duration::FromSecondsF((deadline - submitted).SecondsF() * risk_);
    }
    if (std::isfinite(max_wait_s_)) {
      t = std::min(t, submitted + Duration::FromSecondsF(max_wait_s_));
    }
    return t;
  }

  std::string name_;
  double risk_;
  double max_wait_s_;
  uint32_t scan_limit_;
  NodeFifo cars_;
  NodeFifo datacenter_;
  TimePoint retry_at_ = TimePoint::Infinite();
};

}  // namespace

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeOverflowPolicy(const PolicyContext& ctx) {
  ParamReader p("overflow", ctx.params);
  auto risk = p.Double("risk", 0.5);
  if (!risk.ok()) return risk.status();
  auto max_wait = p.Double("max_wait", std::numeric_limits<double>::infinity());
  if (!max_wait.ok()) return max_wait.status();
  auto priority = p.Bool("priority", true);
  if (!priority.ok()) return priority.status();
  auto scan = p.ScanLimit();
  if (!scan.ok()) return scan.status();
  if (absl::Status s = p.CheckAllUsed(); !s.ok()) return s;
  if (!(*risk > 0 && *risk <= 1)) {
    return absl::InvalidArgumentError("policy overflow: parameter risk must be in (0, 1]");
  }
  if (!(*max_wait >= 0)) {
    return absl::InvalidArgumentError("policy overflow: parameter max_wait must be >= 0");
  }
  return std::make_unique<OverflowPolicy>(p.DisplayName(), *risk, *max_wait, *priority, *scan);
}

}  // namespace fleetgrid::core
