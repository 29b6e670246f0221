// Internal: one Connect stream of one car, as a gRPC callback reactor.
//
// A hold (AddHold) keeps OnDone from running while the car may still start a write: without
// it a write started after the coordinator ended the stream would touch a finished call.
// gRPC runs the reactions on its own threads; each reaction posts what it learnt to the
// fleet's io_context, where the car (single-threaded) acts on it. The session keeps itself
// alive until OnDone. Send/CloseWrites/Cancel may be called from any thread; car_ is only
// touched on the I/O thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
#include <mutex>

#include "fleetgrid/v1/node.grpc.pb.h"
#include "node/fleet_context.h"

namespace fleetgrid::node {

class Car;

// Adds the node credential metadata to a call.
void AddCredential(grpc::ClientContext& ctx, uint64_t node_id, const std::string& secret);

class Session final : public grpc::ClientBidiReactor<v1::NodeMessage, v1::CoordinatorMessage>,
                      public std::enable_shared_from_this<Session> {
 public:
  Session(FleetContext& fleet, Car* car) : fleet_(fleet), car_(car) {}

  // Starts the call and sends `hello` first. Call once, on the I/O thread.
  void Start(v1::NodeService::Stub* stub, uint64_t node_id, const std::string& secret,
             v1::NodeMessage hello);
  // Queues a message; dropped once the write side is closed.
  void Send(v1::NodeMessage m);
  // Half-closes after the queued messages are written.
  void CloseWrites();
  // Drops the stream at once (the car vanishes).
  void Cancel() { ctx_.TryCancel(); }
  // I/O thread: the car no longer wants to hear from this session.
  void Detach() { car_ = nullptr; }

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnWritesDoneDone(bool ok) override;
  void OnDone(const grpc::Status& s) override;

 private:
  void WriteNextLocked(std::unique_lock<std::mutex>& l);
  // Lets OnDone run: no Start* call may follow. Unlocks `l`.
  void ReleaseHoldLocked(std::unique_lock<std::mutex>& l);

  FleetContext& fleet_;
  Car* car_;  // I/O thread only
  std::shared_ptr<Session> self_;
  grpc::ClientContext ctx_;
  v1::CoordinatorMessage in_;

  std::mutex mu_;
  std::deque<v1::NodeMessage> queue_;
  v1::NodeMessage out_;
  bool writing_ = false;  // a write or the half-close is in flight
  bool close_requested_ = false;
  bool closed_ = false;  // no more writes: WritesDone sent, a write failed, or the stream ended
  bool hold_released_ = false;  // RemoveHold called (see Start)
};

}  // namespace fleetgrid::node
