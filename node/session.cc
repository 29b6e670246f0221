#include "node/session.h"

#include <boost/asio/post.hpp>

#include "common/batching.h"
#include "common/refusal_reason.h"
#include "node/car.h"

namespace fleetgrid::node {

void AddCredential(grpc::ClientContext& ctx, uint64_t node_id, const std::string& secret) {
  ctx.AddMetadata("x-fleetgrid-node-id", std::to_string(node_id));
  ctx.AddMetadata("x-fleetgrid-node-secret-bin", secret);
}

void Session::Start(v1::NodeService::Stub* stub, uint64_t node_id, const std::string& secret,
                    v1::NodeMessage hello) {
  self_ = shared_from_this();
  fleet_.calls.Started();
  AddCredential(ctx_, node_id, secret);
  stub->async()->Connect(&ctx_, this);
  // OnDone must not run while the car may still start a write: the hold is released once
  // the write side is finished (ReleaseHoldLocked).
  AddHold();
  Send(std::move(hello));
  StartRead(&in_);
  StartCall();
}

void Session::Send(v1::NodeMessage m) {
  std::unique_lock l(mu_);
  if (closed_ || close_requested_) return;
  queue_.push_back(std::move(m));
  if (!writing_) WriteNextLocked(l);
}

void Session::CloseWrites() {
  std::unique_lock l(mu_);
  if (close_requested_ || closed_) return;
  close_requested_ = true;
  if (!writing_) WriteNextLocked(l);
}

// Starts the next write (or the half-close) with the lock released: a reaction may run
// inline on this thread. REQUIRES: no write in flight.
void Session::WriteNextLocked(std::unique_lock<std::mutex>& l) {
  if (closed_) return ReleaseHoldLocked(l);
  if (!queue_.empty()) {
    writing_ = true;
    // What queued up while the previous write was in flight goes as one NodeBatch.
    out_ = TakeNextWrite(queue_, BatchLimits{},
                         [](const v1::NodeMessage& m) { return !m.has_hello() && !m.has_batch(); });
    l.unlock();
    StartWrite(&out_);
  } else if (close_requested_) {
    closed_ = true;
    writing_ = true;  // the half-close is in flight; OnWritesDoneDone releases the hold
    l.unlock();
    StartWritesDone();
  } else {
    writing_ = false;
  }
}

void Session::ReleaseHoldLocked(std::unique_lock<std::mutex>& l) {
  if (hold_released_) return;
  hold_released_ = true;
  l.unlock();
  RemoveHold();
}

void Session::OnWriteDone(bool ok) {
  std::unique_lock l(mu_);
  writing_ = false;
  if (!ok) {  // the stream is broken; OnDone follows once the hold is gone
    closed_ = true;
    queue_.clear();
  }
  WriteNextLocked(l);
}

void Session::OnWritesDoneDone(bool) {
  std::unique_lock l(mu_);
  writing_ = false;
  ReleaseHoldLocked(l);
}

void Session::OnReadDone(bool ok) {
  if (!ok) {  // the stream ended (the coordinator finished it, or it broke): stop writing
    std::unique_lock l(mu_);
    closed_ = true;
    queue_.clear();
    if (!writing_) ReleaseHoldLocked(l);
    return;
  }
  auto msg = std::make_shared<v1::CoordinatorMessage>(std::move(in_));
  in_.Clear();
  boost::asio::post(fleet_.io, [self = shared_from_this(), msg] {
    if (self->car_ != nullptr) self->car_->OnSessionMessage(self.get(), *msg);
  });
  StartRead(&in_);
}

void Session::OnDone(const grpc::Status& s) {
  // The post may run, and free `this`, before the next line: keep the context.
  FleetContext& fleet = fleet_;
  const RefusalReason reason = RefusalReasonFromTrailers(ctx_.GetServerTrailingMetadata());
  boost::asio::post(fleet_.io, [self = std::move(self_), s, reason] {
    if (self->car_ != nullptr) self->car_->OnSessionDone(self.get(), s, reason);
  });
  fleet.calls.Ended();
}

}  // namespace fleetgrid::node
