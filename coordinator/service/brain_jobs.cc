// Brain: the client side (jobs, progress watches, results).
#include <boost/asio/steady_timer.hpp>

#include "coordinator/service/brain.h"

namespace fleetgrid::service {

namespace {

bool Final(core::JobStatus s) {
  return s == core::JobStatus::kDone || s == core::JobStatus::kFailed ||
         s == core::JobStatus::kCancelled;
}

}  // namespace

void Brain::SubmitJob(v1::JobSpec spec, Reply<v1::SubmitJobResponse> reply, Caller caller) {
  auto core_spec = ToCoreJobSpec(spec, options_.limits);
  if (!core_spec.ok()) return reply(core_spec.status());
  core_spec->client = caller.token_id;  // fair share is per API token ("" in open mode)
  Post([this, spec = std::move(spec), cs = *std::move(core_spec), reply = std::move(reply),
        by = std::move(caller.token_id)] {
    if (broken_.load()) return reply(Unavailable());
    if (!spec.idempotency_key().empty()) {
      auto it = job_keys_.find(spec.idempotency_key());
      if (it != job_keys_.end()) {
        v1::SubmitJobResponse resp;
        resp.set_job_id(it->second);
        resp.set_duplicate(true);
        *resp.mutable_job() = JobView(CoreJob(it->second));
        // Deferred: the original may still be on its way to the disk.
        return Defer([reply, resp](const absl::Status& s) { s.ok() ? reply(resp) : reply(s); });
      }
    }
    // A new job would only wait behind the group the store cannot take (a duplicate of one
    // accepted before is still answered above).
    if (store_full_.load()) return reply(StoreFull());
    auto id = runtime_->SubmitJob(cs);
    if (!id.ok()) {
      AfterCall();
      return reply(id.status());
    }
    if (jobs_.size() <= id->value()) jobs_.resize(id->value() + 1);
    JobExtra& x = jobs_[id->value()];
    x.spec = spec;
    x.submitted_unix_ns = UnixNow();
    WriteBatch extra;
    JobRecord rec;
    rec.job_id = WireJob(*id);
    rec.idempotency_key = spec.idempotency_key();
    rec.spec = spec.SerializeAsString();
    rec.submitted_unix_ms = x.submitted_unix_ns / 1'000'000;
    rec.submitted_by = by;
    x.submitted_by = by;
    extra.jobs.push_back(std::move(rec));
    if (!spec.idempotency_key().empty()) job_keys_[spec.idempotency_key()] = WireJob(*id);
    metrics_->jobs_submitted_total.fetch_add(1, std::memory_order_relaxed);
    v1::SubmitJobResponse resp;
    resp.set_job_id(WireJob(*id));
    *resp.mutable_job() = JobView(*id);
    // Acknowledged only once the job is durable.
    AfterCall(&extra, [reply, resp](const absl::Status& s) { s.ok() ? reply(resp) : reply(s); });
  });
}

v1::TaskCounts Brain::CountTasks(const core::JobInfo& info) const {
  v1::TaskCounts c;
  for (uint32_t i = 0; i < info.task_count; ++i) {
    const auto t = core().GetTask(TaskId(info.first_task.value() + i));
    if (!t.ok()) continue;
    switch (t->status) {
      case core::TaskStatus::kPending:
        c.set_queued(c.queued() + 1);
        break;
      case core::TaskStatus::kRunning:
        c.set_running(c.running() + 1);
        break;
      case core::TaskStatus::kDone:
        c.set_done(c.done() + 1);
        break;
      case core::TaskStatus::kFailed:
        c.set_failed(c.failed() + 1);
        break;
      case core::TaskStatus::kCancelled:
        c.set_cancelled(c.cancelled() + 1);
        break;
    }
  }
  return c;
}

v1::Job Brain::JobView(JobId job) const {
  const core::JobInfo info = *core().GetJob(job);
  const JobExtra& x = jobs_[job.value()];
  const runtime::JobStats& stats = runtime_->job_stats(job);
  v1::Job out;
  out.set_job_id(WireJob(job));
  *out.mutable_spec() = x.spec;
  out.set_state(ToWire(info.status));
  *out.mutable_task_counts() = CountTasks(info);
  *out.mutable_submitted_at() = ToTimestamp(x.submitted_unix_ns);
  if (!stats.started.IsInfinite()) {
    *out.mutable_started_at() = ToTimestamp(UnixNanosAt(stats.started));
  }
  if (!stats.finished.IsInfinite()) {
    *out.mutable_finished_at() = ToTimestamp(UnixNanosAt(stats.finished));
  }
  if (!info.deadline.IsInfinite()) {
    *out.mutable_deadline_at() = ToTimestamp(UnixNanosAt(info.deadline));
  }
  out.set_status_detail(x.status_detail);
  out.set_results_invalid(stats.results_invalid);
  out.set_spot_checks_failed(stats.spot_checks_failed);
  // Work and started attempts from the core's per-task records (kept across restarts).
  double total = 0;
  uint64_t started = 0;
  for (uint32_t i = 0; i < info.task_count; ++i) {
    const TaskId t(info.first_task.value() + i);
    total += core().view().TaskWork(t);
    started += core().view().TaskAttempts(t);
  }
  out.set_attempts_started(started);
  out.set_work_total_units(total * info.replication);
  double per_task = info.task_count ? total / info.task_count : 0;
  out.set_work_done_units(per_task * out.task_counts().done());
  return out;
}

v1::JobProgress Brain::Progress(JobId job) const {
  const v1::Job j = JobView(job);
  const runtime::JobStats& x = runtime_->job_stats(job);
  v1::JobProgress p;
  p.set_job_id(j.job_id());
  p.set_state(j.state());
  *p.mutable_observed_at() = ToTimestamp(UnixNow());
  *p.mutable_task_counts() = j.task_counts();
  p.set_attempts_started(j.attempts_started());
  p.set_attempts_lost(x.attempts_lost);
  p.set_attempts_failed(x.attempts_failed);
  p.set_work_done_units(j.work_done_units());
  p.set_work_lost_units(x.work_lost_units);
  p.set_work_total_units(j.work_total_units());
  p.set_final(j.state() == v1::JOB_STATE_DONE || j.state() == v1::JOB_STATE_FAILED ||
              j.state() == v1::JOB_STATE_CANCELLED);
  return p;
}

void Brain::GetJob(uint64_t job_id, Reply<v1::Job> reply) {
  Post([this, job_id, reply = std::move(reply)] {
    const auto j_or = KnownJob(job_id);
    if (!j_or.ok()) return reply(j_or.status());
    const JobId j = *j_or;
    reply(JobView(j));
  });
}

void Brain::ListJobs(v1::ListJobsRequest req, Reply<v1::ListJobsResponse> reply) {
  Post([this, req = std::move(req), reply = std::move(reply)] {
    // Newest first: the page token is the wire id to continue from (downwards).
    auto pg = ParsePage(req.page_token(), req.page_size(), core().job_count());
    if (!pg.ok()) return reply(pg.status());
    const uint64_t start = std::min<uint64_t>(pg->start, core().job_count());
    const uint32_t page = pg->size;
    v1::ListJobsResponse resp;
    uint64_t wire = start;
    for (; wire >= 1 && static_cast<uint32_t>(resp.jobs_size()) < page; --wire) {
      v1::Job j = JobView(CoreJob(wire));
      if (!req.states().empty() &&
          std::find(req.states().begin(), req.states().end(), j.state()) == req.states().end()) {
        continue;
      }
      *resp.add_jobs() = std::move(j);
    }
    if (wire >= 1) resp.set_next_page_token(std::to_string(wire));
    reply(resp);
  });
}

void Brain::ListTasks(v1::ListTasksRequest req, Reply<v1::ListTasksResponse> reply) {
  Post([this, req = std::move(req), reply = std::move(reply)] {
    const auto j_or = KnownJob(req.job_id());
    if (!j_or.ok()) return reply(j_or.status());
    const JobId j = *j_or;
    const core::JobInfo info = *core().GetJob(j);
    auto pg = ParsePage(req.page_token(), req.page_size(), 0);
    if (!pg.ok()) return reply(pg.status());
    const auto start = static_cast<uint32_t>(std::min<uint64_t>(pg->start, UINT32_MAX));
    const uint32_t page = pg->size;
    v1::ListTasksResponse resp;
    uint32_t i = start;
    for (; i < info.task_count && static_cast<uint32_t>(resp.tasks_size()) < page; ++i) {
      const TaskId t(info.first_task.value() + i);
      const core::TaskInfo ti = *core().GetTask(t);
      v1::Task task;
      task.set_task_id(WireTask(t));
      task.set_job_id(req.job_id());
      task.set_task_index(i);
      task.mutable_spec()->set_work_units(ti.spec.work_units);
      task.mutable_spec()->set_input_size_bytes(ti.spec.input_bytes);
      task.mutable_spec()->set_output_size_bytes(ti.spec.output_bytes);
      task.set_state(ToWire(ti.status));
      if (!req.states().empty() &&
          std::find(req.states().begin(), req.states().end(), task.state()) == req.states().end()) {
        continue;
      }
      if (auto it = results_.find(WireTask(t)); it != results_.end()) {
        task.mutable_result_digest()->set_sha256(it->second.digest);
        task.set_result_size_bytes(it->second.size);
      }
      if (req.include_attempts()) {
        for (const core::AttemptInfo& a : core().TaskAttempts(t)) {
          v1::Attempt* at = task.add_attempts();
          at->mutable_attempt()->set_attempt_id(a.id.value());
          at->mutable_attempt()->set_lease_epoch(a.epoch);
          at->set_node_id(WireNode(a.node));
          at->set_state(v1::ATTEMPT_STATE_RUNNING);
          at->set_work_done_units(a.progress_units);
        }
      }
      *resp.add_tasks() = std::move(task);
    }
    if (i < info.task_count) resp.set_next_page_token(std::to_string(i));
    reply(resp);
  });
}

void Brain::CancelJob(v1::CancelJobRequest req, Reply<v1::CancelJobResponse> reply, Caller caller) {
  Post([this, req = std::move(req), reply = std::move(reply), caller = std::move(caller)] {
    if (broken_.load()) return reply(Unavailable());
    const auto j_or = KnownJob(req.job_id());
    if (!j_or.ok()) return reply(j_or.status());
    const JobId j = *j_or;
    // A SUBMIT token cancels only what it submitted; ADMIN (and open mode) anything.
    if (caller.role == v1::API_ROLE_SUBMIT && jobs_[j.value()].submitted_by != caller.token_id) {
      return reply(absl::PermissionDeniedError("job " + std::to_string(req.job_id()) +
                                               " was not submitted with API token " +
                                               caller.token_id));
    }
    v1::CancelJobResponse resp;
    if (Final(core().GetJob(j)->status)) {
      resp.set_already_final(true);
      *resp.mutable_job() = JobView(j);
      return reply(resp);
    }
    if (absl::Status s = runtime_->CancelJob(j); !s.ok()) {
      AfterCall();
      return reply(s);
    }
    jobs_[j.value()].status_detail =
        req.reason().empty() ? "cancelled by its client" : "cancelled: " + req.reason();
    AfterCall();
    *resp.mutable_job() = JobView(j);
    Defer([reply, resp](const absl::Status& s) { s.ok() ? reply(resp) : reply(s); });
  });
}

void Brain::WatchJob(uint64_t job_id, Duration min_interval, std::shared_ptr<ProgressOutbox> out) {
  Post([this, job_id, min_interval, out = std::move(out)] {
    if (broken_.load() || stopping_) return out->Finish(Unavailable());
    const auto j_or = KnownJob(job_id);
    if (!j_or.ok()) return out->Finish(j_or.status());
    const JobId j = *j_or;
    auto w = std::make_shared<Watcher>();
    w->job = j.value();
    w->out = out;
    w->min_interval = std::max(min_interval, Duration::Millis(10));
    watchers_.emplace(j.value(), w);
    WatchTick(w);
  });
}

// Sends a snapshot if anything changed (always the first and the final one); re-arms.
void Brain::WatchTick(std::shared_ptr<Watcher> w) {
  if (stopping_) return;
  if (w->out->Gone()) {
    // A cancelled call still needs its Finish, or the server's Shutdown waits for it for
    // ever (no-op once the reactor is done).
    w->out->Finish(absl::CancelledError("the client went away"));
    for (auto [it, end] = watchers_.equal_range(w->job); it != end; ++it) {
      if (it->second == w) {
        watchers_.erase(it);
        break;
      }
    }
    return;
  }
  v1::JobProgress p = Progress(JobId(static_cast<uint32_t>(w->job)));
  std::string key = p.task_counts().SerializeAsString() + std::to_string(p.state()) + "/" +
                    std::to_string(p.attempts_started()) + "/" + std::to_string(p.attempts_lost());
  const bool changed = key != w->last_sent;
  if (changed) {
    if (p.state() != w->last_state && w->last_state != v1::JOB_STATE_UNSPECIFIED) {
      p.set_previous_state(w->last_state);
    }
    w->last_sent = std::move(key);
    w->last_state = p.state();
    // Released in order with everything before it, so a final DONE snapshot is only seen
    // once every result it counts is durable.
    const bool final = p.final();
    Defer([out = w->out, p, final](const absl::Status& s) {
      if (!s.ok()) return;
      out->Send(p);
      if (final) out->Finish(absl::OkStatus());
    });
    if (final) {
      for (auto [it, end] = watchers_.equal_range(w->job); it != end; ++it) {
        if (it->second == w) {
          watchers_.erase(it);
          break;
        }
      }
      return;
    }
  }
  w->timer = env_->After(w->min_interval, [this, w] {
    w->timer = 0;
    WatchTick(w);
  });
}

void Brain::NotifyWatchers(JobId job) {
  auto [it, end] = watchers_.equal_range(job.value());
  std::vector<std::shared_ptr<Watcher>> ws;
  for (; it != end; ++it) ws.push_back(it->second);
  for (auto& w : ws) {
    env_->Cancel(w->timer);  // its pending tick will not run
    w->timer = 0;
    WatchTick(w);
  }
}

void Brain::ResultsOf(v1::FetchResultsRequest req, Reply<std::vector<v1::TaskResult>> reply) {
  Post([this, req = std::move(req), reply = std::move(reply)] {
    const auto j_or = KnownJob(req.job_id());
    if (!j_or.ok()) return reply(j_or.status());
    const JobId j = *j_or;
    const core::JobInfo info = *core().GetJob(j);
    std::vector<v1::TaskResult> out;
    auto add = [&](uint32_t index) {
      const uint64_t wire = WireTask(TaskId(info.first_task.value() + index));
      auto it = results_.find(wire);
      if (it == results_.end()) return false;
      v1::TaskResult r;
      r.set_task_id(wire);
      r.set_task_index(index);
      r.set_size_bytes(it->second.size);
      r.mutable_digest()->set_sha256(it->second.digest);
      out.push_back(std::move(r));
      return true;
    };
    if (req.task_ids().empty()) {
      for (uint32_t i = req.start_task_index(); i < info.task_count; ++i) add(i);
    } else {
      for (uint64_t wire : req.task_ids()) {
        const TaskId t = CoreTask(wire);
        if (!t.valid() || t.value() < info.first_task.value() ||
            t.value() >= info.first_task.value() + info.task_count) {
          return reply(absl::NotFoundError("task " + std::to_string(wire) + " is not in job " +
                                           std::to_string(req.job_id())));
        }
        if (!add(t.value() - info.first_task.value())) {
          return reply(absl::FailedPreconditionError("task " + std::to_string(wire) +
                                                     " has no accepted result yet"));
        }
      }
    }
    reply(std::move(out));
  });
}

}  // namespace fleetgrid::service
