// Simulator: drives the coordinator runtime (coordinator/runtime, the same driver of the
// brain that `fleetgrid coordinator` runs) with a fleet of simulated cars on a virtual
// clock. This is the engine's event loop and the car behaviour of FLEET-1.
//
// Car behaviour: available and idle -> RequestWork; on an Assignment -> download input,
// compute, upload output (one pending "attempt end" event) -> ReportResult -> ask again; on
// driving off -> NodeSilent(now) (heartbeats are implicit: the brain declares the car lost
// at now + grace, exactly); on return -> Connect (holding nothing) + RequestWork.
// The runtime's wake-up timer is one pending event (sim/engine/sim_env.h); the loop re-arms
// it once per event (Runtime::Rearm), so it stays at the brain's NextWakeup().
//
// Availability comes from models::FleetAvailability (regions, routines, traces, renewal
// models: the same periods `fleetgrid node` replays). Parked, plugged and busy cars are
// counted per region and per class (sim/stats/gauge.h).
// Per car the simulator keeps one 32-byte record (an event touches one car's fields
// together) plus about one to two pending events in the queue. A car's next availability
// change is drawn when its current period starts, so an attempt that will be cut off never
// schedules its end event: the departure event finds it and accounts the lost work
// (FLEET-1: elapsed compute x speed while computing, the whole task during upload, nothing
// during download).
//
// Deterministic: the same scenario and seed give the same SimResult, bit for bit.
// Thread safety: none; one Simulator per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time.h"
#include "coordinator/core/core.h"
#include "coordinator/runtime/runtime.h"
#include "models/availability.h"
#include "models/fleet_availability.h"
#include "sim/economics/accounting.h"
#include "sim/engine/event_queue.h"
#include "sim/engine/sim_env.h"
#include "sim/scenario/scenario.h"
#include "sim/stats/histogram.h"
#include "sim/workload/training.h"
#include "sim/workload/workload.h"

namespace fleetgrid::sim {

// One row of timeseries.csv.
struct Sample {
  TimePoint t;
  uint32_t cars_available = 0;
  uint32_t cars_busy = 0;
  uint32_t cars_plugged = 0;
  uint64_t queue_length = 0;  // tasks ready and waiting for a car
  uint64_t tasks_completed = 0;
  double work_lost_units = 0;
  // Power: the accelerators of the parked cars (what the fleet offers), and what the
  // computing cars draw (accelerator plus the awake car), in kW.
  double parked_accelerator_kw = 0;
  double computing_kw = 0;
  // Per region, then per class: parked, plugged, busy cars (timeseries.csv's group columns).
  std::vector<uint32_t> groups;
};

// One row of parked_periods.csv: a period a car was parked (clipped to the run's end).
struct ParkedPeriod {
  uint32_t car = 0;
  TimePoint start;
  TimePoint end;
  bool plugged = false;
};

// One row of attempts.csv: an attempt that started (its input download began) and ended.
struct AttemptRecord {
  uint64_t attempt = 0;
  uint32_t task = 0;
  uint32_t car = 0;
  double speed = 0;
  TimePoint start;
  TimePoint end;
  const char* outcome = "";  // succeeded | lost | cancelled | rejected
  double work_lost_units = 0;
};

// Car-time of a group of cars (a region or a class) over the run.
struct GroupTime {
  double parked_car_s = 0;
  double plugged_car_s = 0;
  double busy_car_s = 0;
  double useful_car_s = 0;  // busy in attempts that succeeded
};

struct ClassResult {
  double speed = 0;
  std::string hardware;       // catalog name; empty for a plain speed
  uint64_t memory_bytes = 0;  // 0 = unknown
  uint64_t cars = 0;
  uint64_t attempts = 0;
  uint64_t succeeded = 0;
  GroupTime time;
};

struct RegionResult {
  std::string name;
  uint64_t cars = 0;
  GroupTime time;
};

// Untrusted results (only when the scenario validates results or has cheating owners).
struct ValidationResult {
  bool enabled = false;
  uint64_t results_accepted = 0;  // tasks done
  uint64_t wrong_accepted = 0;    // accepted with a wrong digest
  uint64_t cheating_owners = 0;
  // Per cheating owner (in owner order): its wrong results accepted before its first
  // invalid result was detected (its cars' results that ended kSucceeded before any of its
  // cars' results ended kDisagreed), over the whole run, and whether it was ever caught.
  std::vector<uint32_t> accepted_before_distrust;
  std::vector<uint32_t> accepted_total;
  uint64_t owners_never_caught = 0;
};

// Checkpoints and departure warnings (docs/checkpoints.md).
struct CheckpointResult {
  uint64_t stored = 0;            // checkpoints whose upload finished while the car stayed
  uint64_t uploads_cut = 0;       // uploads the car's departure cut off
  uint64_t bytes_uploaded = 0;    // checkpoint bytes moved off cars (cut uploads included)
  uint64_t attempts_resumed = 0;  // attempts that started from a stored checkpoint
  double work_saved_units = 0;    // work of departed attempts kept by a stored checkpoint
  uint64_t warnings = 0;          // departures announced to the coordinator
  uint64_t requests = 0;          // checkpoint requests the coordinator sent
  uint64_t requests_met = 0;      // of them, uploaded before the car left
  uint64_t requests_missed = 0;   // still running when the car left, checkpoint not stored
  // The rest of the requests are moot: their attempt ended before the car left.
};

// Batch inference (workload.inference; docs/workloads.md): per model, and in all.
struct ModelResult {
  std::string name;
  uint64_t size_bytes = 0;
  uint64_t jobs = 0;
  uint64_t attempts = 0;             // attempts of its tasks started
  uint64_t attempts_holding = 0;     // of them, on a car that already held the weights
  uint64_t downloads_started = 0;    // attempts that began by downloading the weights
  uint64_t downloads_completed = 0;  // of them, not cut off by a departure or cancellation
  double bytes_downloaded = 0;       // weights moved to cars, cut downloads' part included
  uint64_t cars_holding = 0;         // at the end of the run
};

// Batteries and owner rules (docs/owner_rules.md).
struct EnergyResult {
  double battery_wh = 0;  // compute energy drawn from car batteries
  double grid_wh = 0;     // compute energy drawn from chargers
  double work_lost_to_rules = 0;
  uint64_t soc_floor_violations = 0;     // computing on the battery below the floor (must be 0)
  uint64_t plugged_only_violations = 0;  // assigned off the grid under plugged_only (must be 0)
};

// One client's jobs (workload.clients): what it got done and how fast.
struct ClientResult {
  std::string name;
  uint64_t jobs = 0;
  uint64_t tasks_done = 0;
  double work_done_units = 0;
  DurationHistogram turnaround;  // submission -> accepted result, its tasks
};

// The datacenter pool beside the fleet (datacenter_pool): what it did and what it costs.
struct PoolResult {
  bool on = false;
  std::string hardware;
  uint32_t nodes = 0;
  double speed = 0, power_w = 0, pue = 1, price_per_hour = 0;
  uint64_t attempts = 0, succeeded = 0, cancelled = 0;
  double work_done_units = 0;  // of its accepted results
  double busy_s = 0;           // node-seconds computing or moving data
};

struct SimResult {
  uint64_t tasks_total = 0;  // tasks submitted by the end
  uint64_t tasks_completed = 0;
  uint64_t tasks_failed = 0;
  bool all_done = false;
  TimePoint end;  // when the run stopped (makespan when all_done)
  uint64_t attempts_started = 0;
  uint64_t attempts_succeeded = 0;
  uint64_t attempts_lost = 0;
  uint64_t attempts_cancelled = 0;
  double work_lost_units = 0;
  double work_done_units = 0;
  uint64_t events = 0;        // events processed
  uint64_t stale_events = 0;  // superseded events skipped
  uint64_t core_ticks = 0;
  uint64_t jobs_submitted = 0;
  // Transfers of the attempts started (input, weights the car lacked, output; checkpoints
  // are in `checkpoints`), and the part over metered links: booked when an attempt starts,
  // as the coordinator books a metered daily cap (a departure that cuts one still bills it).
  double transfer_bytes = 0;
  double metered_bytes = 0;
  double available_car_seconds = 0;  // parked
  double busy_car_seconds = 0;
  double plugged_car_seconds = 0;
  double useful_car_seconds = 0;      // busy in attempts that succeeded
  DurationHistogram task_wait;        // submission -> first attempt start
  DurationHistogram task_turnaround;  // submission -> accepted result
  std::vector<ClassResult> classes;
  std::vector<RegionResult> regions;
  // Trace regions: what their import loaded and refused; whether the run outlasted a trace
  // (it then loops).
  std::vector<std::pair<std::string, models::TraceReport>> traces;
  bool trace_looped = false;
  // workload.model job-trace: the file and what it held (rows read, kept by the filter,
  // kept with a run time); jobs_submitted says how many arrived within the horizon.
  std::string job_trace_file;
  uint64_t job_trace_rows = 0, job_trace_kept = 0, job_trace_with_run_time = 0;
  double job_trace_period_s = 0;
  ValidationResult validation;
  CheckpointResult checkpoints;
  std::vector<ModelResult> models;  // empty without workload.inference
  // Data-local input (workload.data_local): attempts on the task's data car or elsewhere
  // (after staging), uploads asked for and how they ended, and attempts that started on
  // another car before the input was staged (the rule says none).
  struct DataLocalResult {
    uint64_t attempts_local = 0, attempts_remote = 0;
    uint64_t stage_requests = 0, inputs_staged = 0, stage_failed = 0;
    double staged_bytes = 0;
    uint64_t violations = 0;
  } data_local;
  bool data_local_on = false;
  TrainingResult training;            // workload.model training
  std::vector<ClientResult> clients;  // empty without workload.clients
  PoolResult pool;                    // datacenter_pool
  bool training_on = false;
  bool checkpoints_on = false;  // the scenario has checkpoints or departure warnings
  EnergyResult energy;
  EconomicsResult economics;   // with the scenario's `economics` section
  bool energy_on = false;      // the scenario simulates batteries (fleet.battery or owner_rules)
  core::CoreStats core;        // the brain's own counters at the end
  std::string policy;          // as the brain names it
  size_t sim_state_bytes = 0;  // car arrays + peak event queue, for bytes_per_car
  size_t core_bytes = 0;
  size_t peak_pending_events = 0;
};

// A recording of every call the simulator made into the brain (not Tick) and of every
// decision it got back, for the parity test against a live-style driver.
struct CoreTrace {
  enum class Call : uint8_t { kConnect, kRequestWork, kNodeSilent, kReportResult, kSubmitJob };
  struct Entry {
    TimePoint t;
    Call call;
    uint32_t node = 0;
    uint64_t attempt = 0;
    uint32_t epoch = 0;
    uint32_t job_spec = 0;  // index into job_specs (kSubmitJob)
  };
  std::vector<Entry> calls;
  std::vector<core::JobSpec> job_specs;
  std::vector<core::NodeSpec> nodes;  // in registration order
  // Decisions as text lines "t=... assign node=.. task=.. epoch=.." etc., in order.
  std::vector<std::string> decisions;
  TimePoint end;  // when the run stopped
};

// Formats one Decisions buffer as lines, the way CoreTrace::decisions holds them.
void AppendDecisionLines(TimePoint now, const core::Decisions& d, std::vector<std::string>& out);

struct SimHooks {
  std::function<void(const Sample&)> on_sample;               // every outputs.timeseries_interval
  std::function<void(const AttemptRecord&)> on_attempt;       // only when set
  std::function<void(const ParkedPeriod&)> on_parked_period;  // only when set
  // Called about every 2^16 events with the simulated time, the events so far and the
  // fraction of the run done: the larger of time / horizon and tasks closed / tasks total.
  std::function<void(TimePoint now, uint64_t events, double fraction)> on_progress;
  CoreTrace* trace = nullptr;
};

class Simulator {
 public:
  // InvalidArgument when the brain rejects the policy or its parameters.
  static absl::StatusOr<std::unique_ptr<Simulator>> Create(const Scenario& scenario,
                                                           SimHooks hooks = {});
  ~Simulator();

  // Runs to the horizon or until every task is done. Call once.
  absl::Status Run();
  const SimResult& result() const { return result_; }

 private:
  explicit Simulator(const Scenario& scenario, SimHooks hooks);
  class Loop;
  std::unique_ptr<Loop> loop_;
  SimResult result_;
};

}  // namespace fleetgrid::sim
