// NodeService: Enroll, the Connect session stream, FetchInput and UploadResult.
#include <atomic>
#include <map>

#include "common/batching.h"
#include "coordinator/service/grpc_services.h"
#include "coordinator/service/stream_writer.h"

namespace fleetgrid::service {
namespace {

// Reads the node credential from the call metadata; 0 and the error when it is bad.
uint64_t AuthenticateCall(Brain* brain, grpc::ServerContextBase* ctx, absl::Status& err) {
  const auto& md = ctx->client_metadata();
  auto id_it = md.find("x-fleetgrid-node-id");
  auto secret_it = md.find("x-fleetgrid-node-secret-bin");
  if (id_it == md.end() || secret_it == md.end()) {
    err = absl::UnauthenticatedError(
        "missing x-fleetgrid-node-id / x-fleetgrid-node-secret-bin metadata");
    return 0;
  }
  uint64_t id = 0;
  try {
    id = std::stoull(std::string(id_it->second.data(), id_it->second.size()));
  } catch (const std::exception&) {
    err = absl::UnauthenticatedError("x-fleetgrid-node-id is not a number");
    return 0;
  }
  err =
      brain->Authenticate(id, std::string_view(secret_it->second.data(), secret_it->second.size()));
  return err.ok() ? id : 0;
}

// Assembles one result from its chunks, checking order and sizes as they come.
class ResultAssembler {
 public:
  // INVALID_ARGUMENT for gaps, overlap or a changing epoch/size; RESOURCE_EXHAUSTED for more
  // bytes than declared or a declared size over `cap`.
  absl::Status Add(const v1::ResultChunk& c, uint64_t cap) {
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
  bool complete() const { return last_; }
  bool digest_matches() const { return AsString(Sha256(data_)) == digest_; }
  UploadedResult Take(uint64_t node, uint64_t attempt) {
    UploadedResult r;
    r.node = node;
    r.attempt = attempt;
    r.epoch = epoch_;
    std::copy(digest_.begin(), digest_.end(), r.digest.begin());
    r.data = std::move(data_);
    return r;
  }

 private:
  bool started_ = false;
  bool last_ = false;
  uint64_t epoch_ = 0;
  uint64_t total_ = 0;
  std::string data_;
  std::string digest_;
};

v1::ResultAck RejectAck(const v1::AttemptRef& ref, v1::RejectReason why, std::string detail) {
  v1::ResultAck a;
  *a.mutable_attempt() = ref;
  a.set_outcome(v1::RESULT_OUTCOME_REJECTED);
  a.set_reject_reason(why);
  a.set_detail(std::move(detail));
  return a;
}

// ---------------------------------------------------------------------------------------

class ConnectReactor;

// What queued up for a car while its previous write was in flight goes as one batch.
struct CoordinatorBatching {
  static v1::CoordinatorMessage Take(std::deque<v1::CoordinatorMessage>& q) {
    return TakeNextWrite(q, BatchLimits{}, [](const v1::CoordinatorMessage& m) {
      return !m.has_welcome() && !m.has_batch();
    });
  }
};

using ConnectStream = ShardedBidiStream<v1::NodeMessage, v1::CoordinatorMessage>;

class SessionOutbox final : public NodeOutbox {
 public:
  explicit SessionOutbox(ConnectStream* r) : w(r) {}
  void Send(const v1::CoordinatorMessage& m) override { w.Send(m); }
  void SendAll(std::vector<v1::CoordinatorMessage> ms) override { w.SendAll(std::move(ms)); }
  void Finish(const absl::Status& s) override { w.Finish(s); }
  StreamWriter<ConnectStream, v1::CoordinatorMessage, CoordinatorBatching> w;
};

class ConnectReactor final : public ConnectStream {
 public:
  ConnectReactor(Brain* brain, Metrics* metrics) : brain_(brain), metrics_(metrics) {
    outbox_ = std::make_shared<SessionOutbox>(this);
  }

  void OnStart() override {
    absl::Status err;
    node_ = AuthenticateCall(brain_, context(), err);
    if (node_ == 0) {
      outbox_->Finish(err);
      return;
    }
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the car closed its side or the stream broke
      if (hello_seen_) brain_->SessionClosed(node_, outbox_);
      outbox_->Finish(absl::OkStatus());
      return;
    }
    const TimePoint t0 = clock_.Now();
    if (!hello_seen_) {
      if (!in_.has_hello()) {
        outbox_->Finish(absl::InvalidArgumentError("Connect must start with Hello"));
        return;
      }
      if (in_.hello().node_id() != node_) {
        outbox_->Finish(
            absl::PermissionDeniedError("Hello.node_id does not match the call credential"));
        return;
      }
      hello_seen_ = true;
      brain_->OpenSession(node_, std::move(*in_.mutable_hello()), outbox_);
    } else if (in_.has_result_chunk()) {
      OnResultChunk(in_.result_chunk());
    } else if (in_.has_batch()) {
      OnBatch(in_.mutable_batch());
    } else {
      std::vector<v1::NodeMessage> one;
      one.push_back(std::move(in_));
      brain_->OnNodeMessages(node_, outbox_, std::move(one));
    }
    metrics_->ObserveRpc("Connect.message", clock_.Now() - t0);
    in_.Clear();
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override { outbox_->w.OnWriteDone(ok); }

  void OnDone() override {
    outbox_->w.Detach();
    if (hello_seen_) brain_->SessionClosed(node_, outbox_);
    delete this;
  }

 private:
  // A batch is handled as its messages one by one, in order: runs of plain messages go to
  // the brain in one post, result chunks through the assembler.
  void OnBatch(v1::NodeBatch* batch) {
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

  void OnResultChunk(const v1::ResultChunk& c) {
    const uint64_t attempt = c.attempt().attempt_id();
    ResultAssembler& a = uploads_[attempt];
    const auto& opts = brain_->options();
    if (absl::Status s = a.Add(c, opts.inline_result_max_bytes); !s.ok()) {
      uploads_.erase(attempt);
      v1::CoordinatorMessage m;
      *m.mutable_result_ack() = RejectAck(c.attempt(),
                                          s.code() == absl::StatusCode::kResourceExhausted
                                              ? v1::REJECT_REASON_TOO_LARGE
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
    brain_->SubmitResult(
        done.Take(node_, attempt), [outbox, ref](absl::StatusOr<v1::ResultAck> ack) {
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

  Brain* brain_;
  Metrics* metrics_;
  WallClock clock_;
  std::shared_ptr<SessionOutbox> outbox_;
  uint64_t node_ = 0;
  bool hello_seen_ = false;
  v1::NodeMessage in_;
  std::map<uint64_t, ResultAssembler> uploads_;
};

// ---------------------------------------------------------------------------------------

class FetchInputReactor final : public grpc::ServerWriteReactor<v1::DataChunk> {
 public:
  FetchInputReactor(Brain* brain, grpc::CallbackServerContext* ctx,
                    const v1::FetchInputRequest& req)
      : chunk_max_(brain->options().max_chunk_bytes) {
    absl::Status err;
    const uint64_t node = AuthenticateCall(brain, ctx, err);
    if (node == 0) {
      Finish(ToGrpc(err));
      return;
    }
    offset_ = req.offset();
    const uint64_t max_bytes = req.max_bytes();
    brain->InputOf(node, req.attempt(), [this, max_bytes](absl::StatusOr<InputSource> src) {
      if (!src.ok()) return Finish(ToGrpc(src.status()));
      if (offset_ > src->size) {
        return Finish(
            grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "offset past the end of the input"));
      }
      src_ = *src;
      end_ = max_bytes == 0 ? src_.size : std::min(src_.size, offset_ + max_bytes);
      full_ = SyntheticInput(src_.seed, src_.task_index, src_.size);
      digest_ = AsString(Sha256(full_));
      Next();
    });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (sent_any_ && offset_ >= end_) return Finish(grpc::Status::OK);
    const uint64_t n = std::min(chunk_max_, end_ - offset_);
    chunk_.Clear();
    chunk_.set_offset(offset_);
    chunk_.set_data(full_.substr(offset_, n));
    chunk_.set_total_size_bytes(src_.size);
    offset_ += n;
    if (offset_ >= src_.size) {
      chunk_.set_last(true);
      chunk_.mutable_digest()->set_sha256(digest_);
    }
    sent_any_ = true;
    StartWrite(&chunk_);
  }

  uint64_t chunk_max_;
  uint64_t offset_ = 0;
  uint64_t end_ = 0;
  bool sent_any_ = false;
  InputSource src_;
  std::string full_;
  std::string digest_;
  v1::DataChunk chunk_;
};

// ---------------------------------------------------------------------------------------

class UploadReactor final : public grpc::ServerReadReactor<v1::ResultChunk> {
 public:
  UploadReactor(Brain* brain, grpc::CallbackServerContext* ctx, v1::ResultAck* resp)
      : brain_(brain), resp_(resp) {
    absl::Status err;
    node_ = AuthenticateCall(brain, ctx, err);
    if (node_ == 0) {
      Finish(ToGrpc(err));
      return;
    }
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      return Finish(
          grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "upload ended before its last chunk"));
    }
    if (!have_cap_) {
      ref_ = in_.attempt();
      brain_->OutputCapOf(node_, ref_, [this](absl::StatusOr<uint64_t> cap) {
        if (!cap.ok()) return Finish(ToGrpc(cap.status()));
        cap_ = *cap;
        have_cap_ = true;
        Consume();
      });
      return;
    }
    Consume();
  }

  void OnDone() override { delete this; }

 private:
  void Consume() {
    if (in_.attempt().attempt_id() != ref_.attempt_id()) {
      return Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "every chunk of an upload must name the same attempt"));
    }
    if (absl::Status s = asm_.Add(in_, cap_); !s.ok()) return Finish(ToGrpc(s));
    if (!asm_.complete()) {
      in_.Clear();
      return StartRead(&in_);
    }
    if (!asm_.digest_matches()) {
      *resp_ =
          RejectAck(ref_, v1::REJECT_REASON_DIGEST_MISMATCH, "bytes do not match result_digest");
      return Finish(grpc::Status::OK);
    }
    brain_->SubmitResult(asm_.Take(node_, ref_.attempt_id()),
                         [this](absl::StatusOr<v1::ResultAck> ack) {
                           if (!ack.ok()) return Finish(ToGrpc(ack.status()));
                           *resp_ = *std::move(ack);
                           Finish(grpc::Status::OK);
                         });
  }

  Brain* brain_;
  v1::ResultAck* resp_;
  uint64_t node_ = 0;
  bool have_cap_ = false;
  uint64_t cap_ = 0;
  v1::AttemptRef ref_;
  v1::ResultChunk in_;
  ResultAssembler asm_;
};

}  // namespace

grpc::ServerUnaryReactor* NodeServiceImpl::Enroll(grpc::CallbackServerContext* ctx,
                                                  const v1::EnrollRequest* req,
                                                  v1::EnrollResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  const TimePoint t0 = WallClock().Now();
  brain_->Enroll(*req, [reactor, resp, t0, m = metrics_](absl::StatusOr<v1::EnrollResponse> r) {
    if (r.ok()) *resp = *std::move(r);
    m->ObserveRpc("Enroll", WallClock().Now() - t0);
    reactor->Finish(ToGrpc(r.status()));
  });
  return reactor;
}

void NodeServiceImpl::AddConnectQueues(grpc::ServerBuilder& builder, int queues) {
  connect_ = std::make_unique<ConnectServer>(
      builder, this,
      [](NodeServiceImpl* svc, grpc::ServerContext* ctx,
         grpc::ServerAsyncReaderWriter<v1::CoordinatorMessage, v1::NodeMessage>* rw,
         grpc::ServerCompletionQueue* cq, void* tag) { svc->RequestConnect(ctx, rw, cq, cq, tag); },
      [this] { return new ConnectReactor(brain_, metrics_); }, queues);
}

void NodeServiceImpl::StartConnect() { connect_->Start(); }

void NodeServiceImpl::StopConnect() {
  if (connect_) connect_->Stop();
}

grpc::ServerWriteReactor<v1::DataChunk>* NodeServiceImpl::FetchInput(
    grpc::CallbackServerContext* ctx, const v1::FetchInputRequest* req) {
  return new FetchInputReactor(brain_, ctx, *req);
}

grpc::ServerReadReactor<v1::ResultChunk>* NodeServiceImpl::UploadResult(
    grpc::CallbackServerContext* ctx, v1::ResultAck* resp) {
  return new UploadReactor(brain_, ctx, resp);
}

}  // namespace fleetgrid::service
