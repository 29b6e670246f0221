#include "coordinator/service/authorizer.h"

#include <charconv>
#include <optional>

namespace fleetgrid::service {
namespace {

// What a method needs. Roles are ordered: a higher one may do all a lower one may.
enum class Need { kAnyone, kNode, kRead, kSubmit, kAdmin };

struct Rule {
  const char* name;
  Need need;
};

// Indexed by Rpc.
constexpr Rule kRules[] = {
    {"Enroll", Need::kAnyone},
    {"RenewCredential", Need::kNode},
    {"Connect", Need::kNode},
    {"FetchInput", Need::kNode},
    {"UploadResult", Need::kNode},
    {"UploadCheckpoint", Need::kNode},
    {"FetchCheckpoint", Need::kNode},
    {"SubmitJob", Need::kSubmit},
    {"GetJob", Need::kRead},
    {"ListJobs", Need::kRead},
    {"ListTasks", Need::kRead},
    {"CancelJob", Need::kSubmit},
    {"WatchJob", Need::kRead},
    {"FetchResults", Need::kRead},
    {"ListNodes", Need::kAdmin},
    {"GetNode", Need::kAdmin},
    {"GetFleetStats", Need::kAdmin},
    {"DrainNode", Need::kAdmin},
    {"RevokeCredential", Need::kAdmin},
    {"IssueJoinToken", Need::kAdmin},
    {"RevokeJoinToken", Need::kAdmin},
    {"IssueApiToken", Need::kAdmin},
    {"RevokeApiToken", Need::kAdmin},
    {"ListApiTokens", Need::kAdmin},
    {"ListJoinTokens", Need::kAdmin},
};
static_assert(std::size(kRules) == static_cast<size_t>(Rpc::kListJoinTokens) + 1);

Need RoleGrants(v1::ApiRole r) {
  switch (r) {
    case v1::API_ROLE_READ:
      return Need::kRead;
    case v1::API_ROLE_SUBMIT:
      return Need::kSubmit;
    case v1::API_ROLE_ADMIN:
      return Need::kAdmin;
    default:
      return Need::kAnyone;
  }
}

const char* NeedName(Need n) {
  switch (n) {
    case Need::kRead:
      return "read";
    case Need::kSubmit:
      return "submit";
    default:
      return "admin";
  }
}

std::optional<std::string_view> Metadata(const grpc::ServerContextBase& ctx, const char* key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return std::nullopt;
  return std::string_view(it->second.data(), it->second.size());
}

absl::StatusOr<Caller> AuthorizeNode(const Identities& ids, const grpc::ServerContextBase& ctx,
                                     const Rule& rule, int64_t now_ms) {
  const auto id = Metadata(ctx, "x-fleetgrid-node-id");
  const auto secret = Metadata(ctx, "x-fleetgrid-node-secret-bin");
  if (!id || !secret) {
    if (Metadata(ctx, "authorization")) {
      return absl::PermissionDeniedError(std::string(rule.name) +
                                         " needs a node credential; API tokens cannot call it");
    }
    return absl::UnauthenticatedError(
        "missing x-fleetgrid-node-id / x-fleetgrid-node-secret-bin metadata");
  }
  uint64_t node = 0;
  const auto [end, ec] = std::from_chars(id->data(), id->data() + id->size(), node);
  if (ec != std::errc() || end != id->data() + id->size()) {
    return absl::UnauthenticatedError("x-fleetgrid-node-id is not a number");
  }
  return ids.AuthenticateNode(node, *secret, now_ms);
}

absl::StatusOr<Caller> AuthorizeClient(const Identities& ids, const grpc::ServerContextBase& ctx,
                                       const Rule& rule, int64_t now_ms) {
  if (Metadata(ctx, "x-fleetgrid-node-id")) {
    return absl::PermissionDeniedError(std::string(rule.name) +
                                       " is not for cars; node credentials cannot call it");
  }
  if (ids.open()) return Caller{};
  const auto auth = Metadata(ctx, "authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth) return absl::UnauthenticatedError("missing 'authorization: Bearer <token>' metadata");
  if (auth->substr(0, kBearer.size()) != kBearer) {
    return absl::UnauthenticatedError("authorization metadata must be 'Bearer <token>'");
  }
  FG_ASSIGN_OR_RETURN(Caller c, ids.AuthenticateClient(auth->substr(kBearer.size()), now_ms));
  if (RoleGrants(c.role) < rule.need) {
    return absl::PermissionDeniedError(std::string(rule.name) + " needs role " +
                                       NeedName(rule.need) + "; API token " + c.token_id +
                                       " has role " + ApiRoleName(c.role));
  }
  return c;
}

}  // namespace

absl::StatusOr<Caller> Authorize(const Identities& ids, const grpc::ServerContextBase& ctx, Rpc rpc,
                                 int64_t now_ms) {
  const Rule& rule = kRules[static_cast<size_t>(rpc)];
  switch (rule.need) {
    case Need::kAnyone:
      return Caller{};
    case Need::kNode:
      return AuthorizeNode(ids, ctx, rule, now_ms);
    default:
      return AuthorizeClient(ids, ctx, rule, now_ms);
  }
}

}  // namespace fleetgrid::service
