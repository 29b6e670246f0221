// ManualEnv: the manual clock and its timers, which the coordinator's tests run on.
#include "coordinator/runtime/manual_env.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fleetgrid::runtime {
namespace {

TEST(ManualEnv, TimersRunWhenDueInTimeThenSetOrder) {
  ManualEnv env;
  std::vector<std::string> ran;
  env.At(TimePoint::FromNanos(20), [&] { ran.push_back("b20"); });
  env.At(TimePoint::FromNanos(10), [&] { ran.push_back("a10"); });
  env.At(TimePoint::FromNanos(20), [&] { ran.push_back("c20"); });
  const Env::TimerId late = env.At(TimePoint::FromNanos(30), [&] { ran.push_back("d30"); });
  env.Advance(Duration::Nanos(5));
  EXPECT_TRUE(ran.empty());
  env.Advance(Duration::Nanos(15));
  EXPECT_EQ(ran, (std::vector<std::string>{"a10", "b20", "c20"}));
  env.Cancel(late);
  env.Advance(Duration::Nanos(100));
  EXPECT_EQ(ran.size(), 3u);
  EXPECT_EQ(env.pending(), 0u);
}

TEST(ManualEnv, RunUntilRunsEachTimerAtItsTimeIncludingTimersSetByTimers) {
  ManualEnv env;
  std::vector<int64_t> at;
  std::function<void()> every10 = [&] {
    at.push_back(env.Now().nanos());
    if (at.size() < 5) env.After(Duration::Nanos(10), every10);
  };
  env.At(TimePoint::FromNanos(10), every10);
  env.RunUntil(TimePoint::FromNanos(45));
  EXPECT_EQ(at, (std::vector<int64_t>{10, 20, 30, 40}));
  EXPECT_EQ(env.Now(), TimePoint::FromNanos(45));
  EXPECT_EQ(env.NextTimer(), TimePoint::FromNanos(50));
}

TEST(ManualEnv, AnExecutorRunsTheDueTimersAndCalendarTimeFollowsTheClock) {
  ManualEnv env(TimePoint::Epoch(), /*unix_start=*/1'000);
  std::vector<std::function<void()>> posted;
  env.SetExecutor([&](std::function<void()> fn) { posted.push_back(std::move(fn)); });
  int ran = 0;
  env.After(Duration::Seconds(1), [&] { ++ran; });
  env.Advance(Duration::Seconds(2));
  EXPECT_EQ(ran, 0);
  ASSERT_EQ(posted.size(), 1u);
  posted[0]();
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(env.UnixNanos(), 1'000 + Duration::Seconds(2).nanos());
}

}  // namespace
}  // namespace fleetgrid::runtime
