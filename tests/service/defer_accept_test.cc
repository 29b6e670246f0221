// DeferAcceptOnListeners finds this process's listening socket by port and sets the hold.
#include "coordinator/service/defer_accept.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fleetgrid::service {
namespace {

struct Listener {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  Listener() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd, 16);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd); }
  int Hold() const {
    int v = -1;
    socklen_t len = sizeof v;
    getsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v, &len);
    return v;
  }
};

TEST(DeferAccept, SetsTheHoldOnTheListenerOfThePortOnly) {
  Listener mine, other;
  ASSERT_GT(mine.port, 0);
  const auto held = DeferAcceptOnListeners(mine.port, Duration::Millis(1500));
  ASSERT_TRUE(held.ok()) << held.status();
  // 1.5 s is asked for as 2 s, which the kernel's SYN-ACK schedule (1 s, then 2 s) makes 3 s.
  EXPECT_EQ(*held, Duration::Seconds(3));
  EXPECT_EQ(mine.Hold(), 3);
  EXPECT_EQ(other.Hold(), 0);
}

TEST(DeferAccept, NoListenerOnThePortIsNotFound) {
  int port = 0;
  {
    Listener gone;
    port = gone.port;
  }
  const auto held = DeferAcceptOnListeners(port, Duration::Seconds(1));
  EXPECT_TRUE(absl::IsNotFound(held.status())) << held.status();
}

}  // namespace
}  // namespace fleetgrid::service
