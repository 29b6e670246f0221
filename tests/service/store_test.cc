// One conformance suite over every Store (SQLite, in-memory), plus SQLite's own settings.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

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
