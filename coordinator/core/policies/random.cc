// random: a uniformly random waiting node gets a uniformly random ready task (seeded).
// Parameter seed=N overrides the core's seed.
#include <vector>

#include "common/rng.h"
#include "coordinator/core/policies/builtin.h"

namespace fleetgrid::core {
namespace {

class RandomPolicy final : public SchedulingPolicy {
 public:
  RandomPolicy(std::string name, uint64_t seed, uint32_t scan_limit)
      : name_(std::move(name)), rng_(Rng::Stream(seed, "policy/random")), scan_limit_(scan_limit) {}

  std::string_view name() const override { return name_; }

  void OnTaskReady(const FleetView& view, TaskId task, uint32_t ticket, ReadyReason) override {
    if (tasks_.size() > 2 * view.stats().tasks_ready + 1024) {  // drop stale entries
      std::erase_if(tasks_, [&](const Entry& e) { return !view.TaskLive(TaskId(e.id), e.ticket); });
    }
    tasks_.push_back(Entry{task.value(), ticket});
  }
  void OnNodeWaiting(const FleetView& view, NodeId node, uint32_t ticket) override {
    if (nodes_.size() > 2 * view.stats().nodes_waiting + 1024) {
      std::erase_if(nodes_, [&](const Entry& e) { return !view.NodeLive(NodeId(e.id), e.ticket); });
    }
    nodes_.push_back(Entry{node.value(), ticket});
  }

  bool Pick(const FleetView& view, TimePoint, Match* out) override {
    uint32_t node_tries = 0;
    while (!nodes_.empty() && node_tries < scan_limit_) {
      const size_t ni = rng_.Below(nodes_.size());
      const Entry n = nodes_[ni];
      if (!view.NodeLive(NodeId(n.id), n.ticket)) {
        SwapRemove(nodes_, ni);
        continue;
      }
      ++node_tries;
      if (view.NodeFitsNoTask(NodeId(n.id))) continue;
      uint32_t task_tries = 0;
      while (!tasks_.empty() && task_tries < scan_limit_) {
        const size_t ti = rng_.Below(tasks_.size());
        const Entry t = tasks_[ti];
        if (!view.TaskLive(TaskId(t.id), t.ticket)) {
          SwapRemove(tasks_, ti);
          continue;
        }
        ++task_tries;
        if (view.Eligible(NodeId(n.id), TaskId(t.id))) {
          SwapRemove(tasks_, ti);
          SwapRemove(nodes_, ni);
          *out = Match{NodeId(n.id), TaskId(t.id)};
          return true;
        }
      }
    }
    return false;
  }

  size_t MemoryBytes() const override {
    return (tasks_.capacity() + nodes_.capacity()) * sizeof(Entry);
  }

 private:
  struct Entry {
    uint32_t id;
    uint32_t ticket;
  };
  static void SwapRemove(std::vector<Entry>& v, size_t i) {
    v[i] = v.back();
    v.pop_back();
  }

  std::string name_;
  Rng rng_;
  uint32_t scan_limit_;
  std::vector<Entry> tasks_;
  std::vector<Entry> nodes_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeRandomPolicy(const PolicyContext& ctx) {
  ParamReader p("random", ctx.params);
  auto seed = p.UInt("seed", ctx.seed);
  if (!seed.ok()) return seed.status();
  auto scan = p.ScanLimit();
  if (!scan.ok()) return scan.status();
  if (absl::Status s = p.CheckAllUsed(); !s.ok()) return s;
  return std::make_unique<RandomPolicy>(p.DisplayName(), *seed, *scan);
}

}  // namespace fleetgrid::core
