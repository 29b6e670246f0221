// availability-aware: a task goes only to a car expected to stay parked long enough to
// finish it, with a margin, and the longest tasks go to the longest-staying cars.
//
// The longest-waiting car is served first. Its expected stay (FleetView::ExpectedStay: the
// departure it warned of, else learned from its own past stays) times its speed, divided by
// `margin`, is the work it can take; it gets the largest ready task that fits (oldest first
// among equals, requeued before fresh). A task that fits no waiting car for `patience`
// seconds goes to the longest-staying one anyway, so nothing starves on a fleet of short
// stays. Tasks are kept in buckets of remaining work, a factor sqrt(2) apart.
//
// availability-deadline: the same fit, but among the tasks that fit, the earliest job
// deadline first (then the largest).
//
// Parameters: margin (>= 1, default 1.5), patience (seconds, default 3600), scan_limit.
#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <limits>

#include "coordinator/core/policies/builtin.h"
#include "coordinator/core/policies/node_fifo.h"

namespace fleetgrid::core {
namespace {

constexpr int kBuckets = 72;  // sqrt(2) steps: bucket 71 starts near 2^35 units

int BucketOf(double work) {
  if (!(work > 1)) return 0;
  return std::min(kBuckets - 1, static_cast<int>(std::floor(2 * std::log2(work))));
}

class AvailabilityAwarePolicy final : public SchedulingPolicy {
 public:
  AvailabilityAwarePolicy(std::string name, double margin, Duration patience, uint32_t scan_limit,
                          bool by_deadline)
      : name_(std::move(name)),
        margin_(margin),
        patience_(patience),
        scan_limit_(scan_limit),
        by_deadline_(by_deadline) {}

  std::string_view name() const override { return name_; }
  bool LearnsStays() const override { return true; }

  void OnTaskReady(const FleetView& view, TaskId task, uint32_t ticket,
                   ReadyReason reason) override {
    auto& b = buckets_[BucketOf(view.TaskRemainingWork(task))];
    const Entry e{task.value(), ticket, view.now()};
    // Requeued work first: it has waited already, and its checkpoint is fresh.
    if (reason == ReadyReason::kRequeued) {
      b.push_front(e);
    } else {
      b.push_back(e);
    }
  }
  void OnNodeWaiting(const FleetView&, NodeId node, uint32_t ticket) override {
    nodes_.Push(node, ticket);
  }

  bool Pick(const FleetView& view, TimePoint now, Match* out) override {
    nodes_.CleanFront(view);
    uint32_t tried = 0;
    NodeId longest;
    double longest_units = -1;
    for (size_t i = 0; i < nodes_.size() && tried < scan_limit_; ++i) {
      const NodeFifo::Entry e = nodes_[i];
      if (!view.NodeLive(e.node, e.ticket) || view.NodeFitsNoTask(e.node)) continue;
      ++tried;
      const Duration stay = view.ExpectedStay(e.node);
      const double units = stay.IsInfinite() ? std::numeric_limits<double>::infinity()
                                             : stay.SecondsF() * view.NodeSpeed(e.node) / margin_;
      if (units > longest_units) {
        longest_units = units;
        longest = e.node;
      }
      TaskId task;
      if (Fit(view, e.node, units, &task)) {
        if (i == 0) nodes_.PopFront();
        *out = Match{e.node, task};
        return true;
      }
    }
    // Nothing fits: a task past its patience goes to the longest-staying car.
    if (longest_units >= 0) {
      TaskId task;
      if (Starving(view, longest, now, &task)) {
        *out = Match{longest, task};
        return true;
      }
    }
    return false;
  }

  size_t MemoryBytes() const override {
    size_t bytes = nodes_.MemoryBytes();
    for (const auto& b : buckets_) bytes += b.size() * sizeof(Entry);
    return bytes;
  }

 private:
  struct Entry {
    uint32_t task;
    uint32_t ticket;
    TimePoint ready_at;
  };

  // The first live task of bucket k that `node` may run with at most `units` of work;
  // drops stale entries at the front. `take`: off the bucket if it is at the front (an entry
  // left behind goes stale once its task runs).
  bool FirstFit(const FleetView& view, NodeId node, int k, double units, bool take, TaskId* task) {
    std::deque<Entry>& b = buckets_[k];
    while (!b.empty() && !view.TaskLive(TaskId(b.front().task), b.front().ticket)) b.pop_front();
    uint32_t looked = 0;
    for (size_t i = 0; i < b.size() && looked < scan_limit_; ++i) {
      const Entry& e = b[i];
      if (!view.TaskLive(TaskId(e.task), e.ticket)) continue;
      ++looked;
      const TaskId t(e.task);
      if (view.TaskRemainingWork(t) <= units && view.Eligible(node, t)) {
        *task = t;
        if (take && i == 0) b.pop_front();
        return true;
      }
    }
    return false;
  }

  bool Fit(const FleetView& view, NodeId node, double units, TaskId* task) {
    const int top = std::isinf(units) ? kBuckets - 1 : BucketOf(units);
    if (!by_deadline_) {
      for (int k = top; k >= 0; --k) {
        if (FirstFit(view, node, k, units, /*take=*/true, task)) return true;
      }
      return false;
    }
    // Earliest deadline among each bucket's first fit (buckets are FIFO, so within a job
    // the first is as early as any); ties to the larger task.
    bool found = false;
    TimePoint best_deadline = TimePoint::Infinite();
    for (int k = top; k >= 0; --k) {
      TaskId t;
      if (!FirstFit(view, node, k, units, /*take=*/false, &t)) continue;
      const TimePoint d = view.TaskDeadline(t);
      if (!found || d < best_deadline) {
        found = true;
        best_deadline = d;
        *task = t;
      }
    }
    return found;
  }

  // The task that has waited longest, if past its patience and `node` may run it.
  bool Starving(const FleetView& view, NodeId node, TimePoint now, TaskId* task) {
    const Entry* oldest = nullptr;
    for (auto& b : buckets_) {
      while (!b.empty() && !view.TaskLive(TaskId(b.front().task), b.front().ticket)) b.pop_front();
      uint32_t looked = 0;
      for (size_t i = 0; i < b.size() && looked < scan_limit_; ++i) {
        const Entry& e = b[i];
        if (!view.TaskLive(TaskId(e.task), e.ticket)) continue;
        ++looked;
        if (e.ready_at + patience_ > now) continue;
        if (!view.Eligible(node, TaskId(e.task))) continue;
        if (oldest == nullptr || e.ready_at < oldest->ready_at) oldest = &e;
        break;
      }
    }
    if (oldest == nullptr) return false;
    *task = TaskId(oldest->task);
    return true;
  }

  std::string name_;
  double margin_;
  Duration patience_;
  uint32_t scan_limit_;
  bool by_deadline_;
  std::array<std::deque<Entry>, kBuckets> buckets_;
  NodeFifo nodes_;
};

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> Make(const PolicyContext& ctx,
                                                       std::string_view name, bool by_deadline) {
  ParamReader p(name, ctx.params);
  auto margin = p.Double("margin", 1.5);
  if (!margin.ok()) return margin.status();
  if (*margin < 1) {
    return absl::InvalidArgumentError("policy " + std::string(name) +
                                      ": parameter margin must be >= 1");
  }
  auto patience = p.Double("patience", 3600);
  if (!patience.ok()) return patience.status();
  if (*patience < 0) {
    return absl::InvalidArgumentError("policy " + std::string(name) +
                                      ": parameter patience must be >= 0 seconds");
  }
  auto scan = p.ScanLimit();
  if (!scan.ok()) return scan.status();
  if (absl::Status s = p.CheckAllUsed(); !s.ok()) return s;
  return std::make_unique<AvailabilityAwarePolicy>(
      p.DisplayName(), *margin, Duration::FromSecondsF(*patience), *scan, by_deadline);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeAvailabilityAwarePolicy(
    const PolicyContext& ctx) {
  return Make(ctx, "availability-aware", false);
}

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeAvailabilityDeadlinePolicy(
    const PolicyContext& ctx) {
  return Make(ctx, "availability-deadline", true);
}

}  // namespace fleetgrid::core
