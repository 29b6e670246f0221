// FaultProxy: a TCP proxy on 127.0.0.1 for tests that need a network that fails.
//
// It listens on 127.0.0.1 (port 0: a free one) and forwards each accepted connection to one
// target address. At any time a test can switch it between
//   - pass: bytes flow both ways, FIN and RST are passed on;
//   - drop: a black hole, what a network partition looks like to both ends: no byte, FIN or
//     RST moves in either direction, no connection is closed. The proxy stops reading, so
//     what the ends write waits in the kernel's socket buffers (nothing is lost: when the
//     partition heals it flows, as TCP's retransmissions would deliver it). New connections
//     are still accepted but are only connected to the target once the proxy passes again.
// and can reset every connection it holds (RST to both ends, as after a NAT or middlebox
// lost its state). Stop() (and the destructor) closes every socket and joins the thread:
// nothing is left running.
//
// One thread polls every socket; the control methods are thread-safe and take effect before
// they return (the proxy thread has acknowledged them).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace fleetgrid::testing {

class FaultProxy {
 public:
  // `target`: "127.0.0.1:PORT" (IPv4 loopback only; these are tests).
  explicit FaultProxy(std::string target);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // Listens and starts the thread. Call once.
  absl::Status Start();
  // Closes every connection and the listener, joins the thread. Idempotent.
  void Stop();

  int port() const { return port_; }
  // "127.0.0.1:PORT": what clients dial instead of the target.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Forward traffic (the default; heals a partition).
  void Pass();
  // Black hole (see above): a partition, until Pass().
  void Drop();
  // RSTs both ends of every connection open now; the mode is unchanged.
  void ResetAll();
  bool dropping() const { return dropping_.load(); }

  // Counters (cumulative except open_connections).
  uint64_t accepted() const { return accepted_.load(); }
  uint64_t open_connections() const { return open_.load(); }
  uint64_t bytes_to_target() const { return bytes_up_.load(); }
  uint64_t bytes_from_target() const { return bytes_down_.load(); }

 private:
  struct Conn;
  void Loop();
  // Waits until the proxy thread has seen every request made so far.
  void Sync();
  void Wake();

  const std::string target_;
  int listen_fd_ = -1;
  int wake_r_ = -1, wake_w_ = -1;
  int port_ = 0;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t requests_ = 0;  // control requests made (under mu_)
  uint64_t handled_ = 0;   // ... and seen by the proxy thread (under mu_)
  uint64_t reset_requested_ = 0;
  bool stop_ = false;

  std::atomic<bool> dropping_{false};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> open_{0};
  std::atomic<uint64_t> bytes_up_{0};
  std::atomic<uint64_t> bytes_down_{0};
};

}  // namespace fleetgrid::testing
