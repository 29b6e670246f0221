// HttpServer: a small Boost.Beast HTTP/1.1 server for /metrics and /healthz.
//
// Runs its own io_context on one thread. GET /metrics answers the Prometheus text from
// Metrics; GET /healthz answers 200 "ok" while healthy() is true, else 503. Anything else is
// 404. Thread safety: Start/Stop from one thread; handlers read thread-safe state only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace fleetgrid::service {

class Metrics;

class HttpServer {
 public:
  // `healthy` is called from the server thread.
  HttpServer(Metrics* metrics, std::function<bool()> healthy);
  ~HttpServer();

  // Binds "host:port" (port 0 = pick one) and starts serving.
  absl::Status Start(const std::string& listen);
  // The bound port (after Start).
  int port() const;
  // Stops accepting, closes connections, joins the thread. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fleetgrid::service
