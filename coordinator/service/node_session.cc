#include "coordinator/service/node_session.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/sha256.h"

namespace fleetgrid::service {

absl::Status ResultAssembler::Add(const v1::ResultChunk& c, uint64_t cap) {
  if (started_) {
    if (c.attempt().lease_epoch() != epoch_) {
      return absl::InvalidArgumentError("result chunks name different lease epochs");
    }
    if (c.total_size_bytes() != total_) {
      return absl::InvalidArgumentError("total_size_bytes changed between chunks");
    }
  }
  started_ = true;
  epoch_ = c.attempt().lease_epoch();
  total_ = c.total_size_bytes();
  if (total_ > cap) {
    return absl::ResourceExhaustedError("declared output of " + std::to_string(total_) +
                                        " bytes over the cap of " + std::to_string(cap));
  }
  if (c.offset() != data_.size()) {
    return absl::InvalidArgumentError("chunk at offset " + std::to_string(c.offset()) +
                                      ", expected " + std::to_string(data_.size()));
  }
  if (data_.size() + c.data().size() > total_) {
    return absl::ResourceExhaustedError("upload larger than its declared total_size_bytes (" +
                                        std::to_string(total_) + ")");
  }
  data_.append(c.data());
  if (c.last()) {
    last_ = true;
    if (data_.size() != total_) {
      return absl::InvalidArgumentError("last chunk after " + std::to_string(data_.size()) +
                                        " of " + std::to_string(total_) + " declared bytes");
    }
    if (c.result_digest().sha256().size() != 32) {
      return absl::InvalidArgumentError("result_digest.sha256 must be 32 bytes");
    }
    digest_ = c.result_digest().sha256();
  }
  return absl::OkStatus();
}

bool ResultAssembler::digest_matches() const { return Sha256Bytes(data_) == digest_; }

UploadedResult ResultAssembler::Take(uint64_t node, uint64_t attempt) {
  UploadedResult r;
  r.node = node;
  r.attempt = attempt;
  r.epoch = epoch_;
  std::copy(digest_.begin(), digest_.end(), r.digest.begin());
  r.data = std::move(data_);
  return r;
}

v1::ResultAck RejectAck(const v1::AttemptRef& ref, v1::RejectReason why, std::string detail) {
  v1::ResultAck a;
  *a.mutable_attempt() = ref;
  a.set_outcome(v1::RESULT_OUTCOME_REJECTED);
  a.set_reject_reason(why);
  a.set_detail(std::move(detail));
  return a;
}

// ---------------------------------------------------------------------------------------

absl::Status ConnectSession::OnMessage(v1::NodeMessage& msg) {
  if (!hello_seen_) {
    if (!msg.has_hello()) return absl::InvalidArgumentError("Connect must start with Hello");
    if (msg.hello().node_id() != node_) {
      return absl::PermissionDeniedError("Hello.node_id does not match the call credential");
    }
    hello_seen_ = true;
    brain_->OpenSession(node_, credential_id_, std::move(*msg.mutable_hello()), outbox_);
  } else if (msg.has_result_chunk()) {
    OnResultChunk(msg.result_chunk());
  } else if (msg.has_batch()) {
    OnBatch(msg.mutable_batch());
  } else {
    std::vector<v1::NodeMessage> one;
    one.push_back(std::move(msg));
    brain_->OnNodeMessages(node_, outbox_, std::move(one));
  }
  return absl::OkStatus();
}

// A batch is handled as its messages one by one, in order: runs of plain messages go to the
// brain in one post, result chunks through the assembler.
void ConnectSession::OnBatch(v1::NodeBatch* batch) {
  std::vector<v1::NodeMessage> run;
  for (v1::NodeMessage& m : *batch->mutable_messages()) {
    if (m.has_result_chunk()) {
      if (!run.empty()) brain_->OnNodeMessages(node_, outbox_, std::move(run));
      run.clear();
      OnResultChunk(m.result_chunk());
    } else {
      run.push_back(std::move(m));
    }
  }
  if (!run.empty()) brain_->OnNodeMessages(node_, outbox_, std::move(run));
}

void ConnectSession::OnResultChunk(const v1::ResultChunk& c) {
  const uint64_t attempt = c.attempt().attempt_id();
  ResultAssembler& a = uploads_[attempt];
  const auto& opts = brain_->options();
  if (absl::Status s = a.Add(c, opts.inline_result_max_bytes); !s.ok()) {
    uploads_.erase(attempt);
    v1::CoordinatorMessage m;
    *m.mutable_result_ack() =
        RejectAck(c.attempt(),
                  s.code() == absl::StatusCode::kResourceExhausted ? v1::REJECT_REASON_TOO_LARGE
                                                                   : v1::REJECT_REASON_BAD_CHUNKING,
                  std::string(s.message()));
    outbox_->Send(m);
    return;
  }
  if (!a.complete()) return;
  ResultAssembler done = std::move(a);
  uploads_.erase(attempt);
  const v1::AttemptRef ref = c.attempt();
  if (!done.digest_matches()) {
    v1::CoordinatorMessage m;
    *m.mutable_result_ack() =
        RejectAck(ref, v1::REJECT_REASON_DIGEST_MISMATCH, "bytes do not match result_digest");
    outbox_->Send(m);
    return;
  }
  auto outbox = outbox_;
  brain_->SubmitResult(done.Take(node_, attempt), [outbox, ref](absl::StatusOr<v1::ResultAck> ack) {
    v1::CoordinatorMessage m;
    if (ack.ok()) {
      *m.mutable_result_ack() = *std::move(ack);
    } else if (ack.status().code() == absl::StatusCode::kUnavailable) {
      return;  // the session is being closed
    } else {
      *m.mutable_result_ack() =
          RejectAck(ref,
                    ack.status().code() == absl::StatusCode::kFailedPrecondition
                        ? v1::REJECT_REASON_STALE_EPOCH
                        : v1::REJECT_REASON_UNKNOWN_ATTEMPT,
                    std::string(ack.status().message()));
    }
    outbox->Send(m);
  });
}

// ---------------------------------------------------------------------------------------

void UploadSession::Begin(const v1::AttemptRef& ref,
                          std::function<void(const absl::Status&)> then) {
  ref_ = ref;
  brain_->OutputCapOf(node_, ref_, [this, then = std::move(then)](absl::StatusOr<uint64_t> cap) {
    if (!cap.ok()) return then(cap.status());
    cap_ = *cap;
    have_cap_ = true;
    then(absl::OkStatus());
  });
}

absl::StatusOr<bool> UploadSession::Add(const v1::ResultChunk& c) {
  if (c.attempt().attempt_id() != ref_.attempt_id()) {
    return absl::InvalidArgumentError("every chunk of an upload must name the same attempt");
  }
  FG_RETURN_IF_ERROR(asm_.Add(c, cap_));
  return asm_.complete();
}

void UploadSession::Submit(std::function<void(absl::StatusOr<v1::ResultAck>)> done) {
  if (!asm_.digest_matches()) {
    return done(
        RejectAck(ref_, v1::REJECT_REASON_DIGEST_MISMATCH, "bytes do not match result_digest"));
  }
  brain_->SubmitResult(asm_.Take(node_, ref_.attempt_id()), std::move(done));
}

}  // namespace fleetgrid::service
