// fair-share: weighted fair share of the fleet's compute across clients (JobSpec::client).
// Each client has its own queue in fifo's order (requeued first, then oldest; higher
// priority first). The longest-waiting node serves the client furthest below its share: the
// least running compute (summed speed of the nodes running its attempts, FleetView::
// ClientSpeed) per unit of weight, ties to the earlier client. A client with nothing to run
// leaves its share to the others (work-conserving), as in HTCondor's fair share or Hadoop's
// Fair Scheduler; unlike HTCondor it keeps no history: the share is of compute now.
//
// Parameters: weights ("name:weight,..."; unlisted clients weigh 1; "" is the client of
// jobs that name none, written as `default`), priority, scan_limit.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <vector>

#include "coordinator/core/policies/builtin.h"
#include "coordinator/core/policies/node_fifo.h"
#include "coordinator/core/policies/task_queue.h"

namespace fleetgrid::core {
namespace {

class FairSharePolicy final : public SchedulingPolicy {
 public:
  FairSharePolicy(std::string name, std::map<std::string, double, std::less<>> weights,
                  bool priority, uint32_t scan_limit)
      : name_(std::move(name)),
        weights_(std::move(weights)),
        priority_(priority),
        scan_limit_(scan_limit) {}

  std::string_view name() const override { return name_; }

  void OnTaskReady(const FleetView& view, TaskId task, uint32_t ticket, ReadyReason) override {
    Queue(view, view.JobClient(view.TaskJob(task)))
        .PushFront(view.TaskPriority(task), task, ticket);
  }
  void OnTasksSubmitted(const FleetView& view, JobId job, TaskId first, uint32_t count) override {
    Queue(view, view.JobClient(job)).PushFresh(view.JobPriority(job), first, count);
  }
  void OnNodeWaiting(const FleetView& view, NodeId node, uint32_t ticket) override {
    if (nodes_.size() > 2 * view.stats().nodes_waiting + 1024) {
      nodes_.EraseIf([&](const NodeFifo::Entry& e) { return !view.NodeLive(e.node, e.ticket); });
    }
    nodes_.Push(node, ticket);
  }

  bool Pick(const FleetView& view, TimePoint, Match* out) override {
    // Clients with a ready task, furthest below their share first.
    order_.clear();
    for (uint32_t c = 0; c < queues_.size(); ++c) {
      TaskId head;
      if (queues_[c].Front(view, &head)) order_.push_back(c);
    }
    std::sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) {
      const double ua = view.ClientSpeed(a) / weight_[a], ub = view.ClientSpeed(b) / weight_[b];
      return ua != ub ? ua < ub : a < b;
    });
    return nodes_.PickLongestWaiting(
        view, scan_limit_,
        [&](NodeId node, TaskId* task) {
          for (uint32_t c : order_) {
            if (queues_[c].Take(view, node, scan_limit_, task)) return true;
          }
          return false;
        },
        out);
  }

  size_t MemoryBytes() const override {
    size_t b = nodes_.MemoryBytes() + weight_.capacity() * sizeof(double);
    for (const TaskQueue& q : queues_) b += q.MemoryBytes();
    return b;
  }

 private:
  TaskQueue& Queue(const FleetView& view, uint32_t client) {
    while (queues_.size() <= client) {
      const std::string& name = view.ClientName(static_cast<uint32_t>(queues_.size()));
      const auto it = weights_.find(name.empty() ? std::string_view("default") : name);
      weight_.push_back(it == weights_.end() ? 1.0 : it->second);
      queues_.emplace_back(priority_);
    }
    return queues_[client];
  }

  std::string name_;
  std::map<std::string, double, std::less<>> weights_;
  bool priority_;
  uint32_t scan_limit_;
  std::vector<TaskQueue> queues_;  // by client index
  std::vector<double> weight_;     // by client index
  NodeFifo nodes_;
  std::vector<uint32_t> order_;  // scratch
};

// "a:3,b:1" -> {a: 3, b: 1}; InvalidArgument naming the bad entry.
absl::StatusOr<std::map<std::string, double, std::less<>>> ParseWeights(const std::string& s) {
  std::map<std::string, double, std::less<>> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(',', pos);
    if (end == std::string::npos) end = s.size();
    const std::string item = s.substr(pos, end - pos);
    const size_t colon = item.rfind(':');
    double w = 0;
    const char* first = colon == std::string::npos ? nullptr : item.data() + colon + 1;
    const auto r = first == nullptr ? std::from_chars_result{nullptr, std::errc::invalid_argument}
                                    : std::from_chars(first, item.data() + item.size(), w);
    if (colon == 0 || first == nullptr || r.ec != std::errc() ||
        r.ptr != item.data() + item.size() || !(w > 0) || !std::isfinite(w)) {
      return absl::InvalidArgumentError(
          "policy fair-share: parameter weights wants name:weight,... with weights > 0, got '" +
          item + "'");
    }
    if (!out.emplace(item.substr(0, colon), w).second) {
      return absl::InvalidArgumentError("policy fair-share: parameter weights names '" +
                                        item.substr(0, colon) + "' twice");
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeFairSharePolicy(const PolicyContext& ctx) {
  ParamReader p("fair-share", ctx.params);
  auto weights = ParseWeights(p.String("weights", ""));
  if (!weights.ok()) return weights.status();
  auto priority = p.Bool("priority", true);
  if (!priority.ok()) return priority.status();
  auto scan = p.ScanLimit();
  if (!scan.ok()) return scan.status();
  if (absl::Status s = p.CheckAllUsed(); !s.ok()) return s;
  return std::make_unique<FairSharePolicy>(p.DisplayName(), *std::move(weights), *priority, *scan);
}

}  // namespace fleetgrid::core
