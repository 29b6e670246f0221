// flooder: load that a coordinator must shrug off, for bench/flood.sh. For --seconds it holds
//   --idle-tcp N     TCP connections that never speak (reopened when the server closes them;
//                    with --idle-speak B each first sends B bytes of the HTTP/2 preface, then
//                    goes silent: a handshake begun and never finished),
//   --churn R        TCP connections per second opened, sent one byte and closed (evenly paced),
//   --watch N        WatchJob streams on --job (spread over --channels connections), and
//   --bad-connects R Connect calls per second without credentials (each refused at once).
// Prints one JSON line with what it did and what the coordinator answered.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fleetgrid/v1/job.grpc.pb.h"
#include "fleetgrid/v1/node.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

int OpenIdle(const sockaddr_in& addr, int speak) {
  constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  const int fd = socket(AF_INET, SOCK_STREAM | (speak > 0 ? 0 : SOCK_NONBLOCK), 0);
  if (fd < 0) return -1;
  // Silent: a connect in progress is fine. Speaking: connected first, then the bytes.
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 && speak > 0) {
    send(fd, kPreface, std::min<size_t>(speak, sizeof kPreface - 1), MSG_NOSIGNAL);
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("flooder: idle connections, watch streams and refused calls against a coordinator");
  std::string target;
  int idle_tcp = 0, idle_speak = 0, watch = 0, channels = 8;
  double bad_connects = 0, churn = 0, seconds = 10;
  uint64_t job = 1;
  app.add_option("--target", target, "coordinator HOST:PORT (127.0.0.1)")->required();
  app.add_option("--idle-tcp", idle_tcp, "silent TCP connections held open");
  app.add_option("--idle-speak", idle_speak,
                 "bytes of the HTTP/2 preface each idle connection sends before going silent")
      ->check(CLI::Range(0, 23));
  app.add_option("--churn", churn, "connections per second opened, sent a byte and closed")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--watch", watch, "WatchJob streams held open");
  app.add_option("--job", job, "job the watch streams watch");
  app.add_option("--channels", channels, "connections the watch streams share")
      ->check(CLI::PositiveNumber);
  app.add_option("--bad-connects", bad_connects, "Connect calls per second without credentials");
  app.add_option("--seconds", seconds, "how long to flood")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  const auto colon = target.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(target.substr(colon + 1))));
  inet_pton(AF_INET, target.substr(0, colon).c_str(), &addr.sin_addr);
  const auto end = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  std::atomic<bool> done{false};

  // Idle TCP: keep N open; count how often the server closed one.
  std::atomic<uint64_t> idle_closed{0}, idle_opened{0};
  std::thread idle([&] {
    std::vector<int> fds;
    for (int i = 0; i < idle_tcp; ++i) {
      fds.push_back(OpenIdle(addr, idle_speak));
      ++idle_opened;
    }
    // poll(), not a recv() per connection per round: the flooder must not eat the CPU the
    // cars it shares a machine with need.
    std::vector<pollfd> pfds(fds.size());
    char buf[4096];
    while (!done) {
      for (size_t i = 0; i < fds.size(); ++i) pfds[i] = {fds[i], POLLIN, 0};
      if (poll(pfds.data(), pfds.size(), 200) <= 0) continue;
      for (size_t i = 0; i < fds.size(); ++i) {
        if (pfds[i].revents == 0) continue;
        const ssize_t n = recv(fds[i], buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) continue;
        close(fds[i]);
        ++idle_closed;
        fds[i] = OpenIdle(addr, idle_speak);
        ++idle_opened;
      }
    }
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  });

  // Churn: a new connection at an even pace, each speaking one byte and closed at once.
  std::atomic<uint64_t> churned{0};
  std::thread churner([&] {
    if (churn <= 0) return;
    const auto step = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / churn));
    for (auto at = Clock::now(); !done && at < end; at += step) {
      std::this_thread::sleep_until(at);
      const int fd = OpenIdle(addr, 1);
      if (fd >= 0) close(fd);
      ++churned;
    }
  });

  // Watch streams: opened once and read until the flood ends; count how they ended.
  std::vector<std::shared_ptr<grpc::Channel>> chans;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // distinct connections
    chans.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  std::mutex mu;
  std::map<std::string, uint64_t> watch_ends;
  std::atomic<uint64_t> watch_open{0};
  struct Watch {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<fleetgrid::v1::JobProgress>> r;
    std::thread t;
  };
  std::vector<std::unique_ptr<Watch>> watches;
  for (int i = 0; i < watch; ++i) {
    auto w = std::make_unique<Watch>();
    auto stub = fleetgrid::v1::JobService::NewStub(chans[static_cast<size_t>(i % channels)]);
    fleetgrid::v1::WatchJobRequest req;
    req.set_job_id(job);
    req.mutable_min_interval()->set_seconds(5);
    w->r = stub->WatchJob(&w->ctx, req);
    Watch* raw = w.get();
    w->t = std::thread([raw, &mu, &watch_ends, &watch_open] {
      fleetgrid::v1::JobProgress p;
      bool counted = false;
      while (raw->r->Read(&p)) {
        if (!counted) {
          ++watch_open;
          counted = true;
        }
      }
      const grpc::Status s = raw->r->Finish();
      std::lock_guard lock(mu);
      ++watch_ends[s.ok() ? "OK" : std::to_string(s.error_code())];
    });
    watches.push_back(std::move(w));
  }

  // Refused calls at a fixed rate.
  uint64_t bad_sent = 0;
  std::map<int, uint64_t> bad_codes;
  auto node_stub = fleetgrid::v1::NodeService::NewStub(chans[0]);
  auto next = Clock::now();
  while (Clock::now() < end) {
    if (bad_connects > 0 && Clock::now() >= next) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
      auto rw = node_stub->Connect(&ctx);
      fleetgrid::v1::CoordinatorMessage m;
      while (rw->Read(&m)) {
      }
      ++bad_codes[rw->Finish().error_code()];
      ++bad_sent;
      next += std::chrono::microseconds(static_cast<int64_t>(1e6 / bad_connects));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  const uint64_t watch_peak = watch_open.load();
  done = true;
  for (auto& w : watches) w->ctx.TryCancel();
  for (auto& w : watches) w->t.join();
  idle.join();
  churner.join();

  std::printf(
      "{\"idle_tcp\": %d, \"idle_speak\": %d, \"idle_opened\": %llu, \"idle_closed_by_server\": "
      "%llu, "
      "\"churned\": %llu, \"watch\": %d, \"watch_streams_served\": %llu, \"bad_connects\": %llu",
      idle_tcp, idle_speak, static_cast<unsigned long long>(idle_opened.load()),
      static_cast<unsigned long long>(idle_closed.load()),
      static_cast<unsigned long long>(churned.load()), watch,
      static_cast<unsigned long long>(watch_peak), static_cast<unsigned long long>(bad_sent));
  for (const auto& [code, n] : bad_codes) {
    std::printf(", \"bad_connect_code_%d\": %llu", code, static_cast<unsigned long long>(n));
  }
  for (const auto& [how, n] : watch_ends) {
    std::printf(", \"watch_end_%s\": %llu", how.c_str(), static_cast<unsigned long long>(n));
  }
  std::printf("}\n");
  return 0;
}
