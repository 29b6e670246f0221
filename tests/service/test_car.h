// TestCar: a minimal car for tests, speaking NodeService over a real channel.
//
// A reader thread queues every CoordinatorMessage; tests wait for the ones they need with a
// deadline (no sleeps). Also computes the hash executor's output (node/executor_hash.h
// definition) so results can be verified independently of the node agent.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/refusal_reason.h"
#include "common/sha256.h"
#include "common/status.h"
#include "common/time.h"
#include "fleetgrid/v1/job.grpc.pb.h"
#include "fleetgrid/v1/node.grpc.pb.h"

namespace fleetgrid::testing {

// The hash executor: d0 = SHA-256("fleetgrid.hash.v1" || le64 seed || le32 index || input),
// d_k = SHA-256(d_{k-1}), output = d_rounds.
std::string HashOutput(uint64_t seed, uint32_t task_index, std::string_view input, uint32_t rounds);

// A plaintext channel that sends `authorization: Bearer <token>` on every call ("": none).
std::shared_ptr<grpc::Channel> BearerChannel(const std::string& address, const std::string& token);

class TestCar {
 public:
  TestCar(std::shared_ptr<grpc::Channel> channel, std::string owner);
  ~TestCar();

  absl::Status Enroll(const std::string& join_token = "");
  // Merged into every EnrollRequest / Hello this car sends (preferences, battery, state).
  v1::EnrollRequest enroll_extra;
  v1::Hello hello_extra;
  uint64_t node_id() const { return node_id_; }
  const std::string& secret() const { return secret_; }
  const std::string& credential_id() const { return credential_id_; }
  // Use another car's identity (tests of fencing).
  void SetIdentity(uint64_t node_id, std::string secret) {
    node_id_ = node_id;
    secret_ = std::move(secret);
  }
  void AddAuth(grpc::ClientContext& ctx) const;

  // Opens a session: Hello (listing `held`), waits for the Welcome.
  absl::StatusOr<v1::Welcome> Connect(const std::vector<v1::HeldAttempt>& held = {},
                                      Duration timeout = Duration::Seconds(10));
  bool Send(const v1::NodeMessage& m);
  void Heartbeat(v1::NodeState state = v1::NODE_STATE_PLUGGED);
  void RequestWork(uint32_t slots = 1);
  // Sends the result inline on the session (one chunk).
  void SendResult(const v1::Assignment& a, const std::string& output);
  // The inline result message SendResult sends (to put into a NodeBatch).
  static v1::NodeMessage ResultMessage(const v1::Assignment& a, const std::string& output);
  void Leave();
  // Closes the stream without Leave (the car vanishes); waits for the reader to end.
  void Drop();

  // The next message matching `pred` (others before it are dropped), or nullopt on timeout
  // or a closed stream.
  std::optional<v1::CoordinatorMessage> WaitFor(
      const std::function<bool(const v1::CoordinatorMessage&)>& pred, Duration timeout);
  std::optional<v1::Assignment> NextAssignment(Duration timeout = Duration::Seconds(10));
  std::optional<v1::ResultAck> NextAck(Duration timeout = Duration::Seconds(10));
  // The final status of the stream once it ended (waits up to timeout).
  std::optional<grpc::Status> WaitClosed(Duration timeout);
  // The x-fleetgrid-reason the stream ended with (kNone while open or without one). A
  // refused Connect carries it on its status too (RefusalReasonOf).
  RefusalReason closed_reason() {
    std::lock_guard lock(mu_);
    return final_reason_;
  }

  // The correct output of an assignment (hash or simulated executor; synthetic input).
  static std::string Compute(const v1::Assignment& a);

  v1::NodeService::Stub& stub() { return *stub_; }
  // CoordinatorBatch messages received so far (their members are in the inbox one by one).
  uint64_t batches_received() {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  void ReadLoop();

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::NodeService::Stub> stub_;
  std::string owner_;
  uint64_t node_id_ = 0;
  std::string secret_;
  std::string credential_id_;

  std::unique_ptr<grpc::ClientContext> ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::NodeMessage, v1::CoordinatorMessage>> stream_;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<v1::CoordinatorMessage> inbox_;
  bool closed_ = false;
  uint64_t batches_ = 0;
  std::optional<grpc::Status> final_;
  RefusalReason final_reason_ = RefusalReason::kNone;
  std::mutex write_mu_;
  uint64_t hb_seq_ = 0;
};

}  // namespace fleetgrid::testing
