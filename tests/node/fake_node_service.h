// A fake coordinator NodeService for agent tests: serves on 127.0.0.1 (port 0), hands out
// scripted assignments, records what the cars say (checkpoints uploaded included), serves
// inputs and stored checkpoints, pushes messages such as CheckpointRequest, and lets tests
// wait on conditions.
// Thread-safe: handlers run on gRPC's sync-server threads; tests read through Snapshot/Wait.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fleetgrid/v1/node.grpc.pb.h"

namespace fleetgrid::node::testing {

struct FakeConfig {
  std::string join_token = "token-1";
  int64_t heartbeat_interval_ms = 50;
  uint64_t inline_result_max_bytes = 64;
  uint64_t max_chunk_bytes = 1 << 20;
  // Assignments handed out in order, one per WorkRequest slot (attempt ids/epochs are set
  // by the fake: attempt id = 100 + n, epoch 1).
  std::vector<v1::Assignment> tasks;
  // Inputs served by FetchInput, by task id.
  std::map<uint64_t, std::string> inputs;
  // End the first session with UNAVAILABLE right after sending this many assignments
  // (0 = never): a coordinator restart as the car sees it.
  int end_first_session_after_assignments = 0;
  // Re-attach held attempts under epoch + this.
  uint64_t reattach_epoch_bump = 1;
  // End the first session right after the Welcome with UNAUTHENTICATED and this message
  // (empty = never), and with `refuse_first_session_reason` as its x-fleetgrid-reason
  // trailing metadata (empty = none): a credential refused as the car sees it.
  std::string refuse_first_session_message;
  std::string refuse_first_session_reason;
  // x-fleetgrid-reason of an Enroll refused for its join token (empty = none).
  std::string enroll_refusal_reason;
  // Checkpoints served by FetchCheckpoint, by checkpoint id.
  std::map<std::string, std::string> checkpoints;
  // Refuse every UploadCheckpoint with FAILED_PRECONDITION (after reading it).
  bool refuse_checkpoints = false;
};

struct ReceivedResult {
  v1::AttemptRef attempt;
  std::string data;
  std::string digest;
  bool via_upload = false;
  int chunks = 0;
  double work_done_units = 0;   // of the last chunk
  int64_t compute_time_ns = 0;  // of the last chunk
};

struct ReceivedCheckpoint {
  v1::AttemptRef attempt;
  v1::Checkpoint checkpoint;  // as the first chunk described it
  std::string data;
  std::string digest;  // the last chunk's checkpoint.digest
  int chunks = 0;
  uint64_t largest_chunk = 0;
  bool offsets_ok = true;    // every chunk at the end of the bytes before it
  bool same_attempt = true;  // every chunk named the first chunk's attempt and checkpoint
  bool ended_with_last = false;
};

struct FakeState {
  int enrolls = 0;
  int enroll_rejected = 0;
  std::vector<v1::EnrollRequest> enroll_requests;
  std::vector<v1::Hello> hellos;
  std::vector<std::vector<uint64_t>> heartbeat_seqs;  // per session
  std::vector<v1::Heartbeat> heartbeats;
  int work_requests = 0;
  int assignments_sent = 0;
  std::vector<ReceivedResult> results;
  std::vector<v1::Leave> leaves;
  std::vector<v1::AttemptFailed> failures;
  int sessions_ended = 0;
  int sessions_ended_without_leave = 0;
  int bad_metadata = 0;
  int fetches = 0;
  std::vector<ReceivedCheckpoint> checkpoints;
  std::vector<std::string> checkpoint_fetches;  // ids asked for
};

class FakeNodeService final : public v1::NodeService::Service {
 public:
  explicit FakeNodeService(FakeConfig config);
  ~FakeNodeService() override;

  // Starts the server on 127.0.0.1:0. Returns "127.0.0.1:PORT".
  std::string Start();
  void Shutdown();

  FakeState Snapshot();
  // Waits until pred(state) holds or the deadline passes; returns whether it held.
  bool WaitFor(const std::function<bool(const FakeState&)>& pred, int timeout_ms = 10000);
  // Sends `m` on the newest session, after the next message the car sends on it (heartbeats
  // come every heartbeat_interval_ms): the sync stream allows one writer at a time.
  void Push(v1::CoordinatorMessage m);

  grpc::Status Enroll(grpc::ServerContext*, const v1::EnrollRequest*, v1::EnrollResponse*) override;
  grpc::Status Connect(grpc::ServerContext*,
                       grpc::ServerReaderWriter<v1::CoordinatorMessage, v1::NodeMessage>*) override;
  grpc::Status FetchInput(grpc::ServerContext*, const v1::FetchInputRequest*,
                          grpc::ServerWriter<v1::DataChunk>*) override;
  grpc::Status UploadResult(grpc::ServerContext*, grpc::ServerReader<v1::ResultChunk>*,
                            v1::ResultAck*) override;
  grpc::Status UploadCheckpoint(grpc::ServerContext*, grpc::ServerReader<v1::CheckpointChunk>*,
                                v1::CheckpointAck*) override;
  grpc::Status FetchCheckpoint(grpc::ServerContext*, const v1::FetchCheckpointRequest*,
                               grpc::ServerWriter<v1::DataChunk>*) override;

 private:
  bool Authenticated(grpc::ServerContext* ctx, uint64_t* node_id);
  template <typename F>
  void Mutate(F f) {
    std::lock_guard l(mu_);
    f(state_);
    cv_.notify_all();
  }

  FakeConfig config_;
  std::unique_ptr<grpc::Server> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  FakeState state_;
  size_t next_task_ = 0;
  std::map<uint64_t, uint64_t> task_of_attempt_;
  uint64_t next_session_ = 1;
  std::deque<v1::CoordinatorMessage> pushes_;
};

}  // namespace fleetgrid::node::testing
