// Collusion, live (issue 6): 1,000 emulated cars (node::Fleet, real gRPC on loopback) across
// 300 owners, 30% of the owners colluding on the same wrong answer for every task, against
// an in-process coordinator with a daily quota that starts new cars at 1. One hash job,
// 2-of-3 over distinct owners plus reputation (adaptive replication; a group without a
// trusted car needs 4 agreeing votes) and 5% spot-checks, the settings of
// scenarios/cheaters.yaml. Every stored result is
// recomputed here. Prints the share of wrong results accepted, attempts per accepted result
// and the cheating owners' accepted results; docs/security.md has the figures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>

#include "models/cheaters.h"
#include "node/fleet.h"
#include "tests/service/harness.h"

namespace fleetgrid::testing {
namespace {

constexpr uint32_t kCars = 1000;
constexpr uint32_t kOwners = 300;
constexpr double kCheatingShare = 0.3;
constexpr uint64_t kFleetSeed = 1;
constexpr uint64_t kJobSeed = 7;
constexpr uint32_t kRounds = 10;

// Settings bench/collusion.sh varies for its figures, from the environment: tasks per car
// (FLEETGRID_COLLUSION_TASKS_PER_CAR, 30 as in the simulated scenario) and the quorum of a
// group without a trusted car (FLEETGRID_COLLUSION_UNTRUSTED_QUORUM, 4 as in the scenario).
uint32_t FromEnv(const char* name, uint32_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? static_cast<uint32_t>(std::max(1, std::atoi(v))) : fallback;
}
uint32_t TasksPerCar() { return FromEnv("FLEETGRID_COLLUSION_TASKS_PER_CAR", 30); }
uint32_t UntrustedQuorum() { return FromEnv("FLEETGRID_COLLUSION_UNTRUSTED_QUORUM", 4); }

std::string Digest(uint32_t task) { return Sha256Bytes(HashOutput(kJobSeed, task, "", kRounds)); }

v1::JobSpec ValidatedJob(uint32_t tasks) {
  v1::JobSpec spec;
  spec.set_name("collusion");
  spec.set_task_count(tasks);
  spec.set_work_units_per_task(1);
  spec.set_output_size_bytes(32);
  spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_HASH);
  spec.mutable_executor()->mutable_hash()->set_rounds(kRounds);
  spec.mutable_executor()->mutable_hash()->set_seed(kJobSeed);
  v1::ReplicationSpec* r = spec.mutable_replication();
  r->set_copies(3);
  r->set_quorum(2);
  r->set_distinct_owners(true);
  r->mutable_adaptive()->set_trust_threshold(10);
  r->mutable_adaptive()->set_skip_probability(0.5);
  r->mutable_adaptive()->set_untrusted_quorum(UntrustedQuorum());
  // Spot-checks: every 20th task (5%), its answer computed here as a submitter would.
  for (uint32_t t = 7; t < tasks; t += 20) {
    v1::KnownAnswer* k = spec.add_known_answers();
    k->set_task_index(t);
    k->mutable_expected_digest()->set_sha256(Digest(t));
  }
  return spec;
}

std::vector<v1::NodeInfo> AllNodes(Harness& h) {
  std::vector<v1::NodeInfo> out;
  v1::ListNodesRequest req;
  req.set_page_size(1000);
  do {
    grpc::ClientContext ctx;
    Harness::Deadline(ctx);
    v1::ListNodesResponse resp;
    const grpc::Status s = h.admin->ListNodes(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) break;
    out.insert(out.end(), resp.nodes().begin(), resp.nodes().end());
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty());
  return out;
}

// Would catch: a quorum that counts two cars of one owner, a vote that ignores trust (plain
// 2-of-3 accepts about 16% wrong here), reputation that survives a lost vote, spot-checks a
// colluder can tell apart, or a quota that stalls honest cars (the job would not finish).
TEST(Collusion, ThousandCarsThreeHundredOwnersThirtyPercentColluding) {
  const uint32_t tasks = kCars * TasksPerCar();
  Harness h;
  h.options.service.heartbeat_interval = Duration::Seconds(2);
  h.options.service.heartbeat_grace = Duration::Seconds(20);
  h.options.service.quota = {.daily = 200, .initial = 1};
  h.Start();

  v1::SubmitJobResponse sub;
  ASSERT_TRUE(h.Submit(ValidatedJob(tasks), &sub).ok());

  node::FleetOptions o;
  o.coordinator = h.coordinator->address();
  o.cars = kCars;
  o.seed = kFleetSeed;
  o.owners = kOwners;
  o.malicious_owner_share = kCheatingShare;
  o.colluding = true;
  o.availability.model.kind = models::AvailabilityKind::kNeverLeaves;
  o.executors = {node::ExecutorChoice::kHash};
  o.speed_classes = {{1.0, 1.0}};
  o.stop_timeout = Duration::Seconds(5);
  node::Fleet fleet(o);
  ASSERT_TRUE(fleet.Start().ok());

  // Until the job ends, failing as soon as it makes no progress for 20 s (a quota that holds
  // honest cars back for the day stalls it for good).
  const auto started = std::chrono::steady_clock::now();
  auto progressed = started;
  v1::Job job;
  for (uint64_t done = 0;;) {
    job = h.GetJob(sub.job_id());
    if (job.state() == v1::JOB_STATE_DONE || job.state() == v1::JOB_STATE_FAILED) break;
    const auto now = std::chrono::steady_clock::now();
    if (job.task_counts().done() != done) {
      done = job.task_counts().done();
      progressed = now;
    }
    ASSERT_LT(now - progressed, std::chrono::seconds(20))
        << "stalled at " << done << " of " << tasks << " tasks done";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(job.state(), v1::JOB_STATE_DONE);
  EXPECT_EQ(fleet.stats().attempts_rejected, 0u);

  // Every stored result recomputed.
  grpc::Status status;
  std::vector<v1::TaskResult> results;
  ASSERT_TRUE(Eventually([&] {
    results = h.Results(sub.job_id(), &status);
    return status.ok() && results.size() == tasks;
  })) << results.size()
      << " results, " << status.error_message();
  uint32_t wrong = 0;
  for (const v1::TaskResult& r : results) wrong += r.digest().sha256() != Digest(r.task_index());

  // The cheating owners' cars: results accepted (all of them wrong) and whether caught.
  const std::vector<uint32_t> cheater =
      models::DrawCheatingOwners(kFleetSeed, kOwners, kCheatingShare);
  std::map<uint32_t, std::pair<uint64_t, bool>> by_owner;  // cheater index -> accepted, caught
  for (const v1::NodeInfo& n : AllNodes(h)) {
    const uint32_t owner = static_cast<uint32_t>(std::stoul(n.owner().substr(6)));  // "owner-N"
    if (cheater[owner] == models::kHonestOwner) continue;
    auto& [accepted, caught] = by_owner[cheater[owner]];
    accepted += n.attempts_succeeded();
    caught |= n.results_invalid() > 0;
  }
  uint64_t cheater_accepted = 0, most = 0, never_caught = 0;
  for (const auto& [who, v] : by_owner) {
    cheater_accepted += v.first;
    most = std::max(most, v.first);
    never_caught += !v.second;
  }
  const double wrong_share = static_cast<double>(wrong) / tasks;
  const double attempts_per_result = static_cast<double>(job.attempts_started()) / tasks;
  std::printf(
      "collusion: %u cars, %u owners (%zu cheating, colluding), untrusted quorum %u, %u tasks "
      "in %.1f s: %u wrong accepted (%.3f%%), %.3f attempts per accepted result, %llu invalid "
      "results, %llu "
      "failed spot-checks; cheating owners' results accepted: %.2f per owner (most %llu), "
      "%llu owners never caught\n",
      kCars, kOwners, by_owner.size(), UntrustedQuorum(), tasks, wall_s, wrong, 100 * wrong_share,
      attempts_per_result, static_cast<unsigned long long>(job.results_invalid()),
      static_cast<unsigned long long>(job.spot_checks_failed()),
      static_cast<double>(cheater_accepted) / static_cast<double>(by_owner.size()),
      static_cast<unsigned long long>(most), static_cast<unsigned long long>(never_caught));
  EXPECT_EQ(by_owner.size(), 90u);
  EXPECT_LE(wrong_share, 0.001);  // the target
  // Only cheating cars return a wrong result, so each wrong result accepted is at least one
  // of their accepted results (one: a trusted cheater's unreplicated copy).
  EXPECT_GE(cheater_accepted, uint64_t{wrong});
  EXPECT_EQ(never_caught, 0u);          // every cheating owner loses a vote or a spot-check
  EXPECT_LT(attempts_per_result, 3.0);  // reputation saves copies against plain 2-of-3
  EXPECT_GT(job.results_invalid(), 0u);
  fleet.Stop();
}

}  // namespace
}  // namespace fleetgrid::testing
