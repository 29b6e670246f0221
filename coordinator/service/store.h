// Store: the coordinator's durable state, behind an interface so that PostgreSQL can replace
// SQLite later (docs/architecture.md, "Scale past one machine" in the design).
//
// What is stored: enrolled nodes, accepted jobs (their wire spec), accepted task results
// (digest and bytes), identity records (join tokens, node credentials, API tokens: only
// hashes of their secrets) and the brain's change log (opaque records appended in order; the brain
// is rebuilt from them with Core::Restore). Everything a batch holds becomes durable together:
// Commit() returns OK only once the whole batch survives a power cut, so the caller may then
// acknowledge what the batch contains (group commit: one fsync for many changes).
//
// Thread safety: implementations are thread-safe; Commit() is called by one writer thread,
// reads may come from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace fleetgrid::service {

// A car enrolled with the coordinator. Its credentials are CredentialRecords.
struct NodeRecord {
  uint64_t node_id = 0;       // external id (wire), >= 1
  std::string secret_sha256;  // legacy (files before credentials had records): 32 bytes, else ""
  std::string owner;
  std::string enroll_key;      // EnrollRequest.idempotency_key ("" = none)
  std::string enroll_request;  // serialized fleetgrid.v1.EnrollRequest, join token cleared
  int64_t enrolled_unix_ms = 0;
};

// A job accepted from a client.
struct JobRecord {
  uint64_t job_id = 0;          // external id (wire), >= 1
  std::string idempotency_key;  // "" = none; unique when set
  std::string spec;             // serialized fleetgrid.v1.JobSpec, as submitted
  int64_t submitted_unix_ms = 0;
  std::string submitted_by;  // API token id of the submitter ("admin": the admin token file;
                             // "" = open mode)
};

// The identity records are mutable (uses counted, revocation): a record written again with
// the same id replaces the stored one. Secrets are never stored, only their SHA-256.

// A join token (AdminService.IssueJoinToken).
struct JoinTokenRecord {
  std::string token_id;   // public id
  std::string sha256;     // of the token, 32 bytes
  std::string owner;      // cars enrolled with it belong to this owner ("" = the car says)
  uint32_t max_uses = 0;  // 0 = unlimited
  uint32_t uses = 0;      // Enroll calls accepted
  int64_t issued_unix_ms = 0;
  int64_t expires_unix_ms = 0;
  bool revoked = false;
  std::string description;
};

// One credential of a node (a node may hold several: RenewCredential adds one).
struct CredentialRecord {
  std::string credential_id;  // public id
  uint64_t node_id = 0;
  std::string owner;
  std::string sha256;  // of the secret, 32 bytes
  int64_t issued_unix_ms = 0;
  int64_t expires_unix_ms = 0;
  bool revoked = false;
};

// A client API token (AdminService.IssueApiToken).
struct ApiTokenRecord {
  std::string token_id;  // public id
  std::string sha256;    // of the token, 32 bytes
  int32_t role = 0;      // fleetgrid.v1.ApiRole
  int64_t issued_unix_ms = 0;
  int64_t expires_unix_ms = 0;  // 0 = never
  bool revoked = false;
  std::string description;
};

// The accepted result of one task. At most one per task: the store refuses a second one.
struct ResultRecord {
  uint64_t task_id = 0;  // external id (wire)
  uint64_t job_id = 0;
  uint32_t task_index = 0;
  uint64_t attempt_id = 0;
  uint64_t node_id = 0;
  std::string digest;  // SHA-256 of data, 32 bytes
  std::string data;    // empty in Load()'s answer: read it with ReadResult()
  uint64_t size_bytes = 0;
};

// The latest stored checkpoint of one task (UploadCheckpoint): a later attempt of the task
// resumes from it. At most one per task: a newer one replaces it; the task's accepted result
// deletes it (the bytes are useless then).
struct CheckpointRecord {
  uint64_t task_id = 0;  // external id (wire)
  uint64_t attempt_id = 0;
  uint64_t epoch = 0;
  uint64_t node_id = 0;
  std::string checkpoint_id;  // chosen by the car
  double work_done_units = 0;
  std::string digest;  // SHA-256 of data, 32 bytes
  uint64_t size_bytes = 0;
  std::string data;  // empty in Load()'s answer: read it with ReadCheckpoint()
};

// One group of changes, made durable together.
struct WriteBatch {
  std::vector<std::string> changes;  // brain change-log records, in order
  std::vector<NodeRecord> nodes;
  std::vector<JobRecord> jobs;
  std::vector<ResultRecord> results;
  std::vector<JoinTokenRecord> join_tokens;
  std::vector<CredentialRecord> credentials;
  std::vector<ApiTokenRecord> api_tokens;
  std::vector<CheckpointRecord> checkpoints;

  bool empty() const {
    return changes.empty() && nodes.empty() && jobs.empty() && results.empty() &&
           join_tokens.empty() && credentials.empty() && api_tokens.empty() && checkpoints.empty();
  }
  void Clear() { *this = WriteBatch(); }
};

// Everything stored, in commit order (results without their bytes; identity records as
// last written).
struct StoredState {
  std::vector<std::string> changes;
  std::vector<NodeRecord> nodes;
  std::vector<JobRecord> jobs;
  std::vector<ResultRecord> results;
  std::vector<JoinTokenRecord> join_tokens;
  std::vector<CredentialRecord> credentials;
  std::vector<ApiTokenRecord> api_tokens;
  std::vector<CheckpointRecord> checkpoints;  // without their bytes, by task id
};

class Store {
 public:
  virtual ~Store() = default;

  // Makes the whole batch durable, or nothing of it. The answer says which, and what the
  // caller may do next:
  //   OK                  the whole batch is durable (it survives a power cut): acknowledge it.
  //   RESOURCE_EXHAUSTED  the store is full (disk full, or the configured size cap): nothing
  //                       of the batch was written. The same batch may succeed later, once
  //                       space returns; meanwhile take no new work that needs space.
  //   UNAVAILABLE         transient (the file stayed locked past the busy timeout): nothing
  //                       written; retrying the same batch may succeed.
  //   ALREADY_EXISTS      a result for a task that already has one, or a job whose id or
  //                       idempotency key is taken: nothing written; retrying cannot help.
  //   anything else       (INTERNAL, DATA_LOSS, ...) a hard I/O error: the outcome is
  //                       unknown (the batch may or may not be durable, e.g. the fsync
  //                       failed after the write); the store should not be trusted further
  //                       until it is reopened, which tells from the file what survived.
  // After any failure the store stays usable: the next Commit() (the same batch again, or
  // another) is served normally.
  virtual absl::Status Commit(const WriteBatch& batch) = 0;

  // Reads everything back (at start, to rebuild the brain).
  virtual absl::StatusOr<StoredState> Load() = 0;

  // The bytes of a task's accepted result; NotFound if it has none.
  virtual absl::StatusOr<std::string> ReadResult(uint64_t task_id) = 0;

  // The bytes of a task's stored checkpoint `checkpoint_id`; NotFound if it has none (or a
  // newer one replaced it, or its result deleted it).
  virtual absl::StatusOr<std::string> ReadCheckpoint(uint64_t task_id,
                                                     const std::string& checkpoint_id) = 0;

  // Number of fsync'ed commits so far (for metrics and tests).
  virtual uint64_t commits() const = 0;

  // Human-readable description (path, settings) for logs.
  virtual std::string Describe() const = 0;
};

}  // namespace fleetgrid::service
