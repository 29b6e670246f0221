#include "coordinator/service/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>

namespace fleetgrid::service {
namespace {

// Schema version in PRAGMA user_version; a file of a newer version is refused. Version 1
// files (before the identity tables) and version 2 (before checkpoints) open as they are:
// the missing tables are created.
constexpr int kSchemaVersion = 3;
// The change log is stored one row per commit group: its records, each as a varint length
// followed by the bytes. One INSERT per group instead of one per record (several records per
// task), which is most of the store's cost at tens of thousands of results per second.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS change_groups (seq INTEGER PRIMARY KEY, recs BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
  node_id INTEGER PRIMARY KEY, secret_sha256 BLOB NOT NULL, owner TEXT NOT NULL,
  enroll_key TEXT NOT NULL, enroll_request BLOB NOT NULL, enrolled_unix_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  job_id INTEGER PRIMARY KEY, idempotency_key TEXT, spec BLOB NOT NULL,
  submitted_unix_ms INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_key ON jobs(idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS results (
  task_id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL, task_index INTEGER NOT NULL,
  attempt_id INTEGER NOT NULL, node_id INTEGER NOT NULL, digest BLOB NOT NULL,
  size_bytes INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS job_submitters (job_id INTEGER PRIMARY KEY, token_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS join_tokens (
  token_id TEXT PRIMARY KEY, sha256 BLOB NOT NULL, owner TEXT NOT NULL,
  max_uses INTEGER NOT NULL, uses INTEGER NOT NULL, issued_unix_ms INTEGER NOT NULL,
  expires_unix_ms INTEGER NOT NULL, revoked INTEGER NOT NULL, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (
  credential_id TEXT PRIMARY KEY, node_id INTEGER NOT NULL, owner TEXT NOT NULL,
  sha256 BLOB NOT NULL, issued_unix_ms INTEGER NOT NULL, expires_unix_ms INTEGER NOT NULL,
  revoked INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_tokens (
  token_id TEXT PRIMARY KEY, sha256 BLOB NOT NULL, role INTEGER NOT NULL,
  issued_unix_ms INTEGER NOT NULL, expires_unix_ms INTEGER NOT NULL, revoked INTEGER NOT NULL,
  description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (
  task_id INTEGER PRIMARY KEY, attempt_id INTEGER NOT NULL, epoch INTEGER NOT NULL,
  node_id INTEGER NOT NULL, checkpoint_id TEXT NOT NULL, work_done_units REAL NOT NULL,
  digest BLOB NOT NULL, size_bytes INTEGER NOT NULL, data BLOB NOT NULL);
)sql";

// Maps an SQLite result code to the Store::Commit contract (store.h).
absl::Status SqliteError(sqlite3* db, int rc, const std::string& what) {
  const std::string msg = what + ": " + sqlite3_errmsg(db) + " (" + sqlite3_errstr(rc) + ")";
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(msg);
    case SQLITE_FULL:  // ENOSPC, or PRAGMA max_page_count reached
      return absl::ResourceExhaustedError(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(msg);
    default:  // SQLITE_IOERR_* (a failed write or fsync), SQLITE_NOMEM, ...
      return absl::InternalError(msg);
  }
}

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  absl::Status status() const {
    if (rc_ == SQLITE_OK) return absl::OkStatus();
    return SqliteError(db_, rc_, "sqlite prepare");
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void Bind(int i, const std::string& v, bool blob) {
    if (blob) {
      sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_STATIC);
    } else {
      sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
    }
  }
  void BindNull(int i) { sqlite3_bind_null(stmt_, i); }
  void BindDouble(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) { return sqlite3_column_double(stmt_, col); }
  std::string Blob(int col) {
    const void* p = sqlite3_column_blob(stmt_, col);
    const int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Splits a change group into its records; false if the blob is malformed.
bool SplitGroup(const std::string& blob, std::vector<std::string>& out) {
  size_t i = 0;
  while (i < blob.size()) {
    uint64_t len = 0;
    int shift = 0;
    for (;;) {
      if (i >= blob.size() || shift > 63) return false;
      const auto b = static_cast<uint8_t>(blob[i++]);
      len |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
      shift += 7;
    }
    if (len > blob.size() - i) return false;
    out.emplace_back(blob, i, len);
    i += len;
  }
  return true;
}

const char* SynchronousName(SqliteStoreOptions::Durability d) {
  switch (d) {
    case SqliteStoreOptions::Durability::kFull:
      return "FULL";
    case SqliteStoreOptions::Durability::kNormal:
      return "NORMAL";
    case SqliteStoreOptions::Durability::kOff:
      return "OFF";
  }
  return "FULL";
}

// PRAGMA synchronous's numeric value for each level.
int SynchronousValue(SqliteStoreOptions::Durability d) {
  switch (d) {
    case SqliteStoreOptions::Durability::kFull:
      return 2;
    case SqliteStoreOptions::Durability::kNormal:
      return 1;
    case SqliteStoreOptions::Durability::kOff:
      return 0;
  }
  return 2;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  return Open(path, SqliteStoreOptions());
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                               const SqliteStoreOptions& options) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 options.vfs.empty() ? nullptr : options.vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::UnavailableError("cannot open database " + path + ": " + msg);
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path, options));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(
      db, static_cast<int>(std::clamp<int64_t>(options.busy_timeout.millis(), 0, 1 << 30)));
  // Integrity first: never serve from a damaged file.
  {
    Stmt check(db, "PRAGMA integrity_check");
    if (!check.status().ok()) {
      return absl::DataLossError("database " + path + " failed PRAGMA integrity_check (" +
                                 sqlite3_errmsg(db) +
                                 "); refusing to serve. Restore it from a backup.");
    }
    std::string verdict;
    while (check.Step() == SQLITE_ROW) {
      if (!verdict.empty()) verdict += "; ";
      verdict += check.Blob(0);
    }
    if (verdict != "ok") {
      return absl::DataLossError("database " + path + " failed PRAGMA integrity_check (" +
                                 (verdict.empty() ? std::string("no answer") : verdict) +
                                 "); refusing to serve. Restore it from a backup.");
    }
  }
  FG_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL"));
  const char* sync_name = SynchronousName(options.durability);
  FG_RETURN_IF_ERROR(store->Exec((std::string("PRAGMA synchronous=") + sync_name).c_str()));
  FG_RETURN_IF_ERROR(store->Exec("PRAGMA foreign_keys=ON"));
  if (store->JournalMode() != "wal") {
    return absl::FailedPreconditionError("database " + path +
                                         ": journal_mode=WAL did not take (got '" +
                                         store->JournalMode() + "')");
  }
  if (store->Synchronous() != SynchronousValue(options.durability)) {
    return absl::FailedPreconditionError("database " + path + ": synchronous=" + sync_name +
                                         " did not take");
  }
  if (options.wal_autocheckpoint_pages > 0) {
    FG_RETURN_IF_ERROR(store->Exec(
        ("PRAGMA wal_autocheckpoint=" + std::to_string(options.wal_autocheckpoint_pages)).c_str()));
  }
  {
    Stmt v(db, "PRAGMA user_version");
    const int version = v.Step() == SQLITE_ROW ? static_cast<int>(v.Int(0)) : -1;
    if (version < 0 || version > kSchemaVersion) {
      return absl::FailedPreconditionError(
          "database " + path + " has schema version " + std::to_string(version) +
          ", this coordinator reads version " + std::to_string(kSchemaVersion));
    }
  }
  FG_RETURN_IF_ERROR(store->Exec(kSchema));
  FG_RETURN_IF_ERROR(
      store->Exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str()));
  // The cap last: the schema itself must fit whatever the cap.
  store->page_size_ = store->PragmaInt("PRAGMA page_size");
  store->uncapped_pages_ = store->PragmaInt("PRAGMA max_page_count");
  if (store->page_size_ <= 0 || store->uncapped_pages_ <= 0) {
    return absl::InternalError("database " + path + ": cannot read page_size / max_page_count");
  }
  FG_RETURN_IF_ERROR(store->SetMaxBytes(options.max_bytes));
  return store;
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

absl::Status SqliteStore::Exec(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "database " + path_ + ": " + sql);
  return absl::OkStatus();
}

int64_t SqliteStore::PragmaInt(const char* sql) {
  Stmt s(db_, sql);
  return s.Step() == SQLITE_ROW ? s.Int(0) : -1;
}

absl::Status SqliteStore::SetMaxBytes(uint64_t max_bytes) {
  std::lock_guard lock(mu_);
  return SetMaxBytesLocked(max_bytes);
}

absl::Status SqliteStore::SetMaxBytesLocked(uint64_t max_bytes) {
  int64_t pages = uncapped_pages_;
  if (max_bytes != 0) {
    pages = std::clamp<int64_t>(static_cast<int64_t>(max_bytes / static_cast<uint64_t>(page_size_)),
                                1, uncapped_pages_);
  }
  // SQLite answers with the cap in force: never below the current page count.
  if (PragmaInt(("PRAGMA max_page_count=" + std::to_string(pages)).c_str()) <= 0) {
    return absl::InternalError("database " + path_ +
                               ": PRAGMA max_page_count failed: " + sqlite3_errmsg(db_));
  }
  options_.max_bytes = max_bytes;
  return absl::OkStatus();
}

uint64_t SqliteStore::SizeBytes() {
  std::lock_guard lock(mu_);
  return static_cast<uint64_t>(PragmaInt("PRAGMA page_count") * page_size_);
}

std::string SqliteStore::JournalMode() {
  std::lock_guard lock(mu_);
  Stmt s(db_, "PRAGMA journal_mode");
  return s.Step() == SQLITE_ROW ? s.Blob(0) : "";
}

int SqliteStore::Synchronous() {
  std::lock_guard lock(mu_);
  Stmt s(db_, "PRAGMA synchronous");
  return s.Step() == SQLITE_ROW ? static_cast<int>(s.Int(0)) : -1;
}

std::string SqliteStore::Describe() const {
  std::lock_guard lock(mu_);
  std::string out =
      "sqlite " + path_ + " (journal_mode=WAL, synchronous=" + SynchronousName(options_.durability);
  if (options_.max_bytes != 0) out += ", max_bytes=" + std::to_string(options_.max_bytes);
  if (!options_.vfs.empty()) out += ", vfs=" + options_.vfs;
  return out + ")";
}

uint64_t SqliteStore::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

absl::Status SqliteStore::Commit(const WriteBatch& batch) {
  std::lock_guard lock(mu_);
  if (batch.empty()) return absl::OkStatus();
  // BEGIN failing (busy) opens no transaction: nothing to undo.
  FG_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  absl::Status s = CommitLocked(batch);
  if (s.ok()) s = Exec("COMMIT");
  if (!s.ok()) {
    // On SQLITE_FULL or an I/O error SQLite may already have rolled the whole transaction
    // back; a ROLLBACK then would only fail. Either way the connection is out of the
    // transaction afterwards and serves the next Commit().
    if (sqlite3_get_autocommit(db_) == 0) (void)Exec("ROLLBACK");
    return s;
  }
  ++commits_;
  return absl::OkStatus();
}

absl::Status SqliteStore::CommitLocked(const WriteBatch& batch) {
  if (!batch.changes.empty()) {
    std::string group;
    size_t bytes = 0;
    for (const std::string& rec : batch.changes) bytes += rec.size() + 2;
    group.reserve(bytes);
    for (const std::string& rec : batch.changes) {
      AppendVarint(group, rec.size());
      group += rec;
    }
    Stmt s(db_, "INSERT INTO change_groups(recs) VALUES (?)");
    FG_RETURN_IF_ERROR(s.status());
    s.Bind(1, group, true);
    if (int rc = s.Step(); rc != SQLITE_DONE) return SqliteError(db_, rc, "insert changes");
  }
  if (!batch.nodes.empty()) {
    Stmt s(db_, "INSERT INTO nodes VALUES (?,?,?,?,?,?)");
    FG_RETURN_IF_ERROR(s.status());
    for (const NodeRecord& n : batch.nodes) {
      s.Bind(1, static_cast<int64_t>(n.node_id));
      s.Bind(2, n.secret_sha256, true);
      s.Bind(3, n.owner, false);
      s.Bind(4, n.enroll_key, false);
      s.Bind(5, n.enroll_request, true);
      s.Bind(6, n.enrolled_unix_ms);
      if (int rc = s.Step(); rc != SQLITE_DONE) return SqliteError(db_, rc, "insert node");
      s.Reset();
    }
  }
  if (!batch.jobs.empty()) {
    Stmt s(db_, "INSERT INTO jobs VALUES (?,?,?,?)");
    FG_RETURN_IF_ERROR(s.status());
    for (const JobRecord& j : batch.jobs) {
      s.Bind(1, static_cast<int64_t>(j.job_id));
      if (j.idempotency_key.empty()) {
        s.BindNull(2);
      } else {
        s.Bind(2, j.idempotency_key, false);
      }
      s.Bind(3, j.spec, true);
      s.Bind(4, j.submitted_unix_ms);
      if (int rc = s.Step(); rc != SQLITE_DONE) return SqliteError(db_, rc, "insert job");
      s.Reset();
    }
    Stmt by(db_, "INSERT INTO job_submitters VALUES (?,?)");
    FG_RETURN_IF_ERROR(by.status());
    for (const JobRecord& j : batch.jobs) {
      if (j.submitted_by.empty()) continue;
      by.Bind(1, static_cast<int64_t>(j.job_id));
      by.Bind(2, j.submitted_by, false);
      if (int rc = by.Step(); rc != SQLITE_DONE) return SqliteError(db_, rc, "insert job");
      by.Reset();
    }
  }
  if (!batch.join_tokens.empty()) {
    Stmt s(db_, "INSERT OR REPLACE INTO join_tokens VALUES (?,?,?,?,?,?,?,?,?)");
    FG_RETURN_IF_ERROR(s.status());
    for (const JoinTokenRecord& t : batch.join_tokens) {
      s.Bind(1, t.token_id, false);
      s.Bind(2, t.sha256, true);
      s.Bind(3, t.owner, false);
      s.Bind(4, static_cast<int64_t>(t.max_uses));
      s.Bind(5, static_cast<int64_t>(t.uses));
      s.Bind(6, t.issued_unix_ms);
      s.Bind(7, t.expires_unix_ms);
      s.Bind(8, t.revoked ? 1 : 0);
      s.Bind(9, t.description, false);
      if (int rc = s.Step(); rc != SQLITE_DONE) return SqliteError(db_, rc, "write join token");
      s.Reset();
    }
  }
  if (!batch.credentials.empty()) {
    Stmt s(db_, "INSERT OR REPLACE INTO credentials VALUES (?,?,?,?,?,?,?)");
    FG_RETURN_IF_ERROR(s.status());
    for (const CredentialRecord& c : batch.credentials) {
      s.Bind(1, c.credential_id, false);
      s.Bind(2, static_cast<int64_t>(c.node_id));
      s.Bind(3, c.owner, false);
      s.Bind(4, c.sha256, true);
      s.Bind(5, c.issued_unix_ms);
      s.Bind(6, c.expires_unix_ms);
      s.Bind(7, c.revoked ? 1 : 0);
      if (int rc = s.Step(); rc != SQLITE_DONE) return SqliteError(db_, rc, "write credential");
      s.Reset();
    }
  }
  if (!batch.api_tokens.empty()) {
    Stmt s(db_, "INSERT OR REPLACE INTO api_tokens VALUES (?,?,?,?,?,?,?)");
    FG_RETURN_IF_ERROR(s.status());
    for (const ApiTokenRecord& t : batch.api_tokens) {
      s.Bind(1, t.token_id, false);
      s.Bind(2, t.sha256, true);
      s.Bind(3, static_cast<int64_t>(t.role));
      s.Bind(4, t.issued_unix_ms);
      s.Bind(5, t.expires_unix_ms);
      s.Bind(6, t.revoked ? 1 : 0);
      s.Bind(7, t.description, false);
      if (int rc = s.Step(); rc != SQLITE_DONE) return SqliteError(db_, rc, "write API token");
      s.Reset();
    }
  }
  if (!batch.results.empty()) {
    Stmt s(db_, "INSERT INTO results VALUES (?,?,?,?,?,?,?,?)");
    FG_RETURN_IF_ERROR(s.status());
    for (const ResultRecord& r : batch.results) {
      s.Bind(1, static_cast<int64_t>(r.task_id));
      s.Bind(2, static_cast<int64_t>(r.job_id));
      s.Bind(3, static_cast<int64_t>(r.task_index));
      s.Bind(4, static_cast<int64_t>(r.attempt_id));
      s.Bind(5, static_cast<int64_t>(r.node_id));
      s.Bind(6, r.digest, true);
      s.Bind(7, static_cast<int64_t>(r.size_bytes));
      s.Bind(8, r.data, true);
      if (int rc = s.Step(); rc != SQLITE_DONE) return SqliteError(db_, rc, "insert result");
      s.Reset();
    }
  }
  if (!batch.checkpoints.empty()) {
    Stmt s(db_, "INSERT OR REPLACE INTO checkpoints VALUES (?,?,?,?,?,?,?,?,?)");
    FG_RETURN_IF_ERROR(s.status());
    for (const CheckpointRecord& c : batch.checkpoints) {
      s.Bind(1, static_cast<int64_t>(c.task_id));
      s.Bind(2, static_cast<int64_t>(c.attempt_id));
      s.Bind(3, static_cast<int64_t>(c.epoch));
      s.Bind(4, static_cast<int64_t>(c.node_id));
      s.Bind(5, c.checkpoint_id, false);
      s.BindDouble(6, c.work_done_units);
      s.Bind(7, c.digest, true);
      s.Bind(8, static_cast<int64_t>(c.size_bytes));
      s.Bind(9, c.data, true);
      if (int rc = s.Step(); rc != SQLITE_DONE) return SqliteError(db_, rc, "write checkpoint");
      s.Reset();
    }
  }
  if (!batch.results.empty()) {
    // A task's accepted result makes its checkpoint useless.
    Stmt s(db_, "DELETE FROM checkpoints WHERE task_id = ?");
    FG_RETURN_IF_ERROR(s.status());
    for (const ResultRecord& r : batch.results) {
      s.Bind(1, static_cast<int64_t>(r.task_id));
      if (int rc = s.Step(); rc != SQLITE_DONE) return SqliteError(db_, rc, "delete checkpoint");
      s.Reset();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredState> SqliteStore::Load() {
  std::lock_guard lock(mu_);
  StoredState out;
  {
    Stmt s(db_, "SELECT seq, recs FROM change_groups ORDER BY seq");
    FG_RETURN_IF_ERROR(s.status());
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      if (!SplitGroup(s.Blob(1), out.changes)) {
        return absl::DataLossError("database " + path_ + ": change group " +
                                   std::to_string(s.Int(0)) + " is malformed");
      }
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "load changes");
  }
  {
    Stmt s(db_, "SELECT * FROM nodes ORDER BY node_id");
    FG_RETURN_IF_ERROR(s.status());
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.nodes.push_back(
          {static_cast<uint64_t>(s.Int(0)), s.Blob(1), s.Blob(2), s.Blob(3), s.Blob(4), s.Int(5)});
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "load nodes");
  }
  {
    Stmt s(db_,
           "SELECT jobs.job_id, coalesce(idempotency_key, ''), spec, submitted_unix_ms, "
           "coalesce(token_id, '') FROM jobs LEFT JOIN job_submitters USING (job_id) "
           "ORDER BY jobs.job_id");
    FG_RETURN_IF_ERROR(s.status());
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.jobs.push_back(
          {static_cast<uint64_t>(s.Int(0)), s.Blob(1), s.Blob(2), s.Int(3), s.Blob(4)});
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "load jobs");
  }
  {
    Stmt s(db_,
           "SELECT task_id, job_id, task_index, attempt_id, node_id, digest, size_bytes "
           "FROM results ORDER BY task_id");
    FG_RETURN_IF_ERROR(s.status());
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      ResultRecord r;
      r.task_id = static_cast<uint64_t>(s.Int(0));
      r.job_id = static_cast<uint64_t>(s.Int(1));
      r.task_index = static_cast<uint32_t>(s.Int(2));
      r.attempt_id = static_cast<uint64_t>(s.Int(3));
      r.node_id = static_cast<uint64_t>(s.Int(4));
      r.digest = s.Blob(5);
      r.size_bytes = static_cast<uint64_t>(s.Int(6));
      out.results.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "load results");
  }
  {
    Stmt s(db_, "SELECT * FROM join_tokens ORDER BY issued_unix_ms, token_id");
    FG_RETURN_IF_ERROR(s.status());
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.join_tokens.push_back({s.Blob(0), s.Blob(1), s.Blob(2), static_cast<uint32_t>(s.Int(3)),
                                 static_cast<uint32_t>(s.Int(4)), s.Int(5), s.Int(6), s.Int(7) != 0,
                                 s.Blob(8)});
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "load join tokens");
  }
  {
    Stmt s(db_, "SELECT * FROM credentials ORDER BY issued_unix_ms, credential_id");
    FG_RETURN_IF_ERROR(s.status());
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.credentials.push_back({s.Blob(0), static_cast<uint64_t>(s.Int(1)), s.Blob(2), s.Blob(3),
                                 s.Int(4), s.Int(5), s.Int(6) != 0});
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "load credentials");
  }
  {
    Stmt s(db_, "SELECT * FROM api_tokens ORDER BY issued_unix_ms, token_id");
    FG_RETURN_IF_ERROR(s.status());
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.api_tokens.push_back({s.Blob(0), s.Blob(1), static_cast<int32_t>(s.Int(2)), s.Int(3),
                                s.Int(4), s.Int(5) != 0, s.Blob(6)});
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "load API tokens");
  }
  {
    Stmt s(db_,
           "SELECT task_id, attempt_id, epoch, node_id, checkpoint_id, work_done_units, digest, "
           "size_bytes FROM checkpoints ORDER BY task_id");
    FG_RETURN_IF_ERROR(s.status());
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      CheckpointRecord c;
      c.task_id = static_cast<uint64_t>(s.Int(0));
      c.attempt_id = static_cast<uint64_t>(s.Int(1));
      c.epoch = static_cast<uint64_t>(s.Int(2));
      c.node_id = static_cast<uint64_t>(s.Int(3));
      c.checkpoint_id = s.Blob(4);
      c.work_done_units = s.Double(5);
      c.digest = s.Blob(6);
      c.size_bytes = static_cast<uint64_t>(s.Int(7));
      out.checkpoints.push_back(std::move(c));
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "load checkpoints");
  }
  return out;
}

absl::StatusOr<std::string> SqliteStore::ReadCheckpoint(uint64_t task_id,
                                                        const std::string& checkpoint_id) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT data FROM checkpoints WHERE task_id = ? AND checkpoint_id = ?");
  FG_RETURN_IF_ERROR(s.status());
  s.Bind(1, static_cast<int64_t>(task_id));
  s.Bind(2, checkpoint_id, false);
  if (int rc = s.Step(); rc != SQLITE_ROW) {
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "read checkpoint");
    return absl::NotFoundError("no checkpoint " + checkpoint_id + " of task " +
                               std::to_string(task_id));
  }
  return s.Blob(0);
}

absl::StatusOr<std::string> SqliteStore::ReadResult(uint64_t task_id) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT data FROM results WHERE task_id = ?");
  FG_RETURN_IF_ERROR(s.status());
  s.Bind(1, static_cast<int64_t>(task_id));
  if (int rc = s.Step(); rc != SQLITE_ROW) {
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "read result");
    return absl::NotFoundError("no result for task " + std::to_string(task_id));
  }
  return s.Blob(0);
}

}  // namespace fleetgrid::service
