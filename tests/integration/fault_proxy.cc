#include "tests/integration/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <vector>

namespace fleetgrid::testing {
namespace {

constexpr size_t kBufferBytes = 256 << 10;  // per direction, per connection

void CloseWithReset(int fd) {
  if (fd < 0) return;
  linger l{1, 0};  // close() now sends RST instead of FIN
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// A blocking connect to 127.0.0.1:port (immediate on loopback); -1 if refused.
int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  SetNonBlocking(fd);
  return fd;
}

int TargetPort(const std::string& target) {
  const size_t colon = target.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(target.c_str() + colon + 1);
}

}  // namespace

// One proxied connection: the accepted socket, the socket to the target, and what was read
// from one side but not yet written to the other.
struct FaultProxy::Conn {
  int client = -1;
  int target = -1;       // -1 until connected (connections accepted while dropping wait)
  std::string up, down;  // client -> target, target -> client
  bool client_eof = false, target_eof = false;
  bool up_shut = false, down_shut = false;  // FIN passed on
  bool dead = false;
};

FaultProxy::FaultProxy(std::string target) : target_(std::move(target)) {}

FaultProxy::~FaultProxy() { Stop(); }

absl::Status FaultProxy::Start() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return absl::InternalError(std::string("socket: ") + strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      listen(listen_fd_, 128) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return absl::InternalError(std::string("listen: ") + strerror(errno));
  }
  port_ = ntohs(a.sin_port);
  SetNonBlocking(listen_fd_);
  int p[2];
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) {
    return absl::InternalError(std::string("pipe: ") + strerror(errno));
  }
  wake_r_ = p[0];
  wake_w_ = p[1];
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void FaultProxy::Stop() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    Wake();
    thread_.join();
  }
  for (int* fd : {&listen_fd_, &wake_r_, &wake_w_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

void FaultProxy::Wake() {
  const char c = 1;
  (void)!write(wake_w_, &c, 1);
}

void FaultProxy::Sync() {
  std::unique_lock lock(mu_);
  const uint64_t mine = ++requests_;
  lock.unlock();
  Wake();
  lock.lock();
  cv_.wait(lock, [&] { return handled_ >= mine || stop_; });
}

void FaultProxy::Pass() {
  dropping_.store(false);
  Sync();
}

void FaultProxy::Drop() {
  dropping_.store(true);
  Sync();
}

void FaultProxy::ResetAll() {
  {
    std::lock_guard lock(mu_);
    ++reset_requested_;
  }
  Sync();
}

void FaultProxy::Loop() {
  const int target_port = TargetPort(target_);
  std::list<Conn> conns;
  uint64_t resets_done = 0;
  std::vector<pollfd> fds;
  std::vector<Conn*> owner;  // owner[i]: the connection of fds[i] (null: wake pipe, listener)

  const auto close_conn = [this](Conn& c, bool reset) {
    if (reset) {
      CloseWithReset(c.client);
      CloseWithReset(c.target);
    } else {
      if (c.client >= 0) close(c.client);
      if (c.target >= 0) close(c.target);
    }
    c.client = c.target = -1;
    c.dead = true;
    open_.fetch_sub(1);
  };
  // Moves bytes from `from` into `buf`, then from `buf` to `to`; false on a socket error.
  const auto pump = [](int from, int to, std::string& buf, bool& eof, std::atomic<uint64_t>& n) {
    char chunk[64 << 10];
    while (!eof && buf.size() < kBufferBytes) {
      const ssize_t r = recv(from, chunk, sizeof chunk, 0);
      if (r > 0) {
        buf.append(chunk, static_cast<size_t>(r));
      } else if (r == 0) {
        eof = true;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        break;
      } else if (errno != EINTR) {
        return false;
      }
    }
    while (!buf.empty()) {
      const ssize_t w = send(to, buf.data(), buf.size(), MSG_NOSIGNAL);
      if (w > 0) {
        n.fetch_add(static_cast<uint64_t>(w));
        buf.erase(0, static_cast<size_t>(w));
      } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;
      } else if (w < 0 && errno != EINTR) {
        return false;
      }
    }
    return true;
  };

  for (;;) {
    bool dropping = false;
    {
      std::unique_lock lock(mu_);
      if (stop_) break;
      // Read under the lock: a Drop() acknowledged below is seen by this very iteration.
      dropping = dropping_.load();
      if (reset_requested_ != resets_done) {
        resets_done = reset_requested_;
        for (Conn& c : conns) close_conn(c, /*reset=*/true);
        conns.clear();
      }
      handled_ = requests_;
    }
    cv_.notify_all();

    if (!dropping) {  // connect what was accepted during a partition
      for (Conn& c : conns) {
        if (c.target >= 0) continue;
        c.target = ConnectLoopback(target_port);
        if (c.target < 0) close_conn(c, /*reset=*/true);  // target down: refuse
      }
    }
    fds.clear();
    owner.clear();
    fds.push_back({wake_r_, POLLIN, 0});
    owner.push_back(nullptr);
    fds.push_back({listen_fd_, POLLIN, 0});
    owner.push_back(nullptr);
    if (!dropping) {
      for (Conn& c : conns) {
        if (c.dead || c.target < 0) continue;
        short ce = 0, te = 0;
        if (!c.client_eof && c.up.size() < kBufferBytes) ce |= POLLIN;
        if (!c.target_eof && c.down.size() < kBufferBytes) te |= POLLIN;
        if (!c.up.empty()) te |= POLLOUT;
        if (!c.down.empty()) ce |= POLLOUT;
        fds.push_back({c.client, ce, 0});
        owner.push_back(&c);
        fds.push_back({c.target, te, 0});
        owner.push_back(&c);
      }
    }
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;

    if (fds[0].revents != 0) {
      char drain[256];
      while (read(wake_r_, drain, sizeof drain) > 0) {
      }
    }
    if (fds[1].revents != 0) {
      for (;;) {
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        accepted_.fetch_add(1);
        open_.fetch_add(1);
        Conn& c = conns.emplace_back();
        c.client = fd;
        if (!dropping_.load()) {
          c.target = ConnectLoopback(target_port);
          if (c.target < 0) close_conn(c, /*reset=*/true);
        }
      }
    }
    if (dropping_.load()) {  // became a partition meanwhile: move nothing
      conns.remove_if([](const Conn& c) { return c.dead; });
      continue;
    }
    for (size_t i = 2; i < fds.size(); i += 2) {
      Conn& c = *owner[i];
      if (c.dead || (fds[i].revents | fds[i + 1].revents) == 0) continue;
      if (!pump(c.client, c.target, c.up, c.client_eof, bytes_up_) ||
          !pump(c.target, c.client, c.down, c.target_eof, bytes_down_)) {
        close_conn(c, /*reset=*/true);  // one end reset or failed: so does the other
        continue;
      }
      if (c.client_eof && c.up.empty() && !c.up_shut) {
        shutdown(c.target, SHUT_WR);
        c.up_shut = true;
      }
      if (c.target_eof && c.down.empty() && !c.down_shut) {
        shutdown(c.client, SHUT_WR);
        c.down_shut = true;
      }
      if (c.up_shut && c.down_shut) close_conn(c, /*reset=*/false);
    }
    conns.remove_if([](const Conn& c) { return c.dead; });
  }

  for (Conn& c : conns) {
    if (!c.dead) close_conn(c, /*reset=*/true);
  }
  std::lock_guard lock(mu_);
  handled_ = requests_;
  cv_.notify_all();
}

}  // namespace fleetgrid::testing
