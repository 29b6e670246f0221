// One conformance suite over every EventQueue implementation (ns-3 style).
#include "sim/engine/event_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <queue>
#include <tuple>
#include <vector>

#include "common/rng.h"
#include "sim/engine/calendar_queue.h"

namespace fleetgrid::sim {
namespace {

TimePoint T(int64_t ns) { return TimePoint::FromNanos(ns); }

class EventQueueTest : public ::testing::TestWithParam<QueueKind> {
 protected:
  std::unique_ptr<EventQueue> q_ = MakeEventQueue(GetParam());
};

TEST_P(EventQueueTest, StartsEmpty) {
  EXPECT_TRUE(q_->empty());
  EXPECT_EQ(q_->size(), 0u);
}

TEST_P(EventQueueTest, PopsInTimeOrder) {
  for (int64_t t : {50, 10, 40, 20, 30}) q_->Push(T(t), static_cast<uint64_t>(t));
  EXPECT_EQ(q_->size(), 5u);
  std::vector<int64_t> got;
  while (!q_->empty()) got.push_back(q_->Pop().time.nanos());
  EXPECT_EQ(got, (std::vector<int64_t>{10, 20, 30, 40, 50}));
}

TEST_P(EventQueueTest, EqualTimesComeOutInInsertionOrder) {
  for (uint64_t i = 0; i < 1000; ++i) q_->Push(T(7), i);
  for (uint64_t i = 0; i < 1000; ++i) {
    ASSERT_EQ(q_->Top().data, i);
    ASSERT_EQ(q_->Pop().data, i);
  }
}

TEST_P(EventQueueTest, EqualTimePushedWhileDrainingStaysFifo) {
  q_->Push(T(100), 0);
  q_->Push(T(100), 1);
  EXPECT_EQ(q_->Pop().data, 0u);
  q_->Push(T(100), 2);  // same time as a pending event, pushed later: comes after it
  q_->Push(T(100), 3);
  EXPECT_EQ(q_->Pop().data, 1u);
  EXPECT_EQ(q_->Pop().data, 2u);
  EXPECT_EQ(q_->Pop().data, 3u);
  EXPECT_TRUE(q_->empty());
}

TEST_P(EventQueueTest, PushAtCurrentTimeAfterPeek) {
  q_->Push(T(1'000'000'000), 1);
  EXPECT_EQ(q_->Top().data, 1u);  // peeking may advance internal cursors
  q_->Push(T(5), 2);              // still allowed: nothing was popped after t=5
  EXPECT_EQ(q_->Pop().data, 2u);
  EXPECT_EQ(q_->Pop().data, 1u);
}

TEST_P(EventQueueTest, HugeGapsAndFarFuture) {
  q_->Push(T(int64_t{1} << 60), 3);
  q_->Push(T(1), 1);
  q_->Push(T(int64_t{1} << 40), 2);
  EXPECT_EQ(q_->Pop().data, 1u);
  EXPECT_EQ(q_->Pop().data, 2u);
  EXPECT_EQ(q_->Pop().data, 3u);
}

// Random hold model (pop one, push one in the future) against a reference ordering.
TEST_P(EventQueueTest, RandomAgainstReference) {
  using Ref = std::tuple<int64_t, uint64_t, uint64_t>;  // time, seq, data
  std::priority_queue<Ref, std::vector<Ref>, std::greater<Ref>> ref;
  Rng rng(42);
  uint64_t seq = 0;
  auto push = [&](int64_t t) {
    q_->Push(T(t), seq);
    ref.emplace(t, seq, seq);
    ++seq;
  };
  int64_t now = 0;
  for (int i = 0; i < 20000; ++i) push(static_cast<int64_t>(rng.Below(1'000'000)));
  for (int step = 0; step < 200000; ++step) {
    ASSERT_EQ(q_->size(), ref.size());
    const Event e = q_->Pop();
    const auto [rt, rseq, rdata] = ref.top();
    ref.pop();
    ASSERT_EQ(e.time.nanos(), rt) << "step " << step;
    ASSERT_EQ(e.data, rdata) << "step " << step;
    now = e.time.nanos();
    // Mix of delays: zero (same time), short, long, and occasional very far.
    const uint64_t r = rng.Below(100);
    int pushes = step < 100000 ? 1 : static_cast<int>(rng.Below(2));  // then shrink
    if (step % 7 == 0 && step < 100000) pushes = 2;                   // grow a bit
    for (int k = 0; k < pushes; ++k) {
      int64_t delay;
      if (r < 5) {
        delay = 0;
      } else if (r < 80) {
        delay = static_cast<int64_t>(rng.Exponential(50'000.0));
      } else if (r < 98) {
        delay = static_cast<int64_t>(rng.Exponential(5'000'000.0));
      } else {
        delay = static_cast<int64_t>(rng.Below(uint64_t{1} << 40));
      }
      push(now + delay);
    }
    if (ref.empty()) break;
  }
  while (!ref.empty()) {
    const Event e = q_->Pop();
    ASSERT_EQ(e.data, std::get<2>(ref.top()));
    ref.pop();
  }
  EXPECT_TRUE(q_->empty());
}

TEST_P(EventQueueTest, ReportsMemory) {
  for (int i = 0; i < 1000; ++i) q_->Push(T(i), 0);
  EXPECT_GE(q_->MemoryBytes(), 1000 * sizeof(uint64_t));
}

INSTANTIATE_TEST_SUITE_P(AllQueues, EventQueueTest,
                         ::testing::Values(QueueKind::kHeap4, QueueKind::kCalendar,
                                           QueueKind::kBucket),
                         [](const auto& info) {
                           return std::string(MakeEventQueue(info.param)->name());
                         });

TEST(ParseQueueKindTest, Names) {
  EXPECT_EQ(*ParseQueueKind("heap"), QueueKind::kHeap4);
  EXPECT_EQ(*ParseQueueKind("calendar"), QueueKind::kCalendar);
  EXPECT_EQ(*ParseQueueKind("bucket"), QueueKind::kBucket);
  EXPECT_FALSE(ParseQueueKind("ladder").ok());
}

TEST(CalendarQueueTest, ResizesWithLoad) {
  CalendarQueue q;
  for (int i = 0; i < 100000; ++i) q.Push(T(int64_t{i} * 1000), 0);
  EXPECT_GE(q.buckets_for_testing(), 65536u);
}

}  // namespace
}  // namespace fleetgrid::sim
