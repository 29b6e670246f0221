// Brain: credentials and tokens (renewal, revocation, expiry of live sessions, join and API
// tokens). The records live in Identities; this file makes them durable and applies them to
// the sessions.
#include <iostream>
#include <set>

#include "common/refusal_reason.h"
#include "coordinator/service/brain.h"

namespace fleetgrid::service {
namespace {

// A proto Duration in ms; -1 if negative or past `max_ms`.
int64_t DurationMs(const google::protobuf::Duration& d, int64_t max_ms) {
  if (d.seconds() < 0 || d.nanos() < 0 || d.seconds() > max_ms / 1000) return -1;
  const int64_t ms = d.seconds() * 1000 + d.nanos() / 1'000'000;
  return ms > max_ms ? -1 : ms;
}

constexpr int64_t kMaxTtlMs = 10LL * 365 * 86'400'000;  // ten years

}  // namespace

void Brain::RenewCredential(Caller caller, v1::RenewCredentialRequest req,
                            Reply<v1::RenewCredentialResponse> reply) {
  if (req.credential_id() != caller.credential_id) {
    return reply(absl::InvalidArgumentError(
        "credential_id must name the credential authenticating this call"));
  }
  Post([this, caller = std::move(caller), reply = std::move(reply)] {
    if (broken_.load()) return reply(Unavailable());
    if (store_full_.load()) return reply(StoreFull());
    auto old = identities_.Credential(caller.credential_id);
    if (!old.ok()) return reply(old.status());
    Issued<CredentialRecord> cred =
        identities_.IssueCredential(caller.node_id, old->owner, NowMs());
    v1::RenewCredentialResponse resp;
    *resp.mutable_credential() = CredentialMessage(cred);
    WriteBatch batch;
    batch.credentials.push_back(std::move(cred.record));
    CollectChanges(&batch);
    Defer([reply, resp](const absl::Status& s) { s.ok() ? reply(resp) : reply(s); });
  });
}

void Brain::DropUnauthenticated(NodeId n, int64_t now_ms) {
  NodeExtra& x = nodes_[n.value()];
  const absl::Status refused =
      x.session.outbox ? identities_.LiveCredential(x.session.credential_id, now_ms).status()
                       : absl::OkStatus();
  const bool node_dead = identities_.NodeCredentialExpiry(WireNode(n), now_ms) == 0;
  if (refused.ok() && !node_dead) return;
  if (x.session.outbox) {
    // The reason goes with the status: the car stops for good on revoked or expired.
    x.session.outbox->Finish(WithRefusalReason(
        absl::UnauthenticatedError(std::string(refused.message()) + "; the session is closed"),
        RefusalReasonOf(refused)));
    x.session = {};
  }
  // A car left without a live credential cannot come back: its attempts are lost to the
  // brain as if it had left, and requeued. One that still holds another credential (it
  // renewed) may reconnect with it within the grace and keep them.
  if (node_dead) (void)runtime_->Leave(n);
}

void Brain::CredentialTick() {
  credential_timer_ = 0;
  if (stopping_) return;
  const int64_t now_ms = NowMs();
  bool dropped = false;
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    // The expiry the session keeps: no lock per session (revocation ends sessions itself).
    const Session& s = nodes_[i].session;
    if (s.outbox && s.credential_expires_ms != 0 && now_ms >= s.credential_expires_ms) {
      dropped = true;
      DropUnauthenticated(NodeId(i), now_ms);
    }
  }
  if (dropped) AfterCall();
  credential_timer_ = env_->After(options_.heartbeat_interval, [this] { CredentialTick(); });
}

void Brain::RevokeCredential(v1::RevokeCredentialRequest req,
                             Reply<v1::RevokeCredentialResponse> reply) {
  Post([this, req = std::move(req), reply = std::move(reply)] {
    if (broken_.load()) return reply(Unavailable());
    auto revoked = identities_.RevokeCredentials(req);
    if (!revoked.ok()) return reply(revoked.status());
    const int64_t now_ms = NowMs();
    v1::RevokeCredentialResponse resp;
    resp.set_revoked_count(static_cast<uint32_t>(revoked->size()));
    std::set<uint64_t> nodes;
    for (const CredentialRecord& c : *revoked) nodes.insert(c.node_id);
    for (uint64_t wire : nodes) {
      const NodeId n = CoreNode(wire);
      if (!n.valid() || n.value() >= nodes_.size()) continue;
      const bool had_session = static_cast<bool>(nodes_[n.value()].session.outbox);
      DropUnauthenticated(n, now_ms);
      if (had_session && !nodes_[n.value()].session.outbox) {
        resp.set_sessions_closed(resp.sessions_closed() + 1);
      }
    }
    std::cerr << "fleetgrid coordinator: revoked " << revoked->size() << " credential(s)"
              << (req.reason().empty() ? "" : " (" + req.reason() + ")") << ", closed "
              << resp.sessions_closed() << " session(s)\n";
    WriteBatch batch;
    batch.credentials = *std::move(revoked);
    AfterCall(&batch, [reply, resp](const absl::Status& s) { s.ok() ? reply(resp) : reply(s); });
  });
}

void Brain::IssueJoinToken(v1::IssueJoinTokenRequest req, Reply<v1::IssueJoinTokenResponse> reply) {
  int64_t ttl_ms = 24LL * 3'600'000;
  if (req.has_ttl()) {
    ttl_ms = DurationMs(req.ttl(), kMaxTtlMs);
    if (ttl_ms <= 0) return reply(absl::InvalidArgumentError("ttl must be > 0 and <= 10 years"));
  }
  if (req.scope().hardware_classes_size() != 0 || !req.scope().pool().empty()) {
    return reply(absl::InvalidArgumentError(
        "scope.hardware_classes and scope.pool are not supported yet; scope by owner"));
  }
  Post([this, req = std::move(req), ttl_ms, reply = std::move(reply)] {
    if (broken_.load()) return reply(Unavailable());
    if (store_full_.load()) return reply(StoreFull());
    Issued<JoinTokenRecord> t = identities_.IssueJoinToken(req.scope().owner(), req.max_uses(),
                                                           ttl_ms, req.description(), NowMs());
    v1::IssueJoinTokenResponse resp;
    resp.set_token(t.secret);
    resp.set_token_id(t.record.token_id);
    *resp.mutable_expires_at() = ToTimestamp(t.record.expires_unix_ms * 1'000'000);
    resp.set_max_uses(t.record.max_uses);
    resp.mutable_scope()->set_owner(t.record.owner);
    WriteBatch batch;
    batch.join_tokens.push_back(std::move(t.record));
    CollectChanges(&batch);
    Defer([reply, resp](const absl::Status& s) { s.ok() ? reply(resp) : reply(s); });
  });
}

void Brain::RevokeJoinToken(v1::RevokeJoinTokenRequest req,
                            Reply<v1::RevokeJoinTokenResponse> reply) {
  Post([this, req = std::move(req), reply = std::move(reply)] {
    if (broken_.load()) return reply(Unavailable());
    auto t = identities_.RevokeJoinToken(req.token_id());
    if (!t.ok()) return reply(t.status());
    v1::RevokeJoinTokenResponse resp;
    resp.set_uses(t->uses);
    WriteBatch batch;
    batch.join_tokens.push_back(*std::move(t));
    CollectChanges(&batch);
    Defer([reply, resp](const absl::Status& s) { s.ok() ? reply(resp) : reply(s); });
  });
}

void Brain::ListJoinTokens(v1::ListJoinTokensRequest req, Reply<v1::ListJoinTokensResponse> reply) {
  v1::ListJoinTokensResponse resp;
  for (const JoinTokenRecord& t : identities_.JoinTokens(req.include_inactive(), NowMs())) {
    *resp.add_tokens() = JoinTokenMessage(t);
  }
  reply(resp);
}

void Brain::IssueApiToken(v1::IssueApiTokenRequest req, Reply<v1::IssueApiTokenResponse> reply) {
  int64_t ttl_ms = 0;
  if (req.has_ttl()) {
    ttl_ms = DurationMs(req.ttl(), kMaxTtlMs);
    if (ttl_ms <= 0) return reply(absl::InvalidArgumentError("ttl must be > 0 and <= 10 years"));
  }
  Post([this, req = std::move(req), ttl_ms, reply = std::move(reply)] {
    if (broken_.load()) return reply(Unavailable());
    if (store_full_.load()) return reply(StoreFull());
    auto t = identities_.IssueApiToken(req.role(), ttl_ms, req.description(), NowMs());
    if (!t.ok()) return reply(t.status());
    v1::IssueApiTokenResponse resp;
    resp.set_token(t->secret);
    *resp.mutable_info() = ApiTokenMessage(t->record);
    WriteBatch batch;
    batch.api_tokens.push_back(std::move(t->record));
    CollectChanges(&batch);
    Defer([reply, resp](const absl::Status& s) { s.ok() ? reply(resp) : reply(s); });
  });
}

void Brain::RevokeApiToken(v1::RevokeApiTokenRequest req, Reply<v1::RevokeApiTokenResponse> reply) {
  Post([this, req = std::move(req), reply = std::move(reply)] {
    if (broken_.load()) return reply(Unavailable());
    auto t = identities_.RevokeApiToken(req.token_id());
    if (!t.ok()) return reply(t.status());
    v1::RevokeApiTokenResponse resp;
    *resp.mutable_info() = ApiTokenMessage(*t);
    WriteBatch batch;
    batch.api_tokens.push_back(*std::move(t));
    CollectChanges(&batch);
    Defer([reply, resp](const absl::Status& s) { s.ok() ? reply(resp) : reply(s); });
  });
}

void Brain::ListApiTokens(v1::ListApiTokensRequest req, Reply<v1::ListApiTokensResponse> reply) {
  v1::ListApiTokensResponse resp;
  for (const ApiTokenRecord& t : identities_.ApiTokens(req.include_inactive(), NowMs())) {
    *resp.add_tokens() = ApiTokenMessage(t);
  }
  reply(resp);
}

}  // namespace fleetgrid::service
