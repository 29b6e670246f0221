// ChurnDriver: random interleavings of everything a fleet does to the brain (joins, leaves,
// silent departures, driving, drains, requests, results, failures, duplicates, stale
// reports, ticks), with test-side tracking of what must be true after every call.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/rng.h"
#include "coordinator/core/core.h"
#include "gtest/gtest.h"
#include "tests/core/harness.h"

namespace fleetgrid::core::testing {

class ChurnDriver {
 public:
  enum class Avail { kAvailable, kSilent, kLeft, kDriving, kDrained };

  struct Options {
    std::string policy = "fifo";
    uint64_t seed = 1;
    uint32_t nodes = 24;
    uint32_t owners = 8;
    bool replication = false;   // add replicated / quorum jobs
    bool max_attempts = false;  // add jobs with a retry limit
    Duration attempt_timeout = Duration::Infinite();
    std::map<std::string, std::string> policy_params;
    uint32_t models = 0;  // > 0: job k's tasks compute with model 1 + k % models
    // > 0: node i buys power in price zone 1 + i % price_zones, and a step sometimes sets a
    // zone's price (Core::SetEnergyPrice) to a random one in [0, 0.5).
    uint16_t price_zones = 0;
    uint32_t clients = 0;           // > 0: job k is client "c<k % clients>"'s
    uint32_t datacenter_nodes = 0;  // nodes 0 .. datacenter_nodes - 1 are datacenter nodes
  };

  explicit ChurnDriver(const Options& o) : o_(o), rng_(Rng::Stream(o.seed, "churn")) {
    CoreConfig config;
    config.policy = o.policy;
    config.policy_params = o.policy_params;
    config.seed = o.seed;
    config.attempt_timeout = o.attempt_timeout;
    auto core = Core::Create(config);
    EXPECT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
    for (uint32_t i = 0; i < o.nodes; ++i) {
      NodeSpec spec;
      spec.owner = OwnerId(i % o.owners);
      spec.speed = 1 + static_cast<double>(i % 3);
      spec.implicit_heartbeat = i % 2 == 0;
      spec.max_concurrent = static_cast<uint16_t>(1 + i % 2);
      if (o.price_zones > 0) spec.price_zone = static_cast<uint16_t>(1 + i % o.price_zones);
      spec.datacenter = i < o.datacenter_nodes;
      core_->RegisterNode(spec);
      avail_.push_back(Avail::kLeft);
    }
  }

  Core& core() { return *core_; }
  const std::vector<Assignment>& assignment_log() const { return log_; }
  uint64_t completed() const { return completed_.size(); }

  void Submit(uint32_t tasks) {
    JobSpec spec;
    spec.task_count = tasks;
    spec.task.work_units = 100;
    if (o_.replication && rng_.Bernoulli(0.5)) {
      spec.replication = static_cast<uint8_t>(2 + rng_.Below(2));
      spec.quorum = static_cast<uint8_t>(1 + rng_.Below(spec.replication));
    }
    if (o_.max_attempts && rng_.Bernoulli(0.3)) spec.max_attempts = 3;
    spec.priority = static_cast<int32_t>(rng_.Below(3));
    if (o_.models > 0) {
      spec.task.model = 1 + jobs_submitted_ % o_.models;
      spec.task.model_bytes = 1'000'000;
    }
    if (o_.clients > 0) spec.client = "c" + std::to_string(jobs_submitted_ % o_.clients);
    ++jobs_submitted_;
    if (rng_.Bernoulli(0.3)) {
      spec.tasks.resize(tasks, spec.task);
      for (auto& t : spec.tasks) t.work_units = 10.0 * static_cast<double>(1 + rng_.Below(5));
    }
    d_.Clear();
    ASSERT_TRUE(core_->SubmitJob(now_, spec, d_).ok());
    Absorb();
  }

  // One random action.
  void Step(bool allow_departures = true) {
    now_ += Duration::Millis(static_cast<int64_t>(1 + rng_.Below(60'000)));
    const NodeId n(static_cast<uint32_t>(rng_.Below(o_.nodes)));
    d_.Clear();
    if (o_.price_zones > 0 && rng_.Bernoulli(0.05)) {
      const auto zone = static_cast<uint16_t>(1 + rng_.Below(o_.price_zones));
      EXPECT_TRUE(core_->SetEnergyPrice(now_, zone, 0.5 * rng_.Uniform(), d_).ok());
      Absorb();
      d_.Clear();
    }
    const uint64_t r = rng_.Below(100);
    Avail& av = avail_[n.value()];
    if (r < 25) {  // come back / ask for work
      if (av == Avail::kDriving) {
        EXPECT_TRUE(core_->Heartbeat(now_, n, NodeState::kParked, 1, d_).ok());
        Absorb();
        d_.Clear();
      } else if (av == Avail::kDrained) {
        EXPECT_TRUE(core_->Undrain(now_, n, d_).ok());
        Absorb();
        d_.Clear();
      } else if (av != Avail::kAvailable) {
        std::vector<HeldAttempt> held;
        for (const auto& a : running_[n.value()]) held.push_back({a.attempt, a.epoch});
        if (rng_.Bernoulli(0.5) && !held.empty()) held.pop_back();
        EXPECT_TRUE(core_->Connect(now_, n, held, d_).ok());
        Absorb();
        d_.Clear();
      }
      av = Avail::kAvailable;
      if (rng_.Bernoulli(0.3)) {
        EXPECT_TRUE(core_->Heartbeat(now_, n, NodeState::kPlugged, 0.8f, d_).ok());
        Absorb();
        d_.Clear();
      }
      EXPECT_TRUE(core_->RequestWork(now_, n, 1 + static_cast<uint32_t>(rng_.Below(2)), d_).ok());
    } else if (r < 55) {  // report a result / failure / progress for a running attempt
      auto& mine = running_[n.value()];
      if (!mine.empty()) {
        const Assignment a = mine[rng_.Below(mine.size())];
        const uint64_t what = rng_.Below(10);
        if (what < 7) {
          const uint32_t digest = rng_.Bernoulli(0.1) ? 1 + a.node.value() : 0;
          Verdict(core_->ReportResult(now_, n, a.attempt, a.epoch, Digest(digest), d_));
        } else if (what < 9) {
          Verdict(core_->ReportFailure(now_, n, a.attempt, a.epoch, d_));
        } else {
          auto v = core_->ReportProgress(now_, n, a.attempt, a.epoch, 40, rng_.Bernoulli(0.5), d_);
          EXPECT_TRUE(v.ok());
        }
      }
    } else if (r < 65) {  // duplicate or stale report of something old
      if (!log_.empty()) {
        const Assignment a = log_[rng_.Below(log_.size())];
        const uint32_t epoch = rng_.Bernoulli(0.8) ? a.epoch : a.epoch + 1;
        const NodeId who = rng_.Bernoulli(0.8) ? a.node : n;
        const ResultVerdict v = core_->ReportResult(now_, who, a.attempt, epoch, Digest(0), d_);
        Verdict(v);
      }
    } else if (r < 80) {
      core_->Tick(now_, d_);
    } else if (allow_departures && av == Avail::kAvailable) {
      const uint64_t how = rng_.Below(4);
      if (how == 0) {
        EXPECT_TRUE(core_->NodeSilent(now_, n).ok());
        av = Avail::kSilent;
      } else if (how == 1) {
        EXPECT_TRUE(core_->Leave(now_, n, d_).ok());
        av = Avail::kLeft;
      } else if (how == 2) {
        EXPECT_TRUE(core_->Heartbeat(now_, n, NodeState::kDriving, 0.5f, d_).ok());
        av = Avail::kDriving;
      } else {
        EXPECT_TRUE(core_->Drain(now_, n, d_).ok());
        av = Avail::kDrained;
      }
    }
    Absorb();
  }

  // Every node available and completing its work, until all tasks are closed.
  bool RunToCompletion(int max_rounds) {
    for (int round = 0; round < max_rounds; ++round) {
      if (core_->stats().tasks_done + core_->stats().tasks_failed +
              core_->stats().tasks_cancelled ==
          core_->task_count()) {
        return true;
      }
      Step(/*allow_departures=*/round % 3 == 0);
    }
    return false;
  }

  // Checks every invariant against the core's state.
  void CheckInvariants() {
    const CoreStats& s = core_->stats();
    EXPECT_EQ(s.attempts_started, s.attempts_succeeded + s.attempts_lost + s.attempts_left +
                                      s.attempts_failed + s.attempts_expired +
                                      s.attempts_cancelled + s.attempts_disagreed +
                                      s.attempts_live);
    EXPECT_EQ(s.attempts_started, log_.size());
    EXPECT_EQ(s.attempts_live, live_.size());
    EXPECT_DOUBLE_EQ(s.work_lost_units, work_lost_);
    EXPECT_EQ(s.tasks_done, completed_.size());
    uint64_t ready = 0;
    for (uint32_t t = 0; t < core_->task_count(); ++t) {
      const TaskInfo info = *core_->GetTask(TaskId(t));
      const JobInfo job = *core_->GetJob(info.job);
      uint32_t running = 0;
      std::set<uint32_t> owners;
      for (const AttemptInfo& a : core_->TaskAttempts(TaskId(t))) {
        if (!a.reported) ++running;
        EXPECT_TRUE(owners.insert(core_->GetNode(a.node)->owner.value()).second)
            << "task " << t << " has two copies on one owner";
      }
      EXPECT_LE(running, job.replication) << "task " << t;
      if (job.replication == 1) {
        EXPECT_LE(info.live_copies, 1u) << "task " << t;
      }
      EXPECT_EQ(info.status == TaskStatus::kDone, completed_.contains(t)) << "task " << t;
      if (info.ready) ++ready;
    }
    EXPECT_EQ(s.tasks_ready, ready);
    uint64_t waiting = 0;
    for (uint32_t n = 0; n < core_->node_count(); ++n) {
      const NodeInfo info = *core_->GetNode(NodeId(n));
      EXPECT_LE(info.running, info.max_concurrent);
      EXPECT_EQ(info.running, running_[n].size()) << "node " << n;
      if (info.waiting_slots > 0) {
        ++waiting;
        EXPECT_EQ(avail_[n], Avail::kAvailable) << "node " << n;
      }
    }
    EXPECT_EQ(s.nodes_waiting, waiting);
  }

 private:
  void Verdict(ResultVerdict) {}

  // Folds one call's decisions into the test-side model, checking each against it.
  void Absorb() {
    // Within one call attempts end before new ones start.
    for (const AttemptEnded& e : d_.ended) {
      EXPECT_EQ(live_.erase(e.attempt.value()), 1u) << "ended an attempt that was not live";
      live_tasks_.erase(e.task.value());
      work_lost_ += e.work_lost_units;
      auto& mine = running_[e.node.value()];
      std::erase_if(mine, [&](const Assignment& a) { return a.attempt == e.attempt; });
    }
    for (const Assignment& a : d_.assignments) {
      EXPECT_EQ(avail_[a.node.value()], Avail::kAvailable)
          << "assigned to an unavailable node " << a.node;
      EXPECT_TRUE(live_.insert(a.attempt.value()).second) << "attempt id reused";
      const JobInfo job = *core_->GetJob(a.job);
      if (job.replication == 1) {
        EXPECT_TRUE(live_tasks_.insert(a.task.value()).second)
            << "task " << a.task << " assigned twice at once";
      }
      EXPECT_FALSE(completed_.contains(a.task.value()));
      running_[a.node.value()].push_back(a);
      log_.push_back(a);
    }
    // The core declares explicit-heartbeat nodes lost when they stay quiet past grace.
    for (uint32_t n = 0; n < avail_.size(); ++n) {
      const NodeConnection conn = core_->GetNode(NodeId(n))->connection;
      if (conn == NodeConnection::kLost && avail_[n] == Avail::kAvailable) avail_[n] = Avail::kLeft;
    }
    for (const TaskCompleted& c : d_.completed) {
      EXPECT_TRUE(completed_.insert(c.task.value()).second) << "task accepted twice";
    }
    // Results waiting for a quorum free the node's slot.
    for (auto& [n, mine] : running_) {
      std::erase_if(mine, [&](const Assignment& a) {
        const auto attempts = core_->TaskAttempts(a.task);
        for (const auto& info : attempts) {
          if (info.id == a.attempt) return info.reported;
        }
        return false;
      });
    }
  }

  Options o_;
  Rng rng_;
  std::unique_ptr<Core> core_;
  Decisions d_;
  TimePoint now_;
  std::vector<Avail> avail_;
  std::map<uint32_t, std::vector<Assignment>> running_;
  std::set<uint64_t> live_;
  std::set<uint32_t> live_tasks_;
  std::set<uint32_t> completed_;
  std::vector<Assignment> log_;
  uint32_t jobs_submitted_ = 0;
  double work_lost_ = 0;
};

}  // namespace fleetgrid::core::testing
