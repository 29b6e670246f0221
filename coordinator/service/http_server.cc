#include "coordinator/service/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "coordinator/service/metrics.h"

namespace fleetgrid::service {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// One keep-alive connection: read a request, write the answer, repeat.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, Metrics* metrics, const std::function<bool()>* healthy)
      : stream_(std::move(socket)), metrics_(metrics), healthy_(healthy) {}

  void Read() {
    req_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, req_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Close();
                       self->Answer();
                     });
  }

 private:
  void Answer() {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req_.version());
    res->keep_alive(req_.keep_alive());
    res->set(http::field::server, "fleetgrid");
    const std::string_view target(req_.target().data(), req_.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    if (req_.method() != http::verb::get && req_.method() != http::verb::head) {
      res->result(http::status::method_not_allowed);
      res->body() = "GET only\n";
    } else if (path == "/metrics") {
      res->result(http::status::ok);
      res->set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res->body() = metrics_->RenderPrometheus();
    } else if (path == "/healthz") {
      const bool ok = (*healthy_)();
      res->result(ok ? http::status::ok : http::status::service_unavailable);
      res->set(http::field::content_type, "text/plain");
      res->body() = ok ? "ok\n" : "unhealthy\n";
    } else {
      res->result(http::status::not_found);
      res->body() = "not found: try /metrics or /healthz\n";
    }
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec || !res->keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  Metrics* metrics_;
  const std::function<bool()>* healthy_;
};

}  // namespace

struct HttpServer::Impl {
  Metrics* metrics;
  std::function<bool()> healthy;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  int port = 0;

  void Accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket s) {
      if (ec) return;  // closed by Stop()
      std::make_shared<Connection>(std::move(s), metrics, &healthy)->Read();
      Accept();
    });
  }
};

HttpServer::HttpServer(Metrics* metrics, std::function<bool()> healthy)
    : impl_(std::make_unique<Impl>()) {
  impl_->metrics = metrics;
  impl_->healthy = std::move(healthy);
}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Start(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError("--metrics-listen wants HOST:PORT, got '" + listen + "'");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return absl::InvalidArgumentError("--metrics-listen: bad port in '" + listen + "'");
  }
  beast::error_code ec;
  const auto addr = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) return absl::InvalidArgumentError("--metrics-listen: bad address '" + host + "'");
  const tcp::endpoint ep(addr, static_cast<uint16_t>(port));
  Impl& im = *impl_;
  im.acceptor.open(ep.protocol(), ec);
  if (!ec) im.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor.bind(ep, ec);
  if (!ec) im.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError("cannot listen for metrics on " + listen + ": " + ec.message());
  }
  im.port = im.acceptor.local_endpoint().port();
  im.Accept();
  im.thread = std::thread([&im] { im.io.run(); });
  return absl::OkStatus();
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->io, [im = impl_.get()] {
    beast::error_code ec;
    im->acceptor.close(ec);
    im->io.stop();
  });
  impl_->thread.join();
}

}  // namespace fleetgrid::service
