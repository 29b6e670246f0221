// `fleetgrid node`: run N emulated cars against a coordinator until SIGINT/SIGTERM.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "cli/command.h"
#include "cli/tls_flags.h"
#include "common/clock.h"
#include "common/duration_text.h"
#include "models/availability_config.h"
#include "node/fleet.h"
#include "node/scenario.h"

namespace fleetgrid::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void OnNodeSignal(int) { g_stop.store(true); }

struct NodeFlags {
  node::FleetOptions options;
  std::string executor = "both";
  std::string scenario;
  std::string availability;
  bool seed_given = false;
  double mean_on_s = 0;
  double mean_off_s = 0;
  double report_every_s = 10;
  double duration_s = 0;
  // Departure warnings: given flags override the scenario's departure_warnings.
  double warn_share = 0;
  std::string warn_lead;
  std::string warn_noise;
  bool warn_share_given = false;
  ClientTlsFlags tls;
};

// A --warn-lead / --warn-noise value (common/duration_text.h) into `out`; false (with a
// message naming the flag) for text that is not a duration >= 0.
bool ParseWarnDuration(const char* flag, const std::string& text, Duration& out) {
  if (text.empty()) return true;  // not given: the scenario's, else the default
  const absl::StatusOr<Duration> d = ParseDuration(text);
  if (!d.ok()) {
    std::cerr << "fleetgrid node: " << flag << ": " << d.status().message() << "\n";
    return false;
  }
  out = *d;
  return true;
}

void PrintStats(const node::Fleet& fleet, const Clock& clock, TimePoint t0) {
  const node::FleetStats s = fleet.stats();
  const node::ProcessUsage u = node::CurrentProcessUsage();
  const double t = (clock.Now() - t0).SecondsF();
  std::fprintf(stderr,
               "[node %.0fs] cars=%llu available=%llu connected=%llu sessions=%llu "
               "reconnects=%llu assigned=%llu done=%llu rejected=%llu lost=%llu "
               "corrupted=%llu leaves=%llu vanishes=%llu warnings=%llu checkpoints=%llu "
               "checkpoint_bytes=%llu checkpoints_refused=%llu resumed=%llu "
               "units_resumed=%.0f rss=%.1fMiB threads=%llu\n",
               t, (unsigned long long)s.cars, (unsigned long long)s.available_now,
               (unsigned long long)s.connected_now, (unsigned long long)s.sessions,
               (unsigned long long)s.reconnects, (unsigned long long)s.attempts_assigned,
               (unsigned long long)s.attempts_done, (unsigned long long)s.attempts_rejected,
               (unsigned long long)s.attempts_lost, (unsigned long long)s.results_corrupted,
               (unsigned long long)s.leaves, (unsigned long long)s.vanishes,
               (unsigned long long)s.departure_warnings, (unsigned long long)s.checkpoints_uploaded,
               (unsigned long long)s.checkpoint_bytes_uploaded,
               (unsigned long long)s.checkpoints_refused, (unsigned long long)s.attempts_resumed,
               s.work_units_resumed, static_cast<double>(u.rss_bytes) / (1 << 20),
               (unsigned long long)u.threads);
}

int RunNode(NodeFlags& f) {
  node::FleetOptions& o = f.options;
  absl::StatusOr<ClientTls> tls = ClientTlsFromFlags(f.tls, o.coordinator);
  if (!tls.ok()) {
    std::cerr << "fleetgrid node: " << tls.status().message() << "\n";
    return kExitUsage;
  }
  o.tls = *std::move(tls);
  if (f.executor == "both") {
    o.executors = {node::ExecutorChoice::kHash, node::ExecutorChoice::kSimulated};
  } else {
    auto e = node::ParseExecutorChoice(f.executor);
    if (!e.ok()) {
      std::cerr << "fleetgrid node: " << e.status().message() << "\n";
      return kExitUsage;
    }
    o.executors = {*e};
  }
  if (!f.scenario.empty()) {
    if (absl::Status s = node::ApplyScenario(f.scenario, !f.seed_given, o); !s.ok()) {
      std::cerr << "fleetgrid node: " << f.scenario << ": " << s.message() << "\n";
      return kExitUsage;
    }
  }
  if (!f.availability.empty()) {
    const std::optional<models::AvailabilityKind> kind =
        models::AvailabilityKindFromName(f.availability);
    if (!kind) {
      std::cerr << "fleetgrid node: --availability: unknown model '" << f.availability
                << "' (expected " << models::AvailabilityKindNames() << ")\n";
      return kExitUsage;
    }
    o.availability.model.kind = *kind;
  }
  if (f.warn_share_given) o.departure_warnings.share = f.warn_share;
  if (!ParseWarnDuration("--warn-lead", f.warn_lead, o.departure_warnings.lead) ||
      !ParseWarnDuration("--warn-noise", f.warn_noise, o.departure_warnings.noise)) {
    return kExitUsage;
  }
  if (f.mean_on_s > 0) o.availability.model.mean_on = Duration::FromSecondsF(f.mean_on_s);
  if (f.mean_off_s > 0) o.availability.model.mean_off = Duration::FromSecondsF(f.mean_off_s);

  node::Fleet fleet(o);
  if (absl::Status s = fleet.Start(); !s.ok()) {
    std::cerr << "fleetgrid node: " << s.message() << "\n";
    return kExitUsage;
  }
  std::signal(SIGINT, OnNodeSignal);
  std::signal(SIGTERM, OnNodeSignal);
  const WallClock clock;
  const TimePoint t0 = clock.Now();
  TimePoint next_report = t0;
  while (!g_stop.load()) {
    const TimePoint now = clock.Now();
    if (f.duration_s > 0 && now - t0 >= Duration::FromSecondsF(f.duration_s)) break;
    if (f.report_every_s > 0 && now >= next_report) {
      PrintStats(fleet, clock, t0);
      next_report = now + Duration::FromSecondsF(f.report_every_s);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  fleet.Stop();
  PrintStats(fleet, clock, t0);
  return kExitOk;
}

}  // namespace

std::vector<Command> AddNodeCommand(CLI::App& app) {
  auto f = std::make_shared<NodeFlags>();
  node::FleetOptions& o = f->options;
  CLI::App* sub =
      app.add_subcommand("node", "Run emulated cars (car agents) that connect to a coordinator.");
  sub->add_option("--coordinator", o.coordinator, "Coordinator address host:port")
      ->capture_default_str();
  AddClientTlsFlags(*sub, f->tls);
  sub->add_option("--cars", o.cars, "Cars emulated by this process")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1'000'000u));
  sub->add_option("--first-car", o.first_car,
                  "Index of the first car (split one fleet over processes)")
      ->capture_default_str();
  sub->add_option("--time-scale", o.time_scale,
                  "Run availability models and simulated compute K times faster")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI::Option* seed = sub->add_option("--seed", o.seed,
                                      "Seed of every random draw (default: the scenario's, or 1)");
  sub->add_option("--executor", f->executor, "Executors the cars accept: hash, simulated or both")
      ->capture_default_str()
      ->check(CLI::IsMember({"hash", "simulated", "both"}));
  sub->add_option("--byzantine", o.byzantine_probability,
                  "Probability that a car returns a wrong result")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--owners", o.owners,
                  "Owners of the cars: car i belongs to owner i % N (0 = one per car)")
      ->capture_default_str();
  sub->add_option("--malicious-owner-share", o.malicious_owner_share,
                  "Share of the owners whose cars return a wrong result for every task "
                  "(drawn from the seed, as the simulator's fleet.malicious; needs --owners)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  sub->add_flag("--colluding", o.colluding,
                "Cheating owners all return the same wrong result for a task (else each its own)");
  sub->add_option("--claimed-speed", o.claimed_speed,
                  "Speed (work units/s) the cars claim to the coordinator; 0 = their true speed "
                  "(a car claiming more hoards tasks)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--join-token", o.join_token, "Join token for enrollment (secret)");
  sub->add_option("--scenario", f->scenario,
                  "Scenario file: cars follow its availability model, speed and link "
                  "classes, battery and seed, as `fleetgrid sim` draws them")
      ->check(CLI::ExistingFile);
  sub->add_option("--mean-on", f->mean_on_s, "Mean parked period, model seconds (default 21600)");
  sub->add_option("--mean-off", f->mean_off_s, "Mean driving period, model seconds (default 7200)");
  sub->add_option("--availability", f->availability,
                  "Availability model, as a scenario's availability.model: exponential-on-off "
                  "(the default), weibull, lognormal, routine (home-charger), trace (needs "
                  "--scenario) or never-leaves");
  sub->add_option("--vanish", o.availability.vanish_probability,
                  "Probability that a departing car drops its stream without Leave")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  CLI::Option* warn_share =
      sub->add_option("--warn-share", f->warn_share,
                      "Share of the cars that know when they leave and announce it "
                      "(default: the scenario's departure_warnings.share, else 0)")
          ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--warn-lead", f->warn_lead,
                  "How long before its departure a warning car announces it, model time "
                  "(e.g. 10min; default: the scenario's, else 10min)");
  sub->add_option("--warn-noise", f->warn_noise,
                  "Standard deviation of the error on an announced departure, model time "
                  "(e.g. 2min; default: the scenario's, else 0)");
  sub->add_option("--channels", o.channels, "gRPC connections shared by the cars (0 = auto)")
      ->capture_default_str();
  sub->add_option("--compute-threads", o.compute_threads, "Threads running the hash kernel")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  sub->add_option("--slots", o.max_concurrent_tasks, "Attempts a car runs at once")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  sub->add_option("--report-every", f->report_every_s,
                  "Print counters every this many seconds (0 = only at exit)")
      ->capture_default_str();
  sub->add_option("--duration", f->duration_s, "Stop after this many seconds (0 = until signal)")
      ->capture_default_str();
  sub->add_flag("--verbose", o.verbose, "One line per car event on stderr");
  return {Command{sub, [f, seed, warn_share] {
                    f->seed_given = seed->count() > 0;
                    f->warn_share_given = warn_share->count() > 0;
                    return RunNode(*f);
                  }}};
}

}  // namespace fleetgrid::cli
