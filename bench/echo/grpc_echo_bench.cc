// grpc_echo_bench: the physical baseline for bench/live.sh. A bare gRPC echo (callback API,
// the same gRPC and protobuf as the coordinator, heartbeat-sized messages) measured the way
// the live benchmark measures the coordinator:
//
//   grpc_echo_bench serve --listen 127.0.0.1:0 --port-file F   # until SIGINT/SIGTERM
//   grpc_echo_bench run --target 127.0.0.1:PORT [--seconds S] [--paced-rate R] ...
//
// `run` prints one JSON object with four phases:
//   unary     sequential unary calls on one channel: round trip p50/p99
//   pingpong  one stream, one message in flight: round trip p50/p99
//   pipeline  --streams streams, --window messages in flight each: echoed messages per second
//   paced     --paced-streams streams sending --paced-rate messages/s in all (a fleet's
//             heartbeats): one-way delay (client send -> server read) and round trip p50/p99
//   fleet     --fleet-streams streams shaped like emulated cars (one TCP connection per 500,
//             one message every --fleet-interval seconds per stream, gaps drawn in [0.9, 1]
//             x the interval, due times on a 20 ms grid, as node/car.cc heartbeats), one way
//             like heartbeats: not echoed; the server keeps their one-way delays (serve
//             --samples-file, written at exit), so that several client processes (like the
//             car processes of bench/live.sh) are measured together.
//
// `serve --queues Q` serves the Stream method on gRPC's async API over Q completion queues
// with the coordinator's own ShardedBidiServer (coordinator/service/sharded_bidi.h), as the
// coordinator serves Connect; without it, the callback API.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "coordinator/service/sharded_bidi.h"
#include "echo.grpc.pb.h"

namespace eb = fleetgrid::bench;

namespace {

int64_t UnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Percentile (nearest rank) of `v` in microseconds; sorts v.
double PercentileUs(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size()));
  if (i >= v.size()) i = v.size() - 1;
  return static_cast<double>(v[i]) / 1e3;
}

// ---------------------------------------------------------------------------------------
// Server.

// One-way delays the server measured (the fleet phase's messages), for serve --samples-file.
std::mutex g_samples_mu;
std::vector<int64_t> g_samples;
void KeepOneWaySample(int64_t ns) {
  std::lock_guard l(g_samples_mu);
  g_samples.push_back(ns);
}

// Every message read is stamped and written back, in order (one-way ones are only stamped).
// `Reactor` is the callback API's ServerBidiReactor or the coordinator's ShardedBidiStream: the
// same operations and reactions, so one echo serves both.
template <typename Reactor>
class EchoReactor : public Reactor {
 public:
  void OnReadDone(bool ok) override {
    if (!ok) {
      std::lock_guard l(mu_);
      read_done_ = true;
      if (!writing_) this->Finish(grpc::Status::OK);
      return;
    }
    in_.set_server_recv_unix_ns(UnixNanos());
    if (in_.one_way()) {
      if (in_.record()) KeepOneWaySample(in_.server_recv_unix_ns() - in_.sent_unix_ns());
      this->StartRead(&in_);
      return;
    }
    {
      std::lock_guard l(mu_);
      q_.push_back(std::move(in_));
      if (!writing_) {
        writing_ = true;
        this->StartWrite(&q_.front());
      }
    }
    in_.Clear();
    this->StartRead(&in_);
  }
  void OnWriteDone(bool ok) override {
    std::lock_guard l(mu_);
    q_.pop_front();
    if (!ok) {  // the call is broken: finish once the pending read has failed too
      q_.clear();
      writing_ = false;
      if (read_done_) this->Finish(grpc::Status::CANCELLED);
      return;
    }
    if (!q_.empty()) {
      this->StartWrite(&q_.front());
      return;
    }
    writing_ = false;
    if (read_done_) this->Finish(grpc::Status::OK);
  }
  void OnDone() override { delete this; }

 protected:
  eb::Ping in_;

 private:
  std::mutex mu_;  // callback reactions of one stream may run on different threads
  std::deque<eb::Ping> q_;
  bool writing_ = false;
  bool read_done_ = false;
};

class EchoStream final : public EchoReactor<grpc::ServerBidiReactor<eb::Ping, eb::Ping>> {
 public:
  EchoStream() { StartRead(&in_); }
};

grpc::ServerUnaryReactor* EchoUnary(grpc::CallbackServerContext* ctx, const eb::Ping* req,
                                    eb::Ping* resp) {
  *resp = *req;
  resp->set_server_recv_unix_ns(UnixNanos());
  auto* r = ctx->DefaultReactor();
  r->Finish(grpc::Status::OK);
  return r;
}

class EchoService final : public eb::Echo::CallbackService {
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, const eb::Ping* req,
                                  eb::Ping* resp) override {
    return EchoUnary(ctx, req, resp);
  }
  grpc::ServerBidiReactor<eb::Ping, eb::Ping>* Stream(grpc::CallbackServerContext*) override {
    return new EchoStream();
  }
};

// The Stream method on the async API over sharded completion queues (serve --queues): the
// coordinator's Connect design with nothing behind it.
using ShardedEchoBase =
    eb::Echo::WithCallbackMethod_Unary<eb::Echo::WithAsyncMethod_Stream<eb::Echo::Service>>;

class ShardedEchoService final : public ShardedEchoBase {
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, const eb::Ping* req,
                                  eb::Ping* resp) override {
    return EchoUnary(ctx, req, resp);
  }
};

class ShardedEchoStream final
    : public EchoReactor<fleetgrid::service::ShardedBidiStream<eb::Ping, eb::Ping>> {
 public:
  void OnStart() override { StartRead(&in_); }
};

std::atomic<bool> g_stop{false};

int Serve(const std::string& listen, const std::string& port_file, int queues,
          const std::string& samples_file) {
  EchoService service;
  ShardedEchoService sharded_service;
  grpc::ServerBuilder b;
  int port = 0;
  b.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  std::unique_ptr<fleetgrid::service::ShardedBidiServer<ShardedEchoService, eb::Ping, eb::Ping>>
      sharded;
  if (queues > 0) {
    b.RegisterService(&sharded_service);
    sharded = std::make_unique<
        fleetgrid::service::ShardedBidiServer<ShardedEchoService, eb::Ping, eb::Ping>>(
        b, &sharded_service,
        [](ShardedEchoService* svc, grpc::ServerContext* ctx,
           grpc::ServerAsyncReaderWriter<eb::Ping, eb::Ping>* rw, grpc::ServerCompletionQueue* cq,
           void* tag) { svc->RequestStream(ctx, rw, cq, cq, tag); },
        [] { return new ShardedEchoStream; }, queues);
  } else {
    b.RegisterService(&service);
  }
  std::unique_ptr<grpc::Server> server = b.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "grpc_echo_bench: cannot listen on " << listen << "\n";
    return 1;
  }
  if (!port_file.empty()) std::ofstream(port_file) << port << "\n";
  if (sharded) sharded->Start();
  std::cerr << "echo listening on port " << port << (queues > 0 ? " (sharded queues)" : "") << "\n";
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  if (sharded) sharded->Stop();
  if (!samples_file.empty()) {
    std::lock_guard l(g_samples_mu);
    std::ofstream f(samples_file);
    for (int64_t v : g_samples) f << v << "\n";
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// Client.

// A client stream that keeps up to `window` messages in flight. Messages are released for
// sending either all at once (window-limited pipelining) or by a pacer (Release).
class ClientStream final : public grpc::ClientBidiReactor<eb::Ping, eb::Ping> {
 public:
  ClientStream(eb::Echo::Stub* stub, size_t payload, uint64_t window, bool unlimited)
      : window_(window), unlimited_(unlimited) {
    payload_.assign(payload, 'x');
    stub->async()->Stream(&ctx_, this);
    StartRead(&in_);
    StartCall();
  }

  // Allows `n` more messages to be sent (paced mode).
  void Release(uint64_t n) {
    std::lock_guard l(mu_);
    released_ += n;
    TrySendLocked();
  }
  void Go() {
    std::lock_guard l(mu_);
    TrySendLocked();
  }
  // Stops sending and half-closes once the in-flight messages are back.
  void Stop() {
    std::lock_guard l(mu_);
    stopping_ = true;
    MaybeCloseLocked();
  }
  void Wait() {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return done_; });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard l(mu_);
    writing_ = false;
    if (!ok) return;
    TrySendLocked();
    MaybeCloseLocked();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    const int64_t now = UnixNanos();
    {
      std::lock_guard l(mu_);
      ++received_;
      --inflight_;
      if (record_) {
        rtt_.push_back(now - in_.sent_unix_ns());
        one_way_.push_back(in_.server_recv_unix_ns() - in_.sent_unix_ns());
      }
      TrySendLocked();
      MaybeCloseLocked();
    }
    StartRead(&in_);
  }
  void OnDone(const grpc::Status&) override {
    std::lock_guard l(mu_);
    done_ = true;
    cv_.notify_all();
  }

  uint64_t received() {
    std::lock_guard l(mu_);
    return received_;
  }
  void set_record(bool r) {
    std::lock_guard l(mu_);
    record_ = r;
  }
  // From now on messages are one way: not echoed, their delay kept by the server.
  void set_one_way(bool w) {
    std::lock_guard l(mu_);
    one_way_mode_ = w;
  }
  std::vector<int64_t> TakeRtt() {
    std::lock_guard l(mu_);
    return std::move(rtt_);
  }
  std::vector<int64_t> TakeOneWay() {
    std::lock_guard l(mu_);
    return std::move(one_way_);
  }

 private:
  void TrySendLocked() {
    if (writing_ || stopping_ || closed_ || inflight_ >= window_) return;
    if (!unlimited_ && released_ == 0) return;
    if (!unlimited_) --released_;
    out_.set_seq(sent_++);
    out_.set_sent_unix_ns(UnixNanos());
    out_.set_payload(payload_);
    out_.set_one_way(one_way_mode_);
    out_.set_record(one_way_mode_ && record_);
    if (!one_way_mode_) ++inflight_;
    writing_ = true;
    StartWrite(&out_);
  }
  void MaybeCloseLocked() {
    if (stopping_ && !closed_ && !writing_ && inflight_ == 0) {
      closed_ = true;
      StartWritesDone();
    }
  }

  grpc::ClientContext ctx_;
  eb::Ping in_, out_;
  std::string payload_;
  const uint64_t window_;
  const bool unlimited_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t sent_ = 0, received_ = 0, inflight_ = 0, released_ = 0;
  bool writing_ = false, stopping_ = false, closed_ = false, done_ = false, record_ = false;
  bool one_way_mode_ = false;
  std::vector<int64_t> rtt_, one_way_;
};

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target, int index) {
  grpc::ChannelArguments args;
  // Distinct args and a local subchannel pool: each channel is its own TCP connection.
  args.SetInt("fleetgrid.bench.channel", index);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

struct RunArgs {
  std::string target;
  double seconds = 5;
  int unary_calls = 20000;
  int streams = 8;
  int channels = 2;
  uint64_t window = 64;
  int paced_streams = 200;
  double paced_rate = 10000;
  size_t payload = 24;
  int fleet_streams = 10000;
  double fleet_interval = 10;
  uint64_t seed = 1;
  std::string phases = "unary,pingpong,pipeline,paced";
  bool Has(const char* phase) const { return phases.find(phase) != std::string::npos; }
};

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The fleet phase (see the file comment). Prints its JSON member (the delays are the
// server's); false if streams never came up.
bool RunFleet(const RunArgs& a) {
  const int n = a.fleet_streams;
  // One TCP connection per 500 streams, as node::Fleet shares its channels.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<eb::Echo::Stub>> stubs;
  for (int i = 0; i < std::max(1, (n + 499) / 500); ++i) {
    channels.push_back(NewChannel(a.target, 1000 + i));
    stubs.push_back(eb::Echo::NewStub(channels.back()));
  }
  std::vector<std::unique_ptr<ClientStream>> ss;
  for (int i = 0; i < n; ++i) {
    ss.push_back(std::make_unique<ClientStream>(stubs[static_cast<size_t>(i) % stubs.size()].get(),
                                                a.payload, 1 << 20, false));
    ss.back()->Release(1);  // set up and echo once before the clock starts
  }
  const auto setup_end = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  for (auto& s : ss) {
    while (s->received() == 0 && std::chrono::steady_clock::now() < setup_end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (s->received() == 0) {
      std::cerr << "grpc_echo_bench: fleet streams not up within 300 s\n";
      return false;
    }
  }
  // Due times as node/car.cc schedules heartbeats: the first uniform in one interval, then
  // gaps in [0.9, 1] x the interval, rounded down to a 20 ms grid.
  constexpr int64_t kGridNs = 20'000'000;
  const auto interval_ns = static_cast<int64_t>(a.fleet_interval * 1e9);
  std::mt19937_64 rng(a.seed);
  std::uniform_real_distribution<double> u(0, 1);
  const auto grid = [](int64_t t) { return t - t % kGridNs; };
  using Due = std::pair<int64_t, size_t>;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due;
  for (auto& s : ss) s->set_one_way(true);
  const int64_t t0 = SteadyNanos();
  for (size_t i = 0; i < ss.size(); ++i) {
    due.push({grid(t0 + static_cast<int64_t>(u(rng) * static_cast<double>(interval_ns))), i});
  }
  const int64_t record_from = t0 + interval_ns;  // every stream paced for one interval first
  const int64_t end = record_from + static_cast<int64_t>(a.seconds * 1e9);
  bool recording = false;
  for (int64_t now = t0; now < end; now = SteadyNanos()) {
    if (!recording && now >= record_from) {
      for (auto& s : ss) s->set_record(true);
      recording = true;
    }
    while (!due.empty() && due.top().first <= now) {
      auto [t, i] = due.top();
      due.pop();
      ss[i]->Release(1);
      const double gap = (0.9 + 0.1 * u(rng)) * static_cast<double>(interval_ns);
      due.push({grid(t + static_cast<int64_t>(gap)), i});
    }
    const int64_t next = std::min(due.top().first, end);
    if (next > now) std::this_thread::sleep_for(std::chrono::nanoseconds(next - now));
  }
  for (auto& s : ss) s->set_record(false);
  for (auto& s : ss) s->Stop();
  for (auto& s : ss) s->Wait();
  std::printf("  \"fleet\": {\"streams\": %d, \"interval_s\": %.1f},\n", n, a.fleet_interval);
  return true;
}

void PrintLatency(const char* name, std::vector<int64_t>& v, bool last) {
  const double p50 = PercentileUs(v, 0.50), p99 = PercentileUs(v, 0.99);
  std::printf("    \"%s_p50_us\": %.1f, \"%s_p99_us\": %.1f%s\n", name, p50, name, p99,
              last ? "" : ",");
}

int Run(const RunArgs& a) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<eb::Echo::Stub>> stubs;
  for (int i = 0; i < std::max(1, a.channels); ++i) {
    channels.push_back(NewChannel(a.target, i));
    stubs.push_back(eb::Echo::NewStub(channels.back()));
  }
  if (!channels[0]->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) {
    std::cerr << "grpc_echo_bench: cannot connect to " << a.target << "\n";
    return 1;
  }
  const std::string payload(a.payload, 'x');
  std::printf("{\n");

  // 1. Unary round trips, one at a time.
  if (a.Has("unary")) {
    std::vector<int64_t> rtt;
    rtt.reserve(static_cast<size_t>(a.unary_calls));
    for (int i = 0; i < a.unary_calls + 500; ++i) {  // 500 warm-up calls
      grpc::ClientContext ctx;
      eb::Ping req, resp;
      req.set_seq(static_cast<uint64_t>(i));
      req.set_payload(payload);
      const int64_t t0 = UnixNanos();
      grpc::Status s = stubs[0]->Unary(&ctx, req, &resp);
      if (!s.ok()) {
        std::cerr << "grpc_echo_bench: unary failed: " << s.error_message() << "\n";
        return 1;
      }
      if (i >= 500) rtt.push_back(UnixNanos() - t0);
    }
    std::printf("  \"unary\": {\n    \"calls\": %d,\n", a.unary_calls);
    PrintLatency("rtt", rtt, true);
    std::printf("  },\n");
  }

  // 2. Ping-pong on one stream.
  if (a.Has("pingpong")) {
    ClientStream s(stubs[0].get(), a.payload, 1, /*unlimited=*/true);
    s.Go();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // warm-up
    s.set_record(true);
    const uint64_t r0 = s.received();
    std::this_thread::sleep_for(std::chrono::duration<double>(a.seconds / 2));
    const uint64_t n = s.received() - r0;
    s.set_record(false);
    s.Stop();
    s.Wait();
    std::vector<int64_t> rtt = s.TakeRtt();
    std::printf("  \"pingpong\": {\n    \"messages\": %llu,\n", static_cast<unsigned long long>(n));
    PrintLatency("rtt", rtt, true);
    std::printf("  },\n");
  }

  // 3. Pipelined streams: the message rate gRPC sustains on this machine.
  if (a.Has("pipeline")) {
    std::vector<std::unique_ptr<ClientStream>> ss;
    for (int i = 0; i < a.streams; ++i) {
      ss.push_back(std::make_unique<ClientStream>(
          stubs[static_cast<size_t>(i) % stubs.size()].get(), a.payload, a.window, true));
    }
    for (auto& s : ss) s->Go();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // warm-up
    auto count = [&] {
      uint64_t n = 0;
      for (auto& s : ss) n += s->received();
      return n;
    };
    const uint64_t n0 = count();
    const auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(a.seconds));
    const uint64_t n1 = count();
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto& s : ss) s->Stop();
    for (auto& s : ss) s->Wait();
    std::printf(
        "  \"pipeline\": {\n    \"streams\": %d, \"window\": %llu,\n"
        "    \"messages_per_s\": %.0f\n  },\n",
        a.streams, static_cast<unsigned long long>(a.window), static_cast<double>(n1 - n0) / dt);
  }

  // 4. Paced: many streams, a fixed total rate (like a fleet's heartbeats).
  if (a.Has("paced")) {
    std::vector<std::unique_ptr<ClientStream>> ss;
    for (int i = 0; i < a.paced_streams; ++i) {
      ss.push_back(std::make_unique<ClientStream>(
          stubs[static_cast<size_t>(i) % stubs.size()].get(), a.payload, 1 << 20, false));
    }
    // Every stream set up and echoing once before the clock starts.
    for (auto& s : ss) s->Release(1);
    const auto setup_end = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    for (auto& s : ss) {
      while (s->received() == 0 && std::chrono::steady_clock::now() < setup_end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    const auto start = std::chrono::steady_clock::now();
    const double warm = 0.5, total = warm + a.seconds;
    uint64_t released = 0;
    size_t next_stream = 0;
    bool recording = false;
    for (;;) {
      const double t =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (t >= total) break;
      if (!recording && t >= warm) {
        for (auto& s : ss) s->set_record(true);
        recording = true;
      }
      const auto due = static_cast<uint64_t>(t * a.paced_rate);
      for (; released < due; ++released) {
        ss[next_stream]->Release(1);
        next_stream = (next_stream + 1) % ss.size();
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    for (auto& s : ss) s->set_record(false);
    for (auto& s : ss) s->Stop();
    for (auto& s : ss) s->Wait();
    std::vector<int64_t> rtt, one_way;
    for (auto& s : ss) {
      auto r = s->TakeRtt();
      rtt.insert(rtt.end(), r.begin(), r.end());
      auto o = s->TakeOneWay();
      one_way.insert(one_way.end(), o.begin(), o.end());
    }
    std::printf("  \"paced\": {\n    \"streams\": %d, \"rate_per_s\": %.0f, \"messages\": %zu,\n",
                a.paced_streams, a.paced_rate, rtt.size());
    PrintLatency("one_way", one_way, false);
    PrintLatency("rtt", rtt, true);
    std::printf("  },\n");
  }
  // 5. Fleet-shaped: streams paced like emulated cars' heartbeats.
  if (a.Has("fleet") && !RunFleet(a)) return 1;
  std::printf("  \"phases\": \"%s\"\n}\n", a.phases.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Bare gRPC echo: the physical baseline of bench/live.sh");
  app.require_subcommand(1);
  std::string listen = "127.0.0.1:0", port_file;
  CLI::App* serve = app.add_subcommand("serve", "Run the echo server until SIGINT/SIGTERM");
  serve->add_option("--listen", listen, "HOST:PORT (port 0 = pick one)");
  serve->add_option("--port-file", port_file, "Write the chosen port here");
  RunArgs a;
  CLI::App* run = app.add_subcommand("run", "Measure against a running echo server");
  run->add_option("--target", a.target, "HOST:PORT of the echo server")->required();
  run->add_option("--seconds", a.seconds, "Measured seconds per phase");
  run->add_option("--unary-calls", a.unary_calls, "Unary calls in the unary phase");
  run->add_option("--streams", a.streams, "Streams in the pipeline phase");
  run->add_option("--channels", a.channels, "TCP connections the streams share");
  run->add_option("--window", a.window, "Messages in flight per stream (pipeline)");
  run->add_option("--paced-streams", a.paced_streams, "Streams in the paced phase");
  run->add_option("--paced-rate", a.paced_rate, "Messages per second in all (paced phase)");
  run->add_option("--payload", a.payload, "Filler bytes per message");
  run->add_option("--fleet-streams", a.fleet_streams, "Streams in the fleet phase");
  run->add_option("--fleet-interval", a.fleet_interval,
                  "Seconds between two messages of one stream (fleet phase)");
  run->add_option("--seed", a.seed, "Seed of the fleet phase's due times");
  run->add_option("--phases", a.phases,
                  "Comma-separated phases to run (unary,pingpong,pipeline,paced,fleet)");
  int queues = 0;
  std::string server_samples;
  serve->add_option("--samples-file", server_samples,
                    "At exit, write the one-way delays of recorded one-way messages here (ns)");
  serve->add_option("--queues", queues,
                    "Serve Stream on the async API over this many completion queues, as the "
                    "coordinator serves Connect (0 = callback API)");
  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) return Serve(listen, port_file, queues, server_samples);
  return Run(a);
}
