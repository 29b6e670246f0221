// The checks of one UploadCheckpoint stream, apart from its gRPC reactor (as node_session.h
// keeps those of UploadResult): every chunk names the same attempt, epoch and checkpoint;
// chunks come in order without gaps; the size stays within what the task declared; the
// bytes match the digest on the last chunk. The complete checkpoint goes to
// Brain::SubmitCheckpoint, which fences it by epoch and stores it.
//
// Thread safety: one object per stream, used by one reader at a time; the Brain callbacks
// run on the brain's thread.
#pragma once

#include <functional>
#include <string>

#include "coordinator/service/brain.h"

namespace fleetgrid::service {

class CheckpointUpload {
 public:
  CheckpointUpload(Brain* brain, uint64_t node) : brain_(brain), node_(node) {}

  // False until Begin's callback got OK.
  bool has_cap() const { return have_cap_; }
  // With the first chunk's attempt: asks the brain for the task's declared checkpoint size.
  // `then` runs on the brain's thread: OK to go on with Add, else finish the call with that
  // status.
  void Begin(const v1::AttemptRef& ref, std::function<void(const absl::Status&)> then);
  // Every chunk, the first included (after Begin). An error: finish the call with it. true
  // once the last chunk is in and the bytes match their digest: call Submit.
  absl::StatusOr<bool> Add(const v1::CheckpointChunk& c);
  // The ack once the checkpoint is durable, or the status to finish the call with.
  void Submit(std::function<void(absl::StatusOr<v1::CheckpointAck>)> done);

 private:
  Brain* brain_;
  uint64_t node_;
  bool have_cap_ = false;
  bool started_ = false;
  uint64_t cap_ = 0;
  v1::AttemptRef ref_;
  v1::Checkpoint meta_;
  std::string data_;
};

}  // namespace fleetgrid::service
