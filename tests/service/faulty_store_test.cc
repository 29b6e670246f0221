// FaultyStore (tests/service/faulty_store.h): each kind of injected failure does what its
// comment says to the inner store, and the counts add up.
#include "tests/service/faulty_store.h"

#include <gtest/gtest.h>

#include "coordinator/service/memory_store.h"

namespace fleetgrid::service {
namespace {

WriteBatch Batch(int i) {
  WriteBatch b;
  b.changes = {"change-" + std::to_string(i)};
  return b;
}

size_t Stored(Store& s) { return s.Load()->changes.size(); }

TEST(FaultyStore, RateZeroPassesEverythingThrough) {
  MemoryStore inner;
  FaultyStore store(&inner, {});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store.Commit(Batch(i)).ok());
  EXPECT_EQ(Stored(inner), 10u);
  EXPECT_EQ(store.commits(), 10u);
  EXPECT_EQ(store.counts().passed, 10u);
  EXPECT_EQ(store.counts().failed_before, 0u);
}

TEST(FaultyStore, FailBeforeWritesNothing) {
  MemoryStore inner;
  FaultyStore store(&inner, {.seed = 3,
                             .fail_rate = 0.3,
                             .code = absl::StatusCode::kUnavailable,
                             .timing = FaultyStore::Timing::kBefore});
  int ok = 0;
  for (int i = 0; i < 200; ++i) {
    const absl::Status s = store.Commit(Batch(i));
    if (s.ok()) {
      ++ok;
    } else {
      EXPECT_TRUE(absl::IsUnavailable(s)) << s;
      EXPECT_NE(s.message().find("busy"), std::string::npos) << s;
    }
  }
  const FaultyStore::Counts c = store.counts();
  EXPECT_EQ(Stored(inner), static_cast<size_t>(ok)) << "a failure before the commit stores nothing";
  EXPECT_EQ(c.passed, static_cast<uint64_t>(ok));
  EXPECT_EQ(c.passed + c.failed_before, 200u);
  EXPECT_EQ(c.failed_after, 0u);
  EXPECT_GT(c.failed_before, 30u);  // ~60 expected
  EXPECT_LT(c.failed_before, 100u);
}

TEST(FaultyStore, FailAfterStoresButReportsAnIoError) {
  MemoryStore inner;
  FaultyStore store(&inner, {.seed = 5,
                             .fail_rate = 1.0,
                             .code = absl::StatusCode::kInternal,
                             .timing = FaultyStore::Timing::kAfter});
  const absl::Status s = store.Commit(Batch(0));
  EXPECT_TRUE(absl::IsInternal(s)) << s;
  EXPECT_NE(s.message().find("I/O error"), std::string::npos) << s;
  EXPECT_EQ(Stored(inner), 1u) << "outcome unknown: it was in fact written";
  EXPECT_EQ(store.counts().failed_after, 1u);
  store.SetFailRate(0);
  EXPECT_TRUE(store.Commit(Batch(1)).ok());
  EXPECT_EQ(Stored(inner), 2u);
}

TEST(FaultyStore, EitherTimingIsSeededAndMixesBoth) {
  auto run = [](uint64_t seed) {
    MemoryStore inner;
    FaultyStore store(&inner, {.seed = seed,
                               .fail_rate = 0.5,
                               .code = absl::StatusCode::kInternal,
                               .timing = FaultyStore::Timing::kEither});
    std::string trace;
    for (int i = 0; i < 100; ++i) trace += store.Commit(Batch(i)).ok() ? 'o' : 'x';
    const FaultyStore::Counts c = store.counts();
    EXPECT_GT(c.failed_before, 5u);
    EXPECT_GT(c.failed_after, 5u);
    EXPECT_EQ(Stored(inner), c.passed + c.failed_after);
    return trace;
  };
  EXPECT_EQ(run(11), run(11)) << "same seed, same failures";
  EXPECT_NE(run(11), run(12));
}

TEST(FaultyStore, FullRefusesEverythingUntilCleared) {
  MemoryStore inner;
  FaultyStore store(&inner, {});
  ASSERT_TRUE(store.Commit(Batch(0)).ok());
  store.SetFull(true);
  for (int i = 0; i < 3; ++i) {
    const absl::Status s = store.Commit(Batch(1));
    EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  }
  EXPECT_EQ(Stored(inner), 1u);
  store.SetFull(false);
  EXPECT_TRUE(store.Commit(Batch(1)).ok()) << "the same batch, once space returns";
  EXPECT_EQ(Stored(inner), 2u);
  EXPECT_EQ(store.counts().refused_full, 3u);
  EXPECT_EQ(store.counts().passed, 2u);
}

TEST(FaultyStore, InnerFailuresPassThrough) {
  MemoryStore inner;
  FaultyStore store(&inner, {});
  WriteBatch job;
  job.jobs.push_back({1, "k", "spec", 0});
  ASSERT_TRUE(store.Commit(job).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(store.Commit(job)));
  inner.FailCommitsForTesting(1);
  EXPECT_TRUE(absl::IsUnavailable(store.Commit(Batch(0))));
  EXPECT_EQ(store.Describe(), "faulty(memory)");
}

}  // namespace
}  // namespace fleetgrid::service
