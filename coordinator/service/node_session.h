// The checks and the routing of the car-side streams (Connect and UploadResult), apart from
// the gRPC reactors that carry them: a reactor reads a message, hands it here and finishes
// the call with the status it gets back. Kept apart so that tests and the fuzz targets
// (tests/fuzz/) run exactly the code the handlers run, without a server.
//
// Thread safety: one object per stream, used by one reader at a time (gRPC never has two
// reads of one stream in flight); the Brain callbacks run on the brain's thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "coordinator/service/brain.h"

namespace fleetgrid::service {

// Assembles one result from its chunks, checking order and sizes as they come.
class ResultAssembler {
 public:
  // INVALID_ARGUMENT for gaps, overlap or a changing epoch/size; RESOURCE_EXHAUSTED for more
  // bytes than declared or a declared size over `cap`.
  absl::Status Add(const v1::ResultChunk& c, uint64_t cap);
  bool complete() const { return last_; }
  bool digest_matches() const;
  UploadedResult Take(uint64_t node, uint64_t attempt);

 private:
  bool started_ = false;
  bool last_ = false;
  uint64_t epoch_ = 0;
  uint64_t total_ = 0;
  std::string data_;
  std::string digest_;
};

v1::ResultAck RejectAck(const v1::AttemptRef& ref, v1::RejectReason why, std::string detail);

// One Connect stream of an authenticated car: Hello first (naming the credential's node),
// then plain messages go to the brain in order, a NodeBatch message by message, result
// chunks through a ResultAssembler per attempt and, once complete, to Brain::SubmitResult.
// Replies (acks, rejects) go to `outbox`.
class ConnectSession {
 public:
  ConnectSession(Brain* brain, uint64_t node, std::string credential_id,
                 std::shared_ptr<NodeOutbox> outbox)
      : brain_(brain),
        node_(node),
        credential_id_(std::move(credential_id)),
        outbox_(std::move(outbox)) {}

  // One message read from the stream (moved from). A non-OK status: end the stream with it.
  absl::Status OnMessage(v1::NodeMessage& msg);
  // True once the Hello was accepted (the brain then knows the session: tell it the end).
  bool hello_seen() const { return hello_seen_; }

 private:
  void OnBatch(v1::NodeBatch* batch);
  void OnResultChunk(const v1::ResultChunk& c);

  Brain* brain_;
  uint64_t node_;
  std::string credential_id_;  // the credential that authenticated the stream
  std::shared_ptr<NodeOutbox> outbox_;
  bool hello_seen_ = false;
  std::map<uint64_t, ResultAssembler> uploads_;
};

// One UploadResult stream of an authenticated car: the first chunk names the attempt (the
// brain gives its output cap), every chunk must name the same attempt and pass the
// assembler; the complete result is checked against its digest and handed to the brain.
class UploadSession {
 public:
  UploadSession(Brain* brain, uint64_t node) : brain_(brain), node_(node) {}

  // False until Begin's callback got OK.
  bool has_cap() const { return have_cap_; }
  // With the first chunk's attempt: asks the brain for its output cap. `then` runs on the
  // brain's thread: OK to go on with Add, else finish the call with that status.
  void Begin(const v1::AttemptRef& ref, std::function<void(const absl::Status&)> then);
  // Every chunk, the first included (after Begin). An error: finish the call with it.
  // true once the last chunk is in: call Submit.
  absl::StatusOr<bool> Add(const v1::ResultChunk& c);
  // The ack for the complete upload (REJECTED with DIGEST_MISMATCH when the bytes do not
  // match their digest, answered at once), or the status to finish the call with.
  void Submit(std::function<void(absl::StatusOr<v1::ResultAck>)> done);

 private:
  Brain* brain_;
  uint64_t node_;
  bool have_cap_ = false;
  uint64_t cap_ = 0;
  v1::AttemptRef ref_;
  ResultAssembler asm_;
};

}  // namespace fleetgrid::service
