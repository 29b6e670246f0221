// One conformance suite over every Store (SQLite, in-memory), plus SQLite's own settings.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <tuple>

#include "coordinator/service/memory_store.h"
#include "coordinator/service/sqlite_store.h"

namespace fleetgrid::service {
namespace {

std::string TempDb(const std::string& name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("fleetgrid-store-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::filesystem::remove(p);
  std::filesystem::remove(p.string() + "-wal");
  std::filesystem::remove(p.string() + "-shm");
  return p.string();
}

WriteBatch SampleBatch() {
  WriteBatch b;
  b.changes = {"c1", std::string("c\0two", 5)};
  b.nodes.push_back({1, std::string(32, 'x'), "alice", "k1", "req", 123});
  b.jobs.push_back({1, "key-1", "spec-bytes", 456});
  b.results.push_back({7, 1, 6, (uint64_t{6} << 32) | 1, 1, std::string(32, 'd'), "payload", 7});
  return b;
}

struct StoreFactory {
  const char* name;
  std::function<std::unique_ptr<Store>(const std::string& path)> open;
};

void PrintTo(const StoreFactory& f, std::ostream* os) { *os << f.name; }

class StoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  std::unique_ptr<Store> Open() { return GetParam().open(TempDb(std::string(GetParam().name))); }
};

TEST_P(StoreConformance, CommitThenLoadGivesEverythingBack) {
  auto store = Open();
  ASSERT_TRUE(store->Commit(SampleBatch()).ok());
  auto st = store->Load();
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(st->changes.size(), 2u);
  EXPECT_EQ(st->changes[1], std::string("c\0two", 5));
  ASSERT_EQ(st->nodes.size(), 1u);
  EXPECT_EQ(st->nodes[0].owner, "alice");
  ASSERT_EQ(st->jobs.size(), 1u);
  EXPECT_EQ(st->jobs[0].idempotency_key, "key-1");
  ASSERT_EQ(st->results.size(), 1u);
  EXPECT_EQ(st->results[0].task_id, 7u);
  EXPECT_TRUE(st->results[0].data.empty());  // bytes via ReadResult
  EXPECT_EQ(*store->ReadResult(7), "payload");
  EXPECT_TRUE(absl::IsNotFound(store->ReadResult(8).status()));
  EXPECT_EQ(store->commits(), 1u);
}

TEST_P(StoreConformance, SecondResultForATaskFailsTheWholeBatch) {
  auto store = Open();
  ASSERT_TRUE(store->Commit(SampleBatch()).ok());
  WriteBatch again;
  again.changes = {"c3"};
  again.results.push_back({7, 1, 6, 99, 2, std::string(32, 'e'), "other", 5});
  EXPECT_TRUE(absl::IsAlreadyExists(store->Commit(again)));
  auto st = store->Load();
  EXPECT_EQ(st->changes.size(), 2u) << "a failed batch must change nothing";
  EXPECT_EQ(*store->ReadResult(7), "payload");
}

TEST_P(StoreConformance, IdempotencyKeyIsUnique) {
  auto store = Open();
  ASSERT_TRUE(store->Commit(SampleBatch()).ok());
  WriteBatch b;
  b.jobs.push_back({2, "key-1", "x", 1});
  EXPECT_TRUE(absl::IsAlreadyExists(store->Commit(b)));
  EXPECT_EQ(store->Load()->jobs.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    AllStores, StoreConformance,
    ::testing::Values(StoreFactory{"memory",
                                   [](const std::string&) -> std::unique_ptr<Store> {
                                     return std::make_unique<MemoryStore>();
                                   }},
                      StoreFactory{"sqlite",
                                   [](const std::string& path) -> std::unique_ptr<Store> {
                                     return *SqliteStore::Open(path);
                                   }}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SqliteStore, DurabilitySettingsAreSetAndChecked) {
  auto store = SqliteStore::Open(TempDb("settings.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->JournalMode(), "wal");
  EXPECT_EQ((*store)->Synchronous(), 2) << "synchronous must be FULL (2)";
}

TEST_P(StoreConformance, ChangeRecordsKeepTheirBytesAndOrderAcrossCommits) {
  auto store = Open();
  std::vector<std::string> want;
  for (int group = 0; group < 3; ++group) {
    WriteBatch b;
    // Empty, one-byte, 127/128-byte (varint edge) and large records.
    for (size_t len : {size_t{0}, size_t{1}, size_t{127}, size_t{128}, size_t{70000}}) {
      b.changes.push_back(std::string(len, static_cast<char>('a' + group)));
    }
    want.insert(want.end(), b.changes.begin(), b.changes.end());
    ASSERT_TRUE(store->Commit(b).ok());
  }
  auto st = store->Load();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->changes, want);
}

// Would catch: a checkpoint not kept, two kept for one task, its bytes lost, or kept after
// the task's result.
TEST_P(StoreConformance, CheckpointsAreReplacedPerTaskAndDeletedByTheResult) {
  auto store = Open();
  WriteBatch b;
  b.checkpoints.push_back(
      {7, (uint64_t{6} << 32) | 1, 1, 1, "cp-1", 40.5, std::string(32, 'a'), 3, "abc"});
  b.checkpoints.push_back(
      {9, (uint64_t{8} << 32) | 1, 1, 1, "cp-9", 10, std::string(32, 'b'), 2, "zz"});
  ASSERT_TRUE(store->Commit(b).ok());
  WriteBatch newer;
  newer.checkpoints.push_back(
      {7, (uint64_t{6} << 32) | 2, 2, 3, "cp-2", 80, std::string(32, 'c'), 4, "abcd"});
  ASSERT_TRUE(store->Commit(newer).ok());
  auto st = store->Load();
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(st->checkpoints.size(), 2u);
  EXPECT_EQ(st->checkpoints[0].task_id, 7u);
  EXPECT_EQ(st->checkpoints[0].checkpoint_id, "cp-2");
  EXPECT_DOUBLE_EQ(st->checkpoints[0].work_done_units, 80);
  EXPECT_EQ(st->checkpoints[0].epoch, 2u);
  EXPECT_EQ(st->checkpoints[0].size_bytes, 4u);
  EXPECT_TRUE(st->checkpoints[0].data.empty());  // bytes via ReadCheckpoint
  EXPECT_EQ(*store->ReadCheckpoint(7, "cp-2"), "abcd");
  EXPECT_EQ(store->ReadCheckpoint(7, "cp-1").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store->Commit(SampleBatch()).ok());  // holds task 7's result
  st = store->Load();
  ASSERT_EQ(st->checkpoints.size(), 1u);
  EXPECT_EQ(st->checkpoints[0].task_id, 9u);
  EXPECT_EQ(store->ReadCheckpoint(7, "cp-2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store->ReadCheckpoint(9, "cp-9"), "zz");
}

TEST(SqliteStore, RefusesAFileOfAnotherSchemaVersion) {
  const std::string path = TempDb("version.db");
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  auto store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("schema version 99"), std::string::npos)
      << store.status();
}

TEST(SqliteStore, SurvivesReopen) {
  const std::string path = TempDb("reopen.db");
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE((*store)->Commit(SampleBatch()).ok());
  }
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Load()->results.size(), 1u);
}

TEST(SqliteStore, RefusesADamagedFile) {
  const std::string path = TempDb("damaged.db");
  {
    auto store = SqliteStore::Open(path);
    WriteBatch big;
    for (int i = 0; i < 2000; ++i) big.changes.push_back(std::string(200, static_cast<char>(i)));
    ASSERT_TRUE((*store)->Commit(big).ok());
  }
  // Checkpoint the WAL into the main file, then scribble over pages after the schema page.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);  // pages 2..5: table roots and their first leaves
    const std::string junk(4 * 4096, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("integrity"), std::string::npos) << store.status();
}

TEST(SqliteStore, DurabilityLevelsAreSetAndChecked) {
  for (auto [level, want, name] : {std::tuple{SqliteStoreOptions::Durability::kFull, 2, "FULL"},
                                   std::tuple{SqliteStoreOptions::Durability::kNormal, 1, "NORMAL"},
                                   std::tuple{SqliteStoreOptions::Durability::kOff, 0, "OFF"}}) {
    SqliteStoreOptions o;
    o.durability = level;
    auto store = SqliteStore::Open(TempDb(std::string("level-") + name + ".db"), o);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*store)->JournalMode(), "wal");
    EXPECT_EQ((*store)->Synchronous(), want) << name;
    EXPECT_NE((*store)->Describe().find(std::string("synchronous=") + name), std::string::npos)
        << (*store)->Describe();
  }
}

TEST(SqliteStore, UnknownVfsIsRefused) {
  SqliteStoreOptions o;
  o.vfs = "no-such-vfs";
  auto store = SqliteStore::Open(TempDb("novfs.db"), o);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("no-such-vfs"), std::string::npos) << store.status();
}

// Batch `i` of the fill test: one change record, one job and one 4 KiB result.
WriteBatch FillBatch(int i) {
  WriteBatch b;
  b.changes = {"fill-" + std::to_string(i)};
  b.jobs.push_back({static_cast<uint64_t>(100 + i), "fill-key-" + std::to_string(i), "spec", i});
  b.results.push_back({static_cast<uint64_t>(1000 + i), static_cast<uint64_t>(100 + i), 0, 1, 1,
                       std::string(32, 'd'), std::string(4096, static_cast<char>('a' + i % 26)),
                       4096});
  return b;
}

// Disk full, for real but without root: the size cap makes SQLite answer SQLITE_FULL exactly
// as ENOSPC does. The failed batch leaves nothing behind, the connection keeps serving, and
// the same batch commits once space returns.
TEST(SqliteStore, FullStoreRefusesTheBatchKeepsTheRestAndTakesItOnceSpaceReturns) {
  const std::string path = TempDb("full.db");
  SqliteStoreOptions o;
  o.max_bytes = 128 * 1024;
  auto opened = SqliteStore::Open(path, o);
  ASSERT_TRUE(opened.ok()) << opened.status();
  SqliteStore& store = **opened;
  EXPECT_NE(store.Describe().find("max_bytes=131072"), std::string::npos) << store.Describe();
  int committed = 0;
  absl::Status s;
  for (; committed < 1000; ++committed) {
    s = store.Commit(FillBatch(committed));
    if (!s.ok()) break;
  }
  ASSERT_TRUE(absl::IsResourceExhausted(s)) << s;
  ASSERT_GT(committed, 5) << "the cap should hold several batches";
  EXPECT_LE(store.SizeBytes(), o.max_bytes);
  EXPECT_EQ(store.commits(), static_cast<uint64_t>(committed));

  // Everything before is there, nothing of the refused batch.
  auto check = [&](int want) {
    auto st = store.Load();
    ASSERT_TRUE(st.ok()) << st.status();
    ASSERT_EQ(st->changes.size(), static_cast<size_t>(want));
    ASSERT_EQ(st->jobs.size(), static_cast<size_t>(want));
    ASSERT_EQ(st->results.size(), static_cast<size_t>(want));
    EXPECT_EQ(st->changes.back(), "fill-" + std::to_string(want - 1));
    auto data = store.ReadResult(1000 + static_cast<uint64_t>(want) - 1);
    ASSERT_TRUE(data.ok()) << data.status();
    EXPECT_EQ(*data, FillBatch(want - 1).results[0].data);
  };
  check(committed);
  EXPECT_TRUE(absl::IsNotFound(store.ReadResult(1000 + static_cast<uint64_t>(committed)).status()));

  // Still full: the same answer again, and still nothing written.
  EXPECT_TRUE(absl::IsResourceExhausted(store.Commit(FillBatch(committed))));
  check(committed);
  // Space returns: the same batch goes in, and more after it.
  ASSERT_TRUE(store.SetMaxBytes(0).ok());
  ASSERT_TRUE(store.Commit(FillBatch(committed)).ok());
  ASSERT_TRUE(store.Commit(FillBatch(committed + 1)).ok());
  check(committed + 2);
  opened->reset();

  // The file is whole after all that.
  auto reopened = SqliteStore::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->Load()->results.size(), static_cast<size_t>(committed + 2));
}

TEST(SqliteStore, CapBelowTheCurrentSizeHoldsTheFileWhereItIs) {
  const std::string path = TempDb("smallcap.db");
  {
    auto store = SqliteStore::Open(path);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE((*store)->Commit(FillBatch(i)).ok());
  }
  SqliteStoreOptions o;
  o.max_bytes = 4096;  // far below the file
  auto store = SqliteStore::Open(path, o);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Load()->results.size(), 20u) << "a capped store still reads";
  EXPECT_TRUE(absl::IsResourceExhausted((*store)->Commit(FillBatch(20))));
  ASSERT_TRUE((*store)->SetMaxBytes(1 << 20).ok());
  EXPECT_TRUE((*store)->Commit(FillBatch(20)).ok());
}

// Another connection holds the write lock past the busy timeout: UNAVAILABLE, nothing
// written, and the same batch commits once the lock is gone.
TEST(SqliteStore, LockedFileIsUnavailableAndTheRetrySucceeds) {
  const std::string path = TempDb("busy.db");
  SqliteStoreOptions o;
  o.busy_timeout = Duration::Millis(20);
  auto store = SqliteStore::Open(path, o);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Commit(FillBatch(0)).ok());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const absl::Status s = (*store)->Commit(FillBatch(1));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_EQ((*store)->Load()->results.size(), 1u);
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_TRUE((*store)->Commit(FillBatch(1)).ok());
  EXPECT_EQ((*store)->Load()->results.size(), 2u);
}

TEST(MemoryStore, HeldCommitsBlockUntilReleased) {
  MemoryStore store;
  store.HoldCommitsForTesting();
  std::thread t([&] { EXPECT_TRUE(store.Commit(SampleBatch()).ok()); });
  while (store.BlockedCommitsForTesting() == 0) std::this_thread::yield();
  EXPECT_EQ(store.commits(), 0u);
  store.ReleaseCommitsForTesting();
  t.join();
  EXPECT_EQ(store.commits(), 1u);
}

}  // namespace
}  // namespace fleetgrid::service
