// The gRPC services (callback API) over the Brain: NodeService, JobService, AdminService.
//
// Thin: each handler first asks the Authorizer (authorizer.h) who calls and whether it may,
// checks what it can without the brain (chunk order and sizes, digests), posts the rest to the
// Brain and finishes when the brain answers. Each stream is a reactor object owning its per-call
// state. Thread-safe.
#pragma once

#include "coordinator/service/brain.h"
#include "coordinator/service/sharded_bidi.h"
#include "coordinator/service/stream_budget.h"
#include "fleetgrid/v1/admin.grpc.pb.h"
#include "fleetgrid/v1/job.grpc.pb.h"
#include "fleetgrid/v1/node.grpc.pb.h"

namespace fleetgrid::service {

// Connect runs on the async API over sharded completion queues (sharded_bidi.h explains
// why); every other method on the callback API. The async marking must come first (while
// Connect is still a sync method), so the mix is spelled out rather than built on
// CallbackService.
using NodeServiceBase =
    v1::NodeService::WithCallbackMethod_Enroll<v1::NodeService::WithCallbackMethod_RenewCredential<
        v1::NodeService::WithCallbackMethod_FetchInput<
            v1::NodeService::WithCallbackMethod_UploadResult<
                v1::NodeService::WithCallbackMethod_UploadCheckpoint<
                    v1::NodeService::WithCallbackMethod_FetchCheckpoint<
                        v1::NodeService::WithAsyncMethod_Connect<v1::NodeService::Service>>>>>>>;

// The caps on car-side streams (ServiceOptions::max_sessions, max_streams_per_node).
struct NodeStreamBudgets {
  explicit NodeStreamBudgets(const ServiceOptions& o)
      : sessions("car sessions", o.max_sessions, 0),
        per_node("streams", 0, o.max_streams_per_node) {}
  StreamBudget sessions;
  StreamBudget per_node;
};

class NodeServiceImpl final : public NodeServiceBase {
 public:
  NodeServiceImpl(Brain* brain, Metrics* metrics)
      : brain_(brain), metrics_(metrics), budgets_(brain->options()) {}
  grpc::ServerUnaryReactor* Enroll(grpc::CallbackServerContext* ctx, const v1::EnrollRequest* req,
                                   v1::EnrollResponse* resp) override;
  grpc::ServerUnaryReactor* RenewCredential(grpc::CallbackServerContext* ctx,
                                            const v1::RenewCredentialRequest* req,
                                            v1::RenewCredentialResponse* resp) override;
  // Adds the Connect streams' completion queues to `builder` (before BuildAndStart).
  void AddConnectQueues(grpc::ServerBuilder& builder, int queues);
  // After BuildAndStart / after the server's Shutdown.
  void StartConnect();
  void StopConnect();
  grpc::ServerWriteReactor<v1::DataChunk>* FetchInput(grpc::CallbackServerContext* ctx,
                                                      const v1::FetchInputRequest* req) override;
  grpc::ServerReadReactor<v1::ResultChunk>* UploadResult(grpc::CallbackServerContext* ctx,
                                                         v1::ResultAck* resp) override;
  grpc::ServerReadReactor<v1::CheckpointChunk>* UploadCheckpoint(grpc::CallbackServerContext* ctx,
                                                                 v1::CheckpointAck* resp) override;
  grpc::ServerWriteReactor<v1::DataChunk>* FetchCheckpoint(
      grpc::CallbackServerContext* ctx, const v1::FetchCheckpointRequest* req) override;

 private:
  using ConnectServer = ShardedBidiServer<NodeServiceImpl, v1::NodeMessage, v1::CoordinatorMessage>;
  Brain* brain_;
  Metrics* metrics_;
  NodeStreamBudgets budgets_;
  std::unique_ptr<ConnectServer> connect_;
};

class JobServiceImpl final : public v1::JobService::CallbackService {
 public:
  JobServiceImpl(Brain* brain, Metrics* metrics)
      : brain_(brain),
        metrics_(metrics),
        watchers_("watch streams", brain->options().max_watchers, 0) {}
  grpc::ServerUnaryReactor* SubmitJob(grpc::CallbackServerContext* ctx,
                                      const v1::SubmitJobRequest* req,
                                      v1::SubmitJobResponse* resp) override;
  grpc::ServerUnaryReactor* GetJob(grpc::CallbackServerContext* ctx, const v1::GetJobRequest* req,
                                   v1::GetJobResponse* resp) override;
  grpc::ServerUnaryReactor* ListJobs(grpc::CallbackServerContext* ctx,
                                     const v1::ListJobsRequest* req,
                                     v1::ListJobsResponse* resp) override;
  grpc::ServerUnaryReactor* ListTasks(grpc::CallbackServerContext* ctx,
                                      const v1::ListTasksRequest* req,
                                      v1::ListTasksResponse* resp) override;
  grpc::ServerUnaryReactor* CancelJob(grpc::CallbackServerContext* ctx,
                                      const v1::CancelJobRequest* req,
                                      v1::CancelJobResponse* resp) override;
  grpc::ServerWriteReactor<v1::JobProgress>* WatchJob(grpc::CallbackServerContext* ctx,
                                                      const v1::WatchJobRequest* req) override;
  grpc::ServerWriteReactor<v1::TaskResult>* FetchResults(
      grpc::CallbackServerContext* ctx, const v1::FetchResultsRequest* req) override;

 private:
  Brain* brain_;
  Metrics* metrics_;
  StreamBudget watchers_;
};

class AdminServiceImpl final : public v1::AdminService::CallbackService {
 public:
  AdminServiceImpl(Brain* brain, Metrics* metrics) : brain_(brain), metrics_(metrics) {}
  grpc::ServerUnaryReactor* ListNodes(grpc::CallbackServerContext* ctx,
                                      const v1::ListNodesRequest* req,
                                      v1::ListNodesResponse* resp) override;
  grpc::ServerUnaryReactor* GetNode(grpc::CallbackServerContext* ctx, const v1::GetNodeRequest* req,
                                    v1::GetNodeResponse* resp) override;
  grpc::ServerUnaryReactor* GetFleetStats(grpc::CallbackServerContext* ctx,
                                          const v1::GetFleetStatsRequest* req,
                                          v1::GetFleetStatsResponse* resp) override;
  grpc::ServerUnaryReactor* DrainNode(grpc::CallbackServerContext* ctx,
                                      const v1::DrainNodeRequest* req,
                                      v1::DrainNodeResponse* resp) override;
  grpc::ServerUnaryReactor* RevokeCredential(grpc::CallbackServerContext* ctx,
                                             const v1::RevokeCredentialRequest* req,
                                             v1::RevokeCredentialResponse* resp) override;
  grpc::ServerUnaryReactor* IssueJoinToken(grpc::CallbackServerContext* ctx,
                                           const v1::IssueJoinTokenRequest* req,
                                           v1::IssueJoinTokenResponse* resp) override;
  grpc::ServerUnaryReactor* RevokeJoinToken(grpc::CallbackServerContext* ctx,
                                            const v1::RevokeJoinTokenRequest* req,
                                            v1::RevokeJoinTokenResponse* resp) override;
  grpc::ServerUnaryReactor* ListJoinTokens(grpc::CallbackServerContext* ctx,
                                           const v1::ListJoinTokensRequest* req,
                                           v1::ListJoinTokensResponse* resp) override;
  grpc::ServerUnaryReactor* IssueApiToken(grpc::CallbackServerContext* ctx,
                                          const v1::IssueApiTokenRequest* req,
                                          v1::IssueApiTokenResponse* resp) override;
  grpc::ServerUnaryReactor* RevokeApiToken(grpc::CallbackServerContext* ctx,
                                           const v1::RevokeApiTokenRequest* req,
                                           v1::RevokeApiTokenResponse* resp) override;
  grpc::ServerUnaryReactor* ListApiTokens(grpc::CallbackServerContext* ctx,
                                          const v1::ListApiTokensRequest* req,
                                          v1::ListApiTokensResponse* resp) override;

 private:
  Brain* brain_;
  Metrics* metrics_;
};

}  // namespace fleetgrid::service
