// A one-shot HTTP/1.1 GET on 127.0.0.1 for tests of the /metrics and /healthz endpoint.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <string>
#include <utility>

namespace fleetgrid::testing {

// (status code, body).
inline std::pair<int, std::string> HttpGet(int port, const std::string& target) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket sock(io);
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(sock, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(sock, buf, res);
  return {res.result_int(), res.body()};
}

// The value of an unlabelled sample `name` in a Prometheus text body; -1 if absent.
inline double MetricValue(const std::string& body, const std::string& name) {
  const std::string key = "\n" + name + " ";
  const size_t at = body.find(key);
  return at == std::string::npos ? -1 : std::atof(body.c_str() + at + key.size());
}

}  // namespace fleetgrid::testing
