// capacity_coordinator: a minimal NodeService (Enroll, Connect with Welcome, heartbeat sink)
// on gRPC's callback API, run as its own process to measure how many cars one
// `fleetgrid node` process holds (docs/node.md). Not a test; no scheduling at all.
//   capacity_coordinator [PORT] [HEARTBEAT_INTERVAL_S]
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "fleetgrid/v1/node.grpc.pb.h"

namespace v1 = fleetgrid::v1;

namespace {

std::atomic<uint64_t> g_next_id{1}, g_streams{0}, g_heartbeats{0};
std::atomic<bool> g_stop{false};
int g_heartbeat_s = 10;

class Stream final : public grpc::ServerBidiReactor<v1::NodeMessage, v1::CoordinatorMessage> {
 public:
  Stream() {
    ++g_streams;
    StartRead(&in_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    if (in_.has_hello()) {
      auto* w = out_.mutable_welcome();
      w->set_session_id(g_next_id++);
      w->mutable_heartbeat_interval()->set_seconds(g_heartbeat_s);
      w->set_inline_result_max_bytes(64 << 10);
      StartWrite(&out_);
    } else if (in_.has_heartbeat()) {
      ++g_heartbeats;
    }
    StartRead(&in_);
  }
  void OnWriteDone(bool) override {}
  void OnDone() override {
    --g_streams;
    delete this;
  }

 private:
  v1::NodeMessage in_;
  v1::CoordinatorMessage out_;
};

class Service final : public v1::NodeService::CallbackService {
  grpc::ServerUnaryReactor* Enroll(grpc::CallbackServerContext* ctx, const v1::EnrollRequest*,
                                   v1::EnrollResponse* resp) override {
    const uint64_t id = g_next_id++;
    resp->mutable_credential()->set_node_id(id);
    resp->mutable_credential()->set_credential_id("cred-" + std::to_string(id));
    resp->mutable_credential()->set_secret("secret");
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
  grpc::ServerBidiReactor<v1::NodeMessage, v1::CoordinatorMessage>* Connect(
      grpc::CallbackServerContext*) override {
    return new Stream();
  }
};

extern "C" void OnSignal(int) { g_stop = true; }

}  // namespace

int main(int argc, char** argv) {
  const std::string port = argc > 1 ? argv[1] : "7071";
  if (argc > 2) g_heartbeat_s = std::stoi(argv[2]);
  Service service;
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:" + port, grpc::InsecureServerCredentials());
  b.RegisterService(&service);
  b.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 1 << 20);
  auto server = b.BuildAndStart();
  if (!server) return 1;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::seconds(5));
    std::fprintf(stderr, "[coordinator] streams=%llu heartbeats=%llu\n",
                 (unsigned long long)g_streams.load(), (unsigned long long)g_heartbeats.load());
  }
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
