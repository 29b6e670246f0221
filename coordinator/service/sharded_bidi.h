// ShardedBidiServer: serves one bidi-streaming method on gRPC's async API over several
// completion queues, each drained by its own thread, with the reactor-style interface of the
// callback API (OnReadDone / OnWriteDone / OnDone, StartRead / StartWrite / Finish).
//
// Why not the callback API for Connect: Debian's gRPC is built without NDEBUG, and then
// every completion does a linear scan of its completion queue's outstanding operations
// (cq_check_tag). The callback API puts every call of the process on ONE queue, so with one
// pending read per connected car each event costs O(cars): while 50,000 cars connected, a
// quarter of the coordinator's CPU samples were in that scan (perf). Spreading the Connect streams
// over `queues` completion queues divides that scan by the queue count; the other methods stay on
// the callback API.
//
// A stream object (derived from ShardedBidiStream) is created per expected call, started
// once the call arrives, and deletes itself from OnDone, which runs exactly once, after the
// call is over and no operation of it is in flight. Reactions of one stream run on its
// queue's thread. Thread safety: Start* may be called from any thread, at most one read
// and one write (or Finish) in flight at a time, as with the callback API.
//
// Once Stop() has begun, Start* do nothing: gRPC aborts the process when an operation is
// started on a completion queue that is shut down, and both the queue threads (a read that
// fails as the server shuts down answers with Finish) and other threads (the brain sending
// to a car) may start one at any time. The calls are over by then anyway.
#pragma once

#include <grpcpp/grpcpp.h>
#include <pthread.h>

#include <atomic>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace fleetgrid::service {

// Closed when the server's queues are about to shut down; operations start only while it is
// open, under its shared lock, so that none can start after the queues are shut down.
struct QueueGate {
  std::shared_mutex mu;
  bool closed = false;
};

template <typename In, typename Out>
class ShardedBidiStream {
 public:
  virtual ~ShardedBidiStream() = default;

  // The call arrived: authenticate, StartRead. Runs on the stream's queue thread.
  virtual void OnStart() = 0;
  virtual void OnReadDone(bool ok) = 0;
  virtual void OnWriteDone(bool ok) = 0;
  // Last call of the stream's life: delete this here.
  virtual void OnDone() = 0;

  void StartRead(In* msg) {
    std::shared_lock open(gate_->mu);
    if (gate_->closed) return;
    pending_.fetch_add(1, std::memory_order_relaxed);
    rw_.Read(msg, &read_tag_);
  }
  void StartWrite(const Out* msg) {
    std::shared_lock open(gate_->mu);
    if (gate_->closed) return;
    pending_.fetch_add(1, std::memory_order_relaxed);
    rw_.Write(*msg, &write_tag_);
  }
  void Finish(const grpc::Status& status) {
    std::shared_lock open(gate_->mu);
    if (gate_->closed) return;
    pending_.fetch_add(1, std::memory_order_relaxed);
    rw_.Finish(status, &finish_tag_);
  }
  grpc::ServerContext* context() { return &ctx_; }

 private:
  template <typename, typename, typename>
  friend class ShardedBidiServer;

  enum class Kind { kAccept, kRead, kWrite, kFinish, kDone };
  struct Tag {
    ShardedBidiStream* stream;
    Kind kind;
  };

  // Called by the server's queue thread for every completed tag of this stream.
  void Proceed(Kind kind, bool ok) {
    switch (kind) {
      case Kind::kRead:
        OnReadDone(ok);
        break;
      case Kind::kWrite:
        OnWriteDone(ok);
        break;
      case Kind::kFinish:
      case Kind::kDone:
      case Kind::kAccept:
        break;
    }
    // The reaction may have started new operations (counted before they were issued), so
    // this is the last reference only once everything, the done notice included, is back.
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) OnDone();
  }

  QueueGate* gate_ = nullptr;  // the server's, set before the call is requested
  grpc::ServerContext ctx_;
  grpc::ServerAsyncReaderWriter<Out, In> rw_{&ctx_};
  std::atomic<int> pending_{0};
  Tag accept_tag_{this, Kind::kAccept};
  Tag read_tag_{this, Kind::kRead};
  Tag write_tag_{this, Kind::kWrite};
  Tag finish_tag_{this, Kind::kFinish};
  Tag done_tag_{this, Kind::kDone};
};

// Service: a generated async (or hybrid) service with the method's Request function.
template <typename Service, typename In, typename Out>
class ShardedBidiServer {
 public:
  using Stream = ShardedBidiStream<In, Out>;
  // Requests the next call of the method on `cq` (e.g. the generated RequestConnect).
  using RequestFn =
      std::function<void(Service*, grpc::ServerContext*, grpc::ServerAsyncReaderWriter<Out, In>*,
                         grpc::ServerCompletionQueue*, void* tag)>;
  using Factory = std::function<Stream*()>;

  // Adds `queues` completion queues to `builder`; call before BuildAndStart.
  ShardedBidiServer(grpc::ServerBuilder& builder, Service* service, RequestFn request,
                    Factory factory, int queues)
      : service_(service), request_(std::move(request)), factory_(std::move(factory)) {
    for (int i = 0; i < queues; ++i) queues_.push_back(builder.AddCompletionQueue());
  }
  ~ShardedBidiServer() { Stop(); }

  // After BuildAndStart: waits for calls on every queue.
  void Start() {
    for (auto& cq : queues_) {
      grpc::ServerCompletionQueue* q = cq.get();
      Expect(q);
      threads_.emplace_back([this, q] {
        pthread_setname_np(pthread_self(), "fg-connect-cq");
        Drain(q);
      });
    }
  }

  // Test hook: whether Stop() has closed the queues to new operations.
  bool ClosedForTest() {
    std::shared_lock open(gate_.mu);
    return gate_.closed;
  }

  // After the server's Shutdown: drains and joins the queues. Idempotent.
  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    {
      std::unique_lock close(gate_.mu);  // waits for operations being started
      gate_.closed = true;
    }
    for (auto& cq : queues_) cq->Shutdown();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void Expect(grpc::ServerCompletionQueue* q) {
    std::shared_lock open(gate_.mu);
    if (gate_.closed) return;
    Stream* s = factory_();
    s->gate_ = &gate_;
    // The done notice must be registered before the call starts; it fires exactly once.
    s->ctx_.AsyncNotifyWhenDone(&s->done_tag_);
    request_(service_, &s->ctx_, &s->rw_, q, &s->accept_tag_);
  }

  void Drain(grpc::ServerCompletionQueue* q) {
    void* raw = nullptr;
    bool ok = false;
    while (q->Next(&raw, &ok)) {
      auto* tag = static_cast<typename Stream::Tag*>(raw);
      Stream* s = tag->stream;
      if (tag->kind != Stream::Kind::kAccept) {
        s->Proceed(tag->kind, ok);
        continue;
      }
      if (!ok) {  // shutting down: the call never started (its done notice never fires)
        delete s;
        continue;
      }
      Expect(q);
      s->pending_.fetch_add(2, std::memory_order_relaxed);  // the done notice + this start
      s->OnStart();
      s->Proceed(Stream::Kind::kAccept, true);
    }
  }

  Service* service_;
  RequestFn request_;
  Factory factory_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
  QueueGate gate_;
  bool stopped_ = false;
};

}  // namespace fleetgrid::service
