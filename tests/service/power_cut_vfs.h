// PowerCutVfs: an SQLite VFS for tests that models a disk with a volatile write cache, so a
// test can cut the power at any write and see what a real machine would find on reboot.
//
// It wraps the default (unix) VFS and registers under a name of its own (never as the
// default); open a store with SqliteStoreOptions::vfs = that name. Every write and truncate
// reaches the real file at once, as through a page cache, while the VFS keeps, for each
// file, what the disk holds durably. POSIX semantics, strictly: a file's contents and its
// name (directory entry) are made durable by different calls.
//   - Contents: xSync of a file makes its current contents durable (all earlier writes and
//     truncates). Unsynced writes and truncates are lost in a cut.
//   - Names: creating a file and deleting one are durable only once the directory is
//     synced. The directory is synced (all pending creates and deletes in it become durable)
//     by xDelete with dirSync, and by the first xSync of a journal or WAL file opened with
//     SQLITE_OPEN_CREATE: the unix VFS fsyncs the directory there (UNIXFILE_DIRSYNC), and so
//     does our model. Until then a created file is absent after a cut, and a deleted one comes
//     back with its last durable contents. (SQLite never dir-syncs for the main database
//     file; it relies on the directory sync of the journal it creates right after it, which
//     this model honours. A model where a delete without dirSync stays pending forever
//     resurrects the rollback journal of the first transaction, which is hot, after the WAL
//     has been dir-synced: real file systems do not do that, and it loses a fresh database.)
//   - A file the VFS has not seen before is durable as it is when first opened or deleted.
//   - Shared memory (the WAL's -shm index, through xShmMap) and files without a name are not
//     modelled: SQLite rebuilds the index from the WAL after a crash.
//
// Cut() (or the armed CutAfterWrites) freezes the VFS: from then on every write, sync,
// truncate and delete does nothing and returns an I/O error, so nothing more reaches the
// disk; reads, locks and closes still work so that the store can be closed. Restore(), once
// every file is closed, rewrites each file to what the disk held durably (or removes it),
// which is what a reboot finds, and thaws the VFS. With a keep_probability > 0 it instead
// keeps each unsynced change with that chance: each pending write or truncate independently
// (in their order), and each file's pending create or delete: a disk that wrote back part of
// its cache, in any order, before the power went.
//
// xSync is modelled, not passed on: the files need no real durability, and real fsyncs
// were most of a power-loss test's time. The files are read back from the real file system
// on first sight, so keep them small (test databases of a few hundred KB). Thread-safe.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace fleetgrid::service {

class PowerCutVfs {
 public:
  // Registers a VFS called `name` over the default one. Error if the name is taken.
  static absl::StatusOr<std::unique_ptr<PowerCutVfs>> Register(const std::string& name);
  // Unregisters. REQUIRES: no connection uses it any more.
  ~PowerCutVfs();
  PowerCutVfs(const PowerCutVfs&) = delete;
  PowerCutVfs& operator=(const PowerCutVfs&) = delete;

  const std::string& name() const { return name_; }

  // Freezes now (see above).
  void Cut();
  // Freezes right after the n-th write call from now (n >= 1; that write reaches the file).
  void CutAfterWrites(uint64_t n);
  bool cut() const;

  // REQUIRES: every file of this VFS closed. Puts each file into the state a reboot after
  // the cut would find; with keep_probability in (0, 1], each unsynced change survives with
  // that chance (drawn from `seed`). Then forgets all history (the files as they are now
  // are the new durable images) and thaws. FailedPrecondition if files are still open.
  absl::Status Restore(double keep_probability = 0, uint64_t seed = 0);

  // Calls so far (writes and syncs that reached a modelled file), for tests and figures.
  uint64_t writes() const;
  uint64_t syncs() const;
  // Writes to main database files so far: in WAL mode SQLite writes the main file only
  // when it checkpoints (or creates it), so a test can tell that checkpoints happened.
  uint64_t main_db_writes() const;
  uint64_t dir_syncs() const;

 private:
  struct Op {
    enum Kind { kWrite, kTruncate } kind;
    int64_t offset = 0;  // kWrite: where; kTruncate: the new size
    std::string data;    // kWrite
  };
  // One file's contents (an inode): durable, and the changes since its last sync.
  struct Inode {
    std::string durable;
    std::vector<Op> pending;
  };
  // One name.
  struct FileState {
    std::shared_ptr<Inode> on_disk;  // what the durable directory entry names; null = none
    std::shared_ptr<Inode> live;     // what the name holds now; null = deleted
  };
  struct File;  // one open file (power_cut_vfs.cc)

  explicit PowerCutVfs(std::string name, sqlite3_vfs* inner);
  static PowerCutVfs* Self(sqlite3_vfs* vfs) { return static_cast<PowerCutVfs*>(vfs->pAppData); }
  static void Apply(const Op& op, std::string& image);
  // The state of `path`, read from disk the first time. REQUIRES: mu_ held.
  FileState& StateLocked(const std::string& path);
  // Makes the names in `path`'s directory durable. REQUIRES: mu_ held.
  void SyncDirLocked(const std::string& path);

  // sqlite3_vfs methods.
  static int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
                  int* out_flags);
  static int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir);
  // sqlite3_io_methods that the VFS changes; the rest forward to the real file.
  static int FileClose(sqlite3_file* file);
  static int FileWrite(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset);
  static int FileTruncate(sqlite3_file* file, sqlite3_int64 size);
  static int FileSync(sqlite3_file* file, int flags);

  std::string name_;
  sqlite3_vfs* inner_;
  sqlite3_vfs vfs_;

  mutable std::mutex mu_;
  std::map<std::string, FileState> files_;  // by full path
  int open_files_ = 0;
  bool frozen_ = false;
  uint64_t cut_after_ = 0;  // writes left before the armed cut; 0 = not armed
  uint64_t writes_ = 0;
  uint64_t syncs_ = 0;
  uint64_t main_db_writes_ = 0;
  uint64_t dir_syncs_ = 0;
};

}  // namespace fleetgrid::service
