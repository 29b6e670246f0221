// JobService and AdminService handlers.
#include "coordinator/service/grpc_services.h"
#include "coordinator/service/stream_writer.h"

namespace fleetgrid::service {
namespace {

// Finishes a unary call with the brain's answer, copying it into the response.
template <typename T, typename Resp, typename Fill>
auto Answer(grpc::ServerUnaryReactor* reactor, Resp* resp, Metrics* m, const char* method,
            Fill fill) {
  const TimePoint t0 = WallClock().Now();
  return [reactor, resp, m, method, t0, fill](absl::StatusOr<T> r) {
    if (r.ok()) fill(*resp, *std::move(r));
    m->ObserveRpc(method, WallClock().Now() - t0);
    reactor->Finish(ToGrpc(r.status()));
  };
}

class WatchReactor;

class WatchOutbox final : public ProgressOutbox {
 public:
  explicit WatchOutbox(grpc::ServerWriteReactor<v1::JobProgress>* r) : w(r) {}
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
  auto* r = ctx->DefaultReactor();
  brain_->SubmitJob(req->spec(), Answer<v1::SubmitJobResponse>(
                                     r, resp, metrics_, "SubmitJob",
                                     [](v1::SubmitJobResponse& out, v1::SubmitJobResponse in) {
                                       out = std::move(in);
                                     }));
  return r;
}

grpc::ServerUnaryReactor* JobServiceImpl::GetJob(grpc::CallbackServerContext* ctx,
                                                 const v1::GetJobRequest* req,
                                                 v1::GetJobResponse* resp) {
  auto* r = ctx->DefaultReactor();
  brain_->GetJob(req->job_id(), Answer<v1::Job>(r, resp, metrics_, "GetJob",
                                                [](v1::GetJobResponse& out, v1::Job in) {
                                                  *out.mutable_job() = std::move(in);
                                                }));
  return r;
}

grpc::ServerUnaryReactor* JobServiceImpl::ListJobs(grpc::CallbackServerContext* ctx,
                                                   const v1::ListJobsRequest* req,
                                                   v1::ListJobsResponse* resp) {
  auto* r = ctx->DefaultReactor();
  brain_->ListJobs(
      *req, Answer<v1::ListJobsResponse>(
                r, resp, metrics_, "ListJobs",
                [](v1::ListJobsResponse& out, v1::ListJobsResponse in) { out = std::move(in); }));
  return r;
}

grpc::ServerUnaryReactor* JobServiceImpl::ListTasks(grpc::CallbackServerContext* ctx,
                                                    const v1::ListTasksRequest* req,
                                                    v1::ListTasksResponse* resp) {
  auto* r = ctx->DefaultReactor();
  brain_->ListTasks(
      *req, Answer<v1::ListTasksResponse>(
                r, resp, metrics_, "ListTasks",
                [](v1::ListTasksResponse& out, v1::ListTasksResponse in) { out = std::move(in); }));
  return r;
}

grpc::ServerUnaryReactor* JobServiceImpl::CancelJob(grpc::CallbackServerContext* ctx,
                                                    const v1::CancelJobRequest* req,
                                                    v1::CancelJobResponse* resp) {
  auto* r = ctx->DefaultReactor();
  brain_->CancelJob(
      *req, Answer<v1::CancelJobResponse>(
                r, resp, metrics_, "CancelJob",
                [](v1::CancelJobResponse& out, v1::CancelJobResponse in) { out = std::move(in); }));
  return r;
}

grpc::ServerWriteReactor<v1::JobProgress>* JobServiceImpl::WatchJob(
    grpc::CallbackServerContext*, const v1::WatchJobRequest* req) {
  return new WatchReactor(brain_, *req, &watchers_);
}

grpc::ServerWriteReactor<v1::TaskResult>* JobServiceImpl::FetchResults(
    grpc::CallbackServerContext*, const v1::FetchResultsRequest* req) {
  return new ResultsReactor(brain_, *req);
}

grpc::ServerUnaryReactor* AdminServiceImpl::ListNodes(grpc::CallbackServerContext* ctx,
                                                      const v1::ListNodesRequest* req,
                                                      v1::ListNodesResponse* resp) {
  auto* r = ctx->DefaultReactor();
  brain_->ListNodes(
      *req, Answer<v1::ListNodesResponse>(
                r, resp, metrics_, "ListNodes",
                [](v1::ListNodesResponse& out, v1::ListNodesResponse in) { out = std::move(in); }));
  return r;
}

grpc::ServerUnaryReactor* AdminServiceImpl::GetNode(grpc::CallbackServerContext* ctx,
                                                    const v1::GetNodeRequest* req,
                                                    v1::GetNodeResponse* resp) {
  auto* r = ctx->DefaultReactor();
  brain_->GetNode(req->node_id(),
                  Answer<v1::NodeInfo>(r, resp, metrics_, "GetNode",
                                       [](v1::GetNodeResponse& out, v1::NodeInfo in) {
                                         *out.mutable_node() = std::move(in);
                                       }));
  return r;
}

grpc::ServerUnaryReactor* AdminServiceImpl::GetFleetStats(grpc::CallbackServerContext* ctx,
                                                          const v1::GetFleetStatsRequest*,
                                                          v1::GetFleetStatsResponse* resp) {
  auto* r = ctx->DefaultReactor();
  brain_->FleetStats(Answer<v1::FleetStats>(r, resp, metrics_, "GetFleetStats",
                                            [](v1::GetFleetStatsResponse& out, v1::FleetStats in) {
                                              *out.mutable_stats() = std::move(in);
                                            }));
  return r;
}

grpc::ServerUnaryReactor* AdminServiceImpl::DrainNode(grpc::CallbackServerContext* ctx,
                                                      const v1::DrainNodeRequest* req,
                                                      v1::DrainNodeResponse* resp) {
  auto* r = ctx->DefaultReactor();
  brain_->DrainNode(
      *req, Answer<v1::DrainNodeResponse>(
                r, resp, metrics_, "DrainNode",
                [](v1::DrainNodeResponse& out, v1::DrainNodeResponse in) { out = std::move(in); }));
  return r;
}

}  // namespace fleetgrid::service
