#include "node/rpc_calls.h"

#include <boost/asio/post.hpp>

#include "node/session.h"

namespace fleetgrid::node {
namespace {

// One unary call; `start(ctx, req, resp, on_done)` issues it on the stub's async API.
template <typename Req, typename Resp>
class UnaryCall final : public CallHandle,
                        public std::enable_shared_from_this<UnaryCall<Req, Resp>> {
 public:
  using Done = std::function<void(grpc::Status, Resp, RefusalReason)>;
  UnaryCall(FleetContext& f, Req req, Done done)
      : fleet_(f), req_(std::move(req)), done_(std::move(done)) {}
  template <typename Start>
  void Run(Start start) {
    fleet_.calls.Started();
    start(&ctx_, &req_, &resp_, [self = this->shared_from_this()](grpc::Status s) {
      const RefusalReason why = RefusalReasonFromTrailers(self->ctx_.GetServerTrailingMetadata());
      boost::asio::post(self->fleet_.io,
                        [self, s, why] { self->done_(s, std::move(self->resp_), why); });
      self->fleet_.calls.Ended();
    });
  }
  grpc::ClientContext& context() { return ctx_; }
  void Cancel() override { ctx_.TryCancel(); }

 private:
  FleetContext& fleet_;
  grpc::ClientContext ctx_;
  Req req_;
  Resp resp_;
  Done done_;
};

// A download of chunks in order (FetchInput, FetchCheckpoint): `Req` has an offset;
// `start(ctx, req, reactor)` issues the call on the stub's async API.
template <typename Req>
class FetchCall final : public CallHandle,
                        public grpc::ClientReadReactor<v1::DataChunk>,
                        public std::enable_shared_from_this<FetchCall<Req>> {
 public:
  FetchCall(FleetContext& f, Req req, FetchDone done)
      : fleet_(f), req_(std::move(req)), done_(std::move(done)) {}
  template <typename Start>
  void Run(uint64_t node_id, const std::string& secret, Start start) {
    self_ = this->shared_from_this();
    fleet_.calls.Started();
    AddCredential(ctx_, node_id, secret);
    start(&ctx_, &req_, this);
    this->StartRead(&chunk_);
    this->StartCall();
  }
  void Cancel() override { ctx_.TryCancel(); }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (chunk_.offset() != req_.offset() + data_.size() && status_.ok()) {
      status_ = grpc::Status(grpc::StatusCode::DATA_LOSS, "input chunk offsets with gaps");
    }
    data_.append(chunk_.data());
    this->StartRead(&chunk_);
  }
  void OnDone(const grpc::Status& s) override {
    // The post may run, and free `this`, before the next line: keep the context.
    FleetContext& fleet = fleet_;
    grpc::Status st = s.ok() ? status_ : s;
    boost::asio::post(fleet_.io,
                      [self = std::move(self_), st] { self->done_(st, std::move(self->data_)); });
    fleet.calls.Ended();
  }

 private:
  FleetContext& fleet_;
  std::shared_ptr<FetchCall> self_;
  grpc::ClientContext ctx_;
  Req req_;
  v1::DataChunk chunk_;
  std::string data_;
  grpc::Status status_;
  FetchDone done_;
};

// An upload of chunks in order with one reply (UploadResult, UploadCheckpoint);
// `start(ctx, ack, reactor)` issues the call on the stub's async API.
template <typename Chunk, typename Ack>
class UploadCall final : public CallHandle,
                         public grpc::ClientWriteReactor<Chunk>,
                         public std::enable_shared_from_this<UploadCall<Chunk, Ack>> {
 public:
  using Done = std::function<void(grpc::Status, Ack)>;
  UploadCall(FleetContext& f, std::vector<Chunk> chunks, Done done)
      : fleet_(f), chunks_(std::move(chunks)), done_(std::move(done)) {}
  template <typename Start>
  void Run(uint64_t node_id, const std::string& secret, Start start) {
    self_ = this->shared_from_this();
    fleet_.calls.Started();
    AddCredential(ctx_, node_id, secret);
    start(&ctx_, &ack_, this);
    WriteNext();
    this->StartCall();
  }
  void Cancel() override { ctx_.TryCancel(); }
  void OnWriteDone(bool ok) override {
    if (ok) WriteNext();  // else the call failed; OnDone follows
  }
  void OnDone(const grpc::Status& s) override {
    // The post may run, and free `this`, before the next line: keep the context.
    FleetContext& fleet = fleet_;
    boost::asio::post(fleet_.io,
                      [self = std::move(self_), s] { self->done_(s, std::move(self->ack_)); });
    fleet.calls.Ended();
  }

 private:
  void WriteNext() {
    if (next_ < chunks_.size()) {
      this->StartWrite(&chunks_[next_++]);
    } else {
      this->StartWritesDone();
    }
  }

  FleetContext& fleet_;
  std::shared_ptr<UploadCall> self_;
  grpc::ClientContext ctx_;
  std::vector<Chunk> chunks_;
  size_t next_ = 0;
  Ack ack_;
  Done done_;
};

}  // namespace

std::shared_ptr<CallHandle> StartEnroll(FleetContext& fleet, v1::NodeService::Stub* stub,
                                        v1::EnrollRequest req, EnrollDone done) {
  auto call = std::make_shared<UnaryCall<v1::EnrollRequest, v1::EnrollResponse>>(
      fleet, std::move(req), std::move(done));
  call->Run([stub](auto... args) { stub->async()->Enroll(args...); });
  return call;
}

std::shared_ptr<CallHandle> StartRenewCredential(FleetContext& fleet, v1::NodeService::Stub* stub,
                                                 uint64_t node_id, const std::string& secret,
                                                 v1::RenewCredentialRequest req, RenewDone done) {
  auto call = std::make_shared<UnaryCall<v1::RenewCredentialRequest, v1::RenewCredentialResponse>>(
      fleet, std::move(req), std::move(done));
  AddCredential(call->context(), node_id, secret);
  call->Run([stub](auto... args) { stub->async()->RenewCredential(args...); });
  return call;
}

std::shared_ptr<CallHandle> StartFetchInput(FleetContext& fleet, v1::NodeService::Stub* stub,
                                            uint64_t node_id, const std::string& secret,
                                            v1::FetchInputRequest req, FetchDone done) {
  auto call =
      std::make_shared<FetchCall<v1::FetchInputRequest>>(fleet, std::move(req), std::move(done));
  call->Run(node_id, secret, [stub](auto... args) { stub->async()->FetchInput(args...); });
  return call;
}

std::shared_ptr<CallHandle> StartFetchCheckpoint(FleetContext& fleet, v1::NodeService::Stub* stub,
                                                 uint64_t node_id, const std::string& secret,
                                                 v1::FetchCheckpointRequest req, FetchDone done) {
  auto call = std::make_shared<FetchCall<v1::FetchCheckpointRequest>>(fleet, std::move(req),
                                                                      std::move(done));
  call->Run(node_id, secret, [stub](auto... args) { stub->async()->FetchCheckpoint(args...); });
  return call;
}

std::shared_ptr<CallHandle> StartUploadResult(FleetContext& fleet, v1::NodeService::Stub* stub,
                                              uint64_t node_id, const std::string& secret,
                                              std::vector<v1::ResultChunk> chunks,
                                              UploadDone done) {
  auto call = std::make_shared<UploadCall<v1::ResultChunk, v1::ResultAck>>(fleet, std::move(chunks),
                                                                           std::move(done));
  call->Run(node_id, secret, [stub](auto... args) { stub->async()->UploadResult(args...); });
  return call;
}

std::shared_ptr<CallHandle> StartUploadCheckpoint(FleetContext& fleet, v1::NodeService::Stub* stub,
                                                  uint64_t node_id, const std::string& secret,
                                                  std::vector<v1::CheckpointChunk> chunks,
                                                  CheckpointDone done) {
  auto call = std::make_shared<UploadCall<v1::CheckpointChunk, v1::CheckpointAck>>(
      fleet, std::move(chunks), std::move(done));
  call->Run(node_id, secret, [stub](auto... args) { stub->async()->UploadCheckpoint(args...); });
  return call;
}

}  // namespace fleetgrid::node
