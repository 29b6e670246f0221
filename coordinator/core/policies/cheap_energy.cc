// cheap-energy: compute where and when electricity is cheap. Waiting nodes are kept per
// price zone (NodeSpec::price_zone, priced by Core::SetEnergyPrice) and served cheapest zone
// first, plugged-in cars (on the grid) before cars on their battery; tasks come in fifo's
// order (requeued first, then oldest; higher priority first).
//
// Parameters: max_price (per kWh; default: no limit): nodes in a zone dearer than this get
// only tasks whose job has waited `hold` seconds (default 21600: six hours), so that work
// waits for the cheap hours without waiting for ever; plugged_first (default true);
// priority; scan_limit. When it holds tasks back it asks the core to wake it when the
// oldest one's hold ends (RetryAt), and the core matches again whenever a price falls.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "coordinator/core/policies/builtin.h"
#include "coordinator/core/policies/node_fifo.h"
#include "coordinator/core/policies/task_queue.h"

namespace fleetgrid::core {
namespace {

class CheapEnergyPolicy final : public TaskQueuePolicy {
 public:
  CheapEnergyPolicy(std::string name, double max_price, Duration hold, bool plugged_first,
                    bool priority, uint32_t scan_limit)
      : TaskQueuePolicy(priority),
        name_(std::move(name)),
        max_price_(max_price),
        hold_(hold),
        plugged_first_(plugged_first),
        scan_limit_(scan_limit) {}

  std::string_view name() const override { return name_; }

  void OnNodeWaiting(const FleetView& view, NodeId node, uint32_t ticket) override {
    if (++entries_ > 2 * view.stats().nodes_waiting + 1024) DropStale(view);
    const uint16_t z = view.NodePriceZone(node);
    if (z >= zones_.size()) zones_.resize(z + 1);
    (plugged_first_ && !view.OnGrid(node) ? zones_[z].battery : zones_[z].grid).Push(node, ticket);
  }

  bool Pick(const FleetView& view, TimePoint now, Match* out) override {
    retry_at_ = TimePoint::Infinite();
    // Zones cheapest first (ties: lower zone); few zones, so sorting each pick is cheap.
    order_.clear();
    for (uint16_t z = 0; z < zones_.size(); ++z) {
      if (zones_[z].grid.size() + zones_[z].battery.size() > 0) order_.push_back(z);
    }
    std::sort(order_.begin(), order_.end(), [&](uint16_t a, uint16_t b) {
      const double pa = view.ZonePrice(a), pb = view.ZonePrice(b);
      return pa != pb ? pa < pb : a < b;
    });
    auto any = [&](NodeId n, TaskId* t) { return tasks_.Take(view, n, scan_limit_, t); };
    auto on_grid = [&](NodeId n, TaskId* t) { return view.OnGrid(n) && any(n, t); };
    size_t cheap = 0;  // order_[0, cheap) are the zones at or under max_price
    while (cheap < order_.size() && view.ZonePrice(order_[cheap]) <= max_price_) ++cheap;
    // Cheap zones: plugged cars first, then cars on their battery (a car filed as plugged
    // may have unplugged while it waited, and the other way round: both queues are tried).
    for (size_t i = 0; i < cheap; ++i) {
      if (zones_[order_[i]].grid.PickLongestWaiting(view, scan_limit_, on_grid, out)) return true;
    }
    for (size_t i = 0; i < cheap; ++i) {
      Zone& z = zones_[order_[i]];
      if (z.battery.PickLongestWaiting(view, scan_limit_, any, out)) return true;
      if (plugged_first_ && z.grid.PickLongestWaiting(view, scan_limit_, any, out)) return true;
    }
    if (cheap == order_.size()) return false;
    // Dear zones: only tasks whose job has waited out the hold.
    auto waited = [&](TaskId t) { return now - view.JobSubmitted(view.TaskJob(t)) >= hold_; };
    auto old = [&](NodeId n, TaskId* t) {
      return tasks_.TakeMatching(view, n, scan_limit_, waited, t);
    };
    for (size_t i = cheap; i < order_.size(); ++i) {
      if (zones_[order_[i]].grid.PickLongestWaiting(view, scan_limit_, old, out)) return true;
    }
    for (size_t i = cheap; i < order_.size(); ++i) {
      if (zones_[order_[i]].battery.PickLongestWaiting(view, scan_limit_, old, out)) return true;
    }
    // Held back: ask again when the head task's hold ends.
    TaskId head;
    if (tasks_.Front(view, &head)) {
      const TimePoint due = view.JobSubmitted(view.TaskJob(head)) + hold_;
      if (due > now) retry_at_ = due;
    }
    return false;
  }

  TimePoint RetryAt() const override { return retry_at_; }

  size_t MemoryBytes() const override {
    size_t b = tasks_.MemoryBytes() + zones_.capacity() * sizeof(Zone);
    for (const Zone& z : zones_) b += z.grid.MemoryBytes() + z.battery.MemoryBytes();
    return b;
  }

 private:
  struct Zone {
    NodeFifo grid;     // waiting while plugged in (all nodes when !plugged_first)
    NodeFifo battery;  // waiting on their battery
  };

  void DropStale(const FleetView& view) {
    entries_ = 0;
    for (Zone& z : zones_) {
      for (NodeFifo* q : {&z.grid, &z.battery}) {
        q->EraseIf([&](const NodeFifo::Entry& e) { return !view.NodeLive(e.node, e.ticket); });
        entries_ += q->size();
      }
    }
  }

  std::string name_;
  double max_price_;
  Duration hold_;
  bool plugged_first_;
  uint32_t scan_limit_;
  std::vector<Zone> zones_;
  std::vector<uint16_t> order_;  // scratch
  size_t entries_ = 0;           // node entries queued, stale ones included (about)
  TimePoint retry_at_ = TimePoint::Infinite();
};

}  // namespace

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeCheapEnergyPolicy(const PolicyContext& ctx) {
  ParamReader p("cheap-energy", ctx.params);
  auto max_price = p.Double("max_price", std::numeric_limits<double>::infinity());
  if (!max_price.ok()) return max_price.status();
  auto hold = p.Double("hold", 21600);
  if (!hold.ok()) return hold.status();
  auto plugged_first = p.Bool("plugged_first", true);
  if (!plugged_first.ok()) return plugged_first.status();
  auto priority = p.Bool("priority", true);
  if (!priority.ok()) return priority.status();
  auto scan = p.ScanLimit();
  if (!scan.ok()) return scan.status();
  if (absl::Status s = p.CheckAllUsed(); !s.ok()) return s;
  if (std::isnan(*max_price) || *max_price < 0) {
    return absl::InvalidArgumentError("policy cheap-energy: parameter max_price must be >= 0");
  }
  if (!(*hold >= 0) || *hold > 1e9) {
    return absl::InvalidArgumentError(
        "policy cheap-energy: parameter hold must be in [0, 1e9] seconds");
  }
  return std::make_unique<CheapEnergyPolicy>(
      p.DisplayName(), *max_price, Duration::FromSecondsF(*hold), *plugged_first, *priority, *scan);
}

}  // namespace fleetgrid::core
