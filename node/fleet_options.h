// Options and counters of an emulated fleet (one process, 1..100k cars).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/time.h"
#include "common/tls.h"
#include "models/departure_warnings.h"
#include "models/fleet_config.h"
#include "node/availability.h"
#include "node/backoff.h"
#include "node/executor.h"

namespace fleetgrid::node {

struct FleetOptions {
  // Coordinator address, host:port.
  std::string coordinator = "127.0.0.1:7070";
  // TLS to the coordinator; not enabled: plaintext, refused unless the address is loopback.
  ClientTls tls;
  // Number of cars emulated in this process (car indices [first_car, first_car + cars)).
  uint32_t cars = 1;
  // Index of the first car: lets several processes emulate disjoint parts of one fleet.
  uint32_t first_car = 0;
  // Seed of every draw (availability, hardware, byzantine, backoff jitter).
  uint64_t seed = 1;
  // Model time runs this many times faster than real time (> 0). Applies to availability
  // periods and simulated compute; protocol timers (heartbeats, backoff) stay real.
  double time_scale = 1.0;
  // Executors the cars advertise in Hello.
  std::vector<ExecutorChoice> executors = {ExecutorChoice::kHash, ExecutorChoice::kSimulated};
  // Probability in [0, 1] that a car returns a wrong result (one bit flipped, drawn per
  // result: wrong results of two cars never agree).
  double byzantine_probability = 0.0;
  // Cheating owners, the simulator's fleet.malicious model (models/cheaters.h): round(
  // share x owners) owners, drawn from the seed, whose cars return a wrong result for every
  // task; colluding cheaters all return the same wrong result for a task (so they can win
  // a quorum together), others each their own. Needs owners >= 1.
  double malicious_owner_share = 0.0;
  bool colluding = false;
  // Speed (work units/s) the cars claim in Enroll and Hello; 0 = their true speed. A car
  // claiming more than it has hoards tasks it cannot finish before their deadline.
  double claimed_speed = 0.0;
  AvailabilityParams availability;
  // Speed classes (work units/s) and link classes with their shares, and the battery: a
  // scenario's fleet.classes, fleet.links and fleet.battery. Car i's classes are drawn as the
  // simulator draws them (models/fleet_draw.h). Default FLEET-1: speeds 1 (50%), 2 (35%),
  // 5 (15%); every link 2.5 MB/s with 50 ms latency.
  std::vector<models::SpeedClass> speed_classes = {{1.0, 0.50}, {2.0, 0.35}, {5.0, 0.15}};
  std::vector<models::LinkClass> links = {models::LinkClass{}};
  // Each car's state of charge follows models/battery.h from a draw in
  // [initial_soc_min, initial_soc_max] (node/car_battery.h); awake_power_w is reported too.
  models::BatteryConfig battery;
  // What the owners allow (a scenario's fleet.owner_rules): every car reports it as its
  // OwnerPreferences in Enroll and Hello, with its region's UTC offset; the coordinator
  // enforces it. `given` = false: no rules (every field at its default).
  models::OwnerRulesConfig owner_rules;
  // Departure warnings (a scenario's departure_warnings, or --warn-share/--warn-lead/
  // --warn-noise): car i knows when it leaves with probability `share` (the simulator's draw,
  // models/departure_warnings.h) and, `lead` (model time) before each departure, says when in
  // Heartbeat.expected_departure_at, off by a normal error of sd `noise` (model time).
  models::DepartureWarningsConfig departure_warnings;
  // Join token for Enroll (secret; never logged).
  std::string join_token;
  // Owners: car i belongs to owner "<owner_prefix>-<i % owners>"; owners = 0: one per car.
  std::string owner_prefix = "owner";
  uint32_t owners = 0;
  // gRPC channels (TCP connections) shared round-robin by the cars; 0 = one per 500 cars.
  uint32_t channels = 0;
  // Threads running the hash kernel (the I/O thread never computes).
  uint32_t compute_threads = 2;
  // Attempts a car runs at once.
  uint32_t max_concurrent_tasks = 1;
  BackoffPolicy backoff;
  // Used when Welcome does not say.
  Duration default_heartbeat_interval = Duration::Seconds(10);
  // Most cars enrolling or connecting at once (the rest wait their turn).
  uint32_t max_connecting = 256;
  // Spread the cars' first connection over this much real time (avoids a thundering herd).
  Duration start_spread = Duration::Zero();
  // Stop(): how long cars may take to leave cleanly before their calls are cancelled.
  Duration stop_timeout = Duration::Seconds(5);
  // Print one line per notable event to stderr.
  bool verbose = false;
};

// A snapshot of the fleet's counters (cumulative unless marked "now").
struct FleetStats {
  uint64_t cars = 0;
  uint64_t available_now = 0;  // cars whose model says parked
  uint64_t connected_now = 0;  // cars with a session that got its Welcome
  uint64_t enrollments = 0;
  uint64_t sessions = 0;    // Welcomes received
  uint64_t reconnects = 0;  // sessions that ended unexpectedly and were retried
  uint64_t heartbeats_sent = 0;
  uint64_t work_requests = 0;
  uint64_t attempts_assigned = 0;
  uint64_t attempts_done = 0;        // results accepted (or duplicate)
  uint64_t attempts_rejected = 0;    // results rejected by the coordinator
  uint64_t attempts_lost = 0;        // dropped: car drove off, cancelled, dropped at reconnect
  uint64_t attempts_failed = 0;      // reported AttemptFailed
  uint64_t results_sent = 0;         // results fully sent (inline or upload)
  uint64_t results_corrupted = 0;    // byzantine results sent
  uint64_t leaves = 0;               // clean Leave messages sent
  uint64_t vanishes = 0;             // streams dropped without a word
  uint64_t credentials_refused = 0;  // cars stopped: credential revoked or expired
  uint64_t join_tokens_refused = 0;  // cars stopped: join token revoked, expired, used up, owner
  uint64_t credentials_renewed = 0;  // RenewCredential calls that succeeded

  // Departures and checkpoints (docs/node.md).
  uint64_t departure_warnings = 0;         // departures announced (expected_departure_at)
  uint64_t checkpoints_uploaded = 0;       // checkpoints the coordinator acknowledged
  uint64_t checkpoint_bytes_uploaded = 0;  // their bytes
  uint64_t checkpoints_refused = 0;        // uploads ended by an error status (not cancelled)
  uint64_t attempts_resumed = 0;           // attempts resumed from a fetched, checked checkpoint
  double work_units_resumed = 0;           // work units those checkpoints saved
};

}  // namespace fleetgrid::node
