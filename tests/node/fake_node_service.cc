#include "fake_node_service.h"

#include <algorithm>
#include <chrono>

#include "node/executor_hash.h"

namespace fleetgrid::node::testing {
namespace {

std::string Meta(grpc::ServerContext* ctx, const std::string& key) {
  auto it = ctx->client_metadata().find(key);
  if (it == ctx->client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

FakeNodeService::FakeNodeService(FakeConfig config) : config_(std::move(config)) {}

FakeNodeService::~FakeNodeService() { Shutdown(); }

std::string FakeNodeService::Start() {
  grpc::ServerBuilder b;
  int port = 0;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  b.RegisterService(this);
  server_ = b.BuildAndStart();
  return "127.0.0.1:" + std::to_string(port);
}

void FakeNodeService::Shutdown() {
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_->Wait();
    server_.reset();
  }
}

FakeState FakeNodeService::Snapshot() {
  std::lock_guard l(mu_);
  return state_;
}

bool FakeNodeService::WaitFor(const std::function<bool(const FakeState&)>& pred, int timeout_ms) {
  std::unique_lock l(mu_);
  return cv_.wait_for(l, std::chrono::milliseconds(timeout_ms), [&] { return pred(state_); });
}

void FakeNodeService::Push(v1::CoordinatorMessage m) {
  std::lock_guard l(mu_);
  pushes_.push_back(std::move(m));
}

bool FakeNodeService::Authenticated(grpc::ServerContext* ctx, uint64_t* node_id) {
  const std::string id = Meta(ctx, "x-fleetgrid-node-id");
  const std::string secret = Meta(ctx, "x-fleetgrid-node-secret-bin");
  if (id.empty() || secret != "secret-" + id) {
    Mutate([](FakeState& s) { ++s.bad_metadata; });
    return false;
  }
  *node_id = std::stoull(id);
  return true;
}

grpc::Status FakeNodeService::Enroll(grpc::ServerContext* ctx, const v1::EnrollRequest* req,
                                     v1::EnrollResponse* resp) {
  Mutate([&](FakeState& s) { s.enroll_requests.push_back(*req); });
  if (req->join_token() != config_.join_token) {
    Mutate([](FakeState& s) { ++s.enroll_rejected; });
    if (!config_.enroll_refusal_reason.empty()) {
      ctx->AddTrailingMetadata("x-fleetgrid-reason", config_.enroll_refusal_reason);
    }
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "bad join token");
  }
  uint64_t id = 0;
  Mutate([&](FakeState& s) { id = static_cast<uint64_t>(++s.enrolls); });
  resp->mutable_credential()->set_node_id(id);
  resp->mutable_credential()->set_credential_id("cred-" + std::to_string(id));
  resp->mutable_credential()->set_secret("secret-" + std::to_string(id));
  return grpc::Status::OK;
}

grpc::Status FakeNodeService::Connect(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<v1::CoordinatorMessage, v1::NodeMessage>* stream) {
  uint64_t node_id = 0;
  if (!Authenticated(ctx, &node_id)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "bad credential");
  }
  v1::NodeMessage m;
  if (!stream->Read(&m) || !m.has_hello() || m.hello().node_id() != node_id) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "Hello first");
  }
  size_t session_index = 0;
  v1::CoordinatorMessage w;
  v1::Welcome* welcome = w.mutable_welcome();
  Mutate([&](FakeState& s) {
    session_index = s.hellos.size();
    s.hellos.push_back(m.hello());
    s.heartbeat_seqs.emplace_back();
    welcome->set_session_id(next_session_++);
  });
  welcome->mutable_heartbeat_interval()->set_nanos(
      static_cast<int32_t>(config_.heartbeat_interval_ms * 1000'000));
  welcome->set_inline_result_max_bytes(config_.inline_result_max_bytes);
  welcome->set_max_chunk_bytes(config_.max_chunk_bytes);
  welcome->set_protocol_version(1);
  for (const v1::HeldAttempt& h : m.hello().held_attempts()) {
    v1::AttemptRef* r = welcome->add_reattached();
    r->set_attempt_id(h.attempt().attempt_id());
    r->set_lease_epoch(h.attempt().lease_epoch() + config_.reattach_epoch_bump);
  }
  stream->Write(w);
  if (session_index == 0 && !config_.refuse_first_session_message.empty()) {
    if (!config_.refuse_first_session_reason.empty()) {
      ctx->AddTrailingMetadata("x-fleetgrid-reason", config_.refuse_first_session_reason);
    }
    Mutate([](FakeState& s) {
      ++s.sessions_ended_without_leave;
      ++s.sessions_ended;
    });
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, config_.refuse_first_session_message);
  }

  bool left = false;
  std::map<uint64_t, ReceivedResult> partial;
  v1::NodeMessage in;
  while (stream->Read(&in)) {
    std::deque<v1::CoordinatorMessage> pushed;
    {
      std::lock_guard l(mu_);
      if (session_index + 1 == state_.hellos.size()) pushed.swap(pushes_);
    }
    for (const v1::CoordinatorMessage& p : pushed) stream->Write(p);
    // A NodeBatch is handled as its messages one by one.
    std::vector<v1::NodeMessage> msgs;
    if (in.has_batch()) {
      for (v1::NodeMessage& x : *in.mutable_batch()->mutable_messages()) msgs.push_back(x);
    } else {
      msgs.push_back(in);
    }
    for (const v1::NodeMessage& m : msgs) {
      switch (m.kind_case()) {
        case v1::NodeMessage::kHeartbeat:
          Mutate([&](FakeState& s) {
            s.heartbeats.push_back(m.heartbeat());
            s.heartbeat_seqs[session_index].push_back(m.heartbeat().seq());
          });
          break;
        case v1::NodeMessage::kWorkRequest: {
          Mutate([&](FakeState& s) { ++s.work_requests; });
          for (uint32_t i = 0; i < m.work_request().slots(); ++i) {
            v1::CoordinatorMessage a;
            int sent = 0;
            {
              std::lock_guard l(mu_);
              if (next_task_ >= config_.tasks.size()) break;
              *a.mutable_assignment() = config_.tasks[next_task_];
              a.mutable_assignment()->mutable_attempt()->set_attempt_id(100 + next_task_);
              a.mutable_assignment()->mutable_attempt()->set_lease_epoch(1);
              task_of_attempt_[100 + next_task_] = a.assignment().task_id();
              ++next_task_;
              sent = ++state_.assignments_sent;
              cv_.notify_all();
            }
            stream->Write(a);
            if (session_index == 0 && sent == config_.end_first_session_after_assignments) {
              Mutate([](FakeState& s) {
                ++s.sessions_ended_without_leave;
                ++s.sessions_ended;
              });
              return grpc::Status(grpc::StatusCode::UNAVAILABLE, "coordinator restarting");
            }
          }
          break;
        }
        case v1::NodeMessage::kResultChunk: {
          const v1::ResultChunk& c = m.result_chunk();
          ReceivedResult& r = partial[c.attempt().attempt_id()];
          r.attempt = c.attempt();
          r.data += c.data();
          ++r.chunks;
          if (c.last()) {
            r.digest = c.result_digest().sha256();
            r.work_done_units = c.work_done_units();
            r.compute_time_ns =
                c.compute_time().seconds() * 1000'000'000 + c.compute_time().nanos();
            v1::CoordinatorMessage ack;
            *ack.mutable_result_ack()->mutable_attempt() = c.attempt();
            ack.mutable_result_ack()->set_outcome(v1::RESULT_OUTCOME_ACCEPTED);
            ReceivedResult done = r;
            partial.erase(c.attempt().attempt_id());
            stream->Write(ack);
            Mutate([&](FakeState& s) { s.results.push_back(done); });
          }
          break;
        }
        case v1::NodeMessage::kAttemptFailed:
          Mutate([&](FakeState& s) { s.failures.push_back(m.attempt_failed()); });
          break;
        case v1::NodeMessage::kLeave:
          left = true;
          Mutate([&](FakeState& s) { s.leaves.push_back(m.leave()); });
          break;
        default:
          break;
      }
    }
  }
  Mutate([&](FakeState& s) {
    ++s.sessions_ended;
    if (!left) ++s.sessions_ended_without_leave;
  });
  return grpc::Status::OK;
}

grpc::Status FakeNodeService::FetchInput(grpc::ServerContext* ctx, const v1::FetchInputRequest* req,
                                         grpc::ServerWriter<v1::DataChunk>* writer) {
  uint64_t node_id = 0;
  if (!Authenticated(ctx, &node_id)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "bad credential");
  }
  std::string input;
  {
    std::lock_guard l(mu_);
    ++state_.fetches;
    auto t = task_of_attempt_.find(req->attempt().attempt_id());
    if (t == task_of_attempt_.end()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "attempt");
    input = config_.inputs[t->second];
  }
  const uint64_t chunk = 100;
  for (uint64_t off = req->offset(); off < input.size(); off += chunk) {
    v1::DataChunk c;
    c.set_offset(off);
    c.set_data(input.substr(off, chunk));
    c.set_total_size_bytes(input.size());
    c.set_last(off + chunk >= input.size());
    writer->Write(c);
  }
  return grpc::Status::OK;
}

grpc::Status FakeNodeService::UploadResult(grpc::ServerContext* ctx,
                                           grpc::ServerReader<v1::ResultChunk>* reader,
                                           v1::ResultAck* ack) {
  uint64_t node_id = 0;
  if (!Authenticated(ctx, &node_id)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "bad credential");
  }
  ReceivedResult r;
  r.via_upload = true;
  v1::ResultChunk c;
  while (reader->Read(&c)) {
    if (c.offset() != r.data.size()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "chunk offsets with gaps");
    }
    r.attempt = c.attempt();
    r.data += c.data();
    ++r.chunks;
    if (c.last()) {
      r.digest = c.result_digest().sha256();
      r.work_done_units = c.work_done_units();
      r.compute_time_ns = c.compute_time().seconds() * 1000'000'000 + c.compute_time().nanos();
    }
  }
  *ack->mutable_attempt() = r.attempt;
  ack->set_outcome(v1::RESULT_OUTCOME_ACCEPTED);
  ack->set_received_bytes(r.data.size());
  Mutate([&](FakeState& s) { s.results.push_back(r); });
  return grpc::Status::OK;
}

grpc::Status FakeNodeService::UploadCheckpoint(grpc::ServerContext* ctx,
                                               grpc::ServerReader<v1::CheckpointChunk>* reader,
                                               v1::CheckpointAck* ack) {
  uint64_t node_id = 0;
  if (!Authenticated(ctx, &node_id)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "bad credential");
  }
  ReceivedCheckpoint r;
  v1::CheckpointChunk c;
  while (reader->Read(&c)) {
    if (r.chunks == 0) {
      r.attempt = c.attempt();
      r.checkpoint = c.checkpoint();
    } else if (c.attempt().attempt_id() != r.attempt.attempt_id() ||
               c.checkpoint().checkpoint_id() != r.checkpoint.checkpoint_id()) {
      r.same_attempt = false;
    }
    if (c.offset() != r.data.size()) r.offsets_ok = false;
    r.data += c.data();
    r.largest_chunk = std::max<uint64_t>(r.largest_chunk, c.data().size());
    ++r.chunks;
    if (c.last()) {
      r.digest = c.checkpoint().digest().sha256();
      r.ended_with_last = true;
    }
  }
  if (config_.refuse_checkpoints) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "stale lease epoch");
  }
  *ack->mutable_attempt() = r.attempt;
  ack->set_checkpoint_id(r.checkpoint.checkpoint_id());
  ack->set_work_done_units(r.checkpoint.work_done_units());
  ack->set_received_bytes(r.data.size());
  Mutate([&](FakeState& s) { s.checkpoints.push_back(r); });
  return grpc::Status::OK;
}

grpc::Status FakeNodeService::FetchCheckpoint(grpc::ServerContext* ctx,
                                              const v1::FetchCheckpointRequest* req,
                                              grpc::ServerWriter<v1::DataChunk>* writer) {
  uint64_t node_id = 0;
  if (!Authenticated(ctx, &node_id)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "bad credential");
  }
  std::string data;
  {
    std::lock_guard l(mu_);
    state_.checkpoint_fetches.push_back(req->checkpoint_id());
    cv_.notify_all();
    auto it = config_.checkpoints.find(req->checkpoint_id());
    if (it == config_.checkpoints.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "checkpoint");
    }
    data = it->second;
  }
  const uint64_t chunk = 100;
  for (uint64_t off = req->offset(); off < data.size(); off += chunk) {
    v1::DataChunk c;
    c.set_offset(off);
    c.set_data(data.substr(off, chunk));
    c.set_total_size_bytes(data.size());
    c.set_last(off + chunk >= data.size());
    writer->Write(c);
  }
  return grpc::Status::OK;
}

}  // namespace fleetgrid::node::testing
