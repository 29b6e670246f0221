// Brain: the live coordinator around the runtime (coordinator/runtime, which drives the
// core exactly as the simulator does): wire conversion, identities, sessions, watchers and
// the group commit.
//
// One thread runs an Asio io_context; every touch of the runtime happens there (handlers
// Post work to it). Time and timers come from an Env (ServiceOptions::env): the wall clock
// and Asio timers live, a ManualEnv in tests, so that grace periods, leases, credential
// expiry and watch throttling run on a clock the test moves. A second thread, the
// committer, makes the core's change log and the new jobs/results/nodes durable in groups:
// whatever the owner thread produced while the previous group was being committed goes into
// the next transaction. Every reply and every message to a car is released only once the
// group holding the changes it depends on is durable ("output commit"), so nothing is
// acknowledged that a crash could take back. If a commit fails the brain stops serving
// (UNAVAILABLE, /healthz 503): memory would be ahead of the store.
//
// Thread safety: public methods are safe from any thread; callbacks run on the owner thread.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "coordinator/core/core.h"
#include "coordinator/runtime/env.h"
#include "coordinator/runtime/runtime.h"
#include "coordinator/service/convert.h"
#include "coordinator/service/identities.h"
#include "coordinator/service/metrics.h"
#include "coordinator/service/store.h"
#include "fleetgrid/v1/admin.pb.h"
#include "fleetgrid/v1/job.pb.h"
#include "fleetgrid/v1/node.pb.h"

namespace fleetgrid::service {

struct ServiceOptions {
  // Time and timers of the brain (not owned; must outlive it); nullptr = the wall clock and
  // Asio timers on the brain's own thread. Tests pass a runtime::ManualEnv.
  runtime::Env* env = nullptr;
  Duration heartbeat_interval = Duration::Seconds(5);
  Duration heartbeat_grace = Duration::Seconds(30);  // > gRPC keepalive detection
  // Report deadline of every attempt, from its start; heartbeats and progress do not extend
  // it (hoarding protection: past it the attempt expires and its task is issued again).
  Duration lease = Duration::Infinite();
  core::HostQuota quota;  // daily per-car task quota (core::HostQuota); off by default
  std::string policy = "fifo";
  std::map<std::string, std::string> policy_params;  // --policy-param key=value
  // SHA-256 of the admin token (--admin-token-file); "" = open mode: JobService and
  // AdminService unauthenticated, any join token enrolls (development, loopback only).
  std::string admin_token_sha256;
  Duration credential_ttl = Duration::Hours(30 * 24);  // of each node credential issued
  uint64_t max_message_bytes = 4ull << 20;
  uint64_t max_chunk_bytes = 1ull << 20;
  uint64_t inline_result_max_bytes = 256ull << 10;
  uint64_t inline_input_max_bytes = 64ull << 10;
  Duration watch_min_interval = Duration::Seconds(1);
  uint16_t node_max_concurrent = 64;  // per-car cap given to the brain; cars ask for less
  int connect_queues = 16;            // completion queues (and threads) serving Connect streams
  // Overload caps (0 = none). Streams past a cap end at once with RESOURCE_EXHAUSTED.
  uint64_t max_sessions = 1'000'000;           // Connect streams open at once, all cars together
  uint64_t max_streams_per_node = 256;         // Connect + FetchInput + UploadResult of one car
  uint64_t max_watchers = 10'000;              // WatchJob streams open at once
  uint64_t max_streams_per_connection = 4096;  // HTTP/2 (an emulator multiplexes 500 cars)
  Duration handshake_timeout = Duration::Seconds(10);  // a connection that starts no handshake
  // A TCP connection that sends nothing is held by the kernel this long before gRPC accepts
  // it (TCP_DEFER_ACCEPT, rounded up to 1, 3, 7, 15, 31, 63, 127 s ...; 0 = off): see
  // defer_accept.h.
  Duration defer_accept = Duration::Minutes(2);
  Duration max_connection_idle = Duration::Minutes(10);  // a connection without calls
  JobLimits limits;
  // Eviction-storm guard (core::LossGuard): when more than half the cars would be lost
  // within one heartbeat interval (suspect_window 0 = the heartbeat interval), the brain
  // suspects its own silence (paused, cut off) and waits a grace period for heartbeats;
  // losses are paced.
  core::LossGuard loss_guard{.suspect_fraction = 0.5,
                             .suspect_window = Duration::Zero(),
                             .suspect_min_nodes = 10,
                             .max_losses_per_second = 1000,
                             .loss_burst = 100};
};

// The write side of one car's Connect stream. Thread-safe.
class NodeOutbox {
 public:
  virtual ~NodeOutbox() = default;
  virtual void Send(const v1::CoordinatorMessage& msg) = 0;
  // Queues several messages together (they may travel as one CoordinatorBatch).
  virtual void SendAll(std::vector<v1::CoordinatorMessage> msgs) = 0;
  // Ends the stream with this status (OK after a Leave).
  virtual void Finish(const absl::Status& status) = 0;
};

// The write side of one WatchJob stream. Thread-safe.
class ProgressOutbox {
 public:
  virtual ~ProgressOutbox() = default;
  virtual void Send(const v1::JobProgress& progress) = 0;
  virtual void Finish(const absl::Status& status) = 0;
  // True once the client went away (the brain then forgets the watcher).
  virtual bool Gone() const = 0;
};

// What FetchInput needs to generate an attempt's input.
struct InputSource {
  uint64_t seed = 0;
  uint32_t task_index = 0;
  uint64_t size = 0;
};

// A complete checkpoint upload (UploadCheckpoint), its digest checked by the caller.
struct UploadedCheckpoint {
  uint64_t node = 0;  // wire id of the sender
  v1::AttemptRef attempt;
  std::string checkpoint_id;
  double work_done_units = 0;
  std::string digest;  // SHA-256 of data, 32 bytes
  std::string data;
};

// A task's stored checkpoint, as an Assignment's resume_from names it.
struct StoredCheckpoint {
  uint64_t task = 0;  // wire id
  std::string checkpoint_id;
  double work_done_units = 0;
  uint64_t size_bytes = 0;
  std::string digest;
};

// A finished upload, checked for size and digest by the caller.
struct UploadedResult {
  uint64_t node = 0;  // wire id of the sender
  uint64_t attempt = 0;
  uint64_t epoch = 0;
  std::array<uint8_t, 32> digest{};
  std::string data;
};

class Brain {
 public:
  template <typename T>
  using Reply = std::function<void(absl::StatusOr<T>)>;

  Brain(ServiceOptions options, Store* store, Metrics* metrics);
  ~Brain();

  // Loads the store, rebuilds the core (Core::Restore) and starts both threads.
  absl::Status Start();
  // Ends every Connect and WatchJob stream (UNAVAILABLE), so a server shutdown need not wait.
  void CloseStreams();
  // Commits what is pending, runs the remaining callbacks, joins the threads. Idempotent.
  void Stop();
  bool healthy() const { return !broken_.load(); }
  const ServiceOptions& options() const { return options_; }

  // Who may call what (authorizer.h reads it). Thread-safe.
  const Identities& identities() const { return identities_; }

  // --- Nodes
  void Enroll(v1::EnrollRequest req, Reply<v1::EnrollResponse> reply);
  // The node `node_id` (wire id) presenting `secret`, if that is one of its live
  // credentials. Thread-safe, no posting.
  absl::StatusOr<Caller> Authenticate(uint64_t node_id, std::string_view secret) const;
  // A new credential for the calling car (`caller` authenticated it).
  void RenewCredential(Caller caller, v1::RenewCredentialRequest req,
                       Reply<v1::RenewCredentialResponse> reply);
  // A car opened a session (Hello already checked against its credential `credential_id`).
  void OpenSession(uint64_t node_id, std::string credential_id, v1::Hello hello,
                   std::shared_ptr<NodeOutbox> outbox);
  // Messages (not Hello, not result chunks, not batches) on that session, in order.
  void OnNodeMessages(uint64_t node_id, std::shared_ptr<NodeOutbox> outbox,
                      std::vector<v1::NodeMessage> msgs);
  // The stream ended without Leave: the car keeps its attempts until its grace runs out.
  void SessionClosed(uint64_t node_id, std::shared_ptr<NodeOutbox> outbox);
  // A complete result (inline or UploadResult). The ack comes once it is durable.
  void SubmitResult(UploadedResult result, Reply<v1::ResultAck> reply);
  // Output cap of an attempt the node runs now (for uploads), or the error status.
  void OutputCapOf(uint64_t node_id, v1::AttemptRef ref, Reply<uint64_t> reply);
  void InputOf(uint64_t node_id, v1::AttemptRef ref, Reply<InputSource> reply);
  // The checkpoint size the task of an attempt the node runs now declares (the cap of an
  // UploadCheckpoint), or the error status (FAILED_PRECONDITION when it declares none).
  void CheckpointCapOf(uint64_t node_id, v1::AttemptRef ref, Reply<uint64_t> reply);
  // A complete checkpoint of an attempt the node runs now, under its current epoch: stored
  // durably with the core's record of it, then acknowledged. A later attempt of the task
  // resumes from it.
  void SubmitCheckpoint(UploadedCheckpoint c, Reply<v1::CheckpointAck> reply);
  // The stored checkpoint `checkpoint_id` that attempt `ref` of the node resumes from (its
  // bytes: Store::ReadCheckpoint, any thread).
  void CheckpointToResume(uint64_t node_id, v1::AttemptRef ref, std::string checkpoint_id,
                          Reply<StoredCheckpoint> reply);

  // --- Jobs. `caller`: who submits / cancels (a SUBMIT token cancels only its own jobs).
  void SubmitJob(v1::JobSpec spec, Reply<v1::SubmitJobResponse> reply, Caller caller = {});
  void GetJob(uint64_t job_id, Reply<v1::Job> reply);
  void ListJobs(v1::ListJobsRequest req, Reply<v1::ListJobsResponse> reply);
  void ListTasks(v1::ListTasksRequest req, Reply<v1::ListTasksResponse> reply);
  void CancelJob(v1::CancelJobRequest req, Reply<v1::CancelJobResponse> reply, Caller caller = {});
  void WatchJob(uint64_t job_id, Duration min_interval, std::shared_ptr<ProgressOutbox> out);
  // Metadata of the stored results of a job (task ids in index order).
  void ResultsOf(v1::FetchResultsRequest req, Reply<std::vector<v1::TaskResult>> reply);
  Store* store() { return store_; }

  // --- Admin
  void ListNodes(v1::ListNodesRequest req, Reply<v1::ListNodesResponse> reply);
  void GetNode(uint64_t node_id, Reply<v1::NodeInfo> reply);
  void FleetStats(Reply<v1::FleetStats> reply);
  void DrainNode(v1::DrainNodeRequest req, Reply<v1::DrainNodeResponse> reply);
  // Revokes credentials; sessions opened with them end (UNAUTHENTICATED), and cars left
  // without a live credential lose their attempts as if they had left.
  void RevokeCredential(v1::RevokeCredentialRequest req, Reply<v1::RevokeCredentialResponse> reply);
  void IssueJoinToken(v1::IssueJoinTokenRequest req, Reply<v1::IssueJoinTokenResponse> reply);
  void RevokeJoinToken(v1::RevokeJoinTokenRequest req, Reply<v1::RevokeJoinTokenResponse> reply);
  void ListJoinTokens(v1::ListJoinTokensRequest req, Reply<v1::ListJoinTokensResponse> reply);
  void IssueApiToken(v1::IssueApiTokenRequest req, Reply<v1::IssueApiTokenResponse> reply);
  void RevokeApiToken(v1::RevokeApiTokenRequest req, Reply<v1::RevokeApiTokenResponse> reply);
  void ListApiTokens(v1::ListApiTokensRequest req, Reply<v1::ListApiTokensResponse> reply);

  // Calendar time in ms, as the Env tells it (credentials and tokens expire by it).
  // Thread-safe.
  int64_t NowMs() const { return env_->UnixNanos() / 1'000'000; }

  // Test hook: runs fn on the owner thread with the core (read only).
  void InspectForTesting(std::function<void(const core::Core&)> fn);

 private:
  struct Session {
    std::shared_ptr<NodeOutbox> outbox;
    uint64_t session_id = 0;
    int64_t connected_unix_ns = 0;
    std::string credential_id;          // the credential the session was opened with
    int64_t credential_expires_ms = 0;  // its expiry (revocations end sessions directly)
  };
  struct NodeExtra {  // what the service keeps per node beyond the core
    std::string owner;
    std::string display_name;
    std::string agent_version;
    int64_t enrolled_unix_ns = 0;
    int64_t last_heartbeat_unix_ns = 0;
    v1::HardwareDescription hardware;
    Session session;
    int64_t warned_departure_unix_ns = 0;  // the departure its heartbeats last announced
    // From its enrollment, updated by each Hello that carries them: what a Hello without
    // them is held to.
    v1::OwnerPreferences preferences;
    v1::BatteryDescription battery;
  };
  struct JobExtra {  // what the service keeps per job beyond the core (and the runtime's
                     // JobStats)
    v1::JobSpec spec;
    std::string submitted_by;  // API token id ("admin": the admin token; "" = open mode)
    int64_t submitted_unix_ns = 0;
    std::string status_detail;
  };
  struct Watcher {
    uint64_t job = 0;
    std::shared_ptr<ProgressOutbox> out;
    Duration min_interval;
    runtime::Env::TimerId timer = 0;  // the next tick (0: none)
    std::string last_sent;            // serialized counts of the last snapshot sent
    v1::JobState last_state = v1::JOB_STATE_UNSPECIFIED;
  };

  // Owner thread helpers.
  void Post(std::function<void()> fn);
  // The brain's time (the runtime's: the Env's, shifted after a restore).
  TimePoint Now() const { return runtime_->Now(); }
  const core::Core& core() const { return runtime_->core(); }
  // Calendar time of the brain's time `t`, and now.
  int64_t UnixNanosAt(TimePoint t) const { return t.nanos() + unix_minus_steady_ns_; }
  int64_t UnixNow() const { return env_->UnixNanos(); }
  // Moves the core's change log (and `extra`, in the same group) into the pending group.
  void CollectChanges(WriteBatch* extra);
  // CollectChanges, then `first` (deferred like every send, and ahead of the messages the
  // decisions make: a reply, a Welcome), then carries out the runtime's pending decisions
  // and re-arms its timer.
  void AfterCall(WriteBatch* extra = nullptr, std::function<void(const absl::Status&)> first = {});
  // Runs `fn` once everything produced so far is durable (with the commit status). Messages
  // queued by SendToNode before it go first.
  void Defer(std::function<void(const absl::Status&)> fn);
  void DeferRaw(std::function<void(const absl::Status&)> fn);
  // Hands the messages SendToNode queued to one deferred callback, grouped by car.
  void FlushOutgoing();
  void OnWake();
  void StatsTick();  // refreshes the metrics gauges every 500 ms
  // Every heartbeat interval: ends the sessions whose credential expired.
  void CredentialTick();
  // Ends node n's session if its credential is no longer live (UNAUTHENTICATED with the
  // credential's RefusalReason), and takes its attempts (they are requeued) if the node has
  // no live credential left. Owner thread, before AfterCall().
  void DropUnauthenticated(NodeId n, int64_t now_ms);
  // Carries out `d_` (taken from the runtime): queues the messages to cars
  // (FlushOutgoing), updates counters.
  void ApplyDecisions();
  // Queues a message for a car; it is sent once everything produced so far is durable.
  void SendToNode(NodeId node, v1::CoordinatorMessage msg);
  v1::Assignment BuildAssignment(const core::Assignment& a);
  void EnterBroken(const absl::Status& why);
  absl::Status Unavailable() const;
  void CommitLoop();
  // Commits `batch`, retrying while the store says full or busy (nothing written) until it
  // goes through, fails otherwise, or Stop() begins. Committer thread.
  absl::Status CommitWithRetry(const WriteBatch& batch);
  absl::Status StoreFull() const;

  v1::Job JobView(JobId job) const;
  v1::TaskCounts CountTasks(const core::JobInfo& info) const;
  v1::JobProgress Progress(JobId job) const;
  void NotifyWatchers(JobId job);
  void WatchTick(std::shared_ptr<Watcher> w);
  v1::NodeInfo NodeView(NodeId node) const;
  // The core id of a wire id that names an existing job / node, else NOT_FOUND.
  absl::StatusOr<JobId> KnownJob(uint64_t wire_id) const;
  absl::StatusOr<NodeId> KnownNode(uint64_t wire_id) const;
  // OK if `ref` names a live attempt of node `n` under its current epoch.
  absl::Status CheckNodeAttempt(NodeId n, const v1::AttemptRef& ref) const;
  void HandleNodeMessage(NodeId node, const std::shared_ptr<NodeOutbox>& outbox,
                         const v1::NodeMessage& msg);
  // A heartbeat's (or Hello's initial) state, SoC and announced departure, checked first:
  // INVALID_ARGUMENT (nothing changes) for an UNSPECIFIED state or a SoC outside [0, 1].
  absl::Status ApplyCarState(NodeId node, const v1::Heartbeat& hb);
  // The owner's preferences and the battery (Hello) as the core's rules: INVALID_ARGUMENT
  // naming the field for bad ones, and nothing changes.
  absl::Status ApplyOwnerRules(NodeId node, const v1::OwnerPreferences& prefs,
                               const v1::BatteryDescription& battery,
                               const v1::HardwareDescription& hardware);

  ServiceOptions options_;
  Store* store_;
  Metrics* metrics_;
  WallClock commit_clock_;  // times store commits (real I/O, whatever the Env)

  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  // Metrics gauges refresh on real time, whatever the Env: they observe, they decide nothing.
  boost::asio::steady_timer stats_timer_{io_};
  std::unique_ptr<runtime::Env> own_env_;  // when ServiceOptions::env is null
  runtime::Env* env_ = nullptr;
  runtime::Env::TimerId credential_timer_ = 0;
  bool stopping_ = false;  // owner thread: Stop() began; timers must not re-arm
  std::thread owner_thread_;
  std::thread commit_thread_;
  std::atomic<bool> broken_{false};
  std::atomic<bool> store_full_{false};  // the last commit found the store full
  std::atomic<bool> stopped_{false};
  absl::Status broken_status_;

  // Owner-thread state.
  std::unique_ptr<runtime::Runtime> runtime_;
  core::Decisions d_;  // the decisions being carried out (taken from the runtime)
  std::vector<std::pair<NodeId, v1::CoordinatorMessage>> outgoing_;  // see SendToNode
  std::vector<core::Change> changes_scratch_;
  std::vector<NodeExtra> nodes_;  // by core NodeId
  std::map<std::string, OwnerId> owners_;
  std::map<std::string, uint64_t> enroll_keys_;  // idempotency key -> wire node id
  struct EnrollReply {
    v1::EnrollResponse response;
    std::string join_token_id;  // a retry must present the same join token
  };
  std::map<uint64_t, EnrollReply> enroll_replies_;              // this process's enrollments
  std::vector<JobExtra> jobs_;                                  // by core JobId
  std::unordered_map<uint64_t, StoredCheckpoint> checkpoints_;  // by wire task id
  std::map<std::string, uint64_t> job_keys_;                    // idempotency key -> wire job id
  std::multimap<uint64_t, std::shared_ptr<Watcher>> watchers_;  // by core job id
  struct ResultMeta {
    std::string digest;
    uint64_t size = 0;
  };
  std::unordered_map<uint64_t, ResultMeta> results_;  // durable results, by wire task id
  uint64_t next_session_id_ = 1;
  int64_t unix_minus_steady_ns_ = 0;

  Identities identities_;  // thread-safe (read by gRPC threads)

  // The pending group, shared with the committer.
  std::mutex commit_mu_;
  std::condition_variable commit_cv_;
  bool commit_stop_ = false;
  WriteBatch pending_;
  std::vector<std::function<void(const absl::Status&)>> pending_callbacks_;
};

}  // namespace fleetgrid::service
