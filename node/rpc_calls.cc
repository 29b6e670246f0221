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

class FetchCall final : public CallHandle,
                        public grpc::ClientReadReactor<v1::DataChunk>,
                        public std::enable_shared_from_this<FetchCall> {
 public:
  FetchCall(FleetContext& f, v1::FetchInputRequest req, FetchDone done)
      : fleet_(f), req_(std::move(req)), done_(std::move(done)) {}
  void Run(v1::NodeService::Stub* stub, uint64_t node_id, const std::string& secret) {
    self_ = shared_from_this();
    fleet_.calls.Started();
    AddCredential(ctx_, node_id, secret);
    stub->async()->FetchInput(&ctx_, &req_, this);
    StartRead(&chunk_);
    StartCall();
  }
  void Cancel() override { ctx_.TryCancel(); }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (chunk_.offset() != req_.offset() + data_.size() && status_.ok()) {
      status_ = grpc::Status(grpc::StatusCode::DATA_LOSS, "input chunk offsets with gaps");
    }
    data_.append(chunk_.data());
    StartRead(&chunk_);
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
  v1::FetchInputRequest req_;
  v1::DataChunk chunk_;
  std::string data_;
  grpc::Status status_;
  FetchDone done_;
};

class UploadCall final : public CallHandle,
                         public grpc::ClientWriteReactor<v1::ResultChunk>,
                         public std::enable_shared_from_this<UploadCall> {
 public:
  UploadCall(FleetContext& f, std::vector<v1::ResultChunk> chunks, UploadDone done)
      : fleet_(f), chunks_(std::move(chunks)), done_(std::move(done)) {}
  void Run(v1::NodeService::Stub* stub, uint64_t node_id, const std::string& secret) {
    self_ = shared_from_this();
    fleet_.calls.Started();
    AddCredential(ctx_, node_id, secret);
    stub->async()->UploadResult(&ctx_, &ack_, this);
    WriteNext();
    StartCall();
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
      StartWrite(&chunks_[next_++]);
    } else {
      StartWritesDone();
    }
  }

  FleetContext& fleet_;
  std::shared_ptr<UploadCall> self_;
  grpc::ClientContext ctx_;
  std::vector<v1::ResultChunk> chunks_;
  size_t next_ = 0;
  v1::ResultAck ack_;
  UploadDone done_;
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
  auto call = std::make_shared<FetchCall>(fleet, std::move(req), std::move(done));
  call->Run(stub, node_id, secret);
  return call;
}

std::shared_ptr<CallHandle> StartUploadResult(FleetContext& fleet, v1::NodeService::Stub* stub,
                                              uint64_t node_id, const std::string& secret,
                                              std::vector<v1::ResultChunk> chunks,
                                              UploadDone done) {
  auto call = std::make_shared<UploadCall>(fleet, std::move(chunks), std::move(done));
  call->Run(stub, node_id, secret);
  return call;
}

}  // namespace fleetgrid::node
