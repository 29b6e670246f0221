#include "coordinator/service/identities.h"

#include <algorithm>

#include "common/pki.h"
#include "common/refusal_reason.h"
#include "common/sha256.h"
#include "coordinator/service/convert.h"

namespace fleetgrid::service {
namespace {

bool Expired(int64_t expires_ms, int64_t now_ms) { return expires_ms != 0 && now_ms >= expires_ms; }

bool UsedUp(const JoinTokenRecord& t) { return t.max_uses != 0 && t.uses >= t.max_uses; }

// Why credential `c` is refused at `now_ms` (with its RefusalReason for the car), or OK.
absl::Status CredentialRefusal(const CredentialRecord& c, int64_t now_ms) {
  const std::string which = "node credential " + c.credential_id;
  if (c.revoked) {
    return WithRefusalReason(absl::UnauthenticatedError(which + " is revoked"),
                             RefusalReason::kCredentialRevoked);
  }
  if (Expired(c.expires_unix_ms, now_ms)) {
    return WithRefusalReason(absl::UnauthenticatedError(which + " has expired"),
                             RefusalReason::kCredentialExpired);
  }
  return absl::OkStatus();
}

// The records of `tokens` that `keep` selects, oldest first (the maps are by random id).
template <typename Record, typename Keep>
std::vector<Record> OldestFirst(const std::map<std::string, Record>& tokens, Keep keep) {
  std::vector<Record> out;
  for (const auto& [id, t] : tokens) {
    if (keep(t)) out.push_back(t);
  }
  std::stable_sort(out.begin(), out.end(), [](const Record& a, const Record& b) {
    return a.issued_unix_ms < b.issued_unix_ms;
  });
  return out;
}

// Marks the token `id` of `tokens` revoked; `kind` names it in errors ("API token").
template <typename Record>
absl::StatusOr<Record> RevokeToken(std::map<std::string, Record>& tokens, const std::string& id,
                                   const char* kind) {
  auto it = tokens.find(id);
  if (it == tokens.end()) return absl::NotFoundError(std::string("unknown ") + kind + " " + id);
  if (it->second.revoked) {
    return absl::FailedPreconditionError(std::string(kind) + " " + id + " is already revoked");
  }
  it->second.revoked = true;
  return it->second;
}

}  // namespace

v1::NodeCredential CredentialMessage(const Issued<CredentialRecord>& c) {
  v1::NodeCredential out;
  out.set_node_id(c.record.node_id);
  out.set_credential_id(c.record.credential_id);
  out.set_secret(c.secret);
  *out.mutable_issued_at() = ToTimestamp(c.record.issued_unix_ms * 1'000'000);
  *out.mutable_expires_at() = ToTimestamp(c.record.expires_unix_ms * 1'000'000);
  return out;
}

v1::ApiTokenInfo ApiTokenMessage(const ApiTokenRecord& t) {
  v1::ApiTokenInfo out;
  out.set_token_id(t.token_id);
  out.set_role(static_cast<v1::ApiRole>(t.role));
  *out.mutable_issued_at() = ToTimestamp(t.issued_unix_ms * 1'000'000);
  if (t.expires_unix_ms != 0)
    *out.mutable_expires_at() = ToTimestamp(t.expires_unix_ms * 1'000'000);
  out.set_revoked(t.revoked);
  out.set_description(t.description);
  return out;
}

v1::JoinTokenInfo JoinTokenMessage(const JoinTokenRecord& t) {
  v1::JoinTokenInfo out;
  out.set_token_id(t.token_id);
  out.mutable_scope()->set_owner(t.owner);
  out.set_uses(t.uses);
  out.set_max_uses(t.max_uses);
  *out.mutable_issued_at() = ToTimestamp(t.issued_unix_ms * 1'000'000);
  *out.mutable_expires_at() = ToTimestamp(t.expires_unix_ms * 1'000'000);
  out.set_revoked(t.revoked);
  out.set_description(t.description);
  return out;
}

const char* ApiRoleName(v1::ApiRole role) {
  switch (role) {
    case v1::API_ROLE_READ:
      return "read";
    case v1::API_ROLE_SUBMIT:
      return "submit";
    case v1::API_ROLE_ADMIN:
      return "admin";
    default:
      return "none";
  }
}

bool IsApiTokenFormat(std::string_view token) {
  if (token.size() != 68 || token.substr(0, 4) != "fga_") return false;
  for (char c : token.substr(4)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string NewApiToken() { return pki::RandomToken("fga_", 32); }

template <typename Map>
std::string Identities::NewId(const char* prefix, const Map& taken) {
  for (;;) {
    std::string id = pki::RandomToken(std::string(prefix) + "-", 8);
    if (taken.count(id) == 0) return id;
  }
}

void Identities::Load(const StoredState& state) {
  std::lock_guard lock(mu_);
  for (const ApiTokenRecord& t : state.api_tokens) {
    api_tokens_[t.token_id] = t;
    api_by_sha_[t.sha256] = t.token_id;
  }
  for (const JoinTokenRecord& t : state.join_tokens) {
    join_tokens_[t.token_id] = t;
    join_by_sha_[t.sha256] = t.token_id;
  }
  for (const CredentialRecord& c : state.credentials) {
    if (credentials_.count(c.credential_id) == 0) {
      node_credentials_[c.node_id].push_back(c.credential_id);
    }
    credentials_[c.credential_id] = c;
  }
  // Files from before credential records: the node's one secret, valid for a year from
  // enrollment as it was issued. Rebuilt at every start (never written).
  for (const NodeRecord& n : state.nodes) {
    if (n.secret_sha256.empty() || node_credentials_.count(n.node_id) != 0) continue;
    CredentialRecord c;
    c.credential_id = "cred-" + std::to_string(n.node_id);
    c.node_id = n.node_id;
    c.owner = n.owner;
    c.sha256 = n.secret_sha256;
    c.issued_unix_ms = n.enrolled_unix_ms;
    c.expires_unix_ms = n.enrolled_unix_ms + 365LL * 86'400'000;
    node_credentials_[n.node_id].push_back(c.credential_id);
    credentials_[c.credential_id] = std::move(c);
  }
}

// ---------------------------------------------------------------------------------------
// Clients.

absl::StatusOr<Caller> Identities::AuthenticateClient(std::string_view token,
                                                      int64_t now_ms) const {
  const std::string sha = Sha256Bytes(token);
  Caller c;
  c.kind = Caller::Kind::kClient;
  if (!admin_sha_.empty() && sha == admin_sha_) {
    c.role = v1::API_ROLE_ADMIN;
    c.token_id = "admin";
    return c;
  }
  std::lock_guard lock(mu_);
  auto it = api_by_sha_.find(sha);
  if (it == api_by_sha_.end()) return absl::UnauthenticatedError("unknown API token");
  const ApiTokenRecord& t = api_tokens_.at(it->second);
  if (t.revoked) return absl::UnauthenticatedError("API token " + t.token_id + " is revoked");
  if (Expired(t.expires_unix_ms, now_ms)) {
    return absl::UnauthenticatedError("API token " + t.token_id + " has expired");
  }
  c.role = static_cast<v1::ApiRole>(t.role);
  c.token_id = t.token_id;
  return c;
}

absl::StatusOr<Issued<ApiTokenRecord>> Identities::IssueApiToken(v1::ApiRole role, int64_t ttl_ms,
                                                                 std::string description,
                                                                 int64_t now_ms) {
  if (role != v1::API_ROLE_READ && role != v1::API_ROLE_SUBMIT && role != v1::API_ROLE_ADMIN) {
    return absl::InvalidArgumentError("role must be READ, SUBMIT or ADMIN");
  }
  if (ttl_ms < 0) return absl::InvalidArgumentError("ttl must not be negative");
  std::lock_guard lock(mu_);
  Issued<ApiTokenRecord> out;
  out.secret = NewApiToken();
  ApiTokenRecord& r = out.record;
  r.token_id = NewId("at", api_tokens_);
  r.sha256 = Sha256Bytes(out.secret);
  r.role = role;
  r.issued_unix_ms = now_ms;
  r.expires_unix_ms = ttl_ms == 0 ? 0 : now_ms + ttl_ms;
  r.description = std::move(description);
  api_tokens_[r.token_id] = r;
  api_by_sha_[r.sha256] = r.token_id;
  return out;
}

absl::StatusOr<ApiTokenRecord> Identities::RevokeApiToken(const std::string& token_id) {
  std::lock_guard lock(mu_);
  return RevokeToken(api_tokens_, token_id, "API token");
}

std::vector<ApiTokenRecord> Identities::ApiTokens(bool include_inactive, int64_t now_ms) const {
  std::lock_guard lock(mu_);
  return OldestFirst(api_tokens_, [&](const ApiTokenRecord& t) {
    return include_inactive || !(t.revoked || Expired(t.expires_unix_ms, now_ms));
  });
}

// ---------------------------------------------------------------------------------------
// Join tokens.

Issued<JoinTokenRecord> Identities::IssueJoinToken(std::string owner, uint32_t max_uses,
                                                   int64_t ttl_ms, std::string description,
                                                   int64_t now_ms) {
  std::lock_guard lock(mu_);
  Issued<JoinTokenRecord> out;
  out.secret = pki::RandomToken("fgj_", 32);
  JoinTokenRecord& r = out.record;
  r.token_id = NewId("jt", join_tokens_);
  r.sha256 = Sha256Bytes(out.secret);
  r.owner = std::move(owner);
  r.max_uses = max_uses;
  r.issued_unix_ms = now_ms;
  r.expires_unix_ms = now_ms + ttl_ms;
  r.description = std::move(description);
  join_tokens_[r.token_id] = r;
  join_by_sha_[r.sha256] = r.token_id;
  return out;
}

absl::StatusOr<JoinTokenRecord> Identities::RevokeJoinToken(const std::string& token_id) {
  std::lock_guard lock(mu_);
  return RevokeToken(join_tokens_, token_id, "join token");
}

absl::StatusOr<JoinTokenRecord> Identities::UseJoinToken(std::string_view token,
                                                         std::string_view owner, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto id = join_by_sha_.find(Sha256Bytes(token));
  const auto refuse = [](std::string message, RefusalReason why) {
    return WithRefusalReason(absl::UnauthenticatedError(std::move(message)), why);
  };
  if (id == join_by_sha_.end()) {
    return refuse("unknown join token", RefusalReason::kJoinTokenUnknown);
  }
  JoinTokenRecord& t = join_tokens_.at(id->second);
  const std::string which = "join token " + t.token_id;
  if (t.revoked) return refuse(which + " is revoked", RefusalReason::kJoinTokenRevoked);
  if (Expired(t.expires_unix_ms, now_ms)) {
    return refuse(which + " has expired", RefusalReason::kJoinTokenExpired);
  }
  if (UsedUp(t)) {
    return refuse(which + " is used up (" + std::to_string(t.max_uses) + " enrollments)",
                  RefusalReason::kJoinTokenUsedUp);
  }
  if (!t.owner.empty() && !owner.empty() && owner != t.owner) {
    return refuse(which + " does not enroll cars of owner '" + std::string(owner) + "'",
                  RefusalReason::kJoinTokenOwner);
  }
  ++t.uses;
  return t;
}

std::string Identities::JoinTokenId(std::string_view token) const {
  std::lock_guard lock(mu_);
  auto id = join_by_sha_.find(Sha256Bytes(token));
  return id == join_by_sha_.end() ? std::string() : id->second;
}

std::vector<JoinTokenRecord> Identities::JoinTokens(bool include_inactive, int64_t now_ms) const {
  std::lock_guard lock(mu_);
  return OldestFirst(join_tokens_, [&](const JoinTokenRecord& t) {
    return include_inactive || !(t.revoked || Expired(t.expires_unix_ms, now_ms) || UsedUp(t));
  });
}

// ---------------------------------------------------------------------------------------
// Node credentials.

Issued<CredentialRecord> Identities::IssueCredential(uint64_t node_id, std::string owner,
                                                     int64_t now_ms) {
  std::lock_guard lock(mu_);
  Issued<CredentialRecord> out;
  out.secret = pki::RandomBytes(32);
  CredentialRecord& r = out.record;
  r.credential_id = NewId("cr", credentials_);
  r.node_id = node_id;
  r.owner = std::move(owner);
  r.sha256 = Sha256Bytes(out.secret);
  r.issued_unix_ms = now_ms;
  r.expires_unix_ms = now_ms + credential_ttl_ms_;
  credentials_[r.credential_id] = r;
  node_credentials_[node_id].push_back(r.credential_id);
  return out;
}

absl::StatusOr<Caller> Identities::AuthenticateNode(uint64_t node_id, std::string_view secret,
                                                    int64_t now_ms) const {
  const std::string sha = Sha256Bytes(secret);
  std::lock_guard lock(mu_);
  auto ids = node_credentials_.find(node_id);
  if (ids != node_credentials_.end()) {
    for (const std::string& id : ids->second) {
      const CredentialRecord& c = credentials_.at(id);
      if (c.sha256 != sha) continue;
      FG_RETURN_IF_ERROR(CredentialRefusal(c, now_ms));
      Caller caller;
      caller.kind = Caller::Kind::kNode;
      caller.node_id = node_id;
      caller.credential_id = id;
      return caller;
    }
  }
  return WithRefusalReason(absl::UnauthenticatedError("unknown node or bad credential"),
                           RefusalReason::kCredentialUnknown);
}

absl::StatusOr<CredentialRecord> Identities::LiveCredential(const std::string& credential_id,
                                                            int64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto it = credentials_.find(credential_id);
  if (it == credentials_.end()) {
    return WithRefusalReason(absl::UnauthenticatedError("unknown credential " + credential_id),
                             RefusalReason::kCredentialUnknown);
  }
  FG_RETURN_IF_ERROR(CredentialRefusal(it->second, now_ms));
  return it->second;
}

absl::StatusOr<CredentialRecord> Identities::Credential(const std::string& credential_id) const {
  std::lock_guard lock(mu_);
  auto it = credentials_.find(credential_id);
  if (it == credentials_.end()) return absl::NotFoundError("unknown credential " + credential_id);
  return it->second;
}

absl::StatusOr<std::vector<CredentialRecord>> Identities::RevokeCredentials(
    const v1::RevokeCredentialRequest& target) {
  std::lock_guard lock(mu_);
  std::vector<CredentialRecord*> hit;
  switch (target.target_case()) {
    case v1::RevokeCredentialRequest::kCredentialId: {
      auto it = credentials_.find(target.credential_id());
      if (it == credentials_.end()) {
        return absl::NotFoundError("unknown credential " + target.credential_id());
      }
      hit.push_back(&it->second);
      break;
    }
    case v1::RevokeCredentialRequest::kNodeId: {
      auto ids = node_credentials_.find(target.node_id());
      if (ids == node_credentials_.end()) {
        return absl::NotFoundError("node " + std::to_string(target.node_id()) +
                                   " has no credentials");
      }
      for (const std::string& id : ids->second) hit.push_back(&credentials_.at(id));
      break;
    }
    case v1::RevokeCredentialRequest::kOwner: {
      for (auto& [id, c] : credentials_) {
        if (c.owner == target.owner()) hit.push_back(&c);
      }
      if (hit.empty()) {
        return absl::NotFoundError("owner '" + target.owner() + "' has no credentials");
      }
      break;
    }
    default:
      return absl::InvalidArgumentError("give one of credential_id, node_id or owner");
  }
  std::vector<CredentialRecord> changed;
  for (CredentialRecord* c : hit) {
    if (c->revoked) continue;
    c->revoked = true;
    changed.push_back(*c);
  }
  return changed;
}

int64_t Identities::NodeCredentialExpiry(uint64_t node_id, int64_t now_ms) const {
  std::lock_guard lock(mu_);
  int64_t newest = 0;
  auto ids = node_credentials_.find(node_id);
  if (ids == node_credentials_.end()) return 0;
  for (const std::string& id : ids->second) {
    const CredentialRecord& c = credentials_.at(id);
    if (!c.revoked && !Expired(c.expires_unix_ms, now_ms)) {
      newest = std::max(newest, c.expires_unix_ms);
    }
  }
  return newest;
}

}  // namespace fleetgrid::service
