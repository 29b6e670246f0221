// StreamWriter: the thread-safe write side of a server-streaming or bidi callback reactor.
//
// gRPC allows one outstanding write per stream; Send() queues messages and writes them one
// after the other; Finish() ends the stream once the queue is drained. The reactor forwards
// OnWriteDone() here and calls Detach() from OnDone(), after which everything is ignored.
// Thread-safe: any thread may Send/Finish.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <mutex>

#include "common/status.h"

namespace fleetgrid::service {

inline grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

template <typename Reactor, typename Msg>
class StreamWriter {
 public:
  explicit StreamWriter(Reactor* r) : r_(r) {}

  void Send(const Msg& m) {
    std::lock_guard lock(mu_);
    if (r_ == nullptr || finishing_) return;
    q_.push_back(m);
    if (!writing_) {
      writing_ = true;
      r_->StartWrite(&q_.front());
    }
  }

  void Finish(const absl::Status& s) {
    std::lock_guard lock(mu_);
    if (r_ == nullptr || finishing_) return;
    finishing_ = true;
    status_ = ToGrpc(s);
    if (!writing_) r_->Finish(status_);
  }

  // From the reactor's OnWriteDone.
  void OnWriteDone(bool ok) {
    std::lock_guard lock(mu_);
    if (!q_.empty()) q_.pop_front();
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
      r_->StartWrite(&q_.front());
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
  mutable std::recursive_mutex mu_;
  Reactor* r_;
  std::deque<Msg> q_;
  bool writing_ = false;
  bool finishing_ = false;
  grpc::Status status_;
};

}  // namespace fleetgrid::service
