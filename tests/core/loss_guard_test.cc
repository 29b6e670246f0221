// The loss guard (CoreConfig::loss_guard): self-suspicion when most nodes look silent at
// once, and the pace of losses. Each rule's test fails if the rule is taken out.
#include <gtest/gtest.h>

#include <vector>

#include "tests/core/harness.h"

namespace fleetgrid::core::testing {
namespace {

constexpr Duration kGrace = Duration::Seconds(30);
constexpr Duration kHeartbeat = Duration::Seconds(5);

CoreConfig Guarded(double fraction, double losses_per_second = 0, uint32_t burst = 1) {
  CoreConfig c;
  c.heartbeat_grace = kGrace;
  c.loss_guard.suspect_fraction = fraction;
  c.loss_guard.suspect_window = kHeartbeat;
  c.loss_guard.suspect_min_nodes = 10;
  c.loss_guard.max_losses_per_second = losses_per_second;
  c.loss_guard.loss_burst = burst;
  return c;
}

// `n` connected nodes, each holding one attempt, heard in turn over one heartbeat interval.
std::vector<NodeId> Fleet(Harness& h, uint32_t n) {
  h.Job(n);
  std::vector<NodeId> nodes;
  for (uint32_t i = 0; i < n; ++i) {
    nodes.push_back(h.Node());
    EXPECT_EQ(h.Request(nodes.back()).size(), 1u);
    h.Advance(kHeartbeat / n);
  }
  return nodes;
}

void HeartbeatAll(Harness& h, const std::vector<NodeId>& nodes, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    h.d().Clear();
    ASSERT_TRUE(h.core().Heartbeat(h.now(), nodes[i], NodeState::kParked, 1, h.d()).ok());
  }
}

uint64_t Lost(Harness& h) { return h.core().stats().nodes_lost; }

TEST(LossGuard, WithoutItAPausedDriverLosesTheWholeFleetAtOnce) {
  Harness h(Guarded(0));
  const auto nodes = Fleet(h, 100);
  h.Advance(kGrace * 3);  // the driver was paused: nobody was heard
  h.Tick();
  EXPECT_EQ(Lost(h), 100u);
  EXPECT_EQ(h.core().stats().attempts_lost, 100u);
}

TEST(LossGuard, APausedDriverSuspectsItselfAndLosesNoOneWhoHeartbeatsWithinAGrace) {
  Harness h(Guarded(0.5));
  const auto nodes = Fleet(h, 100);
  h.Advance(kGrace * 3);
  h.Tick();
  EXPECT_EQ(Lost(h), 0u);
  EXPECT_EQ(h.core().stats().self_suspicions, 1u);
  EXPECT_TRUE(h.d().ended.empty());
  // 70 cars were alive all along: their heartbeats arrive now. 30 really left.
  h.Advance(kHeartbeat);
  HeartbeatAll(h, nodes, 0, 70);
  h.Advance(kGrace - kHeartbeat - Duration::Millis(1));
  h.Tick();
  EXPECT_EQ(Lost(h), 0u);
  // After a whole grace period of waiting, the silent ones are lost: no second suspicion.
  h.Advance(Duration::Millis(1));
  h.Tick();
  EXPECT_EQ(Lost(h), 30u);
  EXPECT_EQ(h.core().stats().self_suspicions, 1u);
  for (size_t i = 0; i < 70; ++i) {
    EXPECT_EQ(h.core().GetNode(nodes[i])->connection, NodeConnection::kConnected) << i;
  }
  h.ExpectAttemptBalance();
}

TEST(LossGuard, NodesThatStaySilentThroughTheWaitAreLostEvenIfMost) {
  Harness h(Guarded(0.5));
  Fleet(h, 100);
  h.Advance(kGrace * 3);
  h.Tick();
  ASSERT_EQ(Lost(h), 0u);
  h.Advance(kGrace);  // nobody came back: they really are gone
  h.Tick();
  EXPECT_EQ(Lost(h), 100u);
  EXPECT_EQ(h.core().stats().self_suspicions, 1u);
}

TEST(LossGuard, AFewSilentNodesAreLostOnTimeAsWithoutTheGuard) {
  Harness h(Guarded(0.5));
  const auto nodes = Fleet(h, 100);
  // 95 keep heartbeating, 5 go silent: a normal day.
  const TimePoint start = h.now();
  while (h.now() < start + kGrace + kHeartbeat) {
    h.Advance(kHeartbeat);
    HeartbeatAll(h, nodes, 5, 100);
    h.Tick();
  }
  EXPECT_EQ(Lost(h), 5u);
  EXPECT_EQ(h.core().stats().self_suspicions, 0u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(h.core().GetNode(nodes[i])->connection, NodeConnection::kLost);
  }
}

TEST(LossGuard, TooSmallAFleetNeverSuspects) {
  Harness h(Guarded(0.5));
  Fleet(h, 9);  // below suspect_min_nodes
  h.Advance(kGrace * 3);
  h.Tick();
  EXPECT_EQ(Lost(h), 9u);
  EXPECT_EQ(h.core().stats().self_suspicions, 0u);
}

TEST(LossGuard, LossesArePacedAfterABurst) {
  // 10 losses per second, bursts of 5: 100 silent nodes take about 9.5 s, not an instant.
  Harness h(Guarded(0, 10, 5));
  Fleet(h, 100);
  h.Advance(kGrace * 3);
  h.Tick();
  EXPECT_EQ(Lost(h), 5u);  // the burst
  const TimePoint next = h.core().NextWakeup();
  EXPECT_EQ(next - h.now(), Duration::Millis(100));
  // Every wakeup loses one more, never faster than the pace.
  uint64_t ticks = 0;
  while (Lost(h) < 100 && ticks < 1000) {
    h.Set(h.core().NextWakeup());
    const uint64_t before = Lost(h);
    h.Tick();
    EXPECT_EQ(Lost(h), before + 1);
    ++ticks;
  }
  EXPECT_EQ(Lost(h), 100u);
  EXPECT_EQ(ticks, 95u);
  EXPECT_EQ(h.core().stats().losses_paced, 95u);
}

TEST(LossGuard, PacingLeavesAnOrdinaryLossOnTime) {
  Harness h(Guarded(0, 10, 5));
  const NodeId n = h.Node();
  h.Job(1);
  ASSERT_EQ(h.Request(n).size(), 1u);
  EXPECT_EQ(h.core().NextWakeup(), h.now() + kGrace);
  h.Advance(kGrace);
  h.Tick();
  EXPECT_EQ(Lost(h), 1u);
  EXPECT_EQ(h.core().stats().losses_paced, 0u);
}

TEST(LossGuard, BadSettingsAreRefusedNamingTheField) {
  CoreConfig c;
  c.loss_guard.suspect_fraction = 1.5;
  auto core = Core::Create(c);
  ASSERT_FALSE(core.ok());
  EXPECT_NE(core.status().message().find("suspect_fraction"), std::string::npos);
  c = {};
  c.loss_guard.max_losses_per_second = 5;
  c.loss_guard.loss_burst = 0;
  core = Core::Create(c);
  ASSERT_FALSE(core.ok());
  EXPECT_NE(core.status().message().find("loss_burst"), std::string::npos);
}

}  // namespace
}  // namespace fleetgrid::core::testing
