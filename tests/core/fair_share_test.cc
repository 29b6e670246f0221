// fair-share (coordinator/core/policies/fair_share.cc): the fleet's compute split across
// clients by weight, work-conserving, with running compute freed as attempts end.
#include <map>
#include <string>

#include "coordinator/core/core.h"
#include "coordinator/core/policy_registry.h"
#include "gtest/gtest.h"
#include "tests/core/harness.h"

namespace fleetgrid::core::testing {
namespace {

CoreConfig FairShare(PolicyParams params = {}) {
  return WithPolicy("fair-share", std::move(params));
}

JobId ClientJob(Harness& h, const std::string& client, uint32_t tasks) {
  JobSpec spec;
  spec.name = client;
  spec.client = client;
  spec.task_count = tasks;
  spec.task.work_units = 3600;
  h.d().Clear();
  auto job = h.core().SubmitJob(h.now(), spec, h.d());
  EXPECT_TRUE(job.ok()) << job.status();
  return *job;
}

// Tasks handed out per client, by the first task id of each client's job.
std::map<std::string, int> Split(Harness& h, const std::vector<Assignment>& as) {
  std::map<std::string, int> n;
  for (const Assignment& a : as) ++n[h.core().GetJob(a.job)->name];
  return n;
}

// Would catch: weights ignored, a client served in submission order, or shares counted in
// tasks submitted instead of compute running.
TEST(FairShareTest, EightCarsSplitThreeToOne) {
  Harness h(FairShare({{"weights", "lab-a:3,lab-b:1"}}));
  ClientJob(h, "lab-b", 100);  // submitted first: fifo would give it every car
  ClientJob(h, "lab-a", 100);
  std::vector<Assignment> got;
  for (int i = 0; i < 8; ++i) {
    for (const Assignment& a : h.Request(h.Node())) got.push_back(a);
  }
  const auto split = Split(h, got);
  EXPECT_EQ(split.at("lab-a"), 6);
  EXPECT_EQ(split.at("lab-b"), 2);
}

// Would catch: a share held for a client with nothing to run (not work-conserving), or
// compute not given back when attempts end.
TEST(FairShareTest, IdleSharesGoToOthersAndComeBack) {
  Harness h(FairShare({{"weights", "lab-a:1,lab-b:1"}}));
  ClientJob(h, "lab-a", 100);
  std::vector<Assignment> running;
  for (int i = 0; i < 4; ++i) {
    for (const Assignment& a : h.Request(h.Node())) running.push_back(a);
  }
  EXPECT_EQ(running.size(), 4u);  // lab-b has nothing: lab-a takes every car
  ClientJob(h, "lab-b", 100);
  for (const Assignment& a : running) h.Result(a);  // all four finish
  std::vector<Assignment> next;
  for (const Assignment& a : running) {
    for (const Assignment& b : h.Request(a.node)) next.push_back(b);
  }
  const auto split = Split(h, next);
  EXPECT_EQ(split.at("lab-a"), 2);
  EXPECT_EQ(split.at("lab-b"), 2);
}

// A fast car counts for its speed: one speed-4 car running lab-a's task balances four
// speed-1 cars of lab-b. Would catch: shares counted in attempts, not compute.
TEST(FairShareTest, SharesAreOfComputeNotOfCars) {
  Harness h(FairShare());
  ClientJob(h, "lab-a", 10);
  ClientJob(h, "lab-b", 10);
  const auto first = h.Request(h.Node(Harness::kAutoOwner, 4));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(h.core().GetJob(first[0].job)->name, "lab-a");
  std::vector<Assignment> slow;
  for (int i = 0; i < 5; ++i) {
    for (const Assignment& a : h.Request(h.Node())) slow.push_back(a);
  }
  const auto split = Split(h, slow);
  EXPECT_EQ(split.at("lab-b"), 4);  // 4 vs 4, then the tie goes to lab-a (the earlier client)
  EXPECT_EQ(split.at("lab-a"), 1);
}

TEST(FairShareTest, BadWeightsAreRefused) {
  for (const char* w : {"a", "a:0", "a:-1", "a:x", ":2", "a:1,a:2"}) {
    EXPECT_EQ(Core::Create(FairShare({{"weights", w}})).status().code(),
              absl::StatusCode::kInvalidArgument)
        << w;
  }
  Harness h(FairShare());
  JobSpec spec;
  spec.task_count = 1;
  spec.task.work_units = 1;
  spec.client = std::string(300, 'x');
  EXPECT_EQ(h.core().SubmitJob(h.now(), spec, h.d()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleetgrid::core::testing
