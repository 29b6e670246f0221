// Authorizer: the one place that decides who may call which RPC. Every handler asks it first,
// with the call's metadata only (never ids inside the request):
//   NodeService (but Enroll)  a node credential: `x-fleetgrid-node-id` + `x-fleetgrid-node-
//                             secret-bin`. API tokens are refused (PERMISSION_DENIED).
//   Enroll                    anyone here; the join token inside the request is checked by
//                             the brain (it counts the use durably).
//   JobService, AdminService  `authorization: Bearer <token>`, an API token whose role covers
//                             the method (read < submit < admin; the admin token from
//                             --admin-token-file is admin). Node credentials are refused.
// Without an admin token configured (open mode, development; Coordinator::Start allows it on
// loopback only) JobService and AdminService are open; node credentials are still required
// on NodeService.
//
// Statuses: UNAUTHENTICATED (no or bad credential), PERMISSION_DENIED (wrong kind or role).
// Thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include "coordinator/service/identities.h"

namespace fleetgrid::service {

enum class Rpc {
  // NodeService
  kEnroll,
  kRenewCredential,
  kConnect,
  kFetchInput,
  kUploadResult,
  kUploadCheckpoint,
  kFetchCheckpoint,
  // JobService
  kSubmitJob,
  kGetJob,
  kListJobs,
  kListTasks,
  kCancelJob,
  kWatchJob,
  kFetchResults,
  // AdminService
  kListNodes,
  kGetNode,
  kGetFleetStats,
  kDrainNode,
  kRevokeCredential,
  kIssueJoinToken,
  kRevokeJoinToken,
  kIssueApiToken,
  kRevokeApiToken,
  kListApiTokens,
  kListJoinTokens,
};

// The verified caller of `rpc`, or why not.
absl::StatusOr<Caller> Authorize(const Identities& ids, const grpc::ServerContextBase& ctx, Rpc rpc,
                                 int64_t now_ms);

}  // namespace fleetgrid::service
