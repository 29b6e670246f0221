// Policy-specific semantics and the registry.
#include "coordinator/core/core.h"
#include "coordinator/core/policy_registry.h"
#include "gtest/gtest.h"
#include "tests/core/harness.h"

namespace fleetgrid::core::testing {
namespace {

PolicyFactory MakeFifoForTest() {
  return [](const PolicyContext& ctx) {
    return PolicyRegistry::Global().Create("fifo", *ctx.params, ctx.seed);
  };
}

TEST(PolicyRegistryTest, BuiltinsRegistered) {
  const auto names = PolicyRegistry::Global().Names();
  EXPECT_EQ(names, (std::vector<std::string>{"availability-aware", "availability-deadline",
                                             "cheap-energy", "fair-share", "fastest-first", "fifo",
                                             "overflow", "random", "shortest-remaining"}));
}

TEST(PolicyRegistryTest, ParametersValidatedAndNamed) {
  auto bad = PolicyRegistry::Global().Create("fifo", {{"colour", "red"}}, 1);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("unknown parameter colour (known: priority"),
            std::string::npos)
      << bad.status();
  auto malformed = PolicyRegistry::Global().Create("random", {{"seed", "x"}}, 1);
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
  auto ok = PolicyRegistry::Global().Create("random", {{"seed", "7"}}, 1);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->name(), "random(seed=7)");
  Harness h(WithPolicy("shortest-remaining"));
  EXPECT_EQ(h.core().policy_name(), "shortest-remaining");
}

TEST(PolicyRegistryTest, DuplicateNameRejected) {
  PolicyRegistry registry;
  ASSERT_TRUE(registry.Register("x", MakeFifoForTest()).ok());
  EXPECT_EQ(registry.Register("x", MakeFifoForTest()).code(), absl::StatusCode::kAlreadyExists);
}

TEST(FifoTest, HigherPriorityJobsFirstFifoWithinLevel) {
  Harness h;
  const JobId low = h.Job(2, 1, 1, 0, /*priority=*/0);
  const JobId high = h.Job(2, 1, 1, 0, /*priority=*/5);
  const JobId high2 = h.Job(1, 1, 1, 0, /*priority=*/5);
  std::vector<TaskId> order;
  for (int i = 0; i < 5; ++i) {
    const NodeId n = h.Node();
    auto a = h.Request(n);
    ASSERT_EQ(a.size(), 1u);
    order.push_back(a[0].task);
  }
  const uint32_t h0 = h.core().GetJob(high)->first_task.value();
  const uint32_t h2 = h.core().GetJob(high2)->first_task.value();
  const uint32_t l0 = h.core().GetJob(low)->first_task.value();
  EXPECT_EQ(order, (std::vector<TaskId>{TaskId(h0), TaskId(h0 + 1), TaskId(h2), TaskId(l0),
                                        TaskId(l0 + 1)}));
}

TEST(FifoTest, PriorityCanBeIgnored) {
  Harness h(WithPolicy("fifo", {{"priority", "false"}}));
  h.Job(1, 1, 1, 0, 0);
  h.Job(1, 1, 1, 0, 9);
  EXPECT_EQ(h.Request(h.Node())[0].task, TaskId(0));
}

// A data node takes its own inputs before older work, also when its task is not its job's
// first. Would catch: a job's data-local tasks queued as plain ones because its first task
// has no data node.
TEST(FifoTest, ADataNodeTakesItsInputFirstWhereverItIsInTheJob) {
  Harness h(WithPolicy("fifo"));
  const NodeId car = h.Node();
  h.Job(1);  // task 0, older
  JobSpec mixed;
  mixed.task_count = 2;
  mixed.tasks = {TaskSpec{100, 0, 0}, TaskSpec{100, 0, 0}};  // tasks 1, 2
  mixed.tasks[1].data_node = car.value();
  ASSERT_TRUE(h.core().SubmitJob(h.now(), mixed, h.d()).ok());
  const auto got = h.Request(car);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].task, TaskId(2));
  EXPECT_TRUE(got[0].input_local);
}

TEST(FastestFirstTest, FastestWaitingNodeGetsOldestTask) {
  Harness h(WithPolicy("fastest-first"));
  const NodeId slow = h.Node(Harness::kAutoOwner, 1);
  const NodeId fast = h.Node(Harness::kAutoOwner, 5);
  const NodeId mid = h.Node(Harness::kAutoOwner, 2);
  const NodeId fast2 = h.Node(Harness::kAutoOwner, 5);
  for (NodeId n : {slow, fast, mid, fast2}) h.Request(n);
  h.Job(3);
  ASSERT_EQ(h.d().assignments.size(), 3u);
  EXPECT_EQ(h.d().assignments[0].node, fast);
  EXPECT_EQ(h.d().assignments[0].task, TaskId(0));
  EXPECT_EQ(h.d().assignments[1].node, fast2);  // equal speed: longest waiting first
  EXPECT_EQ(h.d().assignments[2].node, mid);
  EXPECT_EQ(h.core().GetNode(slow)->waiting_slots, 1u);
}

TEST(ShortestRemainingTest, SmallestRemainingWorkFirstTiesOldestFirst) {
  Harness h(WithPolicy("shortest-remaining"));
  h.Job(2, 1, 1, 0, 0, Duration::Infinite(), /*work=*/300);  // tasks 0, 1
  h.Job(1, 1, 1, 0, 0, Duration::Infinite(), /*work=*/100);  // task 2
  h.Job(2, 1, 1, 0, 0, Duration::Infinite(), /*work=*/300);  // tasks 3, 4
  JobSpec mixed;
  mixed.task_count = 2;
  mixed.tasks = {TaskSpec{50, 0, 0}, TaskSpec{400, 0, 0}};  // tasks 5, 6
  ASSERT_TRUE(h.core().SubmitJob(h.now(), mixed, h.d()).ok());
  std::vector<uint32_t> order;
  for (int i = 0; i < 7; ++i) order.push_back(h.Request(h.Node())[0].task.value());
  EXPECT_EQ(order, (std::vector<uint32_t>{5, 2, 0, 1, 3, 4, 6}));
}

TEST(ShortestRemainingTest, CheckpointedTaskMovesAhead) {
  Harness h(WithPolicy("shortest-remaining"));
  const NodeId n = h.Node(Harness::kAutoOwner, 1, true);
  h.Job(3, 1, 1, 0, 0, Duration::Infinite(), 1000);
  auto a = h.Request(n);
  ASSERT_EQ(a[0].task, TaskId(0));
  h.core().ReportProgress(h.now(), n, a[0].attempt, a[0].epoch, 900, true, h.d()).IgnoreError();
  h.d().Clear();
  ASSERT_TRUE(h.core().Leave(h.now(), n, h.d()).ok());
  // Requeued with 100 units left: ahead of the untouched tasks.
  EXPECT_EQ(h.Request(h.Node())[0].task, TaskId(0));
}

TEST(RandomTest, SameSeedSameChoicesDifferentSeedDifferentChoices) {
  auto run = [](uint64_t seed) {
    CoreConfig config;
    config.policy = "random";
    config.seed = seed;
    Harness h(config);
    h.Job(50);
    std::vector<uint32_t> order;
    for (int i = 0; i < 20; ++i) order.push_back(h.Request(h.Node())[0].task.value());
    return order;
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3), run(4));
}

}  // namespace
}  // namespace fleetgrid::core::testing
