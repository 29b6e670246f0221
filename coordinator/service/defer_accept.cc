#include "coordinator/service/defer_accept.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

namespace fleetgrid::service {
namespace {

bool IsTcpListenerOnPort(int fd, int port) {
  int listening = 0;
  socklen_t len = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening == 0) {
    return false;
  }
  sockaddr_storage addr{};
  len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return false;
  if (addr.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port) == port;
  }
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port) == port;
  }
  return false;
}

}  // namespace

absl::StatusOr<Duration> DeferAcceptOnListeners(int port, Duration hold) {
  constexpr int64_t kSecond = 1'000'000'000;
  const int64_t seconds =
      hold.IsInfinite() ? INT32_MAX : hold.nanos() / kSecond + (hold.nanos() % kSecond > 0);
  const int value = static_cast<int>(std::clamp<int64_t>(seconds, 0, INT32_MAX));
  int found = 0, taken = 0;
  std::error_code ec;
  // A descriptor closed and reused while we walk cannot match unless it is such a listener.
  namespace fs = std::filesystem;
  for (fs::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    int fd = -1;
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc()) continue;
    if (!IsTcpListenerOnPort(fd, port)) continue;
    if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &value, sizeof value) != 0) {
      return absl::InternalError("TCP_DEFER_ACCEPT on the listening socket of port " +
                                 std::to_string(port) + ": " + std::strerror(errno));
    }
    socklen_t len = sizeof taken;
    getsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &taken, &len);
    ++found;
  }
  if (ec) {
    return absl::InternalError("cannot list /proc/self/fd: " + ec.message());
  }
  if (found == 0) {
    return absl::NotFoundError("no listening TCP socket on port " + std::to_string(port));
  }
  return Duration::Seconds(taken);
}

}  // namespace fleetgrid::service
