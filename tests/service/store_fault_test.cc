// The coordinator over a store that fails: busy commits are retried and acknowledged only
// once stored; I/O errors are never a false OK; a full store refuses new jobs and cars with
// RESOURCE_EXHAUSTED, keeps what it holds, and serves again without repair once space
// returns (with the fault-injecting wrapper and with a size-capped SQLite file).
#include <filesystem>
#include <set>

#include "coordinator/service/sqlite_store.h"
#include "tests/service/faulty_store.h"
#include "tests/service/harness.h"
#include "tests/service/http_get.h"

namespace fleetgrid::testing {
namespace {

using service::FaultyStore;

std::set<uint64_t> StoredJobs(service::Store& store) {
  std::set<uint64_t> ids;
  auto st = store.Load();
  EXPECT_TRUE(st.ok()) << st.status();
  if (st.ok()) {
    for (const auto& j : st->jobs) ids.insert(j.job_id);
  }
  return ids;
}

grpc::Status SubmitWithin(Harness& h, const v1::JobSpec& spec, int seconds,
                          v1::SubmitJobResponse* resp) {
  grpc::ClientContext ctx;
  Harness::Deadline(ctx, seconds);
  v1::SubmitJobRequest req;
  *req.mutable_spec() = spec;
  return h.jobs->SubmitJob(&ctx, req, resp);
}

TEST(StoreFaults, BusyCommitsAreRetriedAndEveryAcknowledgedJobIsStored) {
  Harness h;
  FaultyStore faulty(&h.store, {.seed = 3,
                                .fail_rate = 0.4,
                                .code = absl::StatusCode::kUnavailable,
                                .timing = FaultyStore::Timing::kBefore});
  h.serve_from = &faulty;
  h.Start();
  std::set<uint64_t> acked;
  for (int i = 0; i < 40; ++i) {
    v1::SubmitJobResponse sub;
    const grpc::Status s = h.Submit(Harness::HashJob(2, "busy-" + std::to_string(i)), &sub);
    ASSERT_TRUE(s.ok()) << s.error_message();
    acked.insert(sub.job_id());
  }
  EXPECT_GT(faulty.counts().failed_before, 5u) << "the faults did not happen";
  EXPECT_TRUE(h.coordinator->brain().healthy());
  EXPECT_EQ(StoredJobs(h.store), acked);
  EXPECT_GE(h.coordinator->metrics().store_retries_total.load(), faulty.counts().failed_before);
}

TEST(StoreFaults, IoErrorsAreNeverAFalseOkAndARestartServesWhatWasStored) {
  for (const auto timing : {FaultyStore::Timing::kBefore, FaultyStore::Timing::kAfter}) {
    Harness h;
    FaultyStore faulty(
        &h.store,
        {.seed = 11, .fail_rate = 0.25, .code = absl::StatusCode::kInternal, .timing = timing});
    h.serve_from = &faulty;
    h.Start();
    std::set<uint64_t> acked;
    int refused = 0;
    for (int i = 0; i < 30; ++i) {
      v1::SubmitJobResponse sub;
      const grpc::Status s = h.Submit(Harness::HashJob(1, "io-" + std::to_string(i)), &sub);
      if (s.ok()) {
        acked.insert(sub.job_id());
      } else {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
        ++refused;
      }
    }
    ASSERT_GT(refused, 0) << "no fault was injected";
    EXPECT_FALSE(h.coordinator->brain().healthy());
    const std::set<uint64_t> stored = StoredJobs(h.store);
    for (uint64_t id : acked) {
      EXPECT_TRUE(stored.count(id)) << "acknowledged job " << id;
    }
    // After an I/O error the outcome is unknown: with kAfter the failed group is stored.
    if (timing == FaultyStore::Timing::kAfter) {
      EXPECT_GT(stored.size(), acked.size());
    }
    faulty.SetFailRate(0);
    h.Restart();
    EXPECT_TRUE(h.coordinator->brain().healthy());
    for (uint64_t id : stored) {
      EXPECT_EQ(h.GetJob(id).job_id(), id);
    }
    v1::SubmitJobResponse sub;
    EXPECT_TRUE(h.Submit(Harness::HashJob(1), &sub).ok());
  }
}

TEST(StoreFaults, AFullStoreRefusesNewJobsAndCarsThenResumesWithoutRepair) {
  Harness h;
  FaultyStore faulty(&h.store, {});
  h.serve_from = &faulty;
  h.options.metrics_listen = "127.0.0.1:0";
  h.Start();
  v1::SubmitJobResponse first;
  ASSERT_TRUE(h.Submit(Harness::HashJob(2, "before"), &first).ok());

  faulty.SetFull(true);
  // The job that meets the full store waits (not acknowledged) until space returns...
  v1::SubmitJobResponse held;
  EXPECT_EQ(SubmitWithin(h, Harness::HashJob(2, "held"), 1, &held).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  // ...and from then on new jobs and cars are refused at once, naming the cause.
  v1::SubmitJobResponse refused;
  const grpc::Status s = h.Submit(Harness::HashJob(2, "refused"), &refused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("store is full"), std::string::npos) << s.error_message();
  TestCar car(h.channel, "late");
  const absl::Status enroll = car.Enroll();
  EXPECT_TRUE(absl::IsResourceExhausted(enroll)) << enroll;
  EXPECT_TRUE(h.coordinator->brain().healthy());
  const auto [code, metrics] = HttpGet(h.coordinator->metrics_port(), "/metrics");
  EXPECT_EQ(MetricValue(metrics, "fleetgrid_store_full"), 1) << code;
  EXPECT_EQ(h.GetJob(first.job_id()).job_id(), first.job_id()) << "reads still served";
  EXPECT_EQ(StoredJobs(h.store), std::set<uint64_t>{first.job_id()});

  faulty.SetFull(false);
  // The held job went through; a retry with its key finds it.
  v1::SubmitJobResponse again;
  ASSERT_TRUE(h.Submit(Harness::HashJob(2, "held"), &again).ok());
  EXPECT_TRUE(again.duplicate());
  v1::SubmitJobResponse after;
  ASSERT_TRUE(h.Submit(Harness::HashJob(2, "after"), &after).ok());
  EXPECT_TRUE(car.Enroll().ok());
  EXPECT_EQ(StoredJobs(h.store),
            (std::set<uint64_t>{first.job_id(), again.job_id(), after.job_id()}));
  h.Restart();
  EXPECT_EQ(h.GetJob(again.job_id()).job_id(), again.job_id());
}

TEST(StoreFaults, ASizeCappedSqliteFileFillsUpAndServesAgainWhenTheCapIsRaised) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("fleetgrid-full-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto opened = service::SqliteStore::Open((dir / "fleetgrid.db").string());
  ASSERT_TRUE(opened.ok()) << opened.status();
  service::SqliteStore& sqlite = **opened;
  Harness h;
  h.serve_from = &sqlite;
  h.Start();
  ASSERT_TRUE(sqlite.SetMaxBytes(sqlite.SizeBytes() + 64 * 1024).ok());

  std::set<uint64_t> acked;
  grpc::Status s;
  v1::JobSpec big = Harness::HashJob(50);
  big.set_name(std::string(8000, 'x'));  // fills the cap in a few dozen jobs
  int i = 0;
  for (; i < 500; ++i) {
    big.set_idempotency_key("cap-" + std::to_string(i));
    v1::SubmitJobResponse sub;
    s = SubmitWithin(h, big, 2, &sub);
    if (!s.ok()) break;
    acked.insert(sub.job_id());
  }
  ASSERT_FALSE(s.ok()) << "the cap was never reached";
  EXPECT_TRUE(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
              s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << s.error_message();
  v1::SubmitJobResponse sub;
  EXPECT_EQ(h.Submit(Harness::HashJob(1, "while-full"), &sub).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  std::set<uint64_t> stored = StoredJobs(sqlite);
  for (uint64_t id : acked) {
    EXPECT_TRUE(stored.count(id)) << id;
  }

  ASSERT_TRUE(sqlite.SetMaxBytes(0).ok());  // space returns
  ASSERT_TRUE(Eventually([&] { return h.Submit(Harness::HashJob(1, "freed"), &sub).ok(); }));
  h.Restart();
  stored = StoredJobs(sqlite);
  for (uint64_t id : acked) {
    EXPECT_TRUE(stored.count(id)) << id;
  }
  EXPECT_TRUE(stored.count(sub.job_id()));
  h.coordinator->Shutdown();
  h.coordinator.reset();
  opened->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fleetgrid::testing
