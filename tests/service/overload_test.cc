// Overload caps: streams past a cap end at once with RESOURCE_EXHAUSTED naming it, a freed
// slot is taken again, other cars are not affected, and TCP connections that never speak
// HTTP/2 are closed by the server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/service/harness.h"

namespace fleetgrid::testing {
namespace {

// A Connect stream of a car that never sends Hello.
struct RawStream {
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReaderWriter<v1::NodeMessage, v1::CoordinatorMessage>> rw;
};

std::unique_ptr<RawStream> OpenWithoutHello(TestCar& car) {
  auto s = std::make_unique<RawStream>();
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
  auto a = OpenWithoutHello(*greedy);
  auto b = OpenWithoutHello(*greedy);
  auto c = OpenWithoutHello(*greedy);
  const grpc::Status third = EndOf(*c);
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << third.error_message();
  EXPECT_NE(third.error_message().find("node " + std::to_string(greedy->node_id())),
            std::string::npos)
      << third.error_message();
  // Another car is served as usual.
  auto honest = h.NewCar("honest");
  EXPECT_TRUE(honest->Connect().ok());
  // Once one of the greedy car's streams ends, it may open one again.
  a->ctx.TryCancel();
  EndOf(*a);
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
  std::vector<std::unique_ptr<Watch>> watches;
  for (int i = 0; i < 3; ++i) {
    auto w = std::make_unique<Watch>();
    v1::WatchJobRequest req;
    req.set_job_id(sub.job_id());
    w->r = h.jobs->WatchJob(&w->ctx, req);
    watches.push_back(std::move(w));
  }
  v1::JobProgress p;
  ASSERT_TRUE(watches[0]->r->Read(&p));
  ASSERT_TRUE(watches[1]->r->Read(&p));
  EXPECT_FALSE(watches[2]->r->Read(&p));
  const grpc::Status third = watches[2]->r->Finish();
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << third.error_message();
  EXPECT_NE(third.error_message().find("watch streams"), std::string::npos);
  for (int i = 0; i < 2; ++i) watches[i]->ctx.TryCancel();
}

TEST(Overload, ConnectionsThatNeverSpeakAreClosedAndServiceGoesOn) {
  Harness h;
  h.options.service.handshake_timeout = Duration::Millis(300);
  h.Start();
  std::vector<int> fds;
  for (int i = 0; i < 50; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(h.coordinator->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    fds.push_back(fd);
  }
  // A legitimate car is served while the idle connections sit there.
  auto car = h.NewCar("legit");
  ASSERT_TRUE(car->Connect().ok());
  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(Harness::HashJob(1), &sub).ok());
  const auto ack = RunOne(*car);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->outcome(), v1::RESULT_OUTCOME_ACCEPTED);
  int closed = 0;
  for (const int fd : fds) {
    pollfd p{fd, POLLIN, 0};
    char buf[256];
    // The server writes its HTTP/2 settings, then closes: read to the end.
    for (;;) {
      if (poll(&p, 1, 5000) <= 0) break;
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) {
        ++closed;
        break;
      }
    }
    close(fd);
  }
  EXPECT_EQ(closed, 50);
}

}  // namespace
}  // namespace fleetgrid::testing
