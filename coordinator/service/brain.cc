#include "coordinator/service/brain.h"

#include <pthread.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <iostream>

#include "coordinator/service/asio_env.h"
#include "coordinator/service/change_codec.h"

namespace fleetgrid::service {

namespace asio = boost::asio;

Brain::Brain(ServiceOptions options, Store* store, Metrics* metrics)
    : options_(std::move(options)),
      store_(store),
      metrics_(metrics),
      identities_(options_.admin_token_sha256, options_.credential_ttl.millis()) {
  if (options_.env == nullptr) own_env_ = std::make_unique<AsioEnv>(io_);
  env_ = options_.env != nullptr ? options_.env : own_env_.get();
}

Brain::~Brain() { Stop(); }

absl::Status Brain::Start() {
  FG_ASSIGN_OR_RETURN(StoredState state, store_->Load());
  std::vector<core::Change> log;
  log.reserve(state.changes.size());
  for (size_t i = 0; i < state.changes.size(); ++i) {
    auto c = DecodeChange(state.changes[i]);
    if (!c.ok()) {
      return absl::DataLossError("store " + store_->Describe() + ": change record " +
                                 std::to_string(i + 1) +
                                 " unreadable: " + std::string(c.status().message()));
    }
    log.push_back(*std::move(c));
  }
  core::CoreConfig cfg;
  cfg.heartbeat_grace = options_.heartbeat_grace;
  cfg.attempt_timeout = options_.lease;
  cfg.quota = options_.quota;
  cfg.policy = options_.policy;
  cfg.policy_params = options_.policy_params;
  cfg.record_changes = true;
  cfg.loss_guard = options_.loss_guard;
  if (cfg.loss_guard.suspect_window == Duration::Zero()) {
    cfg.loss_guard.suspect_window = options_.heartbeat_interval;
  }
  absl::StatusOr<std::unique_ptr<runtime::Runtime>> rt = runtime::Runtime::Create(cfg, *env_, log);
  if (!rt.ok()) {
    if (!absl::IsDataLoss(rt.status())) return rt.status();
    return absl::DataLossError(std::string(rt.status().message()) + " (store " +
                               store_->Describe() + ")");
  }
  runtime_ = *std::move(rt);
  runtime_->SetWakeupHandler([this] { OnWake(); });
  unix_minus_steady_ns_ = UnixNow() - Now().nanos();

  nodes_.resize(core().node_count());
  for (const NodeRecord& n : state.nodes) {
    const NodeId id = CoreNode(n.node_id);
    if (!id.valid() || id.value() >= core().node_count()) {
      return absl::DataLossError("store: node " + std::to_string(n.node_id) +
                                 " is not in the change log");
    }
    NodeExtra& x = nodes_[id.value()];
    v1::EnrollRequest req;
    req.ParseFromString(n.enroll_request);
    x.owner = n.owner;
    x.display_name = req.display_name();
    x.agent_version = req.agent_version();
    x.hardware = req.hardware();
    x.preferences = req.preferences();
    x.battery = req.battery();
    x.enrolled_unix_ns = n.enrolled_unix_ms * 1'000'000;
    owners_[n.owner] = core().GetNode(id)->owner;
    if (!n.enroll_key.empty()) enroll_keys_[n.enroll_key] = n.node_id;
  }
  identities_.Load(state);
  jobs_.resize(core().job_count());
  for (const JobRecord& j : state.jobs) {
    const JobId id = CoreJob(j.job_id);
    if (!id.valid() || id.value() >= core().job_count()) {
      return absl::DataLossError("store: job " + std::to_string(j.job_id) +
                                 " is not in the change log");
    }
    JobExtra& x = jobs_[id.value()];
    x.spec.ParseFromString(j.spec);
    x.submitted_unix_ns = j.submitted_unix_ms * 1'000'000;
    x.submitted_by = j.submitted_by;
    if (!j.idempotency_key.empty()) job_keys_[j.idempotency_key] = j.job_id;
  }
  for (const ResultRecord& r : state.results) {
    results_[r.task_id] = {r.digest, r.size_bytes};
  }
  for (const CheckpointRecord& c : state.checkpoints) {
    checkpoints_[c.task_id] = {c.task_id, c.checkpoint_id, c.work_done_units, c.size_bytes,
                               c.digest};
  }
  metrics_->nodes_enrolled = static_cast<int64_t>(state.nodes.size());
  if (!state.changes.empty()) {
    std::cerr << "fleetgrid coordinator: restored " << state.jobs.size() << " jobs, "
              << state.results.size() << " results, " << state.nodes.size() << " nodes from "
              << state.changes.size() << " change records\n";
  }

  commit_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "fg-commit");
    CommitLoop();
  });
  owner_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "fg-brain");
    io_.run();
  });
  // A ManualEnv (tests) runs its timers on this thread, as Asio timers do.
  env_->SetExecutor([this](std::function<void()> fn) { Post(std::move(fn)); });
  Post([this] {
    runtime_->Rearm();
    StatsTick();
    CredentialTick();
  });
  return absl::OkStatus();
}

void Brain::CloseStreams() {
  Post([this] {
    for (NodeExtra& x : nodes_) {
      if (x.session.outbox) {
        x.session.outbox->Finish(absl::UnavailableError("coordinator shutting down"));
        x.session = {};
      }
    }
    for (auto& [job, w] : watchers_) {
      env_->Cancel(w->timer);
      w->out->Finish(absl::UnavailableError("coordinator shutting down"));
    }
    watchers_.clear();
  });
}

void Brain::Stop() {
  if (stopped_.exchange(true)) return;
  if (!owner_thread_.joinable()) return;
  {
    std::lock_guard lock(commit_mu_);
    commit_stop_ = true;
  }
  commit_cv_.notify_all();
  commit_thread_.join();
  Post([this] {
    // A timer that already fired has its handler queued: cancel() cannot stop it, and it
    // would re-arm itself for ever. Handlers check stopping_ instead.
    stopping_ = true;
    runtime_->Stop();
    stats_timer_.cancel();
    env_->Cancel(credential_timer_);
    for (auto& [job, w] : watchers_) env_->Cancel(w->timer);
    watchers_.clear();
  });
  work_.reset();
  owner_thread_.join();
  env_->SetExecutor(nullptr);  // a test's clock may move on after the brain is gone
}

void Brain::Post(std::function<void()> fn) { asio::post(io_, std::move(fn)); }

absl::StatusOr<JobId> Brain::KnownJob(uint64_t wire_id) const {
  const JobId j = CoreJob(wire_id);
  if (!j.valid() || j.value() >= core().job_count()) {
    return absl::NotFoundError("unknown job " + std::to_string(wire_id));
  }
  return j;
}

absl::StatusOr<NodeId> Brain::KnownNode(uint64_t wire_id) const {
  const NodeId n = CoreNode(wire_id);
  if (!n.valid() || n.value() >= core().node_count()) {
    return absl::NotFoundError("unknown node " + std::to_string(wire_id));
  }
  return n;
}

void Brain::InspectForTesting(std::function<void(const core::Core&)> fn) {
  Post([this, fn = std::move(fn)] { fn(core()); });
}

absl::Status Brain::Unavailable() const {
  return absl::UnavailableError(
      "coordinator stopped serving after a store failure; restart it to recover from the "
      "store");
}

// ---------------------------------------------------------------------------------------
// Group commit.

void Brain::CollectChanges(WriteBatch* extra) {
  runtime_->TakeChanges(changes_scratch_);
  const bool has_extra = extra != nullptr && !extra->empty();
  // Most calls (heartbeats) change nothing durable: leave the committer asleep.
  if (changes_scratch_.empty() && !has_extra) return;
  std::vector<std::string> encoded;
  encoded.reserve(changes_scratch_.size());
  for (const core::Change& c : changes_scratch_) encoded.push_back(EncodeChange(c));
  {
    std::lock_guard lock(commit_mu_);
    for (std::string& e : encoded) pending_.changes.push_back(std::move(e));
    if (has_extra) {
      for (auto& n : extra->nodes) pending_.nodes.push_back(std::move(n));
      for (auto& j : extra->jobs) pending_.jobs.push_back(std::move(j));
      for (auto& r : extra->results) pending_.results.push_back(std::move(r));
      for (auto& t : extra->join_tokens) pending_.join_tokens.push_back(std::move(t));
      for (auto& c : extra->credentials) pending_.credentials.push_back(std::move(c));
      for (auto& t : extra->api_tokens) pending_.api_tokens.push_back(std::move(t));
      for (auto& c : extra->checkpoints) pending_.checkpoints.push_back(std::move(c));
    }
  }
  changes_scratch_.clear();
  commit_cv_.notify_one();
}

void Brain::Defer(std::function<void(const absl::Status&)> fn) {
  FlushOutgoing();
  DeferRaw(std::move(fn));
}

void Brain::DeferRaw(std::function<void(const absl::Status&)> fn) {
  {
    std::lock_guard lock(commit_mu_);
    pending_callbacks_.push_back(std::move(fn));
  }
  commit_cv_.notify_one();
}

void Brain::AfterCall(WriteBatch* extra, std::function<void(const absl::Status&)> first) {
  CollectChanges(extra);
  if (first) Defer(std::move(first));
  runtime_->TakeDecisions(d_);
  ApplyDecisions();
  d_.Clear();
  runtime_->Rearm();
}

void Brain::CommitLoop() {
  for (;;) {
    WriteBatch batch;
    std::vector<std::function<void(const absl::Status&)>> callbacks;
    {
      std::unique_lock lock(commit_mu_);
      commit_cv_.wait(
          lock, [&] { return commit_stop_ || !pending_.empty() || !pending_callbacks_.empty(); });
      if (pending_.empty() && pending_callbacks_.empty()) return;
      std::swap(batch, pending_);
      std::swap(callbacks, pending_callbacks_);
    }
    absl::Status s;
    if (broken_.load()) {
      s = Unavailable();
    } else if (!batch.empty()) {
      s = CommitWithRetry(batch);
      if (!s.ok()) {
        broken_ = true;
        Post([this, s] { EnterBroken(s); });
        // What waited on this group is not acknowledged, whatever the store's code: the
        // caller may retry (idempotency keys make that safe) once the coordinator is back.
        s = absl::UnavailableError("not stored: the coordinator's store failed (" +
                                   std::string(s.message()) + "); retry later");
      } else {
        // Durable results become visible to FetchResults.
        std::vector<std::pair<uint64_t, ResultMeta>> metas;
        for (const ResultRecord& r : batch.results) {
          metas.push_back({r.task_id, {r.digest, r.size_bytes}});
        }
        if (!metas.empty()) {
          Post([this, metas = std::move(metas)] {
            for (const auto& [task, m] : metas) results_[task] = m;
          });
        }
      }
    }
    if (!callbacks.empty()) {
      Post([callbacks = std::move(callbacks), s] {
        for (const auto& cb : callbacks) cb(s);
      });
    }
  }
}

absl::Status Brain::CommitWithRetry(const WriteBatch& batch) {
  const uint64_t items = batch.changes.size() + batch.jobs.size() + batch.results.size() +
                         batch.nodes.size() + batch.join_tokens.size() + batch.credentials.size() +
                         batch.api_tokens.size() + batch.checkpoints.size();
  auto backoff = std::chrono::milliseconds(20);
  for (bool told = false;;) {
    const TimePoint t0 = commit_clock_.Now();
    absl::Status s = store_->Commit(batch);
    metrics_->ObserveCommit(items, commit_clock_.Now() - t0);
    // Full and busy write nothing (Store's contract): the same group may go through later.
    // Anything else leaves the outcome unknown, and the caller stops serving.
    const bool full = absl::IsResourceExhausted(s);
    if (s.ok() || !(full || absl::IsUnavailable(s))) {
      if (told) std::cerr << "fleetgrid coordinator: store writable again\n";
      store_full_ = false;
      metrics_->store_full = 0;
      return s;
    }
    store_full_ = full;
    metrics_->store_full = full ? 1 : 0;
    ++metrics_->store_retries_total;
    if (!told) {
      std::cerr << "fleetgrid coordinator: store commit deferred (" << s.message() << "); "
                << (full ? "refusing new jobs and cars until space returns; " : "")
                << "retrying, nothing is acknowledged meanwhile\n";
      told = true;
    }
    std::unique_lock lock(commit_mu_);
    if (commit_cv_.wait_for(lock, backoff, [&] { return commit_stop_; })) return s;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

absl::Status Brain::StoreFull() const {
  return absl::ResourceExhaustedError(
      "the coordinator's store is full; retry once space is freed (nothing was stored)");
}

void Brain::EnterBroken(const absl::Status& why) {
  broken_ = true;
  metrics_->healthy = 0;
  std::cerr << "fleetgrid coordinator: store commit failed (" << why
            << "); refusing to serve from now on: memory is ahead of the store. Restart the "
               "coordinator to recover from the store.\n";
  for (NodeExtra& x : nodes_) {
    if (x.session.outbox) {
      x.session.outbox->Finish(Unavailable());
      x.session = {};
    }
  }
  for (auto& [job, w] : watchers_) {
    env_->Cancel(w->timer);
    w->out->Finish(Unavailable());
  }
  watchers_.clear();
}

// ---------------------------------------------------------------------------------------
// Time.

// The runtime's timer ticked the core: carry out what it decided, like any call.
void Brain::OnWake() {
  if (broken_.load()) {
    // Nothing leaves a broken coordinator; it serves no more, and wakes no more.
    runtime_->TakeDecisions(d_);
    d_.Clear();
    return;
  }
  AfterCall();
}

void Brain::StatsTick() {
  if (stopping_) return;
  const core::CoreStats& st = core().stats();
  std::array<int64_t, 4> by_state{};
  int64_t connected = 0;
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].session.outbox) continue;
    ++connected;
    by_state[static_cast<size_t>(core().view().NodeReportedState(NodeId(i)))]++;
  }
  for (size_t i = 0; i < 4; ++i) metrics_->nodes_by_state[i] = by_state[i];
  metrics_->nodes_connected = connected;
  metrics_->nodes_lost_total = st.nodes_lost;
  metrics_->self_suspicions_total = st.self_suspicions;
  metrics_->losses_paced_total = st.losses_paced;
  metrics_->results_invalid_total = st.attempts_disagreed;
  metrics_->spot_checks_failed_total = st.spot_checks_failed;
  metrics_->results_unreplicated_total = st.results_unreplicated;
  metrics_->quota_holds_total = st.quota_holds;
  metrics_->nodes_distrusted = static_cast<int64_t>(st.nodes_with_invalid_results);
  metrics_->queue_length = static_cast<int64_t>(st.tasks_ready);
  metrics_->running_attempts = static_cast<int64_t>(st.attempts_live);
  metrics_->active_jobs =
      static_cast<int64_t>(st.jobs_submitted - st.jobs_done - st.jobs_failed - st.jobs_cancelled);
  stats_timer_.expires_after(std::chrono::milliseconds(500));
  stats_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) StatsTick();
  });
}

// ---------------------------------------------------------------------------------------
// Decisions.

void Brain::SendToNode(NodeId node, v1::CoordinatorMessage msg) {
  outgoing_.emplace_back(node, std::move(msg));
}

void Brain::FlushOutgoing() {
  if (outgoing_.empty()) return;
  // One car's messages of one call go out together, in the order they were made.
  std::stable_sort(outgoing_.begin(), outgoing_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  DeferRaw([this, out = std::move(outgoing_)](const absl::Status& s) mutable {
    if (!s.ok()) return;
    for (size_t i = 0; i < out.size();) {
      const NodeId node = out[i].first;
      size_t j = i;
      std::vector<v1::CoordinatorMessage> msgs;
      for (; j < out.size() && out[j].first == node; ++j) msgs.push_back(std::move(out[j].second));
      const Session& sess = nodes_[node.value()].session;
      if (sess.outbox) sess.outbox->SendAll(std::move(msgs));
      i = j;
    }
  });
  outgoing_.clear();
}

v1::Assignment Brain::BuildAssignment(const core::Assignment& a) {
  v1::Assignment m;
  m.set_task_id(WireTask(a.task));
  m.set_job_id(WireJob(a.job));
  m.mutable_attempt()->set_attempt_id(a.attempt.value());
  m.mutable_attempt()->set_lease_epoch(a.epoch);
  if (!a.lease_deadline.IsInfinite()) {
    *m.mutable_lease_deadline() = ToTimestamp(UnixNanosAt(a.lease_deadline));
  }
  const JobExtra& j = jobs_[a.job.value()];
  const uint32_t first = core().view().JobFirstTask(a.job);
  const uint32_t index = a.task.value() - first;
  m.set_task_index(index);
  const auto task = core().GetTask(a.task);
  const core::TaskSpec spec = task.ok() ? task->spec : core::TaskSpec{};
  m.set_work_units(spec.work_units);
  m.set_input_size_bytes(spec.input_bytes);
  m.set_output_size_cap_bytes(OutputCap(spec, options_.limits));
  *m.mutable_executor() = j.spec.executor();
  if (j.spec.has_task_list() && static_cast<int>(index) < j.spec.task_list().tasks_size() &&
      j.spec.task_list().tasks(static_cast<int>(index)).has_executor()) {
    *m.mutable_executor() = j.spec.task_list().tasks(static_cast<int>(index)).executor();
  }
  if (spec.input_bytes <= options_.inline_input_max_bytes) {
    std::string input = SyntheticInput(ExecutorSeed(j.spec), index, spec.input_bytes);
    m.mutable_input_digest()->set_sha256(AsString(Sha256(input)));
    if (!input.empty()) m.set_inline_input(std::move(input));
  } else {
    m.mutable_input_digest()->set_sha256(
        AsString(Sha256(SyntheticInput(ExecutorSeed(j.spec), index, spec.input_bytes))));
  }
  m.set_checkpoint_size_bytes(spec.checkpoint_bytes);
  if (a.resume_from_units > 0) {
    v1::Checkpoint* from = m.mutable_resume_from();
    from->set_work_done_units(a.resume_from_units);
    auto cp = checkpoints_.find(WireTask(a.task));
    if (cp != checkpoints_.end()) {
      from->set_checkpoint_id(cp->second.checkpoint_id);
      from->set_work_done_units(cp->second.work_done_units);
      from->set_size_bytes(cp->second.size_bytes);
      from->mutable_digest()->set_sha256(cp->second.digest);
      metrics_->attempts_resumed_total.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (j.spec.has_deadline()) {
    const core::JobInfo info = *core().GetJob(a.job);
    if (!info.deadline.IsInfinite()) {
      *m.mutable_job_deadline() = ToTimestamp(UnixNanosAt(info.deadline));
    }
  }
  if (j.spec.has_checkpoint_interval()) {
    *m.mutable_checkpoint_interval() = j.spec.checkpoint_interval();
  }
  return m;
}

void Brain::ApplyDecisions() {
  for (const core::Assignment& a : d_.assignments) {
    metrics_->assignments_total.fetch_add(1, std::memory_order_relaxed);
    v1::CoordinatorMessage msg;
    *msg.mutable_assignment() = BuildAssignment(a);
    SendToNode(a.node, std::move(msg));
  }
  for (const core::Cancellation& c : d_.cancellations) {
    v1::CoordinatorMessage msg;
    msg.mutable_cancel()->mutable_attempt()->set_attempt_id(c.attempt.value());
    msg.mutable_cancel()->mutable_attempt()->set_lease_epoch(c.attempt.value() & 0xffffffffu);
    msg.mutable_cancel()->set_reason(ToWire(c.reason));
    msg.mutable_cancel()->set_detail(std::string(core::ToString(c.reason)));
    SendToNode(c.node, std::move(msg));
  }
  for (const core::AttemptEnded& e : d_.ended) {  // per job: the runtime's JobStats
    switch (e.outcome) {
      case core::AttemptOutcome::kLost:
      case core::AttemptOutcome::kLeft:
        metrics_->attempts_lost_total.fetch_add(1, std::memory_order_relaxed);
        break;
      case core::AttemptOutcome::kFailed:
      case core::AttemptOutcome::kExpired:
        metrics_->attempts_failed_total.fetch_add(1, std::memory_order_relaxed);
        break;
      default:
        break;
    }
  }
  for (const core::TaskCompleted& c : d_.completed) {
    metrics_->results_total.fetch_add(1, std::memory_order_relaxed);
    checkpoints_.erase(WireTask(c.task));  // the store deletes its bytes with the result
  }
  for (const core::CheckpointRequest& r : d_.checkpoint_requests) {
    metrics_->checkpoint_requests_total.fetch_add(1, std::memory_order_relaxed);
    v1::CoordinatorMessage msg;
    v1::CheckpointRequest* q = msg.mutable_checkpoint_request();
    q->mutable_attempt()->set_attempt_id(r.attempt.value());
    q->mutable_attempt()->set_lease_epoch(r.epoch);
    *q->mutable_start_by() = ToTimestamp(UnixNanosAt(r.start_by));
    *q->mutable_departure() = ToTimestamp(UnixNanosAt(r.departure));
    SendToNode(r.node, std::move(msg));
  }
  for (const core::JobChanged& c : d_.job_changes) NotifyWatchers(c.job);
  FlushOutgoing();
}

}  // namespace fleetgrid::service
