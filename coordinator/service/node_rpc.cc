// NodeService: Enroll, the Connect session stream, FetchInput, UploadResult,
// UploadCheckpoint and FetchCheckpoint.
#include <atomic>

#include "common/batching.h"
#include "common/clock.h"
#include "common/sha256.h"
#include "coordinator/service/authorizer.h"
#include "coordinator/service/checkpoint_upload.h"
#include "coordinator/service/grpc_services.h"
#include "coordinator/service/node_session.h"
#include "coordinator/service/stream_writer.h"

namespace fleetgrid::service {
namespace {

// The Authorizer's verdict on the car calling `rpc`, then a ticket of the car's stream
// budget (and of the session budget for a Connect stream); the error when any fails.
absl::StatusOr<Caller> AdmitCall(Brain* brain, grpc::ServerContextBase* ctx, Rpc rpc,
                                 NodeStreamBudgets* budgets, StreamBudget::Ticket* ticket,
                                 StreamBudget::Ticket* session) {
  FG_ASSIGN_OR_RETURN(Caller caller, Authorize(brain->identities(), *ctx, rpc, brain->NowMs()));
  FG_RETURN_IF_ERROR(budgets->per_node.Take(caller.node_id, ticket));
  if (session != nullptr) FG_RETURN_IF_ERROR(budgets->sessions.Take(0, session));
  return caller;
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
  explicit SessionOutbox(ConnectStream* r) : w(r, r->context()) {}
  void Send(const v1::CoordinatorMessage& m) override { w.Send(m); }
  void SendAll(std::vector<v1::CoordinatorMessage> ms) override { w.SendAll(std::move(ms)); }
  void Finish(const absl::Status& s) override { w.Finish(s); }
  StreamWriter<ConnectStream, v1::CoordinatorMessage, CoordinatorBatching> w;
};

class ConnectReactor final : public ConnectStream {
 public:
  ConnectReactor(Brain* brain, Metrics* metrics, NodeStreamBudgets* budgets)
      : brain_(brain), metrics_(metrics), budgets_(budgets) {
    outbox_ = std::make_shared<SessionOutbox>(this);
  }

  void OnStart() override {
    auto caller = AdmitCall(brain_, context(), Rpc::kConnect, budgets_, &ticket_, &session_ticket_);
    if (!caller.ok()) {
      outbox_->Finish(caller.status());
      return;
    }
    node_ = caller->node_id;
    session_ = std::make_unique<ConnectSession>(brain_, node_, caller->credential_id, outbox_);
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the car closed its side or the stream broke
      if (session_->hello_seen()) brain_->SessionClosed(node_, outbox_);
      outbox_->Finish(absl::OkStatus());
      return;
    }
    const TimePoint t0 = clock_.Now();
    if (absl::Status s = session_->OnMessage(in_); !s.ok()) {
      outbox_->Finish(s);
      return;
    }
    metrics_->ObserveRpc("Connect.message", clock_.Now() - t0);
    in_.Clear();
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override { outbox_->w.OnWriteDone(ok); }

  void OnDone() override {
    outbox_->w.Detach();
    if (session_ && session_->hello_seen()) brain_->SessionClosed(node_, outbox_);
    delete this;
  }

 private:
  Brain* brain_;
  Metrics* metrics_;
  NodeStreamBudgets* budgets_;
  StreamBudget::Ticket ticket_, session_ticket_;
  WallClock clock_;
  std::shared_ptr<SessionOutbox> outbox_;
  uint64_t node_ = 0;
  std::unique_ptr<ConnectSession> session_;  // once authenticated
  v1::NodeMessage in_;
};

// ---------------------------------------------------------------------------------------

// Streams bytes [offset, end) of a content as DataChunks of at most the negotiated chunk
// size; the chunk that reaches the end of the whole content carries `last` and its digest.
class DataChunkReactor : public grpc::ServerWriteReactor<v1::DataChunk> {
 public:
  explicit DataChunkReactor(uint64_t chunk_max) : chunk_max_(chunk_max) {}
  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
    Next();
  }
  void OnDone() override { delete this; }

 protected:
  // `what` names the content in the error for an offset past its end.
  void Stream(std::string data, std::string digest, uint64_t offset, uint64_t max_bytes,
              const char* what) {
    if (offset > data.size()) {
      return Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 std::string("offset past the end of the ") + what));
    }
    data_ = std::move(data);
    digest_ = std::move(digest);
    offset_ = offset;
    end_ = max_bytes == 0 ? data_.size() : std::min<uint64_t>(data_.size(), offset + max_bytes);
    Next();
  }

 private:
  void Next() {
    if (sent_any_ && offset_ >= end_) return Finish(grpc::Status::OK);
    const uint64_t n = std::min(chunk_max_, end_ - offset_);
    chunk_.Clear();
    chunk_.set_offset(offset_);
    chunk_.set_data(data_.substr(offset_, n));
    chunk_.set_total_size_bytes(data_.size());
    offset_ += n;
    if (offset_ >= data_.size()) {
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
  std::string data_;
  std::string digest_;
  v1::DataChunk chunk_;
};

class FetchInputReactor final : public DataChunkReactor {
 public:
  FetchInputReactor(Brain* brain, grpc::CallbackServerContext* ctx,
                    const v1::FetchInputRequest& req, NodeStreamBudgets* budgets)
      : DataChunkReactor(brain->options().max_chunk_bytes) {
    auto caller = AdmitCall(brain, ctx, Rpc::kFetchInput, budgets, &ticket_, nullptr);
    if (!caller.ok()) {
      Finish(ToGrpc(caller.status(), ctx));
      return;
    }
    brain->InputOf(caller->node_id, req.attempt(), [this, req](absl::StatusOr<InputSource> src) {
      if (!src.ok()) return Finish(ToGrpc(src.status()));
      std::string full = SyntheticInput(src->seed, src->task_index, src->size);
      std::string digest = Sha256Bytes(full);
      Stream(std::move(full), std::move(digest), req.offset(), req.max_bytes(), "input");
    });
  }

 private:
  StreamBudget::Ticket ticket_;
};

// The brain says first whether this attempt of the car resumes from that checkpoint; only
// then are its bytes read (a car must not make the coordinator load other tasks' blobs). The
// read happens in the brain's reply, as FetchResults reads its first result.
class FetchCheckpointReactor final : public DataChunkReactor {
 public:
  FetchCheckpointReactor(Brain* brain, grpc::CallbackServerContext* ctx,
                         const v1::FetchCheckpointRequest& req, NodeStreamBudgets* budgets)
      : DataChunkReactor(brain->options().max_chunk_bytes) {
    auto caller = AdmitCall(brain, ctx, Rpc::kFetchCheckpoint, budgets, &ticket_, nullptr);
    if (!caller.ok()) {
      Finish(ToGrpc(caller.status(), ctx));
      return;
    }
    brain->CheckpointToResume(caller->node_id, req.attempt(), req.checkpoint_id(),
                              [this, store = brain->store(), id = req.checkpoint_id(),
                               offset = req.offset()](absl::StatusOr<StoredCheckpoint> cp) {
                                if (!cp.ok()) return Finish(ToGrpc(cp.status()));
                                auto data = store->ReadCheckpoint(cp->task, id);
                                if (!data.ok()) return Finish(ToGrpc(data.status()));
                                Stream(*std::move(data), cp->digest, offset, 0, "checkpoint");
                              });
  }

 private:
  StreamBudget::Ticket ticket_;
};

// ---------------------------------------------------------------------------------------

// One client-streamed upload (UploadResult, UploadCheckpoint): `Session` checks the chunks
// (node_session.h, checkpoint_upload.h), asks the brain for the cap with the first one and
// hands the complete upload to the brain, whose verdict is the reply.
template <typename Chunk, typename Ack, typename Session, Rpc kRpc>
class UploadReactor final : public grpc::ServerReadReactor<Chunk> {
 public:
  UploadReactor(Brain* brain, grpc::CallbackServerContext* ctx, Ack* resp,
                NodeStreamBudgets* budgets)
      : resp_(resp) {
    auto caller = AdmitCall(brain, ctx, kRpc, budgets, &ticket_, nullptr);
    if (!caller.ok()) {
      this->Finish(ToGrpc(caller.status(), ctx));
      return;
    }
    upload_ = std::make_unique<Session>(brain, caller->node_id);
    this->StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      return this->Finish(
          grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "upload ended before its last chunk"));
    }
    if (!upload_->has_cap()) {
      upload_->Begin(in_.attempt(), [this](const absl::Status& s) {
        if (!s.ok()) return this->Finish(ToGrpc(s));
        Consume();
      });
      return;
    }
    Consume();
  }

  void OnDone() override { delete this; }

 private:
  void Consume() {
    const absl::StatusOr<bool> last = upload_->Add(in_);
    if (!last.ok()) return this->Finish(ToGrpc(last.status()));
    if (!*last) {
      in_.Clear();
      return this->StartRead(&in_);
    }
    upload_->Submit([this](absl::StatusOr<Ack> ack) {
      if (!ack.ok()) return this->Finish(ToGrpc(ack.status()));
      *resp_ = *std::move(ack);
      this->Finish(grpc::Status::OK);
    });
  }

  Ack* resp_;
  StreamBudget::Ticket ticket_;
  std::unique_ptr<Session> upload_;  // once authenticated
  Chunk in_;
};

}  // namespace

grpc::ServerUnaryReactor* NodeServiceImpl::Enroll(grpc::CallbackServerContext* ctx,
                                                  const v1::EnrollRequest* req,
                                                  v1::EnrollResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  const TimePoint t0 = WallClock().Now();
  if (auto caller = Authorize(brain_->identities(), *ctx, Rpc::kEnroll, brain_->NowMs());
      !caller.ok()) {
    reactor->Finish(ToGrpc(caller.status()));
    return reactor;
  }
  brain_->Enroll(*req,
                 [ctx, reactor, resp, t0, m = metrics_](absl::StatusOr<v1::EnrollResponse> r) {
                   if (r.ok()) *resp = *std::move(r);
                   m->ObserveRpc("Enroll", WallClock().Now() - t0);
                   reactor->Finish(ToGrpc(r.status(), ctx));  // a refused join token says why
                 });
  return reactor;
}

grpc::ServerUnaryReactor* NodeServiceImpl::RenewCredential(grpc::CallbackServerContext* ctx,
                                                           const v1::RenewCredentialRequest* req,
                                                           v1::RenewCredentialResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  auto caller = Authorize(brain_->identities(), *ctx, Rpc::kRenewCredential, brain_->NowMs());
  if (!caller.ok()) {
    reactor->Finish(ToGrpc(caller.status(), ctx));
    return reactor;
  }
  brain_->RenewCredential(*std::move(caller), *req,
                          [reactor, resp](absl::StatusOr<v1::RenewCredentialResponse> r) {
                            if (r.ok()) *resp = *std::move(r);
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
      [this] { return new ConnectReactor(brain_, metrics_, &budgets_); }, queues);
}

void NodeServiceImpl::StartConnect() { connect_->Start(); }

void NodeServiceImpl::StopConnect() {
  if (connect_) connect_->Stop();
}

grpc::ServerWriteReactor<v1::DataChunk>* NodeServiceImpl::FetchInput(
    grpc::CallbackServerContext* ctx, const v1::FetchInputRequest* req) {
  return new FetchInputReactor(brain_, ctx, *req, &budgets_);
}

grpc::ServerReadReactor<v1::ResultChunk>* NodeServiceImpl::UploadResult(
    grpc::CallbackServerContext* ctx, v1::ResultAck* resp) {
  return new UploadReactor<v1::ResultChunk, v1::ResultAck, UploadSession, Rpc::kUploadResult>(
      brain_, ctx, resp, &budgets_);
}

grpc::ServerReadReactor<v1::CheckpointChunk>* NodeServiceImpl::UploadCheckpoint(
    grpc::CallbackServerContext* ctx, v1::CheckpointAck* resp) {
  return new UploadReactor<v1::CheckpointChunk, v1::CheckpointAck, CheckpointUpload,
                           Rpc::kUploadCheckpoint>(brain_, ctx, resp, &budgets_);
}

grpc::ServerWriteReactor<v1::DataChunk>* NodeServiceImpl::FetchCheckpoint(
    grpc::CallbackServerContext* ctx, const v1::FetchCheckpointRequest* req) {
  return new FetchCheckpointReactor(brain_, ctx, *req, &budgets_);
}

}  // namespace fleetgrid::service
