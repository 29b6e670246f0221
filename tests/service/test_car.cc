#include "tests/service/test_car.h"

#include <chrono>

namespace fleetgrid::testing {
namespace {
template <typename T>
void PutLe(std::string& s, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}

std::string Synthetic(uint64_t seed, uint32_t index, uint64_t size) {
  std::string out;
  for (uint64_t i = 0; out.size() < size; ++i) {
    std::string block = "fleetgrid.input.v1";
    PutLe(block, seed);
    PutLe(block, index);
    PutLe(block, i);
    const std::string d = Sha256Bytes(block);
    out.append(d.substr(0, std::min<uint64_t>(32, size - out.size())));
  }
  return out;
}
}  // namespace

std::string HashOutput(uint64_t seed, uint32_t task_index, std::string_view input,
                       uint32_t rounds) {
  std::string first = "fleetgrid.hash.v1";
  PutLe(first, seed);
  PutLe(first, task_index);
  first.append(input);
  std::string d = Sha256Bytes(first);
  for (uint32_t k = 0; k < rounds; ++k) d = Sha256Bytes(d);
  return d;
}

std::string TestCar::Compute(const v1::Assignment& a) {
  const std::string input =
      a.input_size_bytes() == 0 ? std::string()
      : !a.inline_input().empty()
          ? a.inline_input()
          : Synthetic(a.executor().has_hash() ? a.executor().hash().seed()
                                              : a.executor().simulated().seed(),
                      a.task_index(), a.input_size_bytes());
  if (a.executor().kind() == v1::EXECUTOR_KIND_HASH) {
    return HashOutput(a.executor().hash().seed(), a.task_index(), input,
                      a.executor().hash().rounds());
  }
  return "simulated-" + std::to_string(a.executor().simulated().seed()) + "-" +
         std::to_string(a.task_index());
}

namespace {

class BearerInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(std::string header) : header_(std::move(header)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
    if (m->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      m->GetSendInitialMetadata()->insert({"authorization", header_});
    }
    m->Proceed();
  }

 private:
  std::string header_;
};

class BearerFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerFactory(std::string token) : header_("Bearer " + std::move(token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerInterceptor(header_);
  }

 private:
  std::string header_;
};

}  // namespace

std::shared_ptr<grpc::Channel> BearerChannel(const std::string& address, const std::string& token) {
  if (token.empty()) return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> f;
  f.push_back(std::make_unique<BearerFactory>(token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, grpc::InsecureChannelCredentials(), grpc::ChannelArguments(), std::move(f));
}

TestCar::TestCar(std::shared_ptr<grpc::Channel> channel, std::string owner)
    : channel_(std::move(channel)),
      stub_(v1::NodeService::NewStub(channel_)),
      owner_(std::move(owner)) {}

TestCar::~TestCar() { Drop(); }

absl::Status TestCar::Enroll(const std::string& join_token) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::EnrollRequest req;
  req.set_join_token(join_token);
  req.set_owner(owner_);
  req.mutable_hardware()->set_hardware_class(v1::HARDWARE_CLASS_HW3);
  req.mutable_hardware()->set_speed_work_units_per_s(1.0);
  req.set_agent_version("test-car");
  req.MergeFrom(enroll_extra);
  v1::EnrollResponse resp;
  grpc::Status s = stub_->Enroll(&ctx, req, &resp);
  if (!s.ok()) {  // with the coordinator's x-fleetgrid-reason, if any
    return WithRefusalReason(
        absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message()),
        RefusalReasonFromTrailers(ctx.GetServerTrailingMetadata()));
  }
  node_id_ = resp.credential().node_id();
  secret_ = resp.credential().secret();
  credential_id_ = resp.credential().credential_id();
  return absl::OkStatus();
}

void TestCar::AddAuth(grpc::ClientContext& ctx) const {
  ctx.AddMetadata("x-fleetgrid-node-id", std::to_string(node_id_));
  ctx.AddMetadata("x-fleetgrid-node-secret-bin", secret_);
}

absl::StatusOr<v1::Welcome> TestCar::Connect(const std::vector<v1::HeldAttempt>& held,
                                             Duration timeout) {
  Drop();
  {
    std::lock_guard lock(mu_);
    inbox_.clear();
    closed_ = false;
    final_.reset();
    final_reason_ = RefusalReason::kNone;
  }
  ctx_ = std::make_unique<grpc::ClientContext>();
  AddAuth(*ctx_);
  stream_ = stub_->Connect(ctx_.get());
  v1::NodeMessage hello;
  hello.mutable_hello()->set_node_id(node_id_);
  hello.mutable_hello()->set_protocol_version(1);
  hello.mutable_hello()->mutable_capabilities()->set_max_concurrent_tasks(4);
  hello.mutable_hello()->mutable_initial_state()->set_state(v1::NODE_STATE_PLUGGED);
  for (const v1::HeldAttempt& h : held) *hello.mutable_hello()->add_held_attempts() = h;
  hello.mutable_hello()->MergeFrom(hello_extra);
  stream_->Write(hello);
  reader_ = std::thread([this] { ReadLoop(); });
  auto w = WaitFor([](const v1::CoordinatorMessage& m) { return m.has_welcome(); }, timeout);
  if (!w) {
    auto st = WaitClosed(Duration::Seconds(1));
    if (st && !st->ok()) {
      return WithRefusalReason(
          absl::Status(static_cast<absl::StatusCode>(st->error_code()), st->error_message()),
          closed_reason());
    }
    return absl::DeadlineExceededError("no Welcome");
  }
  return w->welcome();
}

void TestCar::ReadLoop() {
  v1::CoordinatorMessage m;
  while (stream_->Read(&m)) {
    std::lock_guard lock(mu_);
    if (m.has_batch()) {  // a CoordinatorBatch is its messages, in order
      ++batches_;
      for (const v1::CoordinatorMessage& one : m.batch().messages()) inbox_.push_back(one);
    } else {
      inbox_.push_back(m);
    }
    cv_.notify_all();
  }
  grpc::Status s = stream_->Finish();
  const RefusalReason reason = RefusalReasonFromTrailers(ctx_->GetServerTrailingMetadata());
  std::lock_guard lock(mu_);
  closed_ = true;
  final_ = s;
  final_reason_ = reason;
  cv_.notify_all();
}

bool TestCar::Send(const v1::NodeMessage& m) {
  std::lock_guard lock(write_mu_);
  return stream_ && stream_->Write(m);
}

void TestCar::Heartbeat(v1::NodeState state) {
  v1::NodeMessage m;
  m.mutable_heartbeat()->set_seq(++hb_seq_);
  m.mutable_heartbeat()->set_state(state);
  m.mutable_heartbeat()->set_state_of_charge(0.8);
  Send(m);
}

void TestCar::RequestWork(uint32_t slots) {
  v1::NodeMessage m;
  m.mutable_work_request()->set_slots(slots);
  Send(m);
}

void TestCar::SendResult(const v1::Assignment& a, const std::string& output) {
  Send(ResultMessage(a, output));
}

v1::NodeMessage TestCar::ResultMessage(const v1::Assignment& a, const std::string& output) {
  v1::NodeMessage m;
  v1::ResultChunk* c = m.mutable_result_chunk();
  *c->mutable_attempt() = a.attempt();
  c->set_offset(0);
  c->set_data(output);
  c->set_last(true);
  c->set_total_size_bytes(output.size());
  c->mutable_result_digest()->set_sha256(Sha256Bytes(output));
  c->set_work_done_units(a.work_units());
  return m;
}

void TestCar::Leave() {
  v1::NodeMessage m;
  m.mutable_leave()->set_reason(v1::LEAVE_REASON_SHUTDOWN);
  Send(m);
  {
    std::lock_guard lock(write_mu_);
    if (stream_) stream_->WritesDone();
  }
  WaitClosed(Duration::Seconds(10));
  Drop();
}

void TestCar::Drop() {
  if (ctx_) ctx_->TryCancel();
  if (reader_.joinable()) reader_.join();
  stream_.reset();
  ctx_.reset();
}

std::optional<v1::CoordinatorMessage> TestCar::WaitFor(
    const std::function<bool(const v1::CoordinatorMessage&)>& pred, Duration timeout) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout.nanos());
  std::unique_lock lock(mu_);
  for (;;) {
    while (!inbox_.empty()) {
      v1::CoordinatorMessage m = std::move(inbox_.front());
      inbox_.pop_front();
      if (pred(m)) return m;
    }
    if (closed_) return std::nullopt;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && inbox_.empty()) {
      return std::nullopt;
    }
  }
}

std::optional<v1::Assignment> TestCar::NextAssignment(Duration timeout) {
  auto m = WaitFor([](const v1::CoordinatorMessage& m) { return m.has_assignment(); }, timeout);
  if (!m) return std::nullopt;
  return m->assignment();
}

std::optional<v1::ResultAck> TestCar::NextAck(Duration timeout) {
  auto m = WaitFor([](const v1::CoordinatorMessage& m) { return m.has_result_ack(); }, timeout);
  if (!m) return std::nullopt;
  return m->result_ack();
}

std::optional<grpc::Status> TestCar::WaitClosed(Duration timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::nanoseconds(timeout.nanos()), [&] { return closed_; });
  return final_;
}

}  // namespace fleetgrid::testing
