// SqliteStore: the default Store, one SQLite file in WAL mode with synchronous=FULL.
//
// Open() sets journal_mode=WAL and the asked synchronous level explicitly, reads both back
// and refuses to open if either did not take (e.g. a file system without shared memory for
// WAL), and runs `PRAGMA integrity_check`: a damaged file is refused with a clear message
// instead of being served. One Commit() is one transaction (one fsync of the WAL at FULL).
//
// Commit() answers as store.h says. SQLite's codes map to it like this: SQLITE_FULL (disk
// full, ENOSPC, or the size cap reached) -> RESOURCE_EXHAUSTED; SQLITE_BUSY / SQLITE_LOCKED
// (after the busy timeout) -> UNAVAILABLE; SQLITE_CONSTRAINT -> ALREADY_EXISTS;
// SQLITE_CORRUPT / SQLITE_NOTADB -> DATA_LOSS; any other error (SQLITE_IOERR_*: a failed
// write or fsync) -> INTERNAL. A failed transaction is rolled back (unless SQLite already
// did), so the connection serves the next Commit().
//
// Thread-safe: one connection behind a mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/time.h"
#include "coordinator/service/store.h"

struct sqlite3;

namespace fleetgrid::service {

struct SqliteStoreOptions {
  // PRAGMA synchronous. kFull (the shipped default): every commit fsyncs the WAL, so an
  // acknowledged batch survives a power cut. kNormal: the WAL is fsynced only at checkpoints
  // (a cut loses the commits since). kOff: never fsynced. The last two are for tests and
  // measurements only.
  enum class Durability { kFull, kNormal, kOff };
  Durability durability = Durability::kFull;
  // Cap on the database file in bytes (0 = none), rounded down to whole pages (PRAGMA
  // max_page_count). A commit that would grow the file past it fails RESOURCE_EXHAUSTED.
  // The WAL comes on top: up to about wal_autocheckpoint pages (4 MB by default) between
  // checkpoints. A cap below the current size holds the file at its current size.
  uint64_t max_bytes = 0;
  // SQLite VFS to open the file with ("" = the default, unix). Tests pass a fault-injecting
  // one (tests/service/power_cut_vfs.h).
  std::string vfs;
  // PRAGMA wal_autocheckpoint in pages (0 = SQLite's default, 1000). Tests lower it so that
  // checkpoints happen in a small run.
  int wal_autocheckpoint_pages = 0;
  // How long a commit waits for a lock held by another connection before it answers
  // UNAVAILABLE (sqlite3_busy_timeout).
  Duration busy_timeout = Duration::Seconds(5);
};

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) the database at `path`.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                           const SqliteStoreOptions& options);
  ~SqliteStore() override;

  absl::Status Commit(const WriteBatch& batch) override;
  absl::StatusOr<StoredState> Load() override;
  absl::StatusOr<std::string> ReadResult(uint64_t task_id) override;
  absl::StatusOr<std::string> ReadCheckpoint(uint64_t task_id,
                                             const std::string& checkpoint_id) override;
  uint64_t commits() const override;
  std::string Describe() const override;

  // Changes the size cap at run time (0 = none); see SqliteStoreOptions::max_bytes. For
  // tests and operators freeing or granting space: a store that answered RESOURCE_EXHAUSTED
  // takes the same batch once the cap allows it.
  absl::Status SetMaxBytes(uint64_t max_bytes);

  // The settings as SQLite reports them now (for tests): e.g. "wal", 2 (FULL).
  std::string JournalMode();
  int Synchronous();
  // The file's size in bytes as SQLite counts it (page_count * page_size), without the WAL.
  uint64_t SizeBytes();

 private:
  SqliteStore(sqlite3* db, std::string path, const SqliteStoreOptions& options)
      : db_(db), path_(std::move(path)), options_(options) {}
  absl::Status Exec(const char* sql);
  int64_t PragmaInt(const char* sql);
  absl::Status SetMaxBytesLocked(uint64_t max_bytes);
  absl::Status CommitLocked(const WriteBatch& batch);

  mutable std::mutex mu_;
  sqlite3* db_;
  std::string path_;
  SqliteStoreOptions options_;
  int64_t page_size_ = 4096;
  int64_t uncapped_pages_ = 0;  // max_page_count as SQLite had it before any cap
  uint64_t commits_ = 0;
};

}  // namespace fleetgrid::service
