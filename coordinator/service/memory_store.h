// MemoryStore: a Store kept in memory, for unit tests. It can hold commits back (to prove
// that nothing is acknowledged before it is stored) and fail them (to inject a broken disk).
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>

#include "coordinator/service/store.h"

namespace fleetgrid::service {

class MemoryStore final : public Store {
 public:
  absl::Status Commit(const WriteBatch& batch) override;
  absl::StatusOr<StoredState> Load() override;
  absl::StatusOr<std::string> ReadResult(uint64_t task_id) override;
  absl::StatusOr<std::string> ReadCheckpoint(uint64_t task_id,
                                             const std::string& checkpoint_id) override;
  uint64_t commits() const override;
  std::string Describe() const override { return "memory"; }

  // Test hooks. While held, Commit() blocks until ReleaseCommitsForTesting().
  void HoldCommitsForTesting();
  void ReleaseCommitsForTesting();
  // Commits that are blocked in HoldCommitsForTesting right now.
  int BlockedCommitsForTesting() const;
  // The next `n` commits fail with Unavailable and store nothing.
  void FailCommitsForTesting(int n);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  int blocked_ = 0;
  int fail_next_ = 0;
  uint64_t commits_ = 0;
  StoredState state_;
  std::vector<std::string> result_data_;              // parallel to state_.results
  std::map<uint64_t, CheckpointRecord> checkpoints_;  // by task id, with their bytes
};

}  // namespace fleetgrid::service
