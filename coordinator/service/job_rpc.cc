// JobService and AdminService handlers, each behind the Authorizer.
#include "common/clock.h"
#include "coordinator/service/authorizer.h"
#include "coordinator/service/grpc_services.h"
#include "coordinator/service/stream_writer.h"

namespace fleetgrid::service {
namespace {

// One unary call: the Authorizer's verdict on `rpc` (refused: finished at once), then
// `call(caller, reply)` to the brain, whose answer `fill` copies into the response.
template <typename T, typename Resp, typename Call, typename Fill>
grpc::ServerUnaryReactor* Unary(Brain* brain, Metrics* m, grpc::CallbackServerContext* ctx, Rpc rpc,
                                const char* method, Resp* resp, Call call, Fill fill) {
  auto* reactor = ctx->DefaultReactor();
  auto caller = Authorize(brain->identities(), *ctx, rpc, brain->NowMs());
  if (!caller.ok()) {
    reactor->Finish(ToGrpc(caller.status()));
    return reactor;
  }
  const TimePoint t0 = WallClock().Now();
  call(*std::move(caller), [reactor, resp, m, method, t0, fill](absl::StatusOr<T> r) {
    if (r.ok()) fill(*resp, *std::move(r));
    m->ObserveRpc(method, WallClock().Now() - t0);
    reactor->Finish(ToGrpc(r.status()));
  });
  return reactor;
}

// The whole answer is the response.
constexpr auto kCopy = [](auto& out, auto in) { out = std::move(in); };

// A server-streaming call the Authorizer refused.
template <typename T>
class Refused final : public grpc::ServerWriteReactor<T> {
 public:
  explicit Refused(const absl::Status& s) { this->Finish(ToGrpc(s)); }
  void OnDone() override { delete this; }
};

class WatchReactor;

class WatchOutbox final : public ProgressOutbox {
 public:
  explicit WatchOutbox(grpc::ServerWriteReactor<v1::JobProgress>* r) : w(r, nullptr) {}
  void Send(const v1::JobProgress& p) override { w.Send(p); }
  void Finish(const absl::Status& s) override { w.Finish(s); }
  bool Gone() const override { return gone.load() || w.detached(); }
  StreamWriter<grpc::ServerWriteReactor<v1::JobProgress>, v1::JobProgress> w;
  std::atomic<bool> gone{false};
};

class WatchReactor final : public grpc::ServerWriteReactor<v1::JobProgress> {
 public:
  WatchReactor(Brain* brain, const v1::WatchJobRequest& req, StreamBudget* watchers) {
    out_ = std::make_shared<WatchOutbox>(this);
    if (absl::Status s = watchers->Take(0, &ticket_); !s.ok()) {
      out_->Finish(s);
      return;
    }
    Duration interval = brain->options().watch_min_interval;
    if (req.has_min_interval()) {
      interval = Duration::Seconds(req.min_interval().seconds()) +
                 Duration::Nanos(req.min_interval().nanos());
    }
    brain->WatchJob(req.job_id(), interval, out_);
  }
  void OnWriteDone(bool ok) override { out_->w.OnWriteDone(ok); }
  void OnCancel() override { out_->gone = true; }
  void OnDone() override {
    out_->gone = true;
    out_->w.Detach();
    delete this;
  }

 private:
  std::shared_ptr<WatchOutbox> out_;
  StreamBudget::Ticket ticket_;
};

class ResultsReactor final : public grpc::ServerWriteReactor<v1::TaskResult> {
 public:
  ResultsReactor(Brain* brain, const v1::FetchResultsRequest& req)
      : store_(brain->store()), metadata_only_(req.metadata_only()) {
    chunk_max_ = brain->options().max_chunk_bytes;
    if (req.max_chunk_bytes() > 0) chunk_max_ = std::min(chunk_max_, req.max_chunk_bytes());
    brain->ResultsOf(req, [this](absl::StatusOr<std::vector<v1::TaskResult>> r) {
      if (!r.ok()) return Finish(ToGrpc(r.status()));
      results_ = *std::move(r);
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
    while (index_ < results_.size()) {
      const v1::TaskResult& meta = results_[index_];
      if (metadata_only_) {
        out_ = meta;
        ++index_;
        return StartWrite(&out_);
      }
      if (!loaded_) {
        auto data = store_->ReadResult(meta.task_id());
        if (!data.ok()) return Finish(ToGrpc(data.status()));
        data_ = *std::move(data);
        loaded_ = true;
        offset_ = 0;
      }
      const uint64_t n = std::min<uint64_t>(chunk_max_, data_.size() - offset_);
      out_ = meta;
      v1::DataChunk* c = out_.mutable_chunk();
      c->set_offset(offset_);
      c->set_data(data_.substr(offset_, n));
      c->set_total_size_bytes(data_.size());
      offset_ += n;
      if (offset_ >= data_.size()) {
        c->set_last(true);
        *c->mutable_digest() = meta.digest();
        loaded_ = false;
        ++index_;
      }
      return StartWrite(&out_);
    }
    Finish(grpc::Status::OK);
  }

  Store* store_;
  bool metadata_only_;
  uint64_t chunk_max_ = 1 << 20;
  std::vector<v1::TaskResult> results_;
  size_t index_ = 0;
  bool loaded_ = false;
  std::string data_;
  uint64_t offset_ = 0;
  v1::TaskResult out_;
};

}  // namespace

grpc::ServerUnaryReactor* JobServiceImpl::SubmitJob(grpc::CallbackServerContext* ctx,
                                                    const v1::SubmitJobRequest* req,
                                                    v1::SubmitJobResponse* resp) {
  return Unary<v1::SubmitJobResponse>(
      brain_, metrics_, ctx, Rpc::kSubmitJob, "SubmitJob", resp,
      [&](Caller c, auto reply) { brain_->SubmitJob(req->spec(), std::move(reply), c); }, kCopy);
}

grpc::ServerUnaryReactor* JobServiceImpl::GetJob(grpc::CallbackServerContext* ctx,
                                                 const v1::GetJobRequest* req,
                                                 v1::GetJobResponse* resp) {
  return Unary<v1::Job>(
      brain_, metrics_, ctx, Rpc::kGetJob, "GetJob", resp,
      [&](Caller, auto reply) { brain_->GetJob(req->job_id(), std::move(reply)); },
      [](v1::GetJobResponse& out, v1::Job in) { *out.mutable_job() = std::move(in); });
}

grpc::ServerUnaryReactor* JobServiceImpl::ListJobs(grpc::CallbackServerContext* ctx,
                                                   const v1::ListJobsRequest* req,
                                                   v1::ListJobsResponse* resp) {
  return Unary<v1::ListJobsResponse>(
      brain_, metrics_, ctx, Rpc::kListJobs, "ListJobs", resp,
      [&](Caller, auto reply) { brain_->ListJobs(*req, std::move(reply)); }, kCopy);
}

grpc::ServerUnaryReactor* JobServiceImpl::ListTasks(grpc::CallbackServerContext* ctx,
                                                    const v1::ListTasksRequest* req,
                                                    v1::ListTasksResponse* resp) {
  return Unary<v1::ListTasksResponse>(
      brain_, metrics_, ctx, Rpc::kListTasks, "ListTasks", resp,
      [&](Caller, auto reply) { brain_->ListTasks(*req, std::move(reply)); }, kCopy);
}

grpc::ServerUnaryReactor* JobServiceImpl::CancelJob(grpc::CallbackServerContext* ctx,
                                                    const v1::CancelJobRequest* req,
                                                    v1::CancelJobResponse* resp) {
  return Unary<v1::CancelJobResponse>(
      brain_, metrics_, ctx, Rpc::kCancelJob, "CancelJob", resp,
      [&](Caller c, auto reply) { brain_->CancelJob(*req, std::move(reply), std::move(c)); },
      kCopy);
}

grpc::ServerWriteReactor<v1::JobProgress>* JobServiceImpl::WatchJob(
    grpc::CallbackServerContext* ctx, const v1::WatchJobRequest* req) {
  if (auto c = Authorize(brain_->identities(), *ctx, Rpc::kWatchJob, brain_->NowMs()); !c.ok()) {
    return new Refused<v1::JobProgress>(c.status());
  }
  return new WatchReactor(brain_, *req, &watchers_);
}

grpc::ServerWriteReactor<v1::TaskResult>* JobServiceImpl::FetchResults(
    grpc::CallbackServerContext* ctx, const v1::FetchResultsRequest* req) {
  if (auto c = Authorize(brain_->identities(), *ctx, Rpc::kFetchResults, brain_->NowMs());
      !c.ok()) {
    return new Refused<v1::TaskResult>(c.status());
  }
  return new ResultsReactor(brain_, *req);
}

grpc::ServerUnaryReactor* AdminServiceImpl::ListNodes(grpc::CallbackServerContext* ctx,
                                                      const v1::ListNodesRequest* req,
                                                      v1::ListNodesResponse* resp) {
  return Unary<v1::ListNodesResponse>(
      brain_, metrics_, ctx, Rpc::kListNodes, "ListNodes", resp,
      [&](Caller, auto reply) { brain_->ListNodes(*req, std::move(reply)); }, kCopy);
}

grpc::ServerUnaryReactor* AdminServiceImpl::GetNode(grpc::CallbackServerContext* ctx,
                                                    const v1::GetNodeRequest* req,
                                                    v1::GetNodeResponse* resp) {
  return Unary<v1::NodeInfo>(
      brain_, metrics_, ctx, Rpc::kGetNode, "GetNode", resp,
      [&](Caller, auto reply) { brain_->GetNode(req->node_id(), std::move(reply)); },
      [](v1::GetNodeResponse& out, v1::NodeInfo in) { *out.mutable_node() = std::move(in); });
}

grpc::ServerUnaryReactor* AdminServiceImpl::GetFleetStats(grpc::CallbackServerContext* ctx,
                                                          const v1::GetFleetStatsRequest*,
                                                          v1::GetFleetStatsResponse* resp) {
  return Unary<v1::FleetStats>(
      brain_, metrics_, ctx, Rpc::kGetFleetStats, "GetFleetStats", resp,
      [&](Caller, auto reply) { brain_->FleetStats(std::move(reply)); },
      [](v1::GetFleetStatsResponse& out, v1::FleetStats in) {
        *out.mutable_stats() = std::move(in);
      });
}

grpc::ServerUnaryReactor* AdminServiceImpl::DrainNode(grpc::CallbackServerContext* ctx,
                                                      const v1::DrainNodeRequest* req,
                                                      v1::DrainNodeResponse* resp) {
  return Unary<v1::DrainNodeResponse>(
      brain_, metrics_, ctx, Rpc::kDrainNode, "DrainNode", resp,
      [&](Caller, auto reply) { brain_->DrainNode(*req, std::move(reply)); }, kCopy);
}

grpc::ServerUnaryReactor* AdminServiceImpl::RevokeCredential(grpc::CallbackServerContext* ctx,
                                                             const v1::RevokeCredentialRequest* req,
                                                             v1::RevokeCredentialResponse* resp) {
  return Unary<v1::RevokeCredentialResponse>(
      brain_, metrics_, ctx, Rpc::kRevokeCredential, "RevokeCredential", resp,
      [&](Caller, auto reply) { brain_->RevokeCredential(*req, std::move(reply)); }, kCopy);
}

grpc::ServerUnaryReactor* AdminServiceImpl::IssueJoinToken(grpc::CallbackServerContext* ctx,
                                                           const v1::IssueJoinTokenRequest* req,
                                                           v1::IssueJoinTokenResponse* resp) {
  return Unary<v1::IssueJoinTokenResponse>(
      brain_, metrics_, ctx, Rpc::kIssueJoinToken, "IssueJoinToken", resp,
      [&](Caller, auto reply) { brain_->IssueJoinToken(*req, std::move(reply)); }, kCopy);
}

grpc::ServerUnaryReactor* AdminServiceImpl::RevokeJoinToken(grpc::CallbackServerContext* ctx,
                                                            const v1::RevokeJoinTokenRequest* req,
                                                            v1::RevokeJoinTokenResponse* resp) {
  return Unary<v1::RevokeJoinTokenResponse>(
      brain_, metrics_, ctx, Rpc::kRevokeJoinToken, "RevokeJoinToken", resp,
      [&](Caller, auto reply) { brain_->RevokeJoinToken(*req, std::move(reply)); }, kCopy);
}

grpc::ServerUnaryReactor* AdminServiceImpl::ListJoinTokens(grpc::CallbackServerContext* ctx,
                                                           const v1::ListJoinTokensRequest* req,
                                                           v1::ListJoinTokensResponse* resp) {
  return Unary<v1::ListJoinTokensResponse>(
      brain_, metrics_, ctx, Rpc::kListJoinTokens, "ListJoinTokens", resp,
      [&](Caller, auto reply) { brain_->ListJoinTokens(*req, std::move(reply)); }, kCopy);
}

grpc::ServerUnaryReactor* AdminServiceImpl::IssueApiToken(grpc::CallbackServerContext* ctx,
                                                          const v1::IssueApiTokenRequest* req,
                                                          v1::IssueApiTokenResponse* resp) {
  return Unary<v1::IssueApiTokenResponse>(
      brain_, metrics_, ctx, Rpc::kIssueApiToken, "IssueApiToken", resp,
      [&](Caller, auto reply) { brain_->IssueApiToken(*req, std::move(reply)); }, kCopy);
}

grpc::ServerUnaryReactor* AdminServiceImpl::RevokeApiToken(grpc::CallbackServerContext* ctx,
                                                           const v1::RevokeApiTokenRequest* req,
                                                           v1::RevokeApiTokenResponse* resp) {
  return Unary<v1::RevokeApiTokenResponse>(
      brain_, metrics_, ctx, Rpc::kRevokeApiToken, "RevokeApiToken", resp,
      [&](Caller, auto reply) { brain_->RevokeApiToken(*req, std::move(reply)); }, kCopy);
}

grpc::ServerUnaryReactor* AdminServiceImpl::ListApiTokens(grpc::CallbackServerContext* ctx,
                                                          const v1::ListApiTokensRequest* req,
                                                          v1::ListApiTokensResponse* resp) {
  return Unary<v1::ListApiTokensResponse>(
      brain_, metrics_, ctx, Rpc::kListApiTokens, "ListApiTokens", resp,
      [&](Caller, auto reply) { brain_->ListApiTokens(*req, std::move(reply)); }, kCopy);
}

}  // namespace fleetgrid::service
