// Metrics: the coordinator's counters, gauges and RPC latency summaries, rendered in the
// Prometheus text format (version 0.0.4) for /metrics.
//
// Thread safety: every member is safe from any thread. Counters and gauges are relaxed
// atomics; each latency summary keeps its last kWindow samples behind a mutex.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace fleetgrid::service {

// A Prometheus histogram of durations: cumulative buckets with upper bounds
// 10 us x 2^(k/8) (about 9% apart) up to about a minute, lock-free.
class LatencyHistogram {
 public:
  static constexpr size_t kBuckets = 181;
  void Observe(Duration d);
  // Appends `name`_bucket{le=...}, `name`_sum and `name`_count lines.
  void Render(std::string& out, const char* name) const;
  static double UpperBoundSeconds(size_t bucket);

 private:
  std::array<std::atomic<uint64_t>, kBuckets + 1> counts_{};  // the last one is +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

class Metrics {
 public:
  // Counters (monotone).
  std::atomic<uint64_t> assignments_total{0};
  std::atomic<uint64_t> results_total{0};          // accepted task results
  std::atomic<uint64_t> attempts_lost_total{0};    // car left or went silent
  std::atomic<uint64_t> attempts_failed_total{0};  // failed, expired, rejected
  std::atomic<uint64_t> results_rejected_total{0};
  std::atomic<uint64_t> checkpoints_stored_total{0};   // UploadCheckpoint stored durably
  std::atomic<uint64_t> checkpoint_bytes_total{0};     // their bytes
  std::atomic<uint64_t> checkpoint_requests_total{0};  // asked before a warned departure
  std::atomic<uint64_t> attempts_resumed_total{0};     // assigned with a resume_from
  std::atomic<uint64_t> departure_warnings_total{0};   // heartbeats announcing a departure
  std::atomic<uint64_t> store_commits_total{0};
  std::atomic<uint64_t> store_commit_items_total{0};
  std::atomic<uint64_t> jobs_submitted_total{0};
  std::atomic<uint64_t> heartbeats_total{0};
  std::atomic<uint64_t> store_retries_total{0};  // commits retried (store full or busy)
  // Copied from the core's stats by the brain's owner thread.
  std::atomic<uint64_t> nodes_lost_total{0};
  std::atomic<uint64_t> self_suspicions_total{0};
  std::atomic<uint64_t> losses_paced_total{0};
  std::atomic<uint64_t> results_invalid_total{0};  // lost a quorum vote or a spot-check
  std::atomic<uint64_t> spot_checks_failed_total{0};
  std::atomic<uint64_t> results_unreplicated_total{0};  // accepted on one trusted result
  std::atomic<uint64_t> quota_holds_total{0};

  // Heartbeat delay: from the car's Heartbeat.sent_at to the brain handling it (meaningful
  // where cars and coordinator share a clock: emulated fleets, NTP-synchronised hosts).
  LatencyHistogram heartbeat_delay;

  // Gauges (set by the brain's owner thread).
  std::array<std::atomic<int64_t>, 4> nodes_by_state{};  // driving, parked, plugged, charging
  std::atomic<int64_t> nodes_connected{0};
  std::atomic<int64_t> nodes_enrolled{0};
  std::atomic<int64_t> queue_length{0};
  std::atomic<int64_t> running_attempts{0};
  std::atomic<int64_t> active_jobs{0};
  std::atomic<int64_t> healthy{1};
  std::atomic<int64_t> store_full{0};
  std::atomic<int64_t> nodes_distrusted{0};  // cars with at least one invalid result

  // Records one call of `method` that took `latency`.
  void ObserveRpc(std::string_view method, Duration latency);
  // Records one store commit of `items` changes that took `latency`.
  void ObserveCommit(uint64_t items, Duration latency);

  // The whole registry in Prometheus text format.
  std::string RenderPrometheus() const;

 private:
  struct Summary {
    static constexpr size_t kWindow = 4096;
    std::vector<double> samples;  // seconds, ring buffer
    size_t next = 0;
    uint64_t count = 0;
    double sum = 0;
  };
  void Observe(std::map<std::string, Summary, std::less<>>& m, std::string_view key, double s);
  static void RenderSummaries(std::string& out, const char* name, const char* label,
                              const std::map<std::string, Summary, std::less<>>& m);

  mutable std::mutex mu_;
  std::map<std::string, Summary, std::less<>> rpc_;
  std::map<std::string, Summary, std::less<>> commit_;
};

}  // namespace fleetgrid::service
