// Identities: who may talk to the coordinator. Join tokens (a car's ticket to Enroll), node
// credentials (a car's identity afterwards; several per node, each expiring and revocable)
// and client API tokens (a role: read, submit or admin), plus the admin token from
// --admin-token-file. Every secret is 256 bits from the OS CSPRNG and only its SHA-256 is
// kept (here and in the store); the secret itself leaves the coordinator once, in the reply
// that issues it. Nothing here ever puts a secret into a status message.
//
// Mutations return the records to make durable (the caller puts them into a WriteBatch and
// acknowledges once it is committed); they take effect in memory at once, so a revocation
// refuses the next call even before it is durable.
//
// Thread safety: all methods are thread-safe (one mutex; lookups are hash-map reads). Time
// is Unix milliseconds from the caller, so tests and callers agree on one clock.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "coordinator/service/store.h"
#include "fleetgrid/v1/admin.pb.h"
#include "fleetgrid/v1/node.pb.h"

namespace fleetgrid::service {

// The verified identity of one call.
struct Caller {
  enum class Kind { kOpen, kClient, kNode };
  Kind kind = Kind::kOpen;
  v1::ApiRole role = v1::API_ROLE_UNSPECIFIED;  // kClient (kOpen acts as admin)
  std::string token_id;                         // kClient: the API token's id ("admin": file)
  uint64_t node_id = 0;                         // kNode
  std::string credential_id;                    // kNode
};

// A freshly issued secret and its record (the secret is for the one reply only).
template <typename Record>
struct Issued {
  std::string secret;
  Record record;
};

// The wire form of a newly issued credential (with its secret: for the one reply only).
v1::NodeCredential CredentialMessage(const Issued<CredentialRecord>& c);
// The wire form of an API token record (never a secret).
v1::ApiTokenInfo ApiTokenMessage(const ApiTokenRecord& t);
// The wire form of a join token record (never the secret nor its hash).
v1::JoinTokenInfo JoinTokenMessage(const JoinTokenRecord& t);

// "read", "submit", "admin" ("none" otherwise).
const char* ApiRoleName(v1::ApiRole role);

// "fga_" + 64 hex characters: the format of admin and API tokens (coordinator init writes
// the admin token file in it).
bool IsApiTokenFormat(std::string_view token);
// A fresh token in that format (256 bits from the OS CSPRNG).
std::string NewApiToken();

class Identities {
 public:
  // `admin_token_sha256`: SHA-256 of the admin token; "" = open mode (no authentication of
  // clients, any join token enrolls).
  Identities(std::string admin_token_sha256, int64_t credential_ttl_ms)
      : admin_sha_(std::move(admin_token_sha256)), credential_ttl_ms_(credential_ttl_ms) {}

  bool open() const { return admin_sha_.empty(); }

  // At start, before serving. Node records of files written before credentials had records
  // of their own (their secret hash set) become one credential each.
  void Load(const StoredState& state);

  // --- Clients. The identity of `authorization: Bearer <token>`: UNAUTHENTICATED if the
  // token is unknown, expired or revoked.
  absl::StatusOr<Caller> AuthenticateClient(std::string_view token, int64_t now_ms) const;
  absl::StatusOr<Issued<ApiTokenRecord>> IssueApiToken(v1::ApiRole role, int64_t ttl_ms,
                                                       std::string description, int64_t now_ms);
  absl::StatusOr<ApiTokenRecord> RevokeApiToken(const std::string& token_id);
  std::vector<ApiTokenRecord> ApiTokens(bool include_inactive, int64_t now_ms) const;

  // --- Join tokens.
  Issued<JoinTokenRecord> IssueJoinToken(std::string owner, uint32_t max_uses, int64_t ttl_ms,
                                         std::string description, int64_t now_ms);
  absl::StatusOr<JoinTokenRecord> RevokeJoinToken(const std::string& token_id);
  // One Enroll with `token` for `owner` ("" = the token's owner): the token's record with
  // the use counted, or UNAUTHENTICATED (unknown, expired, revoked, used up, other owner).
  absl::StatusOr<JoinTokenRecord> UseJoinToken(std::string_view token, std::string_view owner,
                                               int64_t now_ms);
  // The id of the join token `token` (whatever its state), or "" if unknown.
  std::string JoinTokenId(std::string_view token) const;
  // Every join token, oldest first; without `include_inactive` only those UseJoinToken
  // could still accept (not revoked, expired or used up).
  std::vector<JoinTokenRecord> JoinTokens(bool include_inactive, int64_t now_ms) const;

  // --- Node credentials.
  Issued<CredentialRecord> IssueCredential(uint64_t node_id, std::string owner, int64_t now_ms);
  // The identity of node `node_id` presenting `secret`: UNAUTHENTICATED unless the secret is
  // one of the node's credentials, not revoked and not expired. A refusal carries its
  // RefusalReason (common/refusal_reason.h): unknown, revoked or expired.
  absl::StatusOr<Caller> AuthenticateNode(uint64_t node_id, std::string_view secret,
                                          int64_t now_ms) const;
  // Credential `id` while it is neither revoked nor expired; else UNAUTHENTICATED with its
  // RefusalReason, as AuthenticateNode would refuse it.
  absl::StatusOr<CredentialRecord> LiveCredential(const std::string& credential_id,
                                                  int64_t now_ms) const;
  // The credential `id` (NOT_FOUND if unknown).
  absl::StatusOr<CredentialRecord> Credential(const std::string& credential_id) const;
  // Revokes one credential, all of a node's, or all of an owner's; returns the records it
  // changed (already revoked ones are left out). NOT_FOUND if the target names nothing.
  absl::StatusOr<std::vector<CredentialRecord>> RevokeCredentials(
      const v1::RevokeCredentialRequest& target);
  // Expiry of the node's newest live credential (0 = none live).
  int64_t NodeCredentialExpiry(uint64_t node_id, int64_t now_ms) const;

  int64_t credential_ttl_ms() const { return credential_ttl_ms_; }

 private:
  // A fresh public id "<prefix>-" + 16 hex characters, unused in `taken`.
  template <typename Map>
  static std::string NewId(const char* prefix, const Map& taken);

  const std::string admin_sha_;
  const int64_t credential_ttl_ms_;
  mutable std::mutex mu_;
  std::map<std::string, ApiTokenRecord> api_tokens_;                         // by token id
  std::unordered_map<std::string, std::string> api_by_sha_;                  // sha256 -> token id
  std::map<std::string, JoinTokenRecord> join_tokens_;                       // by token id
  std::unordered_map<std::string, std::string> join_by_sha_;                 // sha256 -> token id
  std::map<std::string, CredentialRecord> credentials_;                      // by credential id
  std::unordered_map<uint64_t, std::vector<std::string>> node_credentials_;  // node -> ids
};

}  // namespace fleetgrid::service
