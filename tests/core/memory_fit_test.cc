// Task memory (TaskSpec::memory_bytes) against node memory (NodeSpec::memory_bytes), run over
// every registered policy: no policy gives a task to a node with less memory than it needs;
// a node whose memory is unknown (0) is trusted to fit.
#include <algorithm>
#include <string>
#include <vector>

#include "coordinator/core/policy_registry.h"
#include "gtest/gtest.h"
#include "tests/core/harness.h"

namespace fleetgrid::core::testing {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

class MemoryFitTest : public ::testing::TestWithParam<std::string> {
 protected:
  MemoryFitTest() : h_(Config()) {}
  CoreConfig Config() const {
    CoreConfig c;
    c.policy = GetParam();
    return c;
  }
  NodeId Node(uint64_t memory, double speed = 1) {
    NodeSpec spec;
    spec.owner = OwnerId(next_owner_++);
    spec.speed = speed;
    spec.memory_bytes = memory;
    return h_.core().RegisterNode(spec);
  }
  JobId Job(std::vector<uint64_t> memory) {
    JobSpec spec;
    spec.name = "mem";
    spec.task_count = static_cast<uint32_t>(memory.size());
    for (uint64_t m : memory) spec.tasks.push_back(TaskSpec{3600, 0, 0, m});
    Decisions d;
    auto job = h_.core().SubmitJob(h_.now(), spec, d);
    EXPECT_TRUE(job.ok()) << job.status();
    return *job;
  }

  Harness h_;
  uint32_t next_owner_ = 1;
};

TEST_P(MemoryFitTest, A64GiBTaskSkipsThe16GiBCarAndRunsOnTheDgxSpark) {
  const NodeId car = Node(16 * kGiB, /*speed=*/4);  // HW4: faster, but too small
  const NodeId spark = Node(128 * kGiB, 2.6);
  const JobId job = Job({64 * kGiB});
  const TaskId task = h_.core().GetJob(job)->first_task;
  EXPECT_FALSE(h_.core().view().MemoryFits(car, task));
  EXPECT_TRUE(h_.core().view().MemoryFits(spark, task));
  EXPECT_TRUE(h_.Request(car).empty());
  EXPECT_TRUE(h_.core().GetTask(task)->ready);
  const std::vector<Assignment> a = h_.Request(spark);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].node, spark);
  EXPECT_EQ(a[0].task, task);
  EXPECT_EQ(h_.core().GetNode(spark)->memory_bytes, 128 * kGiB);
  EXPECT_EQ(h_.core().GetTask(task)->spec.memory_bytes, 64 * kGiB);
}

// Both waiting before the job arrives: the policy must still match the task to the Spark.
TEST_P(MemoryFitTest, WaitingNodesGetOnlyWhatFits) {
  const NodeId car = Node(16 * kGiB, /*speed=*/4);
  const NodeId spark = Node(128 * kGiB, 2.6);
  EXPECT_TRUE(h_.Request(car).empty());
  EXPECT_TRUE(h_.Request(spark).empty());
  Decisions d;
  JobSpec spec;
  spec.name = "big";
  spec.task_count = 1;
  spec.task = TaskSpec{3600, 0, 0, 64 * kGiB};
  ASSERT_TRUE(h_.core().SubmitJob(h_.now(), spec, d).ok());
  ASSERT_EQ(d.assignments.size(), 1u);
  EXPECT_EQ(d.assignments[0].node, spark);
}

TEST_P(MemoryFitTest, SmallTasksRunOnSmallNodes) {
  const NodeId car = Node(16 * kGiB);
  Job({64 * kGiB, 0, 8 * kGiB});
  uint32_t ran = 0;
  for (int i = 0; i < 3; ++i) {
    for (const Assignment& a : h_.Request(car)) {
      EXPECT_NE(h_.core().GetTask(a.task)->spec.memory_bytes, 64 * kGiB);
      EXPECT_EQ(h_.Result(a), ResultVerdict::kAccepted);
      ++ran;
    }
  }
  EXPECT_EQ(ran, 2u);  // the two that fit; the 64 GiB one waits
}

// A node that does not report its memory (0) is trusted to fit, as before nodes reported it.
TEST_P(MemoryFitTest, UnknownMemoryCountsAsEnough) {
  const NodeId unknown = Node(0);
  Job({64 * kGiB});
  EXPECT_EQ(h_.core().view().NodeMemory(unknown), 0u);
  EXPECT_EQ(h_.Request(unknown).size(), 1u);
}

// Many nodes of three sizes, tasks of four needs, churned to the end: every assignment fits,
// and every task is done (each need has a node big enough).
TEST_P(MemoryFitTest, NoAssignmentEverExceedsTheNodesMemory) {
  const uint64_t sizes[] = {8 * kGiB, 16 * kGiB, 128 * kGiB};
  std::vector<NodeId> nodes;
  for (int i = 0; i < 30; ++i) nodes.push_back(Node(sizes[i % 3], 1 + i % 4));
  std::vector<uint64_t> needs;
  for (int i = 0; i < 200; ++i) needs.push_back((i % 4) * 32 * kGiB / 2);  // 0, 16, 32, 48 GiB
  Job(needs);
  uint32_t done = 0;
  for (int round = 0; round < 400 && done < needs.size(); ++round) {
    for (NodeId n : nodes) {
      for (const Assignment& a : h_.Request(n)) {
        const uint64_t need = h_.core().GetTask(a.task)->spec.memory_bytes;
        ASSERT_LE(need, h_.core().GetNode(a.node)->memory_bytes)
            << "task " << a.task.value() << " on node " << a.node.value();
        EXPECT_EQ(h_.Result(a), ResultVerdict::kAccepted);
        ++done;
      }
    }
    h_.Advance(Duration::Seconds(1));
  }
  EXPECT_EQ(done, needs.size());
  EXPECT_EQ(h_.core().stats().tasks_done, needs.size());
}

// Regression (found by SimulatorTest.TasksNeedingMemoryRunOnlyWhereTheyFit): more small
// waiting cars than the scan limit, all faster than the one node big enough, hid that node
// from fastest-first for ever. Nodes too small for every open task are now skipped without
// counting against the scan limit (FleetView::NodeFitsNoTask). `random` samples nodes, so it
// finds the big one only with high probability; it is left out here.
class ScanLimitTest : public MemoryFitTest {};

std::vector<std::string> ScanningPolicies() {
  std::vector<std::string> names = PolicyRegistry::Global().Names();
  std::erase(names, "random");
  return names;
}

TEST_P(ScanLimitTest, ManySmallFastCarsDoNotHideTheBigNode) {
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(h_.Request(Node(16 * kGiB, /*speed=*/4)).empty());
  const NodeId spark = Node(128 * kGiB, 2.6);
  EXPECT_TRUE(h_.Request(spark).empty());
  Decisions d;
  JobSpec spec;
  spec.name = "big";
  spec.task_count = 3;
  spec.task = TaskSpec{3600, 0, 0, 64 * kGiB};
  ASSERT_TRUE(h_.core().SubmitJob(h_.now(), spec, d).ok());
  ASSERT_EQ(d.assignments.size(), 1u);
  EXPECT_EQ(d.assignments[0].node, spark);
  EXPECT_TRUE(h_.core().view().NodeFitsNoTask(NodeId(0)));
  EXPECT_FALSE(h_.core().view().NodeFitsNoTask(spark));
}

std::string PolicyTestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, MemoryFitTest,
                         ::testing::ValuesIn(PolicyRegistry::Global().Names()), PolicyTestName);
INSTANTIATE_TEST_SUITE_P(ScanningPolicies, ScanLimitTest, ::testing::ValuesIn(ScanningPolicies()),
                         PolicyTestName);

}  // namespace
}  // namespace fleetgrid::core::testing
