// FaultProxy itself: pass, drop (a black hole that holds, then delivers), reset, stop.
#include "tests/integration/fault_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace fleetgrid::testing {
namespace {

// An echo server on 127.0.0.1: one thread per connection; the destructor ends them all.
class EchoServer {
 public:
  EchoServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    accept_thread_ = std::thread([this] {
      for (;;) {
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::lock_guard lock(mu_);
        conns_.push_back(c);
        threads_.emplace_back([c] {
          char buf[4096];
          for (ssize_t n; (n = recv(c, buf, sizeof buf, 0)) > 0;) send(c, buf, n, MSG_NOSIGNAL);
        });
      }
    });
  }
  ~EchoServer() {
    shutdown(fd_, SHUT_RDWR);
    accept_thread_.join();
    close(fd_);
    std::lock_guard lock(mu_);
    for (int c : conns_) shutdown(c, SHUT_RDWR);
    for (std::thread& t : threads_) t.join();
    for (int c : conns_) close(c);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<int> conns_;
  std::vector<std::thread> threads_;
};

int Dial(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

// Reads exactly n bytes within timeout_ms; what arrived otherwise. Sets *eof on EOF/error.
std::string ReadN(int fd, size_t n, int timeout_ms, bool* eof = nullptr) {
  std::string out;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          end - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[4096];
    const ssize_t r = recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
    if (r <= 0) {
      if (eof) *eof = true;
      break;
    }
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

TEST(FaultProxy, PassesBytesBothWays) {
  EchoServer echo;
  FaultProxy proxy(echo.address());
  ASSERT_TRUE(proxy.Start().ok());
  const int fd = Dial(proxy.port());
  ASSERT_EQ(send(fd, "hello", 5, 0), 5);
  EXPECT_EQ(ReadN(fd, 5, 5000), "hello");
  EXPECT_EQ(proxy.accepted(), 1u);
  EXPECT_EQ(proxy.bytes_to_target(), 5u);
  close(fd);
}

TEST(FaultProxy, DropHoldsTrafficWithoutClosingAndHealingDeliversIt) {
  EchoServer echo;
  FaultProxy proxy(echo.address());
  ASSERT_TRUE(proxy.Start().ok());
  const int old_conn = Dial(proxy.port());
  ASSERT_EQ(send(old_conn, "a", 1, 0), 1);
  ASSERT_EQ(ReadN(old_conn, 1, 5000), "a");

  proxy.Drop();
  ASSERT_EQ(send(old_conn, "bc", 2, 0), 2);
  const int new_conn = Dial(proxy.port());  // accepted, but nothing flows
  ASSERT_EQ(send(new_conn, "xyz", 3, 0), 3);
  bool eof = false;
  EXPECT_EQ(ReadN(old_conn, 2, 300, &eof), "");
  EXPECT_FALSE(eof) << "a partition must not close the connection";
  EXPECT_EQ(ReadN(new_conn, 3, 100, &eof), "");
  EXPECT_FALSE(eof);
  EXPECT_EQ(proxy.bytes_to_target(), 1u);
  EXPECT_EQ(proxy.accepted(), 2u);

  proxy.Pass();  // healed: what waited is delivered, both connections work
  EXPECT_EQ(ReadN(old_conn, 2, 5000), "bc");
  EXPECT_EQ(ReadN(new_conn, 3, 5000), "xyz");
  close(old_conn);
  close(new_conn);
}

TEST(FaultProxy, ResetAllResetsEveryConnectionAndNewOnesStillWork) {
  EchoServer echo;
  FaultProxy proxy(echo.address());
  ASSERT_TRUE(proxy.Start().ok());
  const int fd = Dial(proxy.port());
  ASSERT_EQ(send(fd, "a", 1, 0), 1);
  ASSERT_EQ(ReadN(fd, 1, 5000), "a");
  proxy.ResetAll();
  bool eof = false;
  ReadN(fd, 1, 5000, &eof);
  EXPECT_TRUE(eof);
  EXPECT_EQ(proxy.open_connections(), 0u);
  const int again = Dial(proxy.port());
  ASSERT_EQ(send(again, "b", 1, 0), 1);
  EXPECT_EQ(ReadN(again, 1, 5000), "b");
  close(fd);
  close(again);
}

TEST(FaultProxy, StopClosesEverything) {
  EchoServer echo;
  auto proxy = std::make_unique<FaultProxy>(echo.address());
  ASSERT_TRUE(proxy->Start().ok());
  const int port = proxy->port();
  const int fd = Dial(port);
  proxy->Drop();
  proxy->Stop();
  bool eof = false;
  ReadN(fd, 1, 5000, &eof);
  EXPECT_TRUE(eof);
  proxy.reset();
  // Nobody listens there any more.
  const int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_NE(connect(probe, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  close(probe);
  close(fd);
}

}  // namespace
}  // namespace fleetgrid::testing
