#include "coordinator/service/checkpoint_upload.h"

#include <cmath>
#include <utility>

#include "common/sha256.h"

namespace fleetgrid::service {

void CheckpointUpload::Begin(const v1::AttemptRef& ref,
                             std::function<void(const absl::Status&)> then) {
  ref_ = ref;
  brain_->CheckpointCapOf(node_, ref_,
                          [this, then = std::move(then)](absl::StatusOr<uint64_t> cap) {
                            if (!cap.ok()) return then(cap.status());
                            cap_ = *cap;
                            have_cap_ = true;
                            then(absl::OkStatus());
                          });
}

absl::StatusOr<bool> CheckpointUpload::Add(const v1::CheckpointChunk& c) {
  if (c.attempt().attempt_id() != ref_.attempt_id() ||
      c.attempt().lease_epoch() != ref_.lease_epoch()) {
    return absl::InvalidArgumentError(
        "every chunk of a checkpoint upload must name the same attempt and epoch");
  }
  if (!started_) {  // the first chunk describes the checkpoint
    started_ = true;
    meta_ = c.checkpoint();
    if (meta_.checkpoint_id().empty() || meta_.checkpoint_id().size() > 128) {
      return absl::InvalidArgumentError("checkpoint.checkpoint_id must be 1 to 128 bytes");
    }
    if (!std::isfinite(meta_.work_done_units()) || meta_.work_done_units() < 0) {
      return absl::InvalidArgumentError("checkpoint.work_done_units must be >= 0");
    }
    if (meta_.size_bytes() > cap_) {
      return absl::ResourceExhaustedError(
          "checkpoint.size_bytes " + std::to_string(meta_.size_bytes()) +
          " over the task's declared checkpoint size of " + std::to_string(cap_));
    }
  } else if (c.has_checkpoint() && (c.checkpoint().checkpoint_id() != meta_.checkpoint_id() ||
                                    c.checkpoint().size_bytes() != meta_.size_bytes())) {
    return absl::InvalidArgumentError("checkpoint id or size changed between chunks");
  }
  if (c.offset() != data_.size()) {
    return absl::InvalidArgumentError("chunk at offset " + std::to_string(c.offset()) +
                                      ", expected " + std::to_string(data_.size()));
  }
  if (data_.size() + c.data().size() > meta_.size_bytes()) {
    return absl::ResourceExhaustedError("upload larger than its declared checkpoint.size_bytes (" +
                                        std::to_string(meta_.size_bytes()) + ")");
  }
  data_.append(c.data());
  if (!c.last()) return false;
  if (data_.size() != meta_.size_bytes()) {
    return absl::InvalidArgumentError("last chunk after " + std::to_string(data_.size()) + " of " +
                                      std::to_string(meta_.size_bytes()) + " declared bytes");
  }
  const std::string& digest = c.checkpoint().digest().sha256();
  if (digest.size() != 32) {
    return absl::InvalidArgumentError("the last chunk's checkpoint.digest.sha256 must be 32 bytes");
  }
  if (AsString(Sha256(data_)) != digest) {
    return absl::InvalidArgumentError("checkpoint bytes do not match checkpoint.digest");
  }
  meta_.mutable_digest()->set_sha256(digest);
  return true;
}

void CheckpointUpload::Submit(std::function<void(absl::StatusOr<v1::CheckpointAck>)> done) {
  UploadedCheckpoint c;
  c.node = node_;
  c.attempt = ref_;
  c.checkpoint_id = meta_.checkpoint_id();
  c.work_done_units = meta_.work_done_units();
  c.digest = meta_.digest().sha256();
  c.data = std::move(data_);
  brain_->SubmitCheckpoint(std::move(c), std::move(done));
}

}  // namespace fleetgrid::service
