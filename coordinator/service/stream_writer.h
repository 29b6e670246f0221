// StreamWriter: the thread-safe write side of a server-streaming or bidi callback reactor.
//
// gRPC allows one outstanding write per stream; Send() queues messages and writes them one
// after the other; Finish() ends the stream once the queue is drained. `Coalesce::Take`
// picks the next write from the queue: one message (OneAtATime), or everything that queued
// up as one batch message (common/batching.h). The reactor forwards OnWriteDone() here and
// calls Detach() from OnDone(), after which everything is ignored.
// Thread-safe: any thread may Send/Finish.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <mutex>
#include <vector>

#include "common/refusal_reason.h"
#include "common/status.h"

namespace fleetgrid::service {

// `s` as a gRPC status. Its RefusalReason, if any, goes into the trailing metadata of the
// call of `ctx` (x-fleetgrid-reason) for the car to act on; without `ctx` it is dropped (the
// clients of JobService and AdminService are never given one). REQUIRES: the call is not
// finished, and nothing else adds trailing metadata to it concurrently.
inline grpc::Status ToGrpc(const absl::Status& s, grpc::ServerContextBase* ctx = nullptr) {
  if (s.ok()) return grpc::Status::OK;
  if (const RefusalReason r = RefusalReasonOf(s); ctx != nullptr && r != RefusalReason::kNone) {
    ctx->AddTrailingMetadata(kRefusalReasonKey, std::string(RefusalReasonName(r)));
  }
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

// Writes queued messages one by one.
struct OneAtATime {
  template <typename Msg>
  static Msg Take(std::deque<Msg>& q) {
    Msg m = std::move(q.front());
    q.pop_front();
    return m;
  }
};

template <typename Reactor, typename Msg, typename Coalesce = OneAtATime>
class StreamWriter {
 public:
  // `ctx`: the call's context, where the final status's RefusalReason goes (see ToGrpc);
  // nullptr for a stream that never ends with one.
  StreamWriter(Reactor* r, grpc::ServerContextBase* ctx) : r_(r), ctx_(ctx) {}

  void Send(const Msg& m) {
    std::lock_guard lock(mu_);
    if (r_ == nullptr || finishing_) return;
    q_.push_back(m);
    if (!writing_) WriteNextLocked();
  }

  // Queues several messages at once (so that a batching writer sends them together).
  void SendAll(std::vector<Msg> ms) {
    std::lock_guard lock(mu_);
    if (r_ == nullptr || finishing_) return;
    for (Msg& m : ms) q_.push_back(std::move(m));
    if (!writing_ && !q_.empty()) WriteNextLocked();
  }

  void Finish(const absl::Status& s) {
    std::lock_guard lock(mu_);
    if (r_ == nullptr || finishing_) return;
    finishing_ = true;
    status_ = ToGrpc(s, ctx_);  // under mu_: one Finish adds metadata, before r_->Finish
    if (!writing_) r_->Finish(status_);
  }

  // From the reactor's OnWriteDone.
  void OnWriteDone(bool ok) {
    std::lock_guard lock(mu_);
    if (r_ == nullptr) return;
    if (!ok) {  // the stream broke: nothing more can be written
      q_.clear();
      writing_ = false;
      if (!finishing_) {
        finishing_ = true;
        status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream broken");
      }
      r_->Finish(status_);
      return;
    }
    if (!q_.empty()) {
      WriteNextLocked();
      return;
    }
    writing_ = false;
    if (finishing_) r_->Finish(status_);
  }

  // From the reactor's OnDone: the reactor is about to be deleted.
  void Detach() {
    std::lock_guard lock(mu_);
    r_ = nullptr;
    q_.clear();
  }

  bool detached() const {
    std::lock_guard lock(mu_);
    return r_ == nullptr;
  }

 private:
  // REQUIRES: !q_.empty(), mu_ held, no write in flight.
  void WriteNextLocked() {
    writing_ = true;
    current_ = Coalesce::Take(q_);
    r_->StartWrite(&current_);
  }

  mutable std::recursive_mutex mu_;
  Reactor* r_;
  grpc::ServerContextBase* const ctx_;
  std::deque<Msg> q_;  // not yet written
  Msg current_;        // the write in flight
  bool writing_ = false;
  bool finishing_ = false;
  grpc::Status status_;
};

}  // namespace fleetgrid::service
