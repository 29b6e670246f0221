#include "coordinator/service/coordinator.h"

#include <algorithm>

#include "common/clock.h"
#include "coordinator/service/defer_accept.h"
#include "coordinator/service/grpc_services.h"
#include "coordinator/service/sqlite_store.h"

namespace fleetgrid::service {

absl::StatusOr<std::unique_ptr<Coordinator>> Coordinator::Start(const CoordinatorOptions& options,
                                                                Store* store) {
  // Checked first: a refused transport opens nothing.
  FG_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                      ServerCredentialsFor(options.tls, options.listen));
  // Without an admin token nothing is authenticated (open mode): anyone who reaches the port
  // may submit and administer, so only where no one else can reach it, TLS or not.
  if (options.service.admin_token_sha256.empty() && !IsLoopbackAddress(options.listen)) {
    return absl::InvalidArgumentError(
        "no admin token: an open coordinator (job and admin calls unauthenticated) may listen "
        "only on a loopback address, not " +
        options.listen + "; give --admin-token-file (fleetgrid coordinator init writes one)");
  }
  std::unique_ptr<Coordinator> c(new Coordinator());
  if (store != nullptr) {
    c->store_ = store;
  } else {
    SqliteStoreOptions store_options;
    store_options.max_bytes = options.db_max_bytes;
    FG_ASSIGN_OR_RETURN(c->owned_store_, SqliteStore::Open(options.db_path, store_options));
    c->store_ = c->owned_store_.get();
  }
  c->brain_ = std::make_unique<Brain>(options.service, c->store_, &c->metrics_);
  FG_RETURN_IF_ERROR(c->brain_->Start());

  c->node_service_ = std::make_unique<NodeServiceImpl>(c->brain_.get(), &c->metrics_);
  c->job_service_ = std::make_unique<JobServiceImpl>(c->brain_.get(), &c->metrics_);
  c->admin_service_ = std::make_unique<AdminServiceImpl>(c->brain_.get(), &c->metrics_);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &c->port_);
  // Two coordinators must never share a port (gRPC enables SO_REUSEPORT by default).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.service.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(options.service.max_message_bytes));
  // Transport failure detection well inside the heartbeat grace.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Floods of connections: one that never completes the HTTP/2 handshake, or holds no call
  // for long, is closed; streams per connection are capped (see ServiceOptions).
  const auto ms = [](Duration d) {
    return static_cast<int>(std::min<int64_t>(d.nanos() / 1'000'000, INT32_MAX));
  };
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             ms(options.service.handshake_timeout));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             ms(options.service.max_connection_idle));
  if (options.service.max_streams_per_connection != 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                               static_cast<int>(std::min<uint64_t>(
                                   options.service.max_streams_per_connection, INT32_MAX)));
  }
  builder.RegisterService(c->node_service_.get());
  c->node_service_->AddConnectQueues(builder, std::max(1, options.service.connect_queues));
  builder.RegisterService(c->job_service_.get());
  builder.RegisterService(c->admin_service_.get());
  c->server_ = builder.BuildAndStart();
  if (!c->server_ || c->port_ == 0) {
    if (c->server_) c->server_->Shutdown();
    c->node_service_->StopConnect();
    c->brain_->Stop();
    return absl::UnavailableError("cannot listen on " + options.listen +
                                  " (address in use or invalid)");
  }
  if (options.service.defer_accept > Duration::Zero()) {
    c->defer_accept_ = DeferAcceptOnListeners(c->port_, options.service.defer_accept);
  }
  c->node_service_->StartConnect();
  if (!options.metrics_listen.empty()) {
    Brain* brain = c->brain_.get();
    c->http_ = std::make_unique<HttpServer>(&c->metrics_, [brain] { return brain->healthy(); });
    if (absl::Status s = c->http_->Start(options.metrics_listen); !s.ok()) {
      c->Shutdown();
      return s;
    }
  }
  return c;
}

Coordinator::~Coordinator() { Shutdown(); }

void Coordinator::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (brain_) brain_->CloseStreams();
  if (server_) {
    server_->Shutdown(DeadlineAfter(Duration::Seconds(3)));
    server_->Wait();
  }
  if (node_service_) node_service_->StopConnect();
  if (brain_) brain_->Stop();
  if (http_) http_->Stop();
}

}  // namespace fleetgrid::service
