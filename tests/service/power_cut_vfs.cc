#include "tests/service/power_cut_vfs.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>

#include "common/rng.h"

namespace fleetgrid::service {

// Our part of each sqlite3_file; the real VFS's file follows it in the same block.
struct PowerCutVfs::File {
  sqlite3_file base;  // pMethods: ours; first, so that a sqlite3_file* is a File*
  PowerCutVfs* owner = nullptr;
  std::string path;  // "" = not modelled (temporary files)
  bool main_db = false;
  bool dir_sync = false;         // the first sync also syncs the directory (as unix does)
  std::shared_ptr<Inode> inode;  // the contents opened (still written if the name goes)
  sqlite3_file* real = nullptr;

  static File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
  // Bytes before the real file in the block (16-aligned).
  static constexpr int Size() { return static_cast<int>((sizeof(File) + 15) / 16 * 16); }
};

namespace {

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

PowerCutVfs::PowerCutVfs(std::string name, sqlite3_vfs* inner)
    : name_(std::move(name)), inner_(inner), vfs_{} {
  vfs_.iVersion = 2;
  vfs_.szOsFile = File::Size() + inner->szOsFile;
  vfs_.mxPathname = inner->mxPathname;
  vfs_.zName = name_.c_str();
  vfs_.pAppData = this;
  vfs_.xOpen = &PowerCutVfs::Open;
  vfs_.xDelete = &PowerCutVfs::Delete;
  // Everything else is the real VFS's, called with the real VFS (it keeps state in it).
  vfs_.xAccess = [](sqlite3_vfs* v, const char* name, int flags, int* out) {
    sqlite3_vfs* in = Self(v)->inner_;
    return in->xAccess(in, name, flags, out);
  };
  vfs_.xFullPathname = [](sqlite3_vfs* v, const char* name, int n, char* out) {
    sqlite3_vfs* in = Self(v)->inner_;
    return in->xFullPathname(in, name, n, out);
  };
  vfs_.xDlOpen = [](sqlite3_vfs* v, const char* name) {
    sqlite3_vfs* in = Self(v)->inner_;
    return in->xDlOpen(in, name);
  };
  vfs_.xDlError = [](sqlite3_vfs* v, int n, char* out) {
    sqlite3_vfs* in = Self(v)->inner_;
    in->xDlError(in, n, out);
  };
  vfs_.xDlSym = [](sqlite3_vfs* v, void* handle, const char* sym) {
    sqlite3_vfs* in = Self(v)->inner_;
    return in->xDlSym(in, handle, sym);
  };
  vfs_.xDlClose = [](sqlite3_vfs* v, void* handle) {
    sqlite3_vfs* in = Self(v)->inner_;
    in->xDlClose(in, handle);
  };
  vfs_.xRandomness = [](sqlite3_vfs* v, int n, char* out) {
    sqlite3_vfs* in = Self(v)->inner_;
    return in->xRandomness(in, n, out);
  };
  vfs_.xSleep = [](sqlite3_vfs* v, int micros) {
    sqlite3_vfs* in = Self(v)->inner_;
    return in->xSleep(in, micros);
  };
  vfs_.xCurrentTime = [](sqlite3_vfs* v, double* out) {
    sqlite3_vfs* in = Self(v)->inner_;
    return in->xCurrentTime(in, out);
  };
  vfs_.xGetLastError = [](sqlite3_vfs* v, int n, char* out) {
    sqlite3_vfs* in = Self(v)->inner_;
    return in->xGetLastError(in, n, out);
  };
  vfs_.xCurrentTimeInt64 = [](sqlite3_vfs* v, sqlite3_int64* out) {
    sqlite3_vfs* in = Self(v)->inner_;
    if (in->iVersion >= 2 && in->xCurrentTimeInt64 != nullptr) {
      return in->xCurrentTimeInt64(in, out);
    }
    double days = 0;
    const int rc = in->xCurrentTime(in, &days);
    *out = static_cast<sqlite3_int64>(days * 86400000.0);
    return rc;
  };
}

absl::StatusOr<std::unique_ptr<PowerCutVfs>> PowerCutVfs::Register(const std::string& name) {
  if (sqlite3_initialize() != SQLITE_OK) return absl::InternalError("sqlite3_initialize failed");
  if (sqlite3_vfs_find(name.c_str()) != nullptr) {
    return absl::AlreadyExistsError("an SQLite VFS named '" + name + "' is registered already");
  }
  sqlite3_vfs* inner = sqlite3_vfs_find(nullptr);
  if (inner == nullptr) return absl::InternalError("no default SQLite VFS");
  std::unique_ptr<PowerCutVfs> vfs(new PowerCutVfs(name, inner));
  if (sqlite3_vfs_register(&vfs->vfs_, /*makeDflt=*/0) != SQLITE_OK) {
    return absl::InternalError("sqlite3_vfs_register failed");
  }
  return vfs;
}

PowerCutVfs::~PowerCutVfs() { sqlite3_vfs_unregister(&vfs_); }

void PowerCutVfs::Cut() {
  std::lock_guard lock(mu_);
  frozen_ = true;
}

void PowerCutVfs::CutAfterWrites(uint64_t n) {
  std::lock_guard lock(mu_);
  cut_after_ = n;
  if (n == 0) frozen_ = true;
}

bool PowerCutVfs::cut() const {
  std::lock_guard lock(mu_);
  return frozen_;
}

uint64_t PowerCutVfs::writes() const {
  std::lock_guard lock(mu_);
  return writes_;
}

uint64_t PowerCutVfs::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

uint64_t PowerCutVfs::main_db_writes() const {
  std::lock_guard lock(mu_);
  return main_db_writes_;
}

uint64_t PowerCutVfs::dir_syncs() const {
  std::lock_guard lock(mu_);
  return dir_syncs_;
}

PowerCutVfs::FileState& PowerCutVfs::StateLocked(const std::string& path) {
  auto it = files_.find(path);
  if (it != files_.end()) return it->second;
  // First sight: whatever the file holds now was there before us, hence durable.
  FileState& st = files_[path];
  if (std::optional<std::string> contents = ReadWholeFile(path)) {
    st.live = std::make_shared<Inode>();
    st.live->durable = std::move(*contents);
    st.on_disk = st.live;
  }
  return st;
}

void PowerCutVfs::SyncDirLocked(const std::string& path) {
  const auto dir = std::filesystem::path(path).parent_path();
  for (auto& [name, st] : files_) {
    if (std::filesystem::path(name).parent_path() == dir) st.on_disk = st.live;
  }
  ++dir_syncs_;
}

void PowerCutVfs::Apply(const Op& op, std::string& image) {
  switch (op.kind) {
    case Op::kTruncate:
      image.resize(static_cast<size_t>(op.offset));
      break;
    case Op::kWrite: {
      const size_t end = static_cast<size_t>(op.offset) + op.data.size();
      if (image.size() < end) image.resize(end);
      image.replace(static_cast<size_t>(op.offset), op.data.size(), op.data);
      break;
    }
  }
}

absl::Status PowerCutVfs::Restore(double keep_probability, uint64_t seed) {
  std::lock_guard lock(mu_);
  if (open_files_ != 0) {
    return absl::FailedPreconditionError(std::to_string(open_files_) +
                                         " file(s) still open; close the store first");
  }
  Rng rng = Rng::Stream(seed, "power-cut-restore");
  for (auto& [path, st] : files_) {
    std::shared_ptr<Inode> inode = st.on_disk;
    if (keep_probability > 0 && st.live != st.on_disk && rng.Bernoulli(keep_probability)) {
      inode = st.live;  // the pending create or delete made it to disk
    }
    std::optional<std::string> image;
    if (inode != nullptr) {
      image = inode->durable;
      if (keep_probability > 0) {
        for (const Op& op : inode->pending) {
          if (rng.Bernoulli(keep_probability)) Apply(op, *image);
        }
      }
    }
    if (!image) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
      if (ec) return absl::InternalError("cannot remove " + path + ": " + ec.message());
      continue;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(image->data(), static_cast<std::streamsize>(image->size()));
    if (!out.flush()) return absl::InternalError("cannot rewrite " + path);
  }
  files_.clear();
  frozen_ = false;
  cut_after_ = 0;
  return absl::OkStatus();
}

int PowerCutVfs::Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
                      int* out_flags) {
  // The real file's methods, behind ours. Only write, truncate, sync and close differ.
  static const sqlite3_io_methods kMethods = {
      2,  // no xFetch/xUnfetch: SQLite then never maps the file, every change is an xWrite
      &PowerCutVfs::FileClose,
      [](sqlite3_file* f, void* out, int n, sqlite3_int64 offset) {
        sqlite3_file* r = File::Of(f)->real;
        return r->pMethods->xRead(r, out, n, offset);
      },
      &PowerCutVfs::FileWrite,
      &PowerCutVfs::FileTruncate,
      &PowerCutVfs::FileSync,
      [](sqlite3_file* f, sqlite3_int64* size) {
        sqlite3_file* r = File::Of(f)->real;
        return r->pMethods->xFileSize(r, size);
      },
      [](sqlite3_file* f, int level) {
        sqlite3_file* r = File::Of(f)->real;
        return r->pMethods->xLock(r, level);
      },
      [](sqlite3_file* f, int level) {
        sqlite3_file* r = File::Of(f)->real;
        return r->pMethods->xUnlock(r, level);
      },
      [](sqlite3_file* f, int* out) {
        sqlite3_file* r = File::Of(f)->real;
        return r->pMethods->xCheckReservedLock(r, out);
      },
      [](sqlite3_file* f, int op, void* arg) {
        sqlite3_file* r = File::Of(f)->real;
        return r->pMethods->xFileControl(r, op, arg);
      },
      [](sqlite3_file* f) {
        sqlite3_file* r = File::Of(f)->real;
        return r->pMethods->xSectorSize(r);
      },
      [](sqlite3_file* f) {
        sqlite3_file* r = File::Of(f)->real;
        return r->pMethods->xDeviceCharacteristics(r);
      },
      [](sqlite3_file* f, int region, int size, int extend, void volatile** out) {
        sqlite3_file* r = File::Of(f)->real;
        return r->pMethods->xShmMap(r, region, size, extend, out);
      },
      [](sqlite3_file* f, int offset, int n, int flags) {
        sqlite3_file* r = File::Of(f)->real;
        return r->pMethods->xShmLock(r, offset, n, flags);
      },
      [](sqlite3_file* f) {
        sqlite3_file* r = File::Of(f)->real;
        r->pMethods->xShmBarrier(r);
      },
      [](sqlite3_file* f, int delete_flag) {
        sqlite3_file* r = File::Of(f)->real;
        return r->pMethods->xShmUnmap(r, delete_flag);
      },
      nullptr,
      nullptr,
  };
  PowerCutVfs* self = Self(vfs);
  File* f = new (file) File();
  f->owner = self;
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + File::Size());
  f->real->pMethods = nullptr;
  constexpr int kDurableKinds =
      SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_WAL | SQLITE_OPEN_SUPER_JOURNAL;
  const bool modelled =
      name != nullptr && (flags & kDurableKinds) != 0 && (flags & SQLITE_OPEN_DELETEONCLOSE) == 0;

  std::lock_guard lock(self->mu_);
  if (modelled) {
    f->path = name;
    f->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
    // As unixOpen: a journal or WAL opened to create syncs its directory on first sync.
    constexpr int kJournals =
        SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_WAL | SQLITE_OPEN_SUPER_JOURNAL;
    f->dir_sync = (flags & SQLITE_OPEN_CREATE) != 0 && (flags & kJournals) != 0;
    (void)self->StateLocked(f->path);
  }
  const int rc = self->inner_->xOpen(self->inner_, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    f->~File();
    file->pMethods = nullptr;
    return rc;
  }
  if (modelled) {
    FileState& st = self->files_[f->path];
    if (st.live == nullptr) st.live = std::make_shared<Inode>();  // created now
    f->inode = st.live;
  }
  f->base.pMethods = &kMethods;
  ++self->open_files_;
  return SQLITE_OK;
}

int PowerCutVfs::Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  PowerCutVfs* self = Self(vfs);
  std::lock_guard lock(self->mu_);
  if (self->frozen_) return SQLITE_IOERR_DELETE;
  FileState& st = self->StateLocked(name);  // before the file goes: its durable image
  const int rc = self->inner_->xDelete(self->inner_, name, sync_dir);
  if (rc != SQLITE_OK) return rc;
  st.live = nullptr;
  if (sync_dir) self->SyncDirLocked(name);
  return SQLITE_OK;
}

int PowerCutVfs::FileClose(sqlite3_file* file) {
  File* f = File::Of(file);
  PowerCutVfs* self = f->owner;
  const int rc = f->real->pMethods->xClose(f->real);
  {
    std::lock_guard lock(self->mu_);
    --self->open_files_;
  }
  f->~File();
  return rc;
}

int PowerCutVfs::FileWrite(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File* f = File::Of(file);
  PowerCutVfs* self = f->owner;
  if (f->path.empty()) return f->real->pMethods->xWrite(f->real, data, amount, offset);
  std::lock_guard lock(self->mu_);
  if (self->frozen_) return SQLITE_IOERR_WRITE;
  const int rc = f->real->pMethods->xWrite(f->real, data, amount, offset);
  if (rc == SQLITE_OK) {
    f->inode->pending.push_back(
        {Op::kWrite, offset, std::string(static_cast<const char*>(data), amount)});
  }
  ++self->writes_;
  if (f->main_db) ++self->main_db_writes_;
  if (self->cut_after_ > 0 && --self->cut_after_ == 0) self->frozen_ = true;
  return rc;
}

int PowerCutVfs::FileTruncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = File::Of(file);
  PowerCutVfs* self = f->owner;
  if (f->path.empty()) return f->real->pMethods->xTruncate(f->real, size);
  std::lock_guard lock(self->mu_);
  if (self->frozen_) return SQLITE_IOERR_TRUNCATE;
  const int rc = f->real->pMethods->xTruncate(f->real, size);
  if (rc == SQLITE_OK) f->inode->pending.push_back({Op::kTruncate, size, {}});
  return rc;
}

int PowerCutVfs::FileSync(sqlite3_file* file, int flags) {
  File* f = File::Of(file);
  PowerCutVfs* self = f->owner;
  if (f->path.empty()) return f->real->pMethods->xSync(f->real, flags);
  std::lock_guard lock(self->mu_);
  if (self->frozen_) return SQLITE_IOERR_FSYNC;
  // Modelled, not performed: these files need no real durability, and real fsyncs (of the
  // file and, on a first journal sync, of its directory) were most of the test's time.
  Inode& inode = *f->inode;
  for (const Op& op : inode.pending) Apply(op, inode.durable);
  inode.pending.clear();
  ++self->syncs_;
  if (f->dir_sync) {
    f->dir_sync = false;
    self->SyncDirLocked(f->path);
  }
  return SQLITE_OK;
}

}  // namespace fleetgrid::service
