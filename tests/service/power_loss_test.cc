// Power loss: SqliteStore under simulated power cuts (tests/service/power_cut_vfs.h).
//
// Each trial opens a store through the power-cut VFS, commits a seeded workload of batches
// (change records, jobs, results, sometimes a node) with a low wal_autocheckpoint so that
// checkpoints run during it, and cuts the power at a seeded moment: after the k-th write
// call counted from a chosen commit (mid-commit, mid-frame, mid-checkpoint), or between two
// commits. The store is then closed, the files put back to what the disk held, and the
// store reopened normally (which runs PRAGMA integrity_check). The claims:
//   - every batch whose Commit() returned OK is there, byte for byte;
//   - no batch is there in part, none after a missing one, nothing unknown is there;
//   - the file passes integrity_check.
// Half the trials drop every unsynced write, half keep each with probability 1/2 (a cache
// that wrote back part of itself, out of order). With synchronous=FULL (shipped) there must
// be no loss in 100 cuts; with OFF the same test must see losses, which shows that it can
// fail; NORMAL is measured and printed.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/rng.h"
#include "coordinator/service/sqlite_store.h"
#include "tests/service/power_cut_vfs.h"

namespace fleetgrid::service {
namespace {

using Durability = SqliteStoreOptions::Durability;

constexpr int kTrials = 100;
constexpr int kBaseBatches = 5;  // committed before the trials, in the base file
constexpr uint64_t kSeed = 20240607;

PowerCutVfs& Vfs() {
  static PowerCutVfs* vfs = [] {
    auto v = PowerCutVfs::Register("fleetgrid-power-cut");
    EXPECT_TRUE(v.ok()) << v.status();
    return v->release();  // lives as long as the process: SQLite keeps a pointer
  }();
  return *vfs;
}

std::string TestDir() {
  auto dir = std::filesystem::path("/tmp") / ("fleetgrid-power-loss-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

void RemoveDb(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix);
  }
}

// Batch `i` of a run, the same every time it is built from (seed, i).
WriteBatch MakeBatch(uint64_t seed, int i) {
  Rng rng = Rng::Stream(seed, "power-loss-batch", static_cast<uint64_t>(i));
  WriteBatch b;
  const std::string tag = "b" + std::to_string(i) + ".";
  const int changes = 1 + static_cast<int>(rng.Below(3));
  for (int j = 0; j < changes; ++j) {
    b.changes.push_back(tag + std::to_string(j) + ":" +
                        std::string(rng.Below(300), static_cast<char>('a' + (i + j) % 26)));
  }
  const auto id = static_cast<uint64_t>(i) + 1;
  b.jobs.push_back({id, "job-" + std::to_string(i), std::string(100 + rng.Below(400), 's'), i});
  const int results = static_cast<int>(rng.Below(3));
  for (int r = 0; r < results; ++r) {
    std::string data(200 + rng.Below(3000), '\0');
    for (char& c : data) c = static_cast<char>(rng.Next());
    b.results.push_back({static_cast<uint64_t>(i) * 4 + static_cast<uint64_t>(r) + 1, id,
                         static_cast<uint32_t>(r), 1, 1, std::string(32, 'd'), data, data.size()});
  }
  if (i % 7 == 0) b.nodes.push_back({id, std::string(32, 'n'), "owner", "", "enroll", i});
  return b;
}

size_t Pieces(const WriteBatch& b) {
  return b.changes.size() + b.jobs.size() + b.results.size() + b.nodes.size();
}

// Counts, over all trials of one durability level.
struct Figures {
  int trials = 0;
  int cuts_mid_commit = 0;         // cut by write count (the rest: between two commits)
  int trials_with_checkpoint = 0;  // the main file was written (a checkpoint) before the cut
  int acked = 0;                   // batches acknowledged in trials
  int lost = 0;                    // acknowledged, then missing after the cut
  int trials_with_loss = 0;
  int partial = 0;  // batches present in part
  int holes = 0;    // batches present after a missing one
  int unknown = 0;  // rows that belong to no attempted batch
  int corrupt = 0;  // reopen refused (integrity_check) or Load failed
  double seconds = 0;
  std::string first_problem;
};

std::ostream& operator<<(std::ostream& os, const Figures& f) {
  return os << f.trials << " cuts (" << f.cuts_mid_commit << " mid-commit, "
            << f.trials_with_checkpoint << " after a checkpoint): " << f.trials_with_loss
            << " with a lost acknowledged batch (" << f.lost << " of " << f.acked
            << " acknowledged batches lost), " << f.partial << " partial batches, " << f.holes
            << " holes, " << f.unknown << " unknown rows, " << f.corrupt << " corrupt; "
            << f.seconds << " s";
}

// Checks the reopened store against the batches attempted; adds to `fig`.
void Verify(SqliteStore& store, const std::vector<WriteBatch>& attempted,
            const std::vector<bool>& acked, int trial, Figures& fig) {
  auto problem = [&](const std::string& what) {
    if (fig.first_problem.empty())
      fig.first_problem = "trial " + std::to_string(trial) + ": " + what;
  };
  auto st = store.Load();
  if (!st.ok()) {
    ++fig.corrupt;
    problem("Load: " + st.status().ToString());
    return;
  }
  std::multiset<std::string> changes(st->changes.begin(), st->changes.end());
  std::map<uint64_t, const JobRecord*> jobs;
  for (const JobRecord& j : st->jobs) jobs[j.job_id] = &j;
  std::set<uint64_t> results, nodes;
  for (const ResultRecord& r : st->results) results.insert(r.task_id);
  for (const NodeRecord& n : st->nodes) nodes.insert(n.node_id);

  size_t accounted = 0;
  bool missing_before = false;
  bool lost_here = false;
  for (size_t i = 0; i < attempted.size(); ++i) {
    const WriteBatch& b = attempted[i];
    size_t present = 0;
    for (const std::string& c : b.changes) present += changes.count(c) == 1 ? 1 : 0;
    for (const JobRecord& j : b.jobs) {
      auto it = jobs.find(j.job_id);
      present += it != jobs.end() && it->second->spec == j.spec ? 1 : 0;
    }
    for (const ResultRecord& r : b.results) {
      if (results.count(r.task_id) == 0) continue;
      auto data = store.ReadResult(r.task_id);
      present += data.ok() && *data == r.data ? 1 : 0;
    }
    for (const NodeRecord& n : b.nodes) present += nodes.count(n.node_id);
    accounted += present;
    const std::string name = "batch " + std::to_string(i);
    if (present != 0 && present != Pieces(b)) {
      ++fig.partial;
      problem(name + " is partly there (" + std::to_string(present) + " of " +
              std::to_string(Pieces(b)) + ")");
    }
    if (present == 0) {
      if (acked[i]) {
        ++fig.lost;
        lost_here = true;
        problem(name + " was acknowledged and is lost");
      }
      missing_before = true;
    } else if (missing_before) {
      ++fig.holes;
      problem(name + " is there after a missing batch");
    }
  }
  if (lost_here) ++fig.trials_with_loss;
  const size_t rows = st->changes.size() + st->jobs.size() + st->results.size() + st->nodes.size();
  if (rows != accounted) {
    fig.unknown += static_cast<int>(rows - accounted);
    problem(std::to_string(rows - accounted) + " rows belong to no batch");
  }
}

void RunTrial(Durability durability, const std::string& base, const std::string& path, int trial,
              Figures& fig) {
  PowerCutVfs& vfs = Vfs();
  Rng rng = Rng::Stream(kSeed, "power-loss-trial", static_cast<uint64_t>(trial));
  const uint64_t batch_seed = kSeed + static_cast<uint64_t>(trial) + 1;
  RemoveDb(path);
  std::vector<WriteBatch> attempted;
  std::vector<bool> acked;
  // One trial in ten starts from no file at all; the rest from the base file (its batches
  // were committed and the file closed cleanly before the VFS ever saw it: durable).
  if (trial % 10 != 9) {
    std::filesystem::copy_file(base, path);
    for (int i = 0; i < kBaseBatches; ++i) {
      attempted.push_back(MakeBatch(0, i));
      acked.push_back(true);
    }
  }
  const size_t first_trial_batch = attempted.size();
  SqliteStoreOptions o;
  o.durability = durability;
  o.vfs = vfs.name();
  o.wal_autocheckpoint_pages = 8;
  {
    auto store = SqliteStore::Open(path, o);
    ASSERT_TRUE(store.ok()) << store.status();
    const uint64_t db_writes = vfs.main_db_writes();
    auto commit = [&] {
      const int i = static_cast<int>(attempted.size());
      attempted.push_back(MakeBatch(i < kBaseBatches ? 0 : batch_seed, i));
      const bool ok = (*store)->Commit(attempted.back()).ok();
      acked.push_back(ok);
      return ok;
    };
    const int before = static_cast<int>(rng.Below(30));
    for (int k = 0; k < before; ++k) ASSERT_TRUE(commit()) << "trial " << trial << ", commit " << k;
    if (rng.Bernoulli(0.2)) {
      vfs.Cut();
    } else {
      vfs.CutAfterWrites(1 + rng.Below(24));
      ++fig.cuts_mid_commit;
    }
    for (int k = 0; k < 200 && commit(); ++k) {
    }
    EXPECT_TRUE(vfs.cut()) << "trial " << trial << ": the armed cut never came";
    if (vfs.main_db_writes() > db_writes) ++fig.trials_with_checkpoint;
  }  // closed: SQLite's close-time checkpoint and WAL delete hit the frozen VFS
  const double keep = trial % 2 == 0 ? 0.0 : 0.5;
  ASSERT_TRUE(vfs.Restore(keep, static_cast<uint64_t>(trial)).ok());

  ++fig.trials;
  for (size_t i = first_trial_batch; i < acked.size(); ++i) fig.acked += acked[i] ? 1 : 0;
  // Reopened as after a reboot: the default VFS, integrity_check, WAL recovery. Its own
  // writes (the schema version, the checkpoint at close) need no fsync here: OFF.
  SqliteStoreOptions reopen;
  reopen.durability = Durability::kOff;
  auto reopened = SqliteStore::Open(path, reopen);
  if (!reopened.ok()) {
    ++fig.corrupt;
    if (fig.first_problem.empty()) {
      fig.first_problem = "trial " + std::to_string(trial) + ": " + reopened.status().ToString();
    }
    return;
  }
  Verify(**reopened, attempted, acked, trial, fig);
}

Figures RunLevel(Durability durability, const char* name) {
  const std::string dir = TestDir() + "/" + name;
  std::filesystem::create_directories(dir);
  const std::string base = dir + "/base.db";
  RemoveDb(base);
  {
    auto store = SqliteStore::Open(base);
    EXPECT_TRUE(store.ok()) << store.status();
    for (int i = 0; i < kBaseBatches; ++i) EXPECT_TRUE((*store)->Commit(MakeBatch(0, i)).ok());
  }
  Figures fig;
  const auto start = std::chrono::steady_clock::now();
  for (int trial = 0; trial < kTrials; ++trial) {
    RunTrial(durability, base, dir + "/trial.db", trial, fig);
    if (::testing::Test::HasFatalFailure()) break;
  }
  fig.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::filesystem::remove_all(dir);
  std::error_code ec;
  std::filesystem::remove(TestDir(), ec);  // if the last one out
  std::cout << "power loss, synchronous=" << name << ": " << fig << "\n";
  if (!fig.first_problem.empty()) std::cout << "  first problem: " << fig.first_problem << "\n";
  ::testing::Test::RecordProperty(std::string("losses_per_100_cuts_") + name,
                                  fig.trials_with_loss * 100 / std::max(1, fig.trials));
  return fig;
}

TEST(PowerLoss, FullLosesNoAcknowledgedBatchIn100Cuts) {
  const Figures f = RunLevel(Durability::kFull, "FULL");
  EXPECT_EQ(f.trials, kTrials);
  EXPECT_EQ(f.trials_with_loss, 0) << f.first_problem;
  EXPECT_EQ(f.partial, 0) << f.first_problem;
  EXPECT_EQ(f.holes, 0) << f.first_problem;
  EXPECT_EQ(f.unknown, 0) << f.first_problem;
  EXPECT_EQ(f.corrupt, 0) << f.first_problem;
  // The workload really crossed checkpoints and really cut mid-commit.
  EXPECT_GE(f.trials_with_checkpoint, kTrials / 2);
  EXPECT_GE(f.cuts_mid_commit, kTrials / 2);
  EXPECT_GE(f.acked, 10 * kTrials);
}

// The same test against a store that never fsyncs must find acknowledged batches lost:
// proof that it can fail.
TEST(PowerLoss, OffLosesAcknowledgedBatches) {
  const Figures f = RunLevel(Durability::kOff, "OFF");
  EXPECT_EQ(f.trials, kTrials);
  EXPECT_GE(f.trials_with_loss, 1);
}

// NORMAL fsyncs the WAL only at checkpoints: measured, not asserted beyond running.
TEST(PowerLoss, NormalIsMeasured) {
  const Figures f = RunLevel(Durability::kNormal, "NORMAL");
  EXPECT_EQ(f.trials, kTrials);
}

// The VFS itself, call by call.
class PowerCutVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = TestDir() + "/vfs-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    RemoveDb(path_);
    vfs_ = sqlite3_vfs_find(Vfs().name().c_str());
    ASSERT_NE(vfs_, nullptr);
    // xOpen wants names as SQLite makes them (the journal and WAL names follow the main one).
    name_ = sqlite3_create_filename(path_.c_str(), (path_ + "-journal").c_str(),
                                    (path_ + "-wal").c_str(), 0, nullptr);
  }
  void TearDown() override {
    CloseAll();
    EXPECT_TRUE(Vfs().Restore().ok());
    sqlite3_free_filename(name_);
    RemoveDb(path_);
    std::error_code ec;
    std::filesystem::remove(TestDir(), ec);  // if the last one out
  }
  // Opens the main file, or the WAL ("<path>-wal"), or the journal ("<path>-journal").
  sqlite3_file* OpenFile(int kind = SQLITE_OPEN_MAIN_DB) {
    open_.push_back(std::make_unique<char[]>(static_cast<size_t>(vfs_->szOsFile)));
    auto* f = reinterpret_cast<sqlite3_file*>(open_.back().get());
    const char* name = kind == SQLITE_OPEN_WAL            ? sqlite3_filename_wal(name_)
                       : kind == SQLITE_OPEN_MAIN_JOURNAL ? sqlite3_filename_journal(name_)
                                                          : name_;
    int out = 0;
    EXPECT_EQ(vfs_->xOpen(vfs_, name, f, kind | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &out),
              SQLITE_OK);
    return f;
  }
  void CloseAll() {
    for (auto& block : open_) {
      auto* f = reinterpret_cast<sqlite3_file*>(block.get());
      if (f->pMethods != nullptr) f->pMethods->xClose(f);
      f->pMethods = nullptr;
    }
  }
  static int Write(sqlite3_file* f, const std::string& s, int64_t offset) {
    return f->pMethods->xWrite(f, s.data(), static_cast<int>(s.size()), offset);
  }
  static int Sync(sqlite3_file* f) { return f->pMethods->xSync(f, SQLITE_SYNC_NORMAL); }
  static std::optional<std::string> OnDisk(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::optional<std::string> OnDisk() { return OnDisk(path_); }
  void WriteBefore(const std::string& contents) {  // a file there before the VFS saw it
    std::ofstream(path_, std::ios::binary) << contents;
  }

  std::string path_;
  sqlite3_filename name_ = nullptr;
  sqlite3_vfs* vfs_ = nullptr;
  std::vector<std::unique_ptr<char[]>> open_;
};

TEST_F(PowerCutVfsTest, SyncedWritesSurviveUnsyncedOnesDoNot) {
  WriteBefore("");
  sqlite3_file* f = OpenFile();
  ASSERT_EQ(Write(f, "hello", 0), SQLITE_OK);
  ASSERT_EQ(Sync(f), SQLITE_OK);
  ASSERT_EQ(Write(f, "world", 5), SQLITE_OK);
  ASSERT_EQ(f->pMethods->xTruncate(f, 3), SQLITE_OK);
  EXPECT_EQ(OnDisk(), "hel") << "writes reach the file at once, as through a cache";
  Vfs().Cut();
  EXPECT_EQ(Vfs().Restore().code(), absl::StatusCode::kFailedPrecondition) << "file still open";
  CloseAll();
  ASSERT_TRUE(Vfs().Restore().ok());
  EXPECT_EQ(OnDisk(), "hello");
}

TEST_F(PowerCutVfsTest, ANewFileNeedsItsDirectorySynced) {
  // The main file: synced, but SQLite never syncs its directory for it.
  ASSERT_EQ(Sync(OpenFile()), SQLITE_OK);
  CloseAll();
  ASSERT_TRUE(Vfs().Restore().ok());
  EXPECT_FALSE(OnDisk().has_value()) << "created, contents synced, name never synced";
  // A WAL opened to create: its first sync syncs the directory, as the unix VFS does. That
  // makes the main file's name durable too (same directory).
  ASSERT_EQ(Write(OpenFile(), "db", 0), SQLITE_OK);
  sqlite3_file* wal = OpenFile(SQLITE_OPEN_WAL);
  ASSERT_EQ(Write(wal, "frames", 0), SQLITE_OK);
  const uint64_t dir_syncs = Vfs().dir_syncs();
  ASSERT_EQ(Sync(wal), SQLITE_OK);
  EXPECT_EQ(Vfs().dir_syncs(), dir_syncs + 1);
  CloseAll();
  ASSERT_TRUE(Vfs().Restore().ok());
  EXPECT_EQ(OnDisk(path_ + "-wal"), "frames");
  EXPECT_EQ(OnDisk(), "") << "the name is durable, the unsynced write is not";
}

TEST_F(PowerCutVfsTest, CutAfterWritesFreezesEverythingAfterTheNth) {
  WriteBefore("");
  sqlite3_file* f = OpenFile();
  Vfs().CutAfterWrites(2);
  EXPECT_EQ(Write(f, "aa", 0), SQLITE_OK);
  EXPECT_FALSE(Vfs().cut());
  EXPECT_EQ(Write(f, "bb", 2), SQLITE_OK);
  EXPECT_TRUE(Vfs().cut());
  EXPECT_EQ(Write(f, "cc", 4), SQLITE_IOERR_WRITE);
  EXPECT_EQ(Sync(f), SQLITE_IOERR_FSYNC);
  EXPECT_EQ(f->pMethods->xTruncate(f, 0), SQLITE_IOERR_TRUNCATE);
  EXPECT_EQ(vfs_->xDelete(vfs_, path_.c_str(), 1), SQLITE_IOERR_DELETE);
  EXPECT_EQ(OnDisk(), "aabb") << "nothing after the cut reached the disk";
  CloseAll();
  // Each unsynced write kept with chance 1/2: some of aa, bb; never cc.
  ASSERT_TRUE(Vfs().Restore(0.5, 1).ok());
  const std::string after = OnDisk().value_or("<absent>");
  EXPECT_EQ(after.find("cc"), std::string::npos) << after;
}

TEST_F(PowerCutVfsTest, ADeleteIsDurableOnceTheDirectoryIsSynced) {
  WriteBefore("old");
  OpenFile();
  CloseAll();
  ASSERT_EQ(vfs_->xDelete(vfs_, path_.c_str(), 0), SQLITE_OK);
  EXPECT_FALSE(OnDisk().has_value());
  ASSERT_TRUE(Vfs().Restore().ok());
  EXPECT_EQ(OnDisk(), "old") << "an unlink without a directory sync may not reach the disk";
  // With dirSync it does.
  ASSERT_EQ(vfs_->xDelete(vfs_, path_.c_str(), 1), SQLITE_OK);
  ASSERT_TRUE(Vfs().Restore().ok());
  EXPECT_FALSE(OnDisk().has_value());
  // And so it does when a new journal in the same directory syncs the directory.
  WriteBefore("db");
  std::ofstream(path_ + "-wal", std::ios::binary) << "old wal";
  OpenFile(SQLITE_OPEN_WAL);
  CloseAll();
  ASSERT_EQ(vfs_->xDelete(vfs_, (path_ + "-wal").c_str(), 0), SQLITE_OK);
  ASSERT_EQ(Sync(OpenFile(SQLITE_OPEN_MAIN_JOURNAL)), SQLITE_OK);
  CloseAll();
  ASSERT_TRUE(Vfs().Restore().ok());
  EXPECT_FALSE(OnDisk(path_ + "-wal").has_value());
  EXPECT_EQ(OnDisk(path_ + "-journal"), "");
  EXPECT_EQ(OnDisk(), "db");
}

}  // namespace
}  // namespace fleetgrid::service
