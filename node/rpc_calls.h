// Internal: the car's non-stream calls (Enroll, RenewCredential, FetchInput, UploadResult,
// UploadCheckpoint, FetchCheckpoint) on gRPC's callback API. Each call owns its ClientContext
// and buffers, posts its outcome to the fleet's io_context and frees itself. Cancel() may be
// called from the I/O thread while it runs.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/refusal_reason.h"
#include "fleetgrid/v1/node.grpc.pb.h"
#include "node/fleet_context.h"

namespace fleetgrid::node {

// A handle that can cancel a call in flight (no-op once it has finished).
class CallHandle {
 public:
  virtual ~CallHandle() = default;
  virtual void Cancel() = 0;
};

// Unary calls end with the coordinator's RefusalReason (kNone unless it gave one).
using EnrollDone = std::function<void(grpc::Status, v1::EnrollResponse, RefusalReason)>;
std::shared_ptr<CallHandle> StartEnroll(FleetContext& fleet, v1::NodeService::Stub* stub,
                                        v1::EnrollRequest req, EnrollDone done);

// Exchanges the credential (node_id, secret) for a fresh one before it expires.
using RenewDone = std::function<void(grpc::Status, v1::RenewCredentialResponse, RefusalReason)>;
std::shared_ptr<CallHandle> StartRenewCredential(FleetContext& fleet, v1::NodeService::Stub* stub,
                                                 uint64_t node_id, const std::string& secret,
                                                 v1::RenewCredentialRequest req, RenewDone done);

// Downloads an attempt's whole input from `offset` and checks its size. `done` gets the bytes.
using FetchDone = std::function<void(grpc::Status, std::string)>;
std::shared_ptr<CallHandle> StartFetchInput(FleetContext& fleet, v1::NodeService::Stub* stub,
                                            uint64_t node_id, const std::string& secret,
                                            v1::FetchInputRequest req, FetchDone done);

// Downloads the stored checkpoint `req.checkpoint_id` the attempt resumes from, from
// `req.offset`. `done` gets the bytes; the caller checks their size and digest.
std::shared_ptr<CallHandle> StartFetchCheckpoint(FleetContext& fleet, v1::NodeService::Stub* stub,
                                                 uint64_t node_id, const std::string& secret,
                                                 v1::FetchCheckpointRequest req, FetchDone done);

// Uploads `chunks` in order; `done` gets the coordinator's verdict.
using UploadDone = std::function<void(grpc::Status, v1::ResultAck)>;
std::shared_ptr<CallHandle> StartUploadResult(FleetContext& fleet, v1::NodeService::Stub* stub,
                                              uint64_t node_id, const std::string& secret,
                                              std::vector<v1::ResultChunk> chunks, UploadDone done);

// Uploads a checkpoint's `chunks` (node/checkpoint.h) in order; `done` gets the ack, sent
// once the coordinator stored it durably, or the refusal (FAILED_PRECONDITION for a stale
// epoch, RESOURCE_EXHAUSTED over the declared size, INVALID_ARGUMENT for bad chunks).
using CheckpointDone = std::function<void(grpc::Status, v1::CheckpointAck)>;
std::shared_ptr<CallHandle> StartUploadCheckpoint(FleetContext& fleet, v1::NodeService::Stub* stub,
                                                  uint64_t node_id, const std::string& secret,
                                                  std::vector<v1::CheckpointChunk> chunks,
                                                  CheckpointDone done);

}  // namespace fleetgrid::node
