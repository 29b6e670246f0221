// The real `fleetgrid coordinator` killed with SIGKILL at 20 random moments while a client
// submits jobs and four cars compute and report results without pause. After every restart:
// every acknowledged job and result is there (results with the same digest), no task was
// accepted twice, and the service answers within 5 s. Every fifth round the load is paused
// first, and the whole queue (jobs, tasks, attempts) read before the kill must be exactly
// the queue served after the restart.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "fleetgrid/v1/job.grpc.pb.h"
#include "tests/integration/process.h"
#include "tests/service/test_car.h"

namespace fleetgrid::testing {
namespace {

constexpr int kKills = 20;
constexpr int kWorkers = 4;
constexpr uint32_t kTasksPerJob = 6;
constexpr uint32_t kRounds = 300;

v1::JobSpec Job(int i) {
  v1::JobSpec spec;
  spec.set_name("storm-" + std::to_string(i));
  spec.set_task_count(kTasksPerJob);
  spec.set_work_units_per_task(1);
  spec.set_output_size_bytes(32);
  spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_HASH);
  spec.mutable_executor()->mutable_hash()->set_rounds(kRounds);
  spec.mutable_executor()->mutable_hash()->set_seed(77);
  spec.set_idempotency_key("storm-" + std::to_string(i));
  return spec;
}

void Deadline(grpc::ClientContext& ctx, int ms) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
}

// What the clients were told, shared by the load threads.
struct Acked {
  std::mutex mu;
  std::map<std::string, uint64_t> jobs;     // idempotency key -> job id
  std::map<uint64_t, std::string> results;  // task id -> digest of the accepted output
  std::map<uint64_t, uint64_t> task_job;    // task id -> job id
  uint64_t accepted_twice = 0;
  uint64_t key_changed_id = 0;
};

class Load {
 public:
  Load(std::string address, Acked* acked) : address_(std::move(address)), acked_(acked) {}
  ~Load() { Stop(); }

  void Start() {
    threads_.emplace_back([this] { Submitter(); });
    for (int i = 0; i < kWorkers; ++i) threads_.emplace_back([this, i] { Worker(i); });
  }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  // Pause: every thread finishes what it is doing, withdraws its work request and waits.
  void Pause() {
    paused_ = true;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (idle_ < kWorkers + 1 && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  void Resume() { paused_ = false; }
  int idle() const { return idle_; }

 private:
  std::shared_ptr<grpc::Channel> Channel() {
    return grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  }
  void WaitWhilePaused(const std::function<void()>& on_pause = {}) {
    if (!paused_) return;
    if (on_pause) on_pause();
    ++idle_;
    while (paused_ && !stop_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    --idle_;
  }

  void Submitter() {
    auto jobs = v1::JobService::NewStub(Channel());
    for (int i = 0; !stop_;) {
      WaitWhilePaused();
      if (stop_) break;
      grpc::ClientContext ctx;
      Deadline(ctx, 2000);
      v1::SubmitJobRequest req;
      *req.mutable_spec() = Job(i);
      v1::SubmitJobResponse resp;
      if (!jobs->SubmitJob(&ctx, req, &resp).ok()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;  // the same key again: the job is created once
      }
      {
        std::lock_guard lock(acked_->mu);
        auto [it, fresh] = acked_->jobs.emplace(req.spec().idempotency_key(), resp.job_id());
        if (!fresh && it->second != resp.job_id()) ++acked_->key_changed_id;
      }
      ++i;
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
    }
  }

  void Worker(int index) {
    auto channel = Channel();
    TestCar car(channel, "owner-" + std::to_string(index));
    while (!stop_ && !car.Enroll().ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    bool connected = false;
    while (!stop_) {
      WaitWhilePaused([&] {
        if (connected) car.RequestWork(0);
      });
      if (stop_) break;
      if (!connected) {
        car.Drop();
        if (!car.Connect({}, Duration::Seconds(2)).ok()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(30));
          continue;
        }
        connected = true;
      }
      car.Heartbeat();
      car.RequestWork(1);
      auto a = car.NextAssignment(Duration::Millis(500));
      if (!a) {
        if (car.WaitClosed(Duration::Zero())) connected = false;
        continue;
      }
      const std::string output = TestCar::Compute(*a);
      car.SendResult(*a, output);
      auto ack = car.NextAck(Duration::Seconds(3));
      if (!ack) {  // crashed meanwhile: stored or not, the result is not ours to count
        connected = false;
        continue;
      }
      if (ack->outcome() == v1::RESULT_OUTCOME_ACCEPTED) {
        std::lock_guard lock(acked_->mu);
        auto [it, fresh] = acked_->results.emplace(a->task_id(), Sha256Bytes(output));
        if (!fresh) ++acked_->accepted_twice;
        acked_->task_job[a->task_id()] = a->job_id();
      }
    }
    car.Drop();
  }

  std::string address_;
  Acked* acked_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false}, paused_{false};
  std::atomic<int> idle_{0};
};

// Every job, task and attempt the coordinator serves, without wall-clock times (those are
// re-derived from the monotonic clock at each start).
std::string QueueSnapshot(v1::JobService::Stub& jobs, grpc::Status* status) {
  std::string out;
  std::string page;
  std::vector<uint64_t> ids;
  do {
    grpc::ClientContext ctx;
    Deadline(ctx, 10000);
    v1::ListJobsRequest req;
    req.set_page_size(1000);
    req.set_page_token(page);
    v1::ListJobsResponse resp;
    *status = jobs.ListJobs(&ctx, req, &resp);
    if (!status->ok()) return out;
    for (const auto& j : resp.jobs()) {
      ids.push_back(j.job_id());
      out += std::to_string(j.job_id()) + " " + v1::JobState_Name(j.state()) + "\n";
    }
    page = resp.next_page_token();
  } while (!page.empty());
  for (uint64_t id : ids) {
    std::string tpage;
    do {
      grpc::ClientContext ctx;
      Deadline(ctx, 10000);
      v1::ListTasksRequest req;
      req.set_job_id(id);
      req.set_page_size(1000);
      req.set_page_token(tpage);
      req.set_include_attempts(true);
      v1::ListTasksResponse resp;
      *status = jobs.ListTasks(&ctx, req, &resp);
      if (!status->ok()) return out;
      for (v1::Task t : resp.tasks()) {
        for (auto& a : *t.mutable_attempts()) {
          a.clear_started_at();
          a.clear_ended_at();
          a.clear_work_done_units();
        }
        out += t.ShortDebugString() + "\n";
      }
      tpage = resp.next_page_token();
    } while (!tpage.empty());
  }
  return out;
}

// Waits until the restarted coordinator answers; the time it took.
std::chrono::milliseconds TimeToServe(v1::JobService::Stub& jobs) {
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    grpc::ClientContext ctx;
    Deadline(ctx, 500);
    ctx.set_wait_for_ready(true);
    v1::ListJobsRequest req;
    req.set_page_size(1);
    v1::ListJobsResponse resp;
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    if (jobs.ListJobs(&ctx, req, &resp).ok() || took > std::chrono::seconds(30)) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - t0);
    }
  }
}

// Every acknowledged job exists, every acknowledged result is stored with its digest, and
// no task has two results.
void ExpectNothingAcknowledgedLost(v1::JobService::Stub& jobs, Acked& acked, int round) {
  std::map<std::string, uint64_t> job_ids;
  std::map<uint64_t, std::string> results;
  std::map<uint64_t, uint64_t> task_job;
  {
    std::lock_guard lock(acked.mu);
    job_ids = acked.jobs;
    results = acked.results;
    task_job = acked.task_job;
  }
  for (const auto& [key, id] : job_ids) {
    grpc::ClientContext ctx;
    Deadline(ctx, 10000);
    v1::GetJobRequest req;
    req.set_job_id(id);
    v1::GetJobResponse resp;
    const grpc::Status s = jobs.GetJob(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << "round " << round << ": acknowledged job " << key << " (" << id
                        << ") lost: " << s.error_message();
  }
  std::map<uint64_t, std::vector<uint64_t>> by_job;
  for (const auto& [task, job] : task_job) by_job[job].push_back(task);
  for (const auto& [job, tasks] : by_job) {
    grpc::ClientContext ctx;
    Deadline(ctx, 10000);
    v1::FetchResultsRequest req;
    req.set_job_id(job);
    req.set_metadata_only(true);
    auto reader = jobs.FetchResults(&ctx, req);
    std::map<uint64_t, std::string> stored;
    v1::TaskResult r;
    while (reader->Read(&r)) {
      if (!stored.emplace(r.task_id(), r.digest().sha256()).second) {
        ADD_FAILURE() << "task " << r.task_id() << " has two results";
      }
    }
    EXPECT_TRUE(reader->Finish().ok());
    for (uint64_t t : tasks) {
      auto it = stored.find(t);
      if (it == stored.end()) {
        ADD_FAILURE() << "round " << round << ": acknowledged result of task " << t << " lost";
      } else {
        EXPECT_EQ(it->second, results[t]) << "result of task " << t << " changed";
      }
    }
  }
}

TEST(Kill9Storm, TwentyKillsUnderLoadLoseNothingAcknowledgedAndKeepTheQueue) {
  const std::string dir = TempDir("kill9-storm");
  CoordinatorProcess coord(dir, dir + "/fleetgrid.db");
  coord.set_liveness("3s", "500ms");
  ASSERT_TRUE(coord.Start()) << coord.stderr_text();
  coord.set_listen(coord.address());  // restarts come back on the same address
  auto jobs = v1::JobService::NewStub(
      grpc::CreateChannel(coord.address(), grpc::InsecureChannelCredentials()));

  Acked acked;
  Load load(coord.address(), &acked);
  load.Start();
  std::mt19937_64 rng(20261202);
  std::chrono::milliseconds worst{0};
  int queue_checks = 0;
  for (int round = 0; round < kKills; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 1000));
    const bool check_queue = round % 5 == 4;
    std::string before;
    if (check_queue) {
      load.Pause();
      ASSERT_EQ(load.idle(), kWorkers + 1) << "load did not pause";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // in-flight replies land
      grpc::Status s;
      before = QueueSnapshot(*jobs, &s);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
    coord.Kill();
    ASSERT_TRUE(coord.Start()) << "round " << round << ": " << coord.stderr_text();
    const auto took = TimeToServe(*jobs);
    worst = std::max(worst, took);
    EXPECT_LT(took, std::chrono::seconds(5)) << "round " << round;
    if (check_queue) {
      grpc::Status s;
      const std::string after = QueueSnapshot(*jobs, &s);
      ASSERT_TRUE(s.ok()) << s.error_message();
      EXPECT_EQ(before, after) << "round " << round << ": the queue changed across the restart";
      ++queue_checks;
      load.Resume();
    }
    ExpectNothingAcknowledgedLost(*jobs, acked, round);
    if (HasFailure()) break;
  }
  load.Stop();
  ExpectNothingAcknowledgedLost(*jobs, acked, kKills);
  std::lock_guard lock(acked.mu);
  EXPECT_EQ(acked.accepted_twice, 0u);
  EXPECT_EQ(acked.key_changed_id, 0u);
  EXPECT_GT(acked.jobs.size(), 20u) << "too little load to mean anything";
  EXPECT_GT(acked.results.size(), 40u) << "too little load to mean anything";
  EXPECT_EQ(queue_checks, kKills / 5);
  std::cout << "kill9 storm: " << kKills << " kills, " << acked.jobs.size() << " jobs and "
            << acked.results.size() << " results acknowledged, worst time to "
            << "serve " << worst.count() << " ms\n";
  EXPECT_EQ(coord.Terminate(), 0);
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fleetgrid::testing
