// Overload caps: streams past a cap end at once with RESOURCE_EXHAUSTED naming it, a freed
// slot is taken again, other cars are not affected, and TCP connections that never speak
// wait in the kernel (TCP_DEFER_ACCEPT), then are closed by the server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "tests/service/harness.h"

namespace fleetgrid::testing {
namespace {

// A Connect stream of a car that never sends Hello.
struct RawStream {
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReaderWriter<v1::NodeMessage, v1::CoordinatorMessage>> rw;
};

std::unique_ptr<RawStream> OpenWithoutHello(TestCar& car, Duration deadline) {
  auto s = std::make_unique<RawStream>();
  s->ctx.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::nanoseconds(deadline.nanos()));
  car.AddAuth(s->ctx);
  s->rw = car.stub().Connect(&s->ctx);
  return s;
}

grpc::Status EndOf(RawStream& s) {
  v1::CoordinatorMessage m;
  while (s.rw->Read(&m)) {
  }
  return s.rw->Finish();
}

TEST(Overload, SessionsPastTheCapAreRefusedAndAFreedSlotIsTakenAgain) {
  Harness h;
  h.options.service.max_sessions = 3;
  h.Start();
  std::vector<std::unique_ptr<TestCar>> cars;
  for (int i = 0; i < 3; ++i) {
    cars.push_back(h.NewCar("c" + std::to_string(i)));
    ASSERT_TRUE(cars.back()->Connect().ok());
  }
  auto late = h.NewCar("late");
  const auto refused = late->Connect({}, Duration::Seconds(5));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(refused.status())) << refused.status();
  EXPECT_NE(refused.status().message().find("car sessions"), std::string::npos);
  cars[0]->Leave();
  cars[0]->Drop();
  EXPECT_TRUE(Eventually([&] { return late->Connect({}, Duration::Seconds(2)).ok(); }));
}

TEST(Overload, ACarHoldingTooManyStreamsIsRefusedAndOthersAreNot) {
  Harness h;
  h.options.service.max_streams_per_node = 2;
  h.Start();
  auto greedy = h.NewCar("greedy");
  // Three streams without Hello, each ending by its deadline at the latest. The server may
  // see them in any order: exactly one is refused at once, whichever came third.
  std::vector<std::unique_ptr<RawStream>> streams;
  std::vector<std::future<grpc::Status>> ends;
  for (int i = 0; i < 3; ++i) {
    streams.push_back(OpenWithoutHello(*greedy, Duration::Seconds(3)));
    ends.push_back(
        std::async(std::launch::async, [s = streams.back().get()] { return EndOf(*s); }));
  }
  int refused = 0;
  for (auto& e : ends) {
    const grpc::Status s = e.get();
    if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      EXPECT_NE(s.error_message().find("node " + std::to_string(greedy->node_id())),
                std::string::npos)
          << s.error_message();
    } else {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << s.error_message();
    }
  }
  EXPECT_EQ(refused, 1);
  // Another car is served as usual, and once its streams ended the greedy car is too.
  auto honest = h.NewCar("honest");
  EXPECT_TRUE(honest->Connect().ok());
  EXPECT_TRUE(Eventually([&] { return greedy->Connect({}, Duration::Seconds(2)).ok(); }));
}

TEST(Overload, WatchStreamsPastTheCapAreRefused) {
  Harness h;
  h.options.service.max_watchers = 2;
  h.Start();
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(3), &sub).ok());
  struct Watch {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<v1::JobProgress>> r;
  };
  // The server may see the three in any order: exactly one is refused, the others are
  // served until their deadline.
  std::vector<std::unique_ptr<Watch>> watches;
  std::vector<std::future<std::pair<int, grpc::Status>>> ends;
  for (int i = 0; i < 3; ++i) {
    auto w = std::make_unique<Watch>();
    w->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    v1::WatchJobRequest req;
    req.set_job_id(sub.job_id());
    w->r = h.jobs->WatchJob(&w->ctx, req);
    ends.push_back(std::async(std::launch::async, [r = w->r.get()] {
      v1::JobProgress p;
      int snapshots = 0;
      while (r->Read(&p)) ++snapshots;
      return std::pair{snapshots, r->Finish()};
    }));
    watches.push_back(std::move(w));
  }
  int refused = 0;
  for (auto& e : ends) {
    const auto [snapshots, status] = e.get();
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      EXPECT_EQ(snapshots, 0);
      EXPECT_NE(status.error_message().find("watch streams"), std::string::npos);
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
      EXPECT_GE(snapshots, 1) << "a watcher within the cap was served";
    }
  }
  EXPECT_EQ(refused, 1);
}

int OpenSockets() {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    n += std::filesystem::read_symlink(entry.path(), ec).string().rfind("socket:", 0) == 0;
  }
  return n;
}

int ConnectSilently(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ? fd : -1;
}

// Reads until the server closes `fd` or `wait` passes without a byte: true when closed.
bool ClosedByServer(int fd, int wait_ms) {
  pollfd p{fd, POLLIN, 0};
  char buf[256];
  // The server writes its HTTP/2 settings, then closes: read to the end.
  for (;;) {
    if (poll(&p, 1, wait_ms) <= 0) return false;
    if (read(fd, buf, sizeof buf) <= 0) return true;
  }
}

TEST(Overload, ConnectionsThatNeverSpeakStayInTheKernelThenAreClosedAndServiceGoesOn) {
  Harness h;
  h.options.service.handshake_timeout = Duration::Millis(300);
  h.options.service.defer_accept = Duration::Seconds(3);
  h.Start();
  ASSERT_TRUE(h.coordinator->defer_accept().ok()) << h.coordinator->defer_accept().status();
  EXPECT_EQ(*h.coordinator->defer_accept(), Duration::Seconds(3));
  const int sockets_before = OpenSockets();
  std::vector<int> fds;
  for (int i = 0; i < 50; ++i) {
    fds.push_back(ConnectSilently(h.coordinator->port()));
    ASSERT_GE(fds.back(), 0);
  }
  // The 50 client ends are ours; the coordinator accepted none of them (each would be one
  // more socket in this process), so its handshake timeout has nothing to close yet.
  EXPECT_LT(OpenSockets() - sockets_before, 50 + 10);
  EXPECT_FALSE(ClosedByServer(fds[0], 600)) << "a silent connection reached gRPC before the hold";
  // A legitimate car speaks first and is served at once while the silent ones sit there.
  auto car = h.NewCar("legit");
  ASSERT_TRUE(car->Connect().ok());
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(1), &sub).ok());
  const auto ack = RunOne(*car);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED);
  // After the hold the kernel hands them over and the handshake timeout closes each.
  int closed = 0;
  for (const int fd : fds) {
    closed += ClosedByServer(fd, 10'000);
    close(fd);
  }
  EXPECT_EQ(closed, 50);
}

TEST(Overload, WithoutTheHoldSilentConnectionsAreClosedByTheHandshakeTimeout) {
  Harness h;
  h.options.service.handshake_timeout = Duration::Millis(300);
  h.options.service.defer_accept = Duration::Zero();
  h.Start();
  ASSERT_TRUE(h.coordinator->defer_accept().ok());
  EXPECT_EQ(*h.coordinator->defer_accept(), Duration::Zero());
  std::vector<int> fds;
  for (int i = 0; i < 20; ++i) {
    fds.push_back(ConnectSilently(h.coordinator->port()));
    ASSERT_GE(fds.back(), 0);
  }
  auto car = h.NewCar("legit");
  ASSERT_TRUE(car->Connect().ok());
  int closed = 0;
  for (const int fd : fds) {
    closed += ClosedByServer(fd, 5000);
    close(fd);
  }
  EXPECT_EQ(closed, 20);
}

}  // namespace
}  // namespace fleetgrid::testing
