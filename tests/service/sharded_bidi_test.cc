// ShardedBidiServer (coordinator/service/sharded_bidi.h) stopping while a stream still
// reacts. gRPC requires that no new work is started on a completion queue once it is shut
// down, and aborts the process when the queue has nothing left pending (`assertion failed:
// grpc_cq_begin_op(cq_, notify_tag)`, seen once in about 100 parallel runs of
// Service.CancelStopsRunningAttemptsAndIsIdempotent under load, at coordinator shutdown).
// Once Stop() has begun, a reaction's Finish (or a write from another thread) does nothing,
// and the stream still ends exactly once. The abort itself depends on gRPC's internal count
// of pending operations and is not reproduced on demand here.
#include "coordinator/service/sharded_bidi.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "fleetgrid/v1/node.grpc.pb.h"
#include "tests/service/harness.h"

namespace fleetgrid::testing {
namespace {

using Svc = v1::NodeService::WithAsyncMethod_Connect<v1::NodeService::Service>;
using Server = service::ShardedBidiServer<Svc, v1::NodeMessage, v1::CoordinatorMessage>;

std::atomic<bool> g_reacting{false};  // a failed read's reaction has started, and waits
std::atomic<bool> g_release{false};   // let it go on to Finish
std::atomic<int> g_done{0};

// Reads until the call fails, then waits to be released before it finishes the call.
class LateFinish final
    : public service::ShardedBidiStream<v1::NodeMessage, v1::CoordinatorMessage> {
 public:
  void OnStart() override { StartRead(&in_); }
  void OnReadDone(bool ok) override {
    if (ok) {
      StartRead(&in_);
      return;
    }
    g_reacting = true;
    while (!g_release) std::this_thread::yield();
    Finish(grpc::Status::OK);
  }
  void OnWriteDone(bool) override {}
  void OnDone() override {
    ++g_done;
    delete this;
  }

 private:
  v1::NodeMessage in_;
};

// Would catch: an operation skipped after Stop() but still counted as pending (the stream
// would never end: OnDone not called, the stream leaked), or one started on the shut-down
// queue where gRPC has nothing else pending (the process aborts).
TEST(ShardedBidi, ReactionsAfterStopStartNoOperation) {
  Svc svc;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&svc);
  Server sharded(
      builder, &svc,
      [](Svc* s, grpc::ServerContext* ctx,
         grpc::ServerAsyncReaderWriter<v1::CoordinatorMessage, v1::NodeMessage>* rw,
         grpc::ServerCompletionQueue* cq, void* tag) { s->RequestConnect(ctx, rw, cq, cq, tag); },
      [] { return new LateFinish; }, 2);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  sharded.Start();

  auto stub = v1::NodeService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  auto stream = stub->Connect(&ctx);
  ASSERT_TRUE(stream->Write(v1::NodeMessage()));
  ctx.TryCancel();  // the server's pending read fails: its reaction starts and waits
  ASSERT_TRUE(Eventually([] { return g_reacting.load(); }));

  server->Shutdown(std::chrono::system_clock::now());
  std::thread stopper([&] { sharded.Stop(); });  // joins the queue threads: waits for us
  ASSERT_TRUE(Eventually([&] { return sharded.ClosedForTest(); }));
  g_release = true;  // Finish now, after Stop() has closed the queues to new work
  stopper.join();
  EXPECT_EQ(g_done.load(), 1);  // the stream still ended, once
  stream->Finish();
}

}  // namespace
}  // namespace fleetgrid::testing
