#include "tests/fuzz/brain_harness.h"

#include "coordinator/service/node_session.h"

namespace fleetgrid::fuzz {

void CaptureOutbox::Count(const v1::CoordinatorMessage& m) {
  if (m.has_assignment()) ++assignments_;
  for (const v1::CoordinatorMessage& b : m.batch().messages()) Count(b);
}

void CaptureOutbox::Send(const v1::CoordinatorMessage& m) {
  std::lock_guard lock(mu_);
  Count(m);
  cv_.notify_all();
}

void CaptureOutbox::SendAll(std::vector<v1::CoordinatorMessage> ms) {
  std::lock_guard lock(mu_);
  for (const auto& m : ms) Count(m);
  cv_.notify_all();
}

void CaptureOutbox::Finish(const absl::Status&) {}

bool CaptureOutbox::WaitForAssignments(size_t n) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return assignments_ >= n; });
}

service::ServiceOptions FuzzBrain::Options() {
  service::ServiceOptions o;  // open mode: any join token enrolls
  o.limits.max_tasks = 2000;
  o.limits.max_input_bytes = 1 << 20;
  o.limits.max_output_bytes = 1 << 16;
  o.inline_result_max_bytes = 4096;
  return o;
}

FuzzBrain::FuzzBrain(HarnessOptions options) : options_(options) { Build(); }

FuzzBrain::~FuzzBrain() {
  if (brain_) brain_->Stop();
}

service::Brain& FuzzBrain::brain() {
  if (++inputs_ > options_.recycle_every) {
    inputs_ = 1;
    Build();
  }
  return *brain_;
}

void FuzzBrain::Sync() {
  std::promise<void> p;
  auto f = p.get_future();
  brain_->InspectForTesting([&p](const core::Core&) { p.set_value(); });
  FG_FUZZ_CHECK(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
}

void FuzzBrain::Build() {
  if (brain_) brain_->Stop();
  brain_.reset();
  store_ = std::make_unique<service::MemoryStore>();
  brain_ = std::make_unique<service::Brain>(Options(), store_.get(), &metrics_);
  FG_FUZZ_CHECK(brain_->Start().ok());
  if (options_.with_car || options_.with_listings) SetUpCar();
  if (options_.with_listings) SetUpListings();
}

namespace {

v1::JobSpec SmallJob(uint32_t tasks) {
  v1::JobSpec spec;
  spec.set_name("fuzz");
  spec.set_task_count(tasks);
  spec.set_work_units_per_task(1);
  spec.set_output_size_bytes(64);
  spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
  spec.mutable_executor()->mutable_simulated()->set_seed(1);
  return spec;
}

}  // namespace

void FuzzBrain::SetUpCar() {
  v1::EnrollRequest req;
  req.set_owner("fuzz");
  req.set_join_token(options_.join_token);
  auto enrolled = Call<v1::EnrollResponse>(
      [&](service::Brain::Reply<v1::EnrollResponse> r) { brain_->Enroll(req, std::move(r)); });
  FG_FUZZ_CHECK(enrolled.ok() && enrolled->credential().node_id() == car());
  car_outbox_ = std::make_shared<CaptureOutbox>();
  car_credential_ = enrolled->credential().credential_id();
  service::ConnectSession session(brain_.get(), car(), car_credential_, car_outbox_);
  v1::NodeMessage hello;
  hello.mutable_hello()->set_node_id(car());
  FG_FUZZ_CHECK(session.OnMessage(hello).ok());
  auto job = Call<v1::SubmitJobResponse>([&](service::Brain::Reply<v1::SubmitJobResponse> r) {
    brain_->SubmitJob(SmallJob(16), std::move(r));
  });
  FG_FUZZ_CHECK(job.ok() && job->job_id() == 1);
  v1::NodeMessage work;
  work.mutable_work_request()->set_slots(8);
  FG_FUZZ_CHECK(session.OnMessage(work).ok());
  FG_FUZZ_CHECK(car_outbox_->WaitForAssignments(8));
}

void FuzzBrain::SetUpListings() {
  for (const char* owner : {"alice", "bob"}) {
    v1::EnrollRequest req;
    req.set_owner(owner);
    req.set_join_token(options_.join_token);
    FG_FUZZ_CHECK(Call<v1::EnrollResponse>([&](service::Brain::Reply<v1::EnrollResponse> r) {
                    brain_->Enroll(req, std::move(r));
                  }).ok());
  }
  for (uint32_t tasks : {3u, 2000u}) {
    FG_FUZZ_CHECK(Call<v1::SubmitJobResponse>([&](service::Brain::Reply<v1::SubmitJobResponse> r) {
                    brain_->SubmitJob(SmallJob(tasks), std::move(r));
                  }).ok());
  }
}

}  // namespace fleetgrid::fuzz
