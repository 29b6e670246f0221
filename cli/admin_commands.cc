// `fleetgrid admin ...`: identity and access on a live coordinator (AdminService).
//   admin join-token issue [--owner O] [--max-uses N] [--ttl 24h]   prints the token once
//   admin join-token revoke ID
//   admin join-token list [--all]
//   admin revoke --credential ID | --node ID | --owner O            node credentials
//   admin api-token issue --role read|submit|admin [--ttl D]        prints the token once
//   admin api-token revoke ID
//   admin api-token list [--all]
// A newly issued secret goes to stdout alone on its line (so scripts can capture it), its
// description to stderr; nothing else ever prints a secret.
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <ctime>
#include <iostream>

#include "cli/client_call.h"
#include "cli/command.h"
#include "cli/tls_flags.h"
#include "common/clock.h"
#include "common/duration_text.h"
#include "coordinator/service/identities.h"
#include "fleetgrid/v1/admin.grpc.pb.h"

namespace fleetgrid::cli {
namespace {

namespace v1 = fleetgrid::v1;

struct AdminFlags : ConnectionFlags {
  std::string id;
  std::string owner;
  uint32_t max_uses = 0;
  std::string ttl;
  std::string role;
  std::string description;
  std::string credential;
  uint64_t node = 0;
  std::string reason;
  bool all = false;
};

// One unary AdminService call of command `what`: kExitOk, or the exit code after printing
// the failure.
template <typename Request, typename Response>
int Call(const AdminFlags& f, const std::string& what,
         grpc::Status (v1::AdminService::Stub::*method)(grpc::ClientContext*, const Request&,
                                                        Response*),
         const Request& req, Response* resp) {
  grpc::ClientContext ctx;
  Prepare(ctx, f);
  auto stub = v1::AdminService::NewStub(f.channel);
  const grpc::Status s = (stub.get()->*method)(&ctx, req, resp);
  return s.ok() ? kExitOk : FailedCall(what, f.coordinator, s);
}

// --ttl into the request's `ttl` (left unset when the flag is empty); false after printing
// the error.
template <typename Request>
bool SetTtl(const char* what, const AdminFlags& f, Request& req) {
  if (f.ttl.empty()) return true;
  const absl::StatusOr<Duration> d = ParseDuration(f.ttl);
  if (!d.ok() || *d <= Duration::Zero()) {
    std::cerr << "fleetgrid " << what << ": --ttl: bad duration '" << f.ttl
              << "' (e.g. 30m, 24h, 30d)\n";
    return false;
  }
  req.mutable_ttl()->set_seconds(d->nanos() / 1'000'000'000);
  req.mutable_ttl()->set_nanos(static_cast<int32_t>(d->nanos() % 1'000'000'000));
  return true;
}

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0) return "never";
  char buf[32];
  const time_t s = t.seconds();
  std::tm tm{};
  gmtime_r(&s, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int IssueJoinToken(const AdminFlags& f) {
  const char* what = "admin join-token issue";
  v1::IssueJoinTokenRequest req;
  req.mutable_scope()->set_owner(f.owner);
  req.set_max_uses(f.max_uses);
  req.set_description(f.description);
  if (!SetTtl(what, f, req)) return kExitUsage;
  v1::IssueJoinTokenResponse resp;
  if (int rc = Call(f, what, &v1::AdminService::Stub::IssueJoinToken, req, &resp); rc != kExitOk) {
    return rc;
  }
  std::cout << resp.token() << std::endl;
  std::cerr << "join token " << resp.token_id() << ": owner "
            << (resp.scope().owner().empty() ? "(the car's)" : resp.scope().owner()) << ", uses "
            << (resp.max_uses() == 0 ? "unlimited" : std::to_string(resp.max_uses()))
            << ", expires " << Time(resp.expires_at())
            << ". Shown once: give it to the car (fleetgrid node --join-token).\n";
  return kExitOk;
}

int RevokeJoinToken(const AdminFlags& f) {
  v1::RevokeJoinTokenRequest req;
  req.set_token_id(f.id);
  v1::RevokeJoinTokenResponse resp;
  if (int rc =
          Call(f, "admin join-token revoke", &v1::AdminService::Stub::RevokeJoinToken, req, &resp);
      rc != kExitOk) {
    return rc;
  }
  std::cout << "join token " << f.id << " revoked (it had enrolled " << resp.uses()
            << " cars; they keep their credentials)\n";
  return kExitOk;
}

// "revoked", "expired" (by this machine's clock; no expiry never expires) or null, for a
// listed join or API token.
template <typename TokenInfo>
const char* RevokedOrExpired(const TokenInfo& t) {
  if (t.revoked()) return "revoked";
  const int64_t expires = t.expires_at().seconds();
  if (expires != 0 && expires <= UnixNowMillis() / 1000) return "expired";
  return nullptr;
}

// The state of a listed join token, worst first.
const char* JoinTokenState(const v1::JoinTokenInfo& t) {
  if (const char* over = RevokedOrExpired(t)) return over;
  if (t.max_uses() != 0 && t.uses() >= t.max_uses()) return "used-up";
  return "active";
}

int ListJoinTokens(const AdminFlags& f) {
  v1::ListJoinTokensRequest req;
  req.set_include_inactive(f.all);
  v1::ListJoinTokensResponse resp;
  if (int rc =
          Call(f, "admin join-token list", &v1::AdminService::Stub::ListJoinTokens, req, &resp);
      rc != kExitOk) {
    return rc;
  }
  std::printf("%-20s %-16s %-11s %-20s %-20s %-8s %s\n", "TOKEN", "OWNER", "USES", "ISSUED",
              "EXPIRES", "STATE", "DESCRIPTION");
  for (const v1::JoinTokenInfo& t : resp.tokens()) {
    const std::string uses =
        std::to_string(t.uses()) + "/" +
        (t.max_uses() == 0 ? std::string("unlimited") : std::to_string(t.max_uses()));
    std::printf("%-20s %-16s %-11s %-20s %-20s %-8s %s\n", t.token_id().c_str(),
                t.scope().owner().empty() ? "(the car's)" : t.scope().owner().c_str(), uses.c_str(),
                Time(t.issued_at()).c_str(), Time(t.expires_at()).c_str(), JoinTokenState(t),
                t.description().c_str());
  }
  return kExitOk;
}

int RevokeCredential(const AdminFlags& f) {
  const char* what = "admin revoke";
  v1::RevokeCredentialRequest req;
  const int targets = !f.credential.empty() + (f.node != 0) + !f.owner.empty();
  if (targets != 1) {
    std::cerr << "fleetgrid " << what << ": give exactly one of --credential, --node, --owner\n";
    return kExitUsage;
  }
  if (!f.credential.empty()) req.set_credential_id(f.credential);
  if (f.node != 0) req.set_node_id(f.node);
  if (!f.owner.empty()) req.set_owner(f.owner);
  req.set_reason(f.reason);
  v1::RevokeCredentialResponse resp;
  if (int rc = Call(f, what, &v1::AdminService::Stub::RevokeCredential, req, &resp);
      rc != kExitOk) {
    return rc;
  }
  std::cout << resp.revoked_count() << " credential(s) revoked, " << resp.sessions_closed()
            << " live session(s) closed\n";
  return kExitOk;
}

int IssueApiToken(const AdminFlags& f) {
  const char* what = "admin api-token issue";
  v1::IssueApiTokenRequest req;
  if (f.role == "read") {
    req.set_role(v1::API_ROLE_READ);
  } else if (f.role == "submit") {
    req.set_role(v1::API_ROLE_SUBMIT);
  } else if (f.role == "admin") {
    req.set_role(v1::API_ROLE_ADMIN);
  } else {
    std::cerr << "fleetgrid " << what << ": --role must be read, submit or admin\n";
    return kExitUsage;
  }
  req.set_description(f.description);
  if (!SetTtl(what, f, req)) return kExitUsage;
  v1::IssueApiTokenResponse resp;
  if (int rc = Call(f, what, &v1::AdminService::Stub::IssueApiToken, req, &resp); rc != kExitOk) {
    return rc;
  }
  std::cout << resp.token() << std::endl;
  std::cerr << "API token " << resp.info().token_id() << ": role "
            << service::ApiRoleName(resp.info().role()) << ", expires "
            << Time(resp.info().expires_at())
            << ". Shown once: store it in a file for --token-file.\n";
  return kExitOk;
}

int RevokeApiToken(const AdminFlags& f) {
  v1::RevokeApiTokenRequest req;
  req.set_token_id(f.id);
  v1::RevokeApiTokenResponse resp;
  if (int rc =
          Call(f, "admin api-token revoke", &v1::AdminService::Stub::RevokeApiToken, req, &resp);
      rc != kExitOk) {
    return rc;
  }
  std::cout << "API token " << f.id << " revoked\n";
  return kExitOk;
}

int ListApiTokens(const AdminFlags& f) {
  v1::ListApiTokensRequest req;
  req.set_include_inactive(f.all);
  v1::ListApiTokensResponse resp;
  if (int rc = Call(f, "admin api-token list", &v1::AdminService::Stub::ListApiTokens, req, &resp);
      rc != kExitOk) {
    return rc;
  }
  std::printf("%-20s %-7s %-20s %-20s %-8s %s\n", "TOKEN", "ROLE", "ISSUED", "EXPIRES", "STATE",
              "DESCRIPTION");
  for (const v1::ApiTokenInfo& t : resp.tokens()) {
    const char* over = RevokedOrExpired(t);
    std::printf("%-20s %-7s %-20s %-20s %-8s %s\n", t.token_id().c_str(),
                service::ApiRoleName(t.role()), Time(t.issued_at()).c_str(),
                Time(t.expires_at()).c_str(), over != nullptr ? over : "active",
                t.description().c_str());
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> AddAdminCommands(CLI::App& app) {
  std::vector<Command> out;
  CLI::App* admin = app.add_subcommand("admin", "Identity and access on a live coordinator.");
  admin->require_subcommand(1);
  auto add = [&](CLI::App* parent, const char* name, const char* help,
                 int (*run)(const AdminFlags&)) {
    auto f = std::make_shared<AdminFlags>();
    CLI::App* sub = parent->add_subcommand(name, help);
    AddConnectionFlags(*sub, *f);
    out.push_back({sub, [f, run, name] {
                     return OpenChannel(std::string("admin ") + name, *f) ? run(*f) : kExitUsage;
                   }});
    return std::pair{sub, f};
  };
  CLI::App* join = admin->add_subcommand("join-token", "Join tokens cars enroll with.");
  join->require_subcommand(1);
  {
    auto [sub, f] = add(join, "issue", "Issue a join token (printed once).", IssueJoinToken);
    sub->add_option("--owner", f->owner, "cars enrolled with it belong to this owner");
    sub->add_option("--max-uses", f->max_uses, "enrollments it accepts (0 = unlimited)");
    sub->add_option("--ttl", f->ttl, "how long it is accepted (default 24h)");
    sub->add_option("--description", f->description, "note for operators");
  }
  {
    auto [sub, f] = add(join, "revoke", "Revoke a join token.", RevokeJoinToken);
    sub->add_option("ID", f->id, "join token id (jt-...)")->required();
  }
  {
    auto [sub, f] =
        add(join, "list", "List join tokens and their uses (never their secrets).", ListJoinTokens);
    sub->add_flag("--all", f->all, "include revoked, expired and used-up tokens");
  }
  {
    auto [sub, f] = add(admin, "revoke",
                        "Revoke node credentials: the car's session ends and its work is "
                        "requeued.",
                        RevokeCredential);
    sub->add_option("--credential", f->credential, "one credential id (cr-...)");
    sub->add_option("--node", f->node, "every credential of this node id");
    sub->add_option("--owner", f->owner, "every credential of this owner's cars");
    sub->add_option("--reason", f->reason, "why (in the coordinator's log)");
  }
  CLI::App* api = admin->add_subcommand("api-token", "Client API tokens with roles.");
  api->require_subcommand(1);
  {
    auto [sub, f] = add(api, "issue", "Issue an API token (printed once).", IssueApiToken);
    sub->add_option("--role", f->role, "read, submit or admin")->required();
    sub->add_option("--ttl", f->ttl, "how long it is accepted (default: no expiry)");
    sub->add_option("--description", f->description, "note for operators");
  }
  {
    auto [sub, f] = add(api, "revoke", "Revoke an API token.", RevokeApiToken);
    sub->add_option("ID", f->id, "API token id (at-...)")->required();
  }
  {
    auto [sub, f] = add(api, "list", "List API tokens (never their secrets).", ListApiTokens);
    sub->add_flag("--all", f->all, "include revoked and expired tokens");
  }
  return out;
}

}  // namespace fleetgrid::cli
