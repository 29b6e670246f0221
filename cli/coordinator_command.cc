// `fleetgrid coordinator`: runs the live coordinator until SIGINT/SIGTERM.
#include <signal.h>

#include <cctype>
#include <iostream>

#include "cli/client_call.h"
#include "cli/command.h"
#include "cli/tls_flags.h"
#include "common/duration_text.h"
#include "common/sha256.h"
#include "coordinator/service/coordinator.h"

namespace fleetgrid::cli {

namespace {

// A limit flag (--grace, --heartbeat, --lease, --credential-ttl): "inf", "infinite",
// "infinity" or "none" for no limit, else a duration > 0 (common/duration_text.h).
bool ParseLimit(const std::string& text, Duration& out) {
  if (text == "inf" || text == "infinite" || text == "infinity" || text == "none") {
    out = Duration::Infinite();
    return true;
  }
  const absl::StatusOr<Duration> d = ParseDuration(text);
  if (!d.ok() || *d <= Duration::Zero()) return false;
  out = *d;
  return true;
}

struct CoordinatorFlags {
  std::string listen = "127.0.0.1:7070";
  std::string db = "./fleetgrid.db";
  uint64_t db_max_bytes = 0;
  std::string grace = "30s";
  std::string heartbeat = "5s";
  std::string lease = "inf";
  std::string policy = "fifo";
  std::vector<std::string> policy_params;  // key=value
  std::string admin_token_file;
  std::string credential_ttl = "30d";
  std::string defer_accept = "2m";
  std::string metrics_listen = "127.0.0.1:9090";
  int connect_queues = 16;
  double suspect_fraction = 0.5;
  double max_losses_per_second = 1000;
  uint64_t max_sessions = 1'000'000;
  uint64_t max_streams_per_node = 256;
  uint64_t max_watchers = 10'000;
  ServerTlsFlags tls;
  uint32_t daily_quota = 0;
  uint32_t initial_quota = 0;
  uint32_t max_tasks_per_car = 64;
};

int RunCoordinator(const CoordinatorFlags& f) {
  service::CoordinatorOptions o;
  o.listen = f.listen;
  absl::StatusOr<ServerTls> tls = ServerTlsFromFlags(f.tls, f.listen);
  if (!tls.ok()) {
    std::cerr << "fleetgrid coordinator: " << tls.status().message() << "\n";
    return kExitUsage;
  }
  o.tls = *std::move(tls);
  o.db_path = f.db;
  o.db_max_bytes = f.db_max_bytes;
  o.metrics_listen = f.metrics_listen == "off" ? "" : f.metrics_listen;
  o.service.policy = f.policy;
  for (const std::string& kv : f.policy_params) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "fleetgrid coordinator: --policy-param: expected key=value, got '" << kv
                << "'\n";
      return kExitUsage;
    }
    o.service.policy_params[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  o.service.connect_queues = f.connect_queues;
  o.service.loss_guard.suspect_fraction = f.suspect_fraction;
  o.service.loss_guard.max_losses_per_second = f.max_losses_per_second;
  o.service.max_sessions = f.max_sessions;
  o.service.max_streams_per_node = f.max_streams_per_node;
  o.service.max_watchers = f.max_watchers;
  o.service.node_max_concurrent = static_cast<uint16_t>(f.max_tasks_per_car);
  if (f.initial_quota > f.daily_quota) {
    std::cerr << "fleetgrid coordinator: --initial-quota must be <= --daily-quota\n";
    return kExitUsage;
  }
  o.service.quota = {static_cast<uint16_t>(f.daily_quota), static_cast<uint16_t>(f.initial_quota)};
  for (auto [text, dst, name] :
       {std::tuple{f.grace, &o.service.heartbeat_grace, "--grace"},
        std::tuple{f.heartbeat, &o.service.heartbeat_interval, "--heartbeat"},
        std::tuple{f.lease, &o.service.lease, "--lease"},
        std::tuple{f.credential_ttl, &o.service.credential_ttl, "--credential-ttl"}}) {
    if (!ParseLimit(text, *dst)) {
      std::cerr << "fleetgrid coordinator: " << name << ": bad duration '" << text
                << "' (e.g. 30s, 500ms, 5m, 2h, inf)\n";
      return kExitUsage;
    }
  }
  if (f.defer_accept == "0" || f.defer_accept == "off") {
    o.service.defer_accept = Duration::Zero();
  } else if (!ParseLimit(f.defer_accept, o.service.defer_accept)) {
    std::cerr << "fleetgrid coordinator: --defer-accept: bad duration '" << f.defer_accept
              << "' (e.g. 2m, 30s; 0 or off = no hold)\n";
    return kExitUsage;
  }
  if (o.service.heartbeat_grace.IsInfinite() ||
      o.service.heartbeat_grace <= o.service.heartbeat_interval) {
    std::cerr << "fleetgrid coordinator: --grace must be finite and longer than --heartbeat\n";
    return kExitUsage;
  }
  if (o.service.credential_ttl.IsInfinite()) {
    std::cerr << "fleetgrid coordinator: --credential-ttl must be finite\n";
    return kExitUsage;
  }
  if (!f.admin_token_file.empty()) {
    auto token = ReadTokenFile(f.admin_token_file);
    if (token.ok() && !service::IsApiTokenFormat(*token)) {
      token = absl::InvalidArgumentError("token file " + f.admin_token_file +
                                         ": the first line is not fga_ followed by 64 hex digits");
    }
    if (!token.ok()) {
      std::cerr << "fleetgrid coordinator: --admin-token-file: " << token.status().message()
                << "\n";
      return kExitUsage;
    }
    o.service.admin_token_sha256 = Sha256Bytes(*token);
  } else {
    std::cerr
        << "fleetgrid coordinator: WARNING: no --admin-token-file: job and admin calls "
           "are not authenticated and any join token enrolls a car (development, loopback only)\n";
  }
  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  auto c = service::Coordinator::Start(o);
  if (!c.ok()) {
    std::cerr << "fleetgrid coordinator: " << c.status().message() << "\n";
    return absl::IsInvalidArgument(c.status()) ? kExitUsage : kExitFailure;
  }
  // The host as given ([::] or 0.0.0.0 stay themselves) with the port actually bound.
  std::cout << "fleetgrid coordinator: listening on " << o.listen.substr(0, o.listen.rfind(':'))
            << ":" << (*c)->port();
  if ((*c)->metrics_port() != 0) {
    std::cout << ", metrics on http://" << o.metrics_listen.substr(0, o.metrics_listen.rfind(':'))
              << ":" << (*c)->metrics_port() << "/metrics";
  }
  std::cout << ", store " << (*c)->store().Describe() << ", policy " << o.service.policy
            << ", grace " << o.service.heartbeat_grace.ToString() << ", "
            << (!o.tls.enabled()              ? "plaintext (--insecure)"
                : o.tls.client_ca_pem.empty() ? "TLS"
                                              : "TLS, client certificates verified when presented")
            << std::endl;
  if (const auto& held = (*c)->defer_accept(); !held.ok()) {
    std::cerr << "fleetgrid coordinator: WARNING: --defer-accept not in force, silent TCP "
                 "connections reach gRPC at once: "
              << held.status().message() << "\n";
  } else if (*held > Duration::Zero()) {
    std::cout << "fleetgrid coordinator: connections that send nothing are held by the kernel "
                 "up to "
              << held->ToString() << " before they are accepted (TCP_DEFER_ACCEPT)" << std::endl;
  }
  int sig = 0;
  sigwait(&stop, &sig);
  std::cout << "fleetgrid coordinator: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << ", shutting down" << std::endl;
  const bool healthy = (*c)->brain().healthy();
  (*c)->Shutdown();
  std::cout << "fleetgrid coordinator: stopped" << std::endl;
  return healthy ? kExitOk : kExitFailure;
}

}  // namespace

std::vector<Command> AddCoordinatorCommand(CLI::App& app) {
  auto f = std::make_shared<CoordinatorFlags>();
  CLI::App* sub =
      app.add_subcommand("coordinator", "Run the live coordinator (gRPC service, durable store).");
  // `coordinator init` first: when it ran, its parent counts as parsed too.
  std::vector<Command> out = AddCoordinatorInitCommand(*sub);
  AddServerTlsFlags(*sub, f->tls);
  sub->add_option("--listen", f->listen, "gRPC address HOST:PORT (port 0 = pick one)")
      ->capture_default_str();
  sub->add_option("--db", f->db, "SQLite database file (WAL, synchronous=FULL)")
      ->capture_default_str();
  sub->add_option("--db-max-bytes", f->db_max_bytes,
                  "cap on the database file in bytes (0 = none); when reached, commits are "
                  "refused as the store being full")
      ->capture_default_str();
  sub->add_option("--grace", f->grace, "heartbeat grace: silent this long => car lost")
      ->capture_default_str();
  sub->add_option("--heartbeat", f->heartbeat, "heartbeat interval asked of cars")
      ->capture_default_str();
  sub->add_option("--lease", f->lease, "attempt lease (hard timeout per attempt); inf = none")
      ->capture_default_str();
  sub->add_option("--policy", f->policy,
                  "scheduling policy (fifo, fastest-first, fair-share, cheap-energy, ...; "
                  "docs/core.md)")
      ->capture_default_str();
  sub->add_option("--policy-param", f->policy_params,
                  "a policy parameter key=value (repeatable), e.g. weights=tokA:3,tokB:1 for "
                  "fair-share");
  sub->add_option("--admin-token-file", f->admin_token_file,
                  "file whose first line is the admin token (fga_ + 64 hex; see coordinator "
                  "init). Set: every job and admin call needs an API token and cars need an "
                  "issued join token. Unset: open (development)");
  sub->add_option("--credential-ttl", f->credential_ttl,
                  "lifetime of each node credential issued (cars renew before it ends)")
      ->capture_default_str();
  sub->add_option("--defer-accept", f->defer_accept,
                  "hold a TCP connection that sends nothing in the kernel this long before it "
                  "is accepted (TCP_DEFER_ACCEPT; rounded up to 1, 3, 7, 15, 31, 63, 127 s ...; "
                  "0 = off): a flood of silent connections then costs the coordinator nothing "
                  "until the hold ends")
      ->capture_default_str();
  sub->add_option("--connect-queues", f->connect_queues,
                  "completion queues (one thread each) serving car sessions")
      ->check(CLI::Range(1, 256));
  sub->add_option("--suspect-fraction", f->suspect_fraction,
                  "share of cars silent at once that makes the coordinator suspect itself and "
                  "wait a grace period for heartbeats (0 = never)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sub->add_option("--max-losses-per-second", f->max_losses_per_second,
                  "pace of declaring cars lost (0 = unpaced)")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  sub->add_option("--max-sessions", f->max_sessions,
                  "car sessions (Connect streams) open at once; more get RESOURCE_EXHAUSTED "
                  "(0 = no cap)")
      ->capture_default_str();
  sub->add_option("--max-streams-per-node", f->max_streams_per_node,
                  "streams one car may hold open (Connect, FetchInput, UploadResult; 0 = no cap)")
      ->capture_default_str();
  sub->add_option("--max-watchers", f->max_watchers, "WatchJob streams open at once (0 = no cap)")
      ->capture_default_str();
  sub->add_option("--daily-quota", f->daily_quota,
                  "tasks a car may be given per day (halved per invalid result, +1 per "
                  "accepted one, withdrawn copies not counted; 0 = unlimited)")
      ->check(CLI::Range(0u, 65535u))
      ->capture_default_str();
  sub->add_option("--initial-quota", f->initial_quota,
                  "daily quota of a car first seen (0 = --daily-quota): a new car earns its quota")
      ->check(CLI::Range(0u, 65535u))
      ->capture_default_str();
  sub->add_option("--max-tasks-per-car", f->max_tasks_per_car,
                  "tasks one car may hold in progress at once, whatever it asks for")
      ->check(CLI::Range(1u, 65535u))
      ->capture_default_str();
  sub->add_option("--metrics-listen", f->metrics_listen,
                  "HTTP /metrics and /healthz address (port 0 = pick, off = none)")
      ->capture_default_str();
  out.push_back({sub, [f] { return RunCoordinator(*f); }});
  return out;
}

}  // namespace fleetgrid::cli
