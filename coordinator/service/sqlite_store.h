// SqliteStore: the default Store, one SQLite file in WAL mode with synchronous=FULL.
//
// Open() sets journal_mode=WAL and synchronous=FULL explicitly, reads both back and refuses
// to open if either did not take (e.g. a file system without shared memory for WAL), and
// runs `PRAGMA integrity_check`: a damaged file is refused with a clear message instead of
// being served. One Commit() is one transaction (one fsync of the WAL).
//
// Thread-safe: one connection behind a mutex.
#pragma once

#include <memory>
#include <mutex>

#include "coordinator/service/store.h"

struct sqlite3;

namespace fleetgrid::service {

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) the database at `path`.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  ~SqliteStore() override;

  absl::Status Commit(const WriteBatch& batch) override;
  absl::StatusOr<StoredState> Load() override;
  absl::StatusOr<std::string> ReadResult(uint64_t task_id) override;
  uint64_t commits() const override;
  std::string Describe() const override;

  // The settings as SQLite reports them now (for tests): e.g. "wal", 2 (FULL).
  std::string JournalMode();
  int Synchronous();

 private:
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  absl::Status Exec(const char* sql);
  absl::Status CommitLocked(const WriteBatch& batch);

  mutable std::mutex mu_;
  sqlite3* db_;
  std::string path_;
  uint64_t commits_ = 0;
};

}  // namespace fleetgrid::service
