// Coordinator: the live coordinator assembled: store, brain, gRPC server, metrics endpoint.
//
// Start() opens the store (SQLite at options.db_path unless a store is lent), rebuilds the
// brain from it, then listens. Shutdown() is graceful: streams are closed (cars reconnect
// elsewhere or later), the server stops accepting and finishes in-flight calls, pending
// changes are committed, threads joined. Thread safety: Shutdown() from any one thread.
// The gRPC port speaks TLS when options.tls is set, else plaintext on loopback only; the
// metrics endpoint is always plaintext HTTP (keep it on loopback).
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/tls.h"
#include "coordinator/service/brain.h"
#include "coordinator/service/http_server.h"
#include "coordinator/service/metrics.h"
#include "coordinator/service/store.h"

namespace fleetgrid::service {

struct CoordinatorOptions {
  std::string listen = "127.0.0.1:7070";  // port 0 = pick one (see port())
  // TLS of the gRPC port. Unset (no certificate): plaintext, and then Start() refuses any
  // `listen` that is not loopback (common/tls.h).
  ServerTls tls;
  std::string db_path = "./fleetgrid.db";
  uint64_t db_max_bytes = 0;  // cap on the SQLite file (0 = none); see SqliteStoreOptions
  std::string metrics_listen = "127.0.0.1:9090";  // "" = no HTTP endpoint; port 0 = pick
  ServiceOptions service;
};

class NodeServiceImpl;
class JobServiceImpl;
class AdminServiceImpl;

class Coordinator {
 public:
  // `store`: borrowed and used instead of opening db_path when not null (tests); it must
  // outlive the Coordinator.
  static absl::StatusOr<std::unique_ptr<Coordinator>> Start(const CoordinatorOptions& options,
                                                            Store* store = nullptr);
  ~Coordinator();

  // Stops serving (see above). Idempotent.
  void Shutdown();

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // The kernel's hold on silent connections (ServiceOptions::defer_accept): zero when off, an
  // error when it could not be set (the coordinator serves without it).
  const absl::StatusOr<Duration>& defer_accept() const { return defer_accept_; }
  int metrics_port() const { return http_ ? http_->port() : 0; }
  Brain& brain() { return *brain_; }
  Metrics& metrics() { return metrics_; }
  Store& store() { return *store_; }

 private:
  Coordinator() = default;

  Metrics metrics_;
  std::unique_ptr<Store> owned_store_;
  Store* store_ = nullptr;
  std::unique_ptr<Brain> brain_;
  std::unique_ptr<NodeServiceImpl> node_service_;
  std::unique_ptr<JobServiceImpl> job_service_;
  std::unique_ptr<AdminServiceImpl> admin_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HttpServer> http_;
  int port_ = 0;
  absl::StatusOr<Duration> defer_accept_ = Duration::Zero();
  bool shut_down_ = false;
};

}  // namespace fleetgrid::service
