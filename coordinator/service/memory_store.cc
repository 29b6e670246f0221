#include "coordinator/service/memory_store.h"

#include <algorithm>
#include <set>

namespace fleetgrid::service {
namespace {

// Identity records replace the stored record of the same id (store.h).
template <typename Rec>
void Upsert(std::vector<Rec>& stored, const std::vector<Rec>& batch, std::string Rec::*id) {
  for (const Rec& r : batch) {
    auto it =
        std::find_if(stored.begin(), stored.end(), [&](const Rec& s) { return s.*id == r.*id; });
    if (it == stored.end()) {
      stored.push_back(r);
    } else {
      *it = r;
    }
  }
}

}  // namespace

absl::Status MemoryStore::Commit(const WriteBatch& batch) {
  std::unique_lock lock(mu_);
  ++blocked_;
  cv_.wait(lock, [&] { return !held_; });
  --blocked_;
  if (fail_next_ > 0) {
    --fail_next_;
    return absl::UnavailableError("memory store: injected commit failure");
  }
  // Check constraints first so that a failing batch changes nothing.
  std::set<uint64_t> tasks, jobs;
  std::set<std::string> keys;
  for (const ResultRecord& r : state_.results) tasks.insert(r.task_id);
  for (const JobRecord& j : state_.jobs) {
    jobs.insert(j.job_id);
    if (!j.idempotency_key.empty()) keys.insert(j.idempotency_key);
  }
  for (const ResultRecord& r : batch.results) {
    if (!tasks.insert(r.task_id).second) {
      return absl::AlreadyExistsError("task " + std::to_string(r.task_id) +
                                      " already has a result");
    }
  }
  for (const JobRecord& j : batch.jobs) {
    if (!jobs.insert(j.job_id).second ||
        (!j.idempotency_key.empty() && !keys.insert(j.idempotency_key).second)) {
      return absl::AlreadyExistsError("job " + std::to_string(j.job_id) + " already stored");
    }
  }
  state_.changes.insert(state_.changes.end(), batch.changes.begin(), batch.changes.end());
  state_.nodes.insert(state_.nodes.end(), batch.nodes.begin(), batch.nodes.end());
  state_.jobs.insert(state_.jobs.end(), batch.jobs.begin(), batch.jobs.end());
  Upsert(state_.join_tokens, batch.join_tokens, &JoinTokenRecord::token_id);
  Upsert(state_.credentials, batch.credentials, &CredentialRecord::credential_id);
  Upsert(state_.api_tokens, batch.api_tokens, &ApiTokenRecord::token_id);
  for (const ResultRecord& r : batch.results) {
    ResultRecord meta = r;
    result_data_.push_back(r.data);
    meta.data.clear();
    state_.results.push_back(std::move(meta));
  }
  for (const CheckpointRecord& c : batch.checkpoints) checkpoints_[c.task_id] = c;
  for (const ResultRecord& r : batch.results) checkpoints_.erase(r.task_id);
  ++commits_;
  return absl::OkStatus();
}

absl::StatusOr<StoredState> MemoryStore::Load() {
  std::lock_guard lock(mu_);
  StoredState out = state_;
  for (const auto& [task, c] : checkpoints_) {
    out.checkpoints.push_back(c);
    out.checkpoints.back().data.clear();
  }
  return out;
}

absl::StatusOr<std::string> MemoryStore::ReadCheckpoint(uint64_t task_id,
                                                        const std::string& checkpoint_id) {
  std::lock_guard lock(mu_);
  auto it = checkpoints_.find(task_id);
  if (it == checkpoints_.end() || it->second.checkpoint_id != checkpoint_id) {
    return absl::NotFoundError("no checkpoint " + checkpoint_id + " of task " +
                               std::to_string(task_id));
  }
  return it->second.data;
}

absl::StatusOr<std::string> MemoryStore::ReadResult(uint64_t task_id) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < state_.results.size(); ++i) {
    if (state_.results[i].task_id == task_id) return result_data_[i];
  }
  return absl::NotFoundError("no result for task " + std::to_string(task_id));
}

uint64_t MemoryStore::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

void MemoryStore::HoldCommitsForTesting() {
  std::lock_guard lock(mu_);
  held_ = true;
}

void MemoryStore::ReleaseCommitsForTesting() {
  {
    std::lock_guard lock(mu_);
    held_ = false;
  }
  cv_.notify_all();
}

int MemoryStore::BlockedCommitsForTesting() const {
  std::lock_guard lock(mu_);
  return blocked_;
}

void MemoryStore::FailCommitsForTesting(int n) {
  std::lock_guard lock(mu_);
  fail_next_ = n;
}

}  // namespace fleetgrid::service
