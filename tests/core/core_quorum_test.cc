// Replication and quorum: copies on distinct owners, agreeing digests, disagreement
// recorded against nodes, copies cancelled once a task is accepted.
#include "coordinator/core/core.h"
#include "gtest/gtest.h"
#include "tests/core/harness.h"

namespace fleetgrid::core::testing {
namespace {

TEST(QuorumTest, CopiesRunOnDistinctOwners) {
  Harness h;
  const NodeId a1 = h.Node(1);
  const NodeId a2 = h.Node(1);  // same owner as a1
  const NodeId b = h.Node(2);
  h.Job(1, /*replication=*/2, /*quorum=*/2);
  EXPECT_EQ(h.Request(a1).size(), 1u);
  EXPECT_TRUE(h.Request(a2).empty());
  auto copy = h.Request(b);
  ASSERT_EQ(copy.size(), 1u);
  EXPECT_EQ(copy[0].task, TaskId(0));
  EXPECT_EQ(copy[0].epoch, 2u);
  EXPECT_EQ(h.core().GetTask(TaskId(0))->live_copies, 2u);
  EXPECT_FALSE(h.core().GetTask(TaskId(0))->ready);
}

TEST(QuorumTest, AgreeingResultsFromDistinctOwnersAccept) {
  Harness h;
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  h.Job(1, 2, 2);
  auto x = h.Request(a);
  auto y = h.Request(b);
  EXPECT_EQ(h.Result(x[0], 5), ResultVerdict::kPendingQuorum);
  EXPECT_TRUE(h.d().completed.empty());
  EXPECT_EQ(h.Result(x[0], 5), ResultVerdict::kDuplicate);
  EXPECT_EQ(h.Result(y[0], 5), ResultVerdict::kAccepted);
  ASSERT_EQ(h.d().completed.size(), 1u);
  EXPECT_EQ(h.d().completed[0].digest, Digest(5));
  EXPECT_EQ(h.d().ended.size(), 2u);
  EXPECT_EQ(h.core().GetNode(a)->valid_results, 1u);
  EXPECT_EQ(h.core().GetNode(b)->valid_results, 1u);
  EXPECT_EQ(h.core().stats().attempts_succeeded, 2u);
  EXPECT_EQ(h.core().stats().tasks_done, 1u);
  h.ExpectAttemptBalance();
}

TEST(QuorumTest, DisagreementCallsForAnotherCopyAndIsRecorded) {
  Harness h;
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  const NodeId c = h.Node(3);
  h.Job(1, 2, 2);
  auto x = h.Request(a);
  auto y = h.Request(b);
  EXPECT_EQ(h.Result(x[0], 5), ResultVerdict::kPendingQuorum);
  EXPECT_EQ(h.Result(y[0], 6), ResultVerdict::kPendingQuorum);
  EXPECT_TRUE(h.core().GetTask(TaskId(0))->ready);
  auto z = h.Request(c);
  ASSERT_EQ(z.size(), 1u);
  EXPECT_EQ(z[0].epoch, 3u);
  EXPECT_EQ(h.Result(z[0], 5), ResultVerdict::kAccepted);
  bool saw_disagreed = false;
  for (const auto& e : h.d().ended) {
    if (e.outcome == AttemptOutcome::kDisagreed) {
      saw_disagreed = true;
      EXPECT_EQ(e.node, b);
    }
  }
  EXPECT_TRUE(saw_disagreed);
  EXPECT_EQ(h.core().GetNode(b)->invalid_results, 1u);
  EXPECT_EQ(h.core().GetNode(a)->invalid_results, 0u);
  EXPECT_EQ(h.core().stats().attempts_disagreed, 1u);
  h.ExpectAttemptBalance();
}

TEST(QuorumTest, RemainingCopiesCancelledOnAcceptance) {
  Harness h;
  const NodeId a = h.Node(1);
  const NodeId b = h.Node(2);
  const NodeId c = h.Node(3);
  h.Job(1, 3, 2);
  auto x = h.Request(a);
  auto y = h.Request(b);
  auto z = h.Request(c);
  ASSERT_EQ(z.size(), 1u);
  h.Result(x[0], 1);
  EXPECT_EQ(h.Result(y[0], 1), ResultVerdict::kAccepted);
  ASSERT_EQ(h.d().cancellations.size(), 1u);
  EXPECT_EQ(h.d().cancellations[0].node, c);
  EXPECT_EQ(h.d().cancellations[0].reason, CancelReason::kTaskAccepted);
  EXPECT_EQ(h.core().GetNode(c)->running, 0u);
  EXPECT_EQ(h.Result(z[0], 1), ResultVerdict::kRejectedTaskClosed);
  EXPECT_EQ(h.core().stats().tasks_done, 1u);
}

TEST(QuorumTest, ResultWaitingForQuorumFreesTheNode) {
  Harness h;
  const NodeId a = h.Node(1);
  h.Node(2);
  h.Job(2, 2, 2);
  auto x = h.Request(a);
  EXPECT_EQ(h.Result(x[0], 1), ResultVerdict::kPendingQuorum);
  EXPECT_EQ(h.core().GetNode(a)->running, 0u);
  auto next = h.Request(a);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].task, TaskId(1));  // not another copy of task 0 (same owner)
}

TEST(QuorumTest, LostCopyIsReplaced) {
  Harness h;
  const NodeId a = h.Node(1, 1, true);
  const NodeId b = h.Node(2, 1, true);
  const NodeId c = h.Node(3, 1, true);
  h.Job(1, 2, 2);
  auto x = h.Request(a);
  h.Request(b);
  ASSERT_TRUE(h.core().NodeSilent(h.now(), b).ok());
  h.Advance(Duration::Seconds(300));
  h.Tick();
  EXPECT_EQ(h.core().GetTask(TaskId(0))->live_copies, 1u);
  auto z = h.Request(c);
  ASSERT_EQ(z.size(), 1u);
  h.Result(x[0], 4);
  EXPECT_EQ(h.Result(z[0], 4), ResultVerdict::kAccepted);
}

}  // namespace
}  // namespace fleetgrid::core::testing
