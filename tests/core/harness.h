// Test harness for the brain: a Core driven by a ManualClock, with helpers that keep the
// Decisions of the last call. No sleeps: time moves only when a test moves it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "coordinator/core/core.h"
#include "gtest/gtest.h"

namespace fleetgrid::core::testing {

inline ResultDigest Digest(uint32_t v) {
  ResultDigest d{};
  d[0] = static_cast<uint8_t>(v);
  d[1] = static_cast<uint8_t>(v >> 8);
  d[2] = static_cast<uint8_t>(v >> 16);
  d[3] = static_cast<uint8_t>(v >> 24);
  return d;
}

// A core configuration with this policy and parameters, the rest default.
inline CoreConfig WithPolicy(const std::string& name,
                             std::map<std::string, std::string> params = {}) {
  CoreConfig config;
  config.policy = name;
  config.policy_params = std::move(params);
  return config;
}

class Harness {
 public:
  explicit Harness(CoreConfig config = {}) {
    auto core = Core::Create(config);
    EXPECT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
  }
  Core& core() { return *core_; }
  TimePoint now() const { return clock_.Now(); }
  void Advance(Duration d) { clock_.Advance(d); }
  void Set(TimePoint t) { clock_.Set(t); }
  Decisions& d() { return d_; }

  NodeId Node(uint32_t owner = kAutoOwner, double speed = 1, bool implicit = false,
              uint16_t slots = 1) {
    NodeSpec spec;
    spec.owner = OwnerId(owner == kAutoOwner ? next_owner_++ : owner);
    spec.speed = speed;
    spec.implicit_heartbeat = implicit;
    spec.max_concurrent = slots;
    return core_->RegisterNode(spec);
  }
  JobId Job(uint32_t tasks, uint8_t replication = 1, uint8_t quorum = 1, uint16_t max_attempts = 0,
            int32_t priority = 0, Duration deadline = Duration::Infinite(), double work = 3600) {
    JobSpec spec;
    spec.name = "job";
    spec.task_count = tasks;
    spec.task.work_units = work;
    spec.replication = replication;
    spec.quorum = quorum;
    spec.max_attempts = max_attempts;
    spec.priority = priority;
    spec.deadline = deadline;
    d_.Clear();
    auto job = core_->SubmitJob(now(), spec, d_);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? *job : JobId::Invalid();
  }
  // Connects (explicit heartbeats) and asks for one task; returns the assignments made.
  std::vector<Assignment> Request(NodeId node, uint32_t slots = 1) {
    d_.Clear();
    EXPECT_TRUE(core_->RequestWork(now(), node, slots, d_).ok());
    return d_.assignments;
  }
  ResultVerdict Result(const Assignment& a, uint32_t digest = 7) {
    d_.Clear();
    return core_->ReportResult(now(), a.node, a.attempt, a.epoch, Digest(digest), d_);
  }
  void Tick() {
    d_.Clear();
    core_->Tick(now(), d_);
  }
  TaskStatus Status(TaskId task) { return core_->GetTask(task)->status; }
  JobStatus Status(JobId job) { return core_->GetJob(job)->status; }

  // attempts_started == ended (every outcome) + live
  void ExpectAttemptBalance() const {
    const CoreStats& s = core_->stats();
    EXPECT_EQ(s.attempts_started, s.attempts_succeeded + s.attempts_lost + s.attempts_left +
                                      s.attempts_failed + s.attempts_expired +
                                      s.attempts_cancelled + s.attempts_disagreed +
                                      s.attempts_live);
  }

  static constexpr uint32_t kAutoOwner = 0xffffffffu;

 private:
  ManualClock clock_;
  std::unique_ptr<Core> core_;
  Decisions d_;
  uint32_t next_owner_ = 1000;
};

}  // namespace fleetgrid::core::testing
