// Scenario: one simulation experiment, as read from a YAML file (docs/scenarios.md). The
// `fleet` and `availability` sections are the car models' (models/scenario_sections.h),
// shared with `fleetgrid node --scenario`; the rest is the simulator's.
//
// LoadScenario reads the file, applies `--set key.path=value` overrides, then validates the
// whole tree strictly before anything runs: unknown keys, wrong types, out-of-range values
// and shares that do not sum to 1 are errors whose message starts with the key path
// ("fleet.classes[1].share: must be in [0, 1], got 1.5"). All errors are InvalidArgument
// (or NotFound for a missing file); the CLI maps both to exit code 2.
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time.h"
#include "models/availability_config.h"
#include "models/departure_warnings.h"
#include "models/fleet_config.h"
#include "models/scenario_sections.h"
#include "sim/economics/economics_config.h"
#include "sim/engine/event_queue.h"
#include "sim/workload/job_trace.h"
#include "sim/workload/training.h"

namespace fleetgrid::sim {

enum class WorkDistKind : uint8_t { kConstant, kExponential, kLogNormal };

struct WorkDist {
  WorkDistKind kind = WorkDistKind::kConstant;
  double mean = 3600;  // work units
  double sigma = 1.0;  // log-normal: sigma of the underlying normal
};

enum class WorkloadKind : uint8_t { kBagOfTasks, kPoisson, kJobTrace, kTraining };

// How results are validated (the job's replication and quorum, coordinator/core's adaptive
// replication, spot-checks and daily quota). The defaults validate nothing (FLEET-1).
struct ValidationConfig {
  uint8_t replication = 1;
  uint8_t quorum = 1;
  uint16_t trust_threshold = 0;  // adaptive replication off when 0
  double skip_probability = 0;
  uint8_t untrusted_quorum = 0;  // 0 = quorum
  double spot_check_rate = 0;    // share of tasks whose answer the coordinator knows
  uint16_t daily_quota = 0;      // per car; 0 = unlimited
  uint16_t initial_quota = 0;    // 0 = daily_quota
  bool enabled() const {
    return replication != 1 || quorum != 1 || trust_threshold != 0 || spot_check_rate != 0 ||
           daily_quota != 0;
  }
};

// Batch inference (workload.inference, docs/workloads.md): each job computes with one model's
// weights, drawn by share; a car downloads them (`size`) before its first task of that model
// and holds one model's weights at a time; each task needs `memory` on the car.
struct InferenceModel {
  std::string name;
  uint64_t size_bytes = 0;
  uint64_t memory_bytes = 0;
  double share = 1;
};

struct WorkloadConfig {
  WorkloadKind kind = WorkloadKind::kBagOfTasks;
  // Bag of tasks: `tasks` tasks at t=0, or tasks_per_car x fleet.size when tasks == 0.
  uint64_t tasks = 0;
  double tasks_per_car = 10;
  // Poisson: jobs arrive at `job_rate_per_s`, each with tasks_per_job tasks, until
  // max_jobs have arrived (0 = until the horizon).
  double job_rate_per_s = 0;
  uint32_t tasks_per_job = 1;
  uint64_t max_jobs = 0;
  // Job trace: jobs arrive as the rows of a CSV trace (sim/workload/job_trace.h), each of
  // tasks_per_job tasks, until max_jobs (0 = the trace's end or, with loop, the horizon).
  JobTraceConfig job_trace;
  // Training rounds (sim/workload/training.h): `runs` runs of rounds of `workers` tasks.
  TrainingConfig training;
  std::vector<InferenceModel> models;  // empty: the tasks need no model
  // Clients (workload.clients): each job is one client's, drawn by share; empty: no clients
  // (every job is the default client's).
  struct Client {
    std::string name;
    double share = 1;
  };
  std::vector<Client> clients;
  WorkDist work;
  uint64_t input_bytes = 50'000'000;
  uint64_t output_bytes = 5'000'000;
  // Memory every task needs (bytes; 0 = none): tasks run only on cars whose class has at
  // least that much, or does not say (models::SpeedClass::memory_bytes 0).
  uint64_t memory_bytes = 0;
  bool allow_metered = true;  // false: tasks never run on cars with metered links
  // Each job's deadline from its submission (JobSpec::deadline): its open tasks fail then.
  Duration deadline = Duration::Infinite();
  // Data-local input (workload.data_local, docs/workloads.md): each task's input lives on a
  // car drawn uniformly from the fleet; it runs there, or elsewhere once that car uploaded
  // it, which the coordinator asks for after the task waited `stage_after` (never: Infinite).
  bool data_local = false;
  Duration stage_after = Duration::Infinite();
  // Checkpoints (docs/checkpoints.md): a computing car saves its state every
  // `checkpoint_interval` work units (0 = only when asked before a departure) and uploads
  // `checkpoint_bytes` over its link; a checkpoint counts once the upload is done. A
  // requeued task resumes on its next car from its last stored checkpoint. Off when
  // checkpoint_bytes and checkpoint_interval are both 0.
  double checkpoint_interval = 0;
  uint64_t checkpoint_bytes = 0;
  bool checkpoints() const { return checkpoint_interval > 0 || checkpoint_bytes > 0; }
  ValidationConfig validation;
  // Total tasks the bag holds (bag of tasks only).
  uint64_t BagTasks(uint32_t fleet_size) const;
};

// Departure warnings (models/departure_warnings.h): a `share` of the cars know when they
// will leave and tell the coordinator `lead` before, off by a normal error of sd `noise`.
using WarningsConfig = models::DepartureWarningsConfig;

struct PolicyConfig {
  std::string name = "fifo";
  std::map<std::string, std::string> params;
};

struct OutputsConfig {
  std::string dir;                                        // empty = runs/<scenario name>
  Duration timeseries_interval = Duration::Seconds(600);  // 0 = no time series
  bool attempts_csv = false;
  bool parked_periods_csv = false;  // parked_periods.csv: car, start_s, end_s, plugged
};

// A datacenter pool beside the fleet (the hybrid pool; docs/economics.md): `count`
// accelerators of a catalog `hardware` that never leave, on a datacenter link, paid by the
// hour. The `overflow` policy keeps them for work whose deadline is at risk.
struct DatacenterPoolConfig {
  uint32_t count = 0;  // 0 = no pool
  std::string hardware = "H100";
  double bandwidth_bytes_per_s = 1.25e9;  // 10 Gbit/s
  Duration latency = Duration::Millis(1);
  double price_per_hour = -1;  // per accelerator-hour; < 0: economics.datacenter's
};

struct Scenario {
  std::string name = "scenario";
  std::string path;  // the file it came from ("" for text)
  uint64_t seed = 1;
  Duration horizon = Duration::Hours(24 * 7);
  Duration grace_period = Duration::Seconds(300);
  Duration attempt_timeout = Duration::Infinite();
  uint16_t max_attempts = 0;
  QueueKind queue = QueueKind::kBucket;
  int64_t start_unix_s = models::kDefaultStartUnixS;  // the calendar instant of t = 0
  models::FleetConfig fleet;
  models::AvailabilityConfig availability;
  std::vector<models::Archetype> archetypes;
  std::vector<models::RegionConfig> regions;
  WorkloadConfig workload;
  WarningsConfig departure_warnings;
  EconomicsConfig economics;
  DatacenterPoolConfig datacenter_pool;
  PolicyConfig policy;
  OutputsConfig outputs;
};

// The car sections of a scenario (what `fleetgrid node --scenario` reads of it too).
models::CarScenario CarsOf(const Scenario& s);

// Reads, overrides ("key.path=value", YAML values, list items by index: fleet.classes.0.share)
// and validates. `name` defaults to the file's stem when the file has no `name` key.
absl::StatusOr<Scenario> LoadScenario(const std::string& path,
                                      const std::vector<std::string>& overrides = {});
// The same from YAML text (tests).
absl::StatusOr<Scenario> ParseScenario(const std::string& yaml_text,
                                       const std::vector<std::string>& overrides = {},
                                       const std::string& default_name = "scenario");

}  // namespace fleetgrid::sim
