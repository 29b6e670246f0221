#include "coordinator/service/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fleetgrid::service {
namespace {

void Line(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void Value(std::string& out, const std::string& name_and_labels, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, " %.9g\n", v);
  out += name_and_labels;
  out += buf;
}

}  // namespace

double LatencyHistogram::UpperBoundSeconds(size_t bucket) {
  return 1e-5 * std::exp2(static_cast<double>(bucket) / 8.0);
}

void LatencyHistogram::Observe(Duration d) {
  const double s = std::max(0.0, d.SecondsF());
  size_t b = 0;
  if (s > 1e-5) {
    b = static_cast<size_t>(std::ceil(8.0 * std::log2(s / 1e-5) - 1e-9));
    while (b > 0 && UpperBoundSeconds(b - 1) >= s) --b;
    while (b < kBuckets && UpperBoundSeconds(b) < s) ++b;
    b = std::min(b, kBuckets);
  }
  counts_[b].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, d.nanos())),
                    std::memory_order_relaxed);
}

void LatencyHistogram::Render(std::string& out, const char* name) const {
  uint64_t cumulative = 0;
  char le[48];
  for (size_t b = 0; b <= kBuckets; ++b) {
    cumulative += counts_[b].load(std::memory_order_relaxed);
    if (b < kBuckets) {
      std::snprintf(le, sizeof le, "_bucket{le=\"%.6g\"}", UpperBoundSeconds(b));
    } else {
      std::snprintf(le, sizeof le, "_bucket{le=\"+Inf\"}");
    }
    Value(out, std::string(name) + le, static_cast<double>(cumulative));
  }
  Value(out, std::string(name) + "_sum",
        static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
  Value(out, std::string(name) + "_count",
        static_cast<double>(count_.load(std::memory_order_relaxed)));
}

void Metrics::Observe(std::map<std::string, Summary, std::less<>>& m, std::string_view key,
                      double s) {
  std::lock_guard lock(mu_);
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(std::string(key), Summary{}).first;
  Summary& sum = it->second;
  if (sum.samples.size() < Summary::kWindow) {
    sum.samples.push_back(s);
  } else {
    sum.samples[sum.next] = s;
    sum.next = (sum.next + 1) % Summary::kWindow;
  }
  ++sum.count;
  sum.sum += s;
}

void Metrics::ObserveRpc(std::string_view method, Duration latency) {
  Observe(rpc_, method, latency.SecondsF());
}

void Metrics::ObserveCommit(uint64_t items, Duration latency) {
  store_commits_total.fetch_add(1, std::memory_order_relaxed);
  store_commit_items_total.fetch_add(items, std::memory_order_relaxed);
  Observe(commit_, "commit", latency.SecondsF());
}

void Metrics::RenderSummaries(std::string& out, const char* name, const char* label,
                              const std::map<std::string, Summary, std::less<>>& m) {
  for (const auto& [key, s] : m) {
    std::vector<double> v = s.samples;
    std::sort(v.begin(), v.end());
    const std::string base = std::string(name) + "{" + label + "=\"" + key + "\"";
    for (double q : {0.5, 0.9, 0.99}) {
      double x = 0;
      if (!v.empty()) {
        x = v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
      }
      char qs[32];
      std::snprintf(qs, sizeof qs, ",quantile=\"%g\"}", q);
      Value(out, base + qs, x);
    }
    Value(out, std::string(name) + "_sum{" + label + "=\"" + key + "\"}", s.sum);
    Value(out, std::string(name) + "_count{" + label + "=\"" + key + "\"}",
          static_cast<double>(s.count));
  }
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  out.reserve(4096);
  auto counter = [&](const char* name, const char* help, const std::atomic<uint64_t>& c) {
    Line(out, name, "counter", help);
    Value(out, name, static_cast<double>(c.load(std::memory_order_relaxed)));
  };
  auto gauge = [&](const char* name, const char* help, const std::atomic<int64_t>& g) {
    Line(out, name, "gauge", help);
    Value(out, name, static_cast<double>(g.load(std::memory_order_relaxed)));
  };
  Line(out, "fleetgrid_nodes", "gauge", "Connected cars by reported car state.");
  const char* states[] = {"driving", "parked", "plugged", "charging"};
  for (size_t i = 0; i < 4; ++i) {
    Value(out, std::string("fleetgrid_nodes{state=\"") + states[i] + "\"}",
          static_cast<double>(nodes_by_state[i].load(std::memory_order_relaxed)));
  }
  gauge("fleetgrid_nodes_connected", "Cars with a live Connect session.", nodes_connected);
  gauge("fleetgrid_nodes_enrolled", "Cars enrolled, all time.", nodes_enrolled);
  gauge("fleetgrid_queue_length", "Tasks waiting for a car.", queue_length);
  gauge("fleetgrid_running_attempts", "Attempts running now.", running_attempts);
  gauge("fleetgrid_active_jobs", "Jobs not yet final.", active_jobs);
  gauge("fleetgrid_healthy", "1 while the coordinator serves, 0 after a store failure.", healthy);
  counter("fleetgrid_assignments_total", "Attempts assigned to cars.", assignments_total);
  counter("fleetgrid_results_total", "Task results accepted (stored durably).", results_total);
  counter("fleetgrid_checkpoints_stored_total", "Checkpoints uploaded and stored durably.",
          checkpoints_stored_total);
  counter("fleetgrid_checkpoint_bytes_total", "Bytes of the checkpoints stored.",
          checkpoint_bytes_total);
  counter("fleetgrid_checkpoint_requests_total",
          "Checkpoints asked of cars before a departure they announced.",
          checkpoint_requests_total);
  counter("fleetgrid_attempts_resumed_total",
          "Attempts assigned to resume from a stored checkpoint.", attempts_resumed_total);
  counter("fleetgrid_departure_warnings_total", "Departures announced by cars' heartbeats.",
          departure_warnings_total);
  counter("fleetgrid_attempts_lost_total", "Attempts lost (car left or went silent).",
          attempts_lost_total);
  counter("fleetgrid_attempts_failed_total", "Attempts failed, expired or cancelled.",
          attempts_failed_total);
  counter("fleetgrid_results_rejected_total", "Result reports rejected.", results_rejected_total);
  counter("fleetgrid_jobs_submitted_total", "Jobs accepted.", jobs_submitted_total);
  counter("fleetgrid_heartbeats_total", "Heartbeats handled.", heartbeats_total);
  counter("fleetgrid_nodes_lost_total", "Cars declared lost (silent past the grace).",
          nodes_lost_total);
  counter("fleetgrid_self_suspicions_total",
          "Times most cars looked silent at once and the coordinator waited for heartbeats.",
          self_suspicions_total);
  counter("fleetgrid_losses_paced_total", "Losses held back by the eviction pace.",
          losses_paced_total);
  counter("fleetgrid_results_invalid_total",
          "Results found invalid (lost a quorum vote or failed a spot-check).",
          results_invalid_total);
  counter("fleetgrid_spot_checks_failed_total",
          "Spot-check results that did not match the known answer.", spot_checks_failed_total);
  counter("fleetgrid_results_unreplicated_total",
          "Results accepted on a single trusted car's result (adaptive replication).",
          results_unreplicated_total);
  counter("fleetgrid_quota_holds_total", "Times a car was held back by its daily quota.",
          quota_holds_total);
  gauge("fleetgrid_nodes_distrusted",
        "Cars with at least one invalid result (their reputation was reset).", nodes_distrusted);
  gauge("fleetgrid_store_full", "1 while the store is full (new jobs and cars refused).",
        store_full);
  counter("fleetgrid_store_retries_total", "Store commits retried (store full or busy).",
          store_retries_total);
  counter("fleetgrid_store_commits_total", "Store transactions committed.", store_commits_total);
  counter("fleetgrid_store_commit_items_total", "Changes committed (group commit).",
          store_commit_items_total);
  Line(out, "fleetgrid_heartbeat_delay_seconds", "histogram",
       "Heartbeat delay: car send (Heartbeat.sent_at) to the coordinator handling it.");
  heartbeat_delay.Render(out, "fleetgrid_heartbeat_delay_seconds");
  std::lock_guard lock(mu_);
  Line(out, "fleetgrid_rpc_latency_seconds", "summary",
       "Server-side RPC latency (last 4096 calls per method).");
  RenderSummaries(out, "fleetgrid_rpc_latency_seconds", "method", rpc_);
  Line(out, "fleetgrid_store_commit_seconds", "summary", "Store commit (fsync) latency.");
  RenderSummaries(out, "fleetgrid_store_commit_seconds", "op", commit_);
  return out;
}

}  // namespace fleetgrid::service
