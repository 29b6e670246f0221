#include "sim/report/outputs.h"

#include <sys/resource.h>

#include <algorithm>
#include <cinttypes>
#include <sstream>
#include <vector>

namespace fleetgrid::sim {
namespace {

nlohmann::ordered_json Dist(const DurationHistogram& h) {
  nlohmann::ordered_json j;
  j["count"] = h.count();
  j["mean"] = h.MeanSeconds();
  j["p50"] = h.QuantileSeconds(0.50);
  j["p95"] = h.QuantileSeconds(0.95);
  j["p99"] = h.QuantileSeconds(0.99);
  return j;
}

// Mean, max and p50 of per-owner counts (0 when there are none).
nlohmann::ordered_json Counts(std::vector<uint32_t> v) {
  nlohmann::ordered_json j;
  uint64_t sum = 0;
  for (const uint32_t x : v) sum += x;
  std::sort(v.begin(), v.end());
  j["mean"] = v.empty() ? 0.0 : static_cast<double>(sum) / static_cast<double>(v.size());
  j["p50"] = v.empty() ? 0u : v[v.size() / 2];
  j["max"] = v.empty() ? 0u : v.back();
  return j;
}

nlohmann::ordered_json ValidationJson(const Scenario& s, const SimResult& r) {
  const ValidationResult& v = r.validation;
  const ValidationConfig& c = s.workload.validation;
  const core::CoreStats& cs = r.core;
  nlohmann::ordered_json j;
  j["replication"] = c.replication;
  j["quorum"] = c.quorum;
  j["trust_threshold"] = c.trust_threshold;
  j["skip_probability"] = c.skip_probability;
  j["untrusted_quorum"] = c.untrusted_quorum;
  j["spot_check_rate"] = c.spot_check_rate;
  j["daily_quota"] = c.daily_quota;
  j["initial_quota"] = c.initial_quota;
  j["owners"] = s.fleet.owners != 0 ? s.fleet.owners : s.fleet.size;
  j["cheating_owners"] = v.cheating_owners;
  j["colluding"] = s.fleet.malicious.colluding;
  j["results_accepted"] = v.results_accepted;
  j["wrong_results_accepted"] = v.wrong_accepted;
  j["wrong_accepted_share"] = v.results_accepted > 0 ? static_cast<double>(v.wrong_accepted) /
                                                           static_cast<double>(v.results_accepted)
                                                     : 0.0;
  j["attempts_per_accepted_result"] =
      v.results_accepted > 0
          ? static_cast<double>(r.attempts_started) / static_cast<double>(v.results_accepted)
          : 0.0;
  j["results_unreplicated"] = cs.results_unreplicated;
  j["spot_checks_passed"] = cs.spot_checks_passed;
  j["spot_checks_failed"] = cs.spot_checks_failed;
  j["invalid_results"] = cs.attempts_disagreed;
  j["quota_holds"] = cs.quota_holds;
  j["cheater_accepted_before_distrust"] = Counts(v.accepted_before_distrust);
  j["cheater_accepted_total"] = Counts(v.accepted_total);
  j["cheaters_never_caught"] = v.owners_never_caught;
  return j;
}

void AddGroupTime(nlohmann::ordered_json& j, const GroupTime& t) {
  j["parked_car_s"] = t.parked_car_s;
  j["plugged_car_s"] = t.plugged_car_s;
  j["busy_car_s"] = t.busy_car_s;
  j["useful_car_s"] = t.useful_car_s;
  j["useful_share_of_parked"] = t.parked_car_s > 0 ? t.useful_car_s / t.parked_car_s : 0.0;
}

}  // namespace

uint64_t PeakRssBytes() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

nlohmann::ordered_json SummaryJson(const Scenario& s, const SimResult& r, const RunInfo& run) {
  nlohmann::ordered_json j;
  j["scenario"] = s.name;
  j["seed"] = s.seed;
  j["policy"] = r.policy;
  j["fleet_size"] = s.fleet.size;
  j["horizon_s"] = s.horizon.SecondsF();
  j["tasks_total"] = r.tasks_total;
  j["tasks_completed"] = r.tasks_completed;
  j["tasks_failed"] = r.tasks_failed;
  j["all_done"] = r.all_done;
  if (r.all_done) {
    j["makespan_s"] = r.end.SecondsF();
  } else {
    j["makespan_s"] = nullptr;
  }
  j["end_s"] = r.end.SecondsF();
  j["attempts_started"] = r.attempts_started;
  j["attempts_succeeded"] = r.attempts_succeeded;
  j["attempts_lost"] = r.attempts_lost;
  j["attempts_cancelled"] = r.attempts_cancelled;
  j["work_lost_units"] = r.work_lost_units;
  j["work_done_units"] = r.work_done_units;
  j["events"] = r.events;
  j["stale_events"] = r.stale_events;
  j["core_ticks"] = r.core_ticks;
  j["jobs_submitted"] = r.jobs_submitted;
  j["utilization"] =
      r.available_car_seconds > 0 ? r.busy_car_seconds / r.available_car_seconds : 0.0;
  j["available_car_s"] = r.available_car_seconds;
  j["busy_car_s"] = r.busy_car_seconds;
  j["task_wait_s"] = Dist(r.task_wait);
  j["task_turnaround_s"] = Dist(r.task_turnaround);
  j["plugged_car_s"] = r.plugged_car_seconds;
  j["useful_car_s"] = r.useful_car_seconds;
  j["useful_share_of_parked"] =
      r.available_car_seconds > 0 ? r.useful_car_seconds / r.available_car_seconds : 0.0;
  // Only in runs with checkpoints or departure warnings, so that other summaries stay as
  // they were.
  if (r.energy_on) {
    const EnergyResult& e = r.energy;
    j["energy"] = {{"battery_wh", e.battery_wh}, {"grid_wh", e.grid_wh}};
    j["owner_rules"] = {{"attempts_ended", r.core.attempts_ended_by_rules},
                        {"work_lost_units", e.work_lost_to_rules},
                        {"violations", e.soc_floor_violations + e.plugged_only_violations}};
  }
  if (r.economics.enabled) {
    const EconomicsResult& e = r.economics;
    const Percentiles& p = e.owner_net_per_car_month;
    j["economics"] = {{"currency", e.currency},
                      {"useful_top_hours", e.useful_top_hours},
                      {"useful_hw3_hours", e.accepted_units / 3600},
                      {"energy_kwh", e.energy_kwh},
                      {"useful_kwh", e.useful_kwh},
                      {"wasted_kwh", e.wasted_kwh},
                      {"battery_kwh", e.battery_kwh},
                      {"grid_kwh", e.grid_kwh},
                      {"electricity_cost", e.electricity_cost},
                      {"battery_wear_cost", e.battery_wear_cost},
                      {"data_cost", e.data_cost},
                      {"revenue", e.revenue},
                      {"pool_fee", e.pool_fee},
                      {"owner_payouts", e.owner_payouts},
                      {"owner_net", e.owner_net},
                      {"energy_cost_per_top_hour", e.energy_cost_per_top_hour},
                      {"owner_net_per_car_month",
                       {{"p10", p.p10}, {"p50", p.p50}, {"p90", p.p90}, {"mean", p.mean}}},
                      {"datacenter",
                       {{"hardware", e.datacenter_hardware},
                        {"hours", e.datacenter_hours},
                        {"cost", e.datacenter_cost},
                        {"energy_kwh", e.datacenter_kwh},
                        {"cost_per_top_hour", e.datacenter_cost_per_top_hour}}}};
  }
  if (r.checkpoints_on) {
    const CheckpointResult& c = r.checkpoints;
    j["checkpoints"] = {{"stored", c.stored},
                        {"uploads_cut", c.uploads_cut},
                        {"bytes_uploaded", c.bytes_uploaded},
                        {"attempts_resumed", c.attempts_resumed},
                        {"work_saved_units", c.work_saved_units},
                        {"departure_warnings", c.warnings},
                        {"checkpoint_requests", c.requests},
                        {"requests_met", c.requests_met},
                        {"requests_missed", c.requests_missed}};
  }
  nlohmann::ordered_json classes = nlohmann::ordered_json::array();
  for (const ClassResult& c : r.classes) {
    nlohmann::ordered_json x = {
        {"speed", c.speed}, {"cars", c.cars}, {"attempts", c.attempts}, {"succeeded", c.succeeded}};
    // Only for classes that have them, so that plain-speed summaries stay as they were.
    if (!c.hardware.empty()) x["hardware"] = c.hardware;
    if (c.memory_bytes != 0) x["memory_bytes"] = c.memory_bytes;
    AddGroupTime(x, c.time);
    classes.push_back(x);
  }
  j["classes"] = classes;
  nlohmann::ordered_json regions = nlohmann::ordered_json::array();
  for (const RegionResult& g : r.regions) {
    nlohmann::ordered_json x = {{"name", g.name}, {"cars", g.cars}};
    AddGroupTime(x, g.time);
    regions.push_back(x);
  }
  j["regions"] = regions;
  if (!r.traces.empty()) {
    nlohmann::ordered_json traces = nlohmann::ordered_json::array();
    for (const auto& [region, t] : r.traces) {
      nlohmann::ordered_json refused = nlohmann::ordered_json::object();
      for (const auto& [reason, n] : t.refused) refused[reason] = n;
      traces.push_back({{"region", region},
                        {"files", t.files},
                        {"rows_read", t.rows_read},
                        {"sessions_loaded", t.sessions_loaded},
                        {"sessions_merged", t.sessions_merged},
                        {"energy_unknown", t.energy_unknown},
                        {"rows_refused", refused},
                        {"first_refused", t.first_refused},
                        {"cars_built", t.cars_built},
                        {"cars_by_charger", t.cars_by_charger},
                        {"sites", t.sites},
                        {"first_start_unix_s", t.first_start_unix_s},
                        {"last_end_unix_s", t.last_end_unix_s},
                        {"anchor_unix_s", t.anchor_unix_s},
                        {"loop_period_s", t.period_s}});
    }
    j["traces"] = traces;
    j["trace_loops"] = r.trace_looped;
  }
  j["data"] = {{"transfer_bytes", r.transfer_bytes}, {"metered_bytes", r.metered_bytes}};
  if (r.data_local_on) {
    const SimResult::DataLocalResult& d = r.data_local;
    j["data_local"] = {{"attempts_local", d.attempts_local}, {"attempts_remote", d.attempts_remote},
                       {"stage_requests", d.stage_requests}, {"inputs_staged", d.inputs_staged},
                       {"stage_failed", d.stage_failed},     {"staged_bytes", d.staged_bytes},
                       {"violations", d.violations}};
  }
  if (!s.workload.deadline.IsInfinite()) {
    j["deadline"] = {{"deadline_s", s.workload.deadline.SecondsF()},
                     {"jobs_failed", r.core.jobs_failed},
                     {"tasks_cancelled", r.core.tasks_cancelled}};
  }
  if (r.pool.on) {
    const PoolResult& p = r.pool;
    const double busy_h = p.busy_s / 3600, end_h = r.end.SecondsF() / 3600;
    const double all = p.work_done_units + r.work_done_units;
    j["datacenter_pool"] = {{"hardware", p.hardware},
                            {"nodes", p.nodes},
                            {"attempts", p.attempts},
                            {"succeeded", p.succeeded},
                            {"cancelled", p.cancelled},
                            {"work_done_units", p.work_done_units},
                            {"fleet_work_done_units", r.work_done_units},
                            {"share_of_work", all > 0 ? p.work_done_units / all : 0.0},
                            {"busy_hours", busy_h},
                            {"utilization", end_h > 0 ? busy_h / (p.nodes * end_h) : 0.0},
                            {"price_per_hour", p.price_per_hour},
                            {"cost_on_demand", busy_h * p.price_per_hour},
                            {"cost_reserved", p.nodes * end_h * p.price_per_hour},
                            {"energy_kwh", busy_h * p.power_w * p.pue / 1000}};
  }
  if (!r.clients.empty()) {
    double work = 0;
    for (const ClientResult& c : r.clients) work += c.work_done_units;
    nlohmann::ordered_json clients = nlohmann::ordered_json::array();
    for (const ClientResult& c : r.clients) {
      clients.push_back({{"name", c.name},
                         {"jobs", c.jobs},
                         {"tasks_done", c.tasks_done},
                         {"work_done_units", c.work_done_units},
                         {"share_of_work", work > 0 ? c.work_done_units / work : 0.0},
                         {"turnaround_s", Dist(c.turnaround)}});
    }
    j["clients"] = clients;
  }
  if (r.training_on) {
    const TrainingResult& t = r.training;
    const double hours = r.end.SecondsF() / 3600;
    j["training"] = {{"runs", t.runs},
                     {"workers", t.workers},
                     {"rounds_per_run", t.rounds_target},
                     {"rounds_completed", t.rounds_completed},
                     {"rounds_missed", t.rounds_missed},
                     {"rounds_per_hour", hours > 0 ? t.rounds_completed / hours : 0.0},
                     {"rounds_delayed_by_loss", t.rounds_delayed},
                     {"missed_with_loss", t.missed_with_loss},
                     {"worker_attempts_lost", t.worker_attempts_lost},
                     {"round_time_s", Dist(t.round_time)},
                     {"straggler_s", t.straggler_s},
                     {"barrier_wait_worker_s", t.barrier_wait_worker_s},
                     {"missed_round_s", t.missed_s}};
  }
  if (!r.job_trace_file.empty()) {
    j["job_trace"] = {{"file", r.job_trace_file},
                      {"rows_read", r.job_trace_rows},
                      {"jobs_kept", r.job_trace_kept},
                      {"jobs_with_run_time", r.job_trace_with_run_time},
                      {"pass_s", r.job_trace_period_s}};
  }
  if (!r.models.empty()) {
    ModelResult all;
    nlohmann::ordered_json models = nlohmann::ordered_json::array();
    for (const ModelResult& m : r.models) {
      models.push_back({{"name", m.name},
                        {"size_bytes", m.size_bytes},
                        {"jobs", m.jobs},
                        {"attempts", m.attempts},
                        {"attempts_holding", m.attempts_holding},
                        {"downloads_started", m.downloads_started},
                        {"downloads_completed", m.downloads_completed},
                        {"bytes_downloaded", m.bytes_downloaded},
                        {"cars_holding", m.cars_holding}});
      all.attempts += m.attempts;
      all.attempts_holding += m.attempts_holding;
      all.downloads_started += m.downloads_started;
      all.downloads_completed += m.downloads_completed;
      all.bytes_downloaded += m.bytes_downloaded;
    }
    j["inference"] = {{"attempts", all.attempts},
                      {"attempts_holding", all.attempts_holding},
                      {"downloads_started", all.downloads_started},
                      {"downloads_completed", all.downloads_completed},
                      {"bytes_downloaded", all.bytes_downloaded},
                      {"models", models}};
  }
  const core::CoreStats& cs = r.core;
  j["core"] = {
      {"attempts_started", cs.attempts_started}, {"attempts_succeeded", cs.attempts_succeeded},
      {"attempts_lost", cs.attempts_lost},       {"attempts_cancelled", cs.attempts_cancelled},
      {"attempts_expired", cs.attempts_expired}, {"nodes_lost", cs.nodes_lost},
      {"reports_rejected", cs.reports_rejected}, {"tasks_done", cs.tasks_done}};
  if (r.validation.enabled) j["validation"] = ValidationJson(s, r);
  const double n = s.fleet.size;
  j["run"] = {{"wall_s", run.wall_s},
              {"peak_rss_bytes", run.peak_rss_bytes},
              {"events_per_s", run.wall_s > 0 ? static_cast<double>(r.events) / run.wall_s : 0.0},
              {"bytes_per_car", static_cast<double>(run.peak_rss_bytes) / n},
              {"sim_bytes_per_car", static_cast<double>(r.sim_state_bytes) / n},
              {"core_bytes", r.core_bytes},
              {"peak_pending_events", r.peak_pending_events}};
  return j;
}

std::string HumanSummary(const Scenario& s, const SimResult& r, const RunInfo& run) {
  std::ostringstream os;
  char buf[512];
  os << "scenario " << s.name << "  seed " << s.seed << "  policy " << r.policy << "  cars "
     << s.fleet.size << "\n";
  std::snprintf(buf, sizeof buf, "tasks      %" PRIu64 " / %" PRIu64 " completed",
                r.tasks_completed, r.tasks_total);
  if (!s.workload.deadline.IsInfinite()) {
    os << buf;
    std::snprintf(buf, sizeof buf, ", %" PRIu64 " cut by their job's deadline (%" PRIu64 " jobs)",
                  r.core.tasks_cancelled, r.core.jobs_failed);
  }
  os << buf;
  if (r.all_done) {
    os << "  makespan " << (r.end - TimePoint::Epoch()).ToString() << " (" << r.end.SecondsF()
       << " s)";
  } else {
    os << "  (horizon " << s.horizon.ToString() << " reached)";
  }
  os << "\n";
  std::snprintf(buf, sizeof buf,
                "attempts   %" PRIu64 " started, %" PRIu64 " lost, %.6g work units lost\n",
                r.attempts_started, r.attempts_lost, r.work_lost_units);
  os << buf;
  std::snprintf(buf, sizeof buf, "wait       mean %.1f s  p50 %.1f  p95 %.1f  p99 %.1f\n",
                r.task_wait.MeanSeconds(), r.task_wait.QuantileSeconds(0.5),
                r.task_wait.QuantileSeconds(0.95), r.task_wait.QuantileSeconds(0.99));
  os << buf;
  std::snprintf(buf, sizeof buf, "turnaround mean %.1f s  p50 %.1f  p95 %.1f  p99 %.1f\n",
                r.task_turnaround.MeanSeconds(), r.task_turnaround.QuantileSeconds(0.5),
                r.task_turnaround.QuantileSeconds(0.95), r.task_turnaround.QuantileSeconds(0.99));
  os << buf;
  std::snprintf(buf, sizeof buf, "utilization %.4f (busy / available car-time)\n",
                r.available_car_seconds > 0 ? r.busy_car_seconds / r.available_car_seconds : 0.0);
  os << buf;
  std::snprintf(
      buf, sizeof buf,
      "parked     %.4g car-h, %.1f%% plugged; %.1f%% of parked car-hours did useful "
      "work\n",
      r.available_car_seconds / 3600,
      r.available_car_seconds > 0 ? 100 * r.plugged_car_seconds / r.available_car_seconds : 0.0,
      r.available_car_seconds > 0 ? 100 * r.useful_car_seconds / r.available_car_seconds : 0.0);
  os << buf;
  if (r.economics.enabled) {
    const EconomicsResult& e = r.economics;
    const char* cur = e.currency.c_str();
    std::snprintf(buf, sizeof buf,
                  "energy     %.4g kWh (%.4g useful, %.4g wasted), %.4g from batteries; "
                  "%.4g kWh bought\n",
                  e.energy_kwh, e.useful_kwh, e.wasted_kwh, e.battery_kwh, e.grid_kwh);
    os << buf;
    std::snprintf(buf, sizeof buf,
                  "money      clients paid %.2f %s for %.4g TOP-h; pool fee %.2f; owners paid "
                  "%.2f, net %.2f after %.2f power, %.2f wear and %.2f data\n",
                  e.revenue, cur, e.useful_top_hours, e.pool_fee, e.owner_payouts, e.owner_net,
                  e.electricity_cost, e.battery_wear_cost, e.data_cost);
    os << buf;
    const Percentiles& p = e.owner_net_per_car_month;
    std::snprintf(buf, sizeof buf,
                  "owners     net per car-month p10 %.2f  p50 %.2f  p90 %.2f  mean %.2f %s\n",
                  p.p10, p.p50, p.p90, p.mean, cur);
    os << buf;
    std::snprintf(buf, sizeof buf,
                  "datacenter the same work: %.4g %s-hours, %.2f %s (%.3g %s/TOP-h against the "
                  "fleet's energy cost %.3g), %.4g kWh\n",
                  e.datacenter_hours, e.datacenter_hardware.c_str(), e.datacenter_cost, cur,
                  e.datacenter_cost_per_top_hour, cur, e.energy_cost_per_top_hour,
                  e.datacenter_kwh);
    os << buf;
  }
  if (r.regions.size() > 1) {
    for (const RegionResult& g : r.regions) {
      std::snprintf(
          buf, sizeof buf, "  region %-12s %8" PRIu64 " cars  parked %.4g car-h  useful %.1f%%\n",
          g.name.c_str(), g.cars, g.time.parked_car_s / 3600,
          g.time.parked_car_s > 0 ? 100 * g.time.useful_car_s / g.time.parked_car_s : 0.0);
      os << buf;
    }
  }
  if (!r.job_trace_file.empty()) {
    std::snprintf(buf, sizeof buf,
                  "jobs       %" PRIu64 " submitted from %s: %" PRIu64 " of %" PRIu64
                  " rows kept, %" PRIu64 " with a run time; one pass %.1f h\n",
                  r.jobs_submitted, r.job_trace_file.c_str(), r.job_trace_kept, r.job_trace_rows,
                  r.job_trace_with_run_time, r.job_trace_period_s / 3600);
    os << buf;
  }
  if (r.pool.on) {
    const PoolResult& p = r.pool;
    const double busy_h = p.busy_s / 3600, end_h = r.end.SecondsF() / 3600;
    const double all = p.work_done_units + r.work_done_units;
    std::snprintf(buf, sizeof buf,
                  "datacenter %u x %s: %.1f%% of the work (%" PRIu64
                  " results), busy %.4g h "
                  "(%.1f%%): %.2f on demand, %.2f reserved for the run\n",
                  p.nodes, p.hardware.c_str(), all > 0 ? 100 * p.work_done_units / all : 0.0,
                  p.succeeded, busy_h, end_h > 0 ? 100 * busy_h / (p.nodes * end_h) : 0.0,
                  busy_h * p.price_per_hour, p.nodes * end_h * p.price_per_hour);
    os << buf;
  }
  if (!r.clients.empty()) {
    double work = 0;
    for (const ClientResult& c : r.clients) work += c.work_done_units;
    for (const ClientResult& c : r.clients) {
      std::snprintf(buf, sizeof buf,
                    "client     %-12s %6" PRIu64 " jobs  %8" PRIu64
                    " tasks done  %5.1f%% of the work  turnaround p50 %.0f s  p95 %.0f s\n",
                    c.name.c_str(), c.jobs, c.tasks_done,
                    work > 0 ? 100 * c.work_done_units / work : 0.0,
                    c.turnaround.QuantileSeconds(0.5), c.turnaround.QuantileSeconds(0.95));
      os << buf;
    }
  }
  if (r.training_on) {
    const TrainingResult& t = r.training;
    const double hours = r.end.SecondsF() / 3600;
    std::snprintf(buf, sizeof buf,
                  "training   %u runs x %u workers: %" PRIu64 " rounds done (%.3g/h), %" PRIu64
                  " missed their deadline (%" PRIu64
                  " after a lost worker); round p50 %.1f s"
                  "  p95 %.1f\n"
                  "           stragglers %.4g h (last - median result), barrier wait %.4g "
                  "worker-h, %.4g h on dropped rounds\n",
                  t.runs, t.workers, t.rounds_completed, hours > 0 ? t.rounds_completed / hours : 0,
                  t.rounds_missed, t.missed_with_loss, t.round_time.QuantileSeconds(0.5),
                  t.round_time.QuantileSeconds(0.95), t.straggler_s / 3600,
                  t.barrier_wait_worker_s / 3600, t.missed_s / 3600);
    os << buf;
  }
  if (r.data_local_on) {
    const SimResult::DataLocalResult& d = r.data_local;
    std::snprintf(buf, sizeof buf,
                  "data-local %" PRIu64 " attempts on the input's car, %" PRIu64
                  " elsewhere; %" PRIu64 " inputs staged (%.4g GB), %" PRIu64 " uploads cut\n",
                  d.attempts_local, d.attempts_remote, d.inputs_staged, d.staged_bytes / 1e9,
                  d.stage_failed);
    os << buf;
  }
  if (!r.models.empty()) {
    uint64_t attempts = 0, holding = 0, started = 0, completed = 0;
    double bytes = 0;
    for (const ModelResult& m : r.models) {
      attempts += m.attempts;
      holding += m.attempts_holding;
      started += m.downloads_started;
      completed += m.downloads_completed;
      bytes += m.bytes_downloaded;
    }
    std::snprintf(buf, sizeof buf,
                  "weights    %zu model%s: %" PRIu64 " downloads (%" PRIu64
                  " cut off), %.4g GB moved; %.1f%% of attempts found the weights on the car\n",
                  r.models.size(), r.models.size() == 1 ? "" : "s", started, started - completed,
                  bytes / 1e9,
                  attempts > 0 ? 100.0 * static_cast<double>(holding) / attempts : 0.0);
    os << buf;
  }
  for (const auto& [region, t] : r.traces) {
    std::snprintf(buf, sizeof buf,
                  "trace      %s: %" PRIu64 " sessions loaded from %" PRIu64 " rows in %" PRIu64
                  " file%s (%" PRIu64 " refused, %" PRIu64 " merged), %u cars (%u by charger)%s\n",
                  region.c_str(), t.sessions_loaded, t.rows_read, t.files, t.files == 1 ? "" : "s",
                  t.RowsRefused(), t.sessions_merged, t.cars_built, t.cars_by_charger,
                  r.trace_looped ? "; the run outlasts the trace, which loops" : "");
    os << buf;
    for (const RegionResult& g : r.regions) {
      if (g.name != region || t.cars_built == 0 || g.cars == t.cars_built) continue;
      std::snprintf(buf, sizeof buf,
                    g.cars > t.cars_built ? "             the region's %" PRIu64
                                            " cars replay them in turn (car c "
                                            "replays trace car c %% %u)\n"
                                          : "             the region's %" PRIu64
                                            " cars replay the first %u\n",
                    g.cars, g.cars > t.cars_built ? t.cars_built : static_cast<uint32_t>(g.cars));
      os << buf;
    }
    for (const auto& [reason, n] : t.refused) {
      std::snprintf(buf, sizeof buf, "             %" PRIu64 " rows refused: %s\n", n,
                    reason.c_str());
      os << buf;
    }
    for (const std::string& line : t.first_refused) os << "             e.g. " << line << "\n";
  }
  if (r.validation.enabled) {
    const ValidationResult& v = r.validation;
    std::snprintf(
        buf, sizeof buf,
        "validation %" PRIu64 " results accepted, %" PRIu64
        " wrong (%.4g%%), %.3g attempts per accepted result, %" PRIu64 " cheating owners\n",
        v.results_accepted, v.wrong_accepted,
        v.results_accepted > 0 ? 100.0 * v.wrong_accepted / v.results_accepted : 0.0,
        v.results_accepted > 0
            ? static_cast<double>(r.attempts_started) / static_cast<double>(v.results_accepted)
            : 0.0,
        v.cheating_owners);
    os << buf;
  }
  std::snprintf(buf, sizeof buf,
                "run        %" PRIu64
                " events in %.2f s (%.3g events/s), peak RSS %.1f MiB "
                "(%.0f bytes/car)\n",
                r.events, run.wall_s, run.wall_s > 0 ? r.events / run.wall_s : 0.0,
                run.peak_rss_bytes / 1048576.0,
                static_cast<double>(run.peak_rss_bytes) / s.fleet.size);
  os << buf;
  return os.str();
}

CsvFile::~CsvFile() {
  if (f_) std::fclose(f_);
}

bool CsvFile::Open(const std::string& path, const char* header) {
  f_ = std::fopen(path.c_str(), "w");
  if (!f_) return false;
  std::fprintf(f_, "%s\n", header);
  return true;
}

void CsvFile::WriteSample(const Sample& s) {
  std::fprintf(f_, "%.9g,%u,%u,%" PRIu64 ",%" PRIu64 ",%.9g,%u,%.9g,%.9g", s.t.SecondsF(),
               s.cars_available, s.cars_busy, s.queue_length, s.tasks_completed, s.work_lost_units,
               s.cars_plugged, s.parked_accelerator_kw, s.computing_kw);
  for (const uint32_t g : s.groups) std::fprintf(f_, ",%u", g);
  std::fputc('\n', f_);
}

void CsvFile::WriteParkedPeriod(const ParkedPeriod& p) {
  std::fprintf(f_, "%u,%.9f,%.9f,%d\n", p.car, p.start.SecondsF(), p.end.SecondsF(),
               p.plugged ? 1 : 0);
}

std::string TimeseriesHeader(const std::vector<std::string>& regions, size_t classes) {
  std::string h = kTimeseriesHeader;
  const auto add = [&h](const std::string& group) {
    for (const char* what : {".parked", ".plugged", ".busy"}) h += "," + group + what;
  };
  for (const std::string& r : regions) add("region." + r);
  for (size_t c = 0; c < classes; ++c) add("class." + std::to_string(c));
  return h;
}

void CsvFile::WriteAttempt(const AttemptRecord& a) {
  std::fprintf(f_, "%" PRIu64 ",%u,%u,%.9g,%.9f,%.9f,%s,%.9g\n", a.attempt, a.task, a.car, a.speed,
               a.start.SecondsF(), a.end.SecondsF(), a.outcome, a.work_lost_units);
}

bool CsvFile::Close() {
  if (!f_) return true;
  const bool ok = std::ferror(f_) == 0;
  const bool closed = std::fclose(f_) == 0;
  f_ = nullptr;
  return ok && closed;
}

}  // namespace fleetgrid::sim
