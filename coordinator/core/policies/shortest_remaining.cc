// shortest-remaining: the ready task with the least remaining work (work minus checkpoint)
// goes first; ties go to the oldest task (lowest id, i.e. submitted first). The
// longest-waiting node gets it.
#include <algorithm>
#include <deque>
#include <map>
#include <vector>

#include "coordinator/core/policies/builtin.h"
#include "coordinator/core/policies/node_fifo.h"

namespace fleetgrid::core {
namespace {

class ShortestRemainingPolicy final : public SchedulingPolicy {
 public:
  ShortestRemainingPolicy(std::string name, uint32_t scan_limit)
      : name_(std::move(name)), scan_limit_(scan_limit) {}

  std::string_view name() const override { return name_; }

  void OnTaskReady(const FleetView& view, TaskId task, uint32_t ticket, ReadyReason) override {
    std::vector<Entry>& heap = buckets_[view.TaskRemainingWork(task)].singles;
    heap.push_back(Entry{task.value(), ticket});
    std::push_heap(heap.begin(), heap.end(), Younger);
  }
  void OnTasksSubmitted(const FleetView& view, JobId, TaskId first, uint32_t count) override {
    // Runs of equal work share one range entry (all of them for a uniform job).
    uint32_t begin = first.value();
    const uint32_t end = first.value() + count;
    while (begin < end) {
      const double work = view.TaskRemainingWork(TaskId(begin));
      uint32_t stop = begin + 1;
      while (stop < end && view.TaskRemainingWork(TaskId(stop)) == work) ++stop;
      std::deque<Range>& fresh = buckets_[work].fresh;
      if (!fresh.empty() && fresh.back().end == begin) {
        fresh.back().end = stop;
      } else {
        fresh.push_back(Range{begin, stop});
      }
      begin = stop;
    }
  }
  void OnNodeWaiting(const FleetView&, NodeId node, uint32_t ticket) override {
    nodes_.Push(node, ticket);
  }

  bool Pick(const FleetView& view, TimePoint, Match* out) override {
    return nodes_.PickLongestWaiting(
        view, scan_limit_, [&](NodeId node, TaskId* task) { return Take(view, node, task); }, out);
  }

  size_t MemoryBytes() const override {
    size_t bytes = nodes_.MemoryBytes();
    for (const auto& [w, b] : buckets_) {
      bytes += b.singles.capacity() * sizeof(Entry) + b.fresh.size() * sizeof(Range) + 64;
    }
    return bytes;
  }

 private:
  struct Entry {
    uint32_t task;
    uint32_t ticket;
  };
  struct Range {
    uint32_t first;
    uint32_t end;
  };
  struct Bucket {
    std::deque<Range> fresh;     // ascending ids
    std::vector<Entry> singles;  // min-heap on id
    bool empty() const { return fresh.empty() && singles.empty(); }
  };
  static bool Younger(const Entry& a, const Entry& b) { return a.task > b.task; }

  static void CleanHead(const FleetView& view, Bucket& b) {
    while (!b.singles.empty() &&
           !view.TaskLive(TaskId(b.singles.front().task), b.singles.front().ticket)) {
      std::pop_heap(b.singles.begin(), b.singles.end(), Younger);
      b.singles.pop_back();
    }
    while (!b.fresh.empty()) {
      Range& r = b.fresh.front();
      while (r.first < r.end && !view.TaskLive(TaskId(r.first), 0)) ++r.first;
      if (r.first < r.end) return;
      b.fresh.pop_front();
    }
  }

  bool Take(const FleetView& view, NodeId node, TaskId* out) {
    uint32_t scanned = 0;
    for (auto it = buckets_.begin(); it != buckets_.end() && scanned < scan_limit_;) {
      Bucket& b = it->second;
      CleanHead(view, b);
      if (b.empty()) {
        it = buckets_.erase(it);
        continue;
      }
      // The oldest head of the two lists.
      const bool single_first =
          !b.singles.empty() && (b.fresh.empty() || b.singles.front().task < b.fresh.front().first);
      const uint32_t head = single_first ? b.singles.front().task : b.fresh.front().first;
      if (view.Eligible(node, TaskId(head))) {
        if (single_first) {
          std::pop_heap(b.singles.begin(), b.singles.end(), Younger);
          b.singles.pop_back();
        } else if (++b.fresh.front().first == b.fresh.front().end) {
          b.fresh.pop_front();
        }
        *out = TaskId(head);
        return true;
      }
      // Distinct-owner conflict: the oldest eligible entry among the next few.
      uint32_t best = kNil;
      for (const Entry& e : b.singles) {
        if (scanned >= scan_limit_) break;
        if (!view.TaskLive(TaskId(e.task), e.ticket)) continue;
        ++scanned;
        if (e.task < best && view.Eligible(node, TaskId(e.task))) best = e.task;
      }
      for (const Range& r : b.fresh) {
        for (uint32_t t = r.first; t < r.end && scanned < scan_limit_ && t < best; ++t) {
          if (!view.TaskLive(TaskId(t), 0)) continue;
          ++scanned;
          if (view.Eligible(node, TaskId(t))) best = t;
        }
      }
      if (best != kNil) {
        *out = TaskId(best);  // its entry goes stale once assigned
        return true;
      }
      ++it;
    }
    return false;
  }

  std::string name_;
  uint32_t scan_limit_;
  std::map<double, Bucket> buckets_;
  NodeFifo nodes_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SchedulingPolicy>> MakeShortestRemainingPolicy(
    const PolicyContext& ctx) {
  ParamReader p("shortest-remaining", ctx.params);
  auto scan = p.ScanLimit();
  if (!scan.ok()) return scan.status();
  if (absl::Status s = p.CheckAllUsed(); !s.ok()) return s;
  return std::make_unique<ShortestRemainingPolicy>(p.DisplayName(), *scan);
}

}  // namespace fleetgrid::core
