// Job files (cli/job_file.h) and the coordinator's check of what they produce. The bugs
// named here were found by the fuzz targets (docs/fuzzing.md).
#include "cli/job_file.h"

#include <gtest/gtest.h>

#include <string>

#include "coordinator/service/convert.h"

namespace fleetgrid::cli {
namespace {

TEST(JobFileTest, ReadsAFullFile) {
  const auto spec = ParseJobYaml(
      "name: hashes\ntasks: 20\nwork_units: 3\nexecutor: {kind: hash, rounds: 5, seed: 7}\n"
      "replication: 3\nquorum: 2\ndeadline: 2h\npriority: -1\nidempotency_key: k\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->task_count(), 20u);
  EXPECT_EQ(spec->executor().hash().rounds(), 5u);
  EXPECT_EQ(spec->replication().copies(), 3u);
  EXPECT_EQ(spec->deadline().seconds(), 7200);
  EXPECT_TRUE(service::ToCoreJobSpec(*spec, service::JobLimits{}).ok());
}

TEST(JobFileTest, AllowMetered) {
  auto spec = ParseJobYaml("tasks: 2\nwork_units: 10\nallow_metered: true\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_TRUE(spec->allow_metered());
  auto core = service::ToCoreJobSpec(*spec, service::JobLimits{});
  ASSERT_TRUE(core.ok());
  EXPECT_TRUE(core->allow_metered);
  // Left out, the wire's default: cars on metered links are not used.
  spec = ParseJobYaml("tasks: 2\nwork_units: 10\n");
  ASSERT_TRUE(spec.ok());
  EXPECT_FALSE(service::ToCoreJobSpec(*spec, service::JobLimits{})->allow_metered);
  const auto bad = ParseJobYaml("tasks: 2\nwork_units: 10\nallow_metered: maybe\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "allow_metered: expected true or false");
}

TEST(JobFileTest, CheckpointKeys) {
  auto spec =
      ParseJobYaml("tasks: 2\nwork_units: 10\ncheckpoint_size: 200MB\ncheckpoint_interval: 30m\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->checkpoint_size_bytes(), 200'000'000u);
  EXPECT_EQ(spec->checkpoint_interval().seconds(), 1800);
  EXPECT_TRUE(service::ToCoreJobSpec(*spec, service::JobLimits{}).ok());
  const auto bad = ParseJobYaml("tasks: 2\nwork_units: 10\ncheckpoint_interval: never\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().substr(0, 21), "checkpoint_interval: ") << bad.status();
  // The coordinator's check: an interval needs a size.
  spec = ParseJobYaml("tasks: 2\nwork_units: 10\ncheckpoint_interval: 30m\n");
  ASSERT_TRUE(spec.ok());
  EXPECT_FALSE(service::ToCoreJobSpec(*spec, service::JobLimits{}).ok());
}

// fuzz_job_yaml: bytes that are not UTF-8 went into protobuf string fields, which the
// coordinator then could not parse.
TEST(JobFileTest, MemoryTakesSizes) {
  auto spec = ParseJobYaml("tasks: 2\nwork_units: 10\nmemory: 64GiB\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->memory_bytes_per_task(), uint64_t{64} << 30);
  spec = ParseJobYaml("tasks: 2\nwork_units: 10\nmemory: 1000\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->memory_bytes_per_task(), 1000u);
  const auto bad = ParseJobYaml("tasks: 2\nwork_units: 10\nmemory: 64 gigs\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().substr(0, 26), "memory: unknown size unit ");
  EXPECT_FALSE(ParseJobYaml("tasks: 2\nwork_units: 10\nmemory: [1]\n").ok());
}

TEST(JobFileTest, NonUtf8TextIsRefused) {
  const auto bad_key = ParseJobYaml("tasks: 1\nwork_units: 1\nidempotency_key: a\xe2\x32\x32\n");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_key.status().message().find("idempotency_key"), std::string::npos);
  EXPECT_FALSE(ParseJobYaml("name: \xed\xa0\x80\ntasks: 1\nwork_units: 1\n").ok());  // surrogate
  EXPECT_FALSE(ParseJobYaml("name: \xc0\xaf\ntasks: 1\nwork_units: 1\n").ok());      // overlong
  EXPECT_TRUE(
      ParseJobYaml("name: \xc3\xa9t\xc3\xa9 \xf0\x9f\x9a\x97\ntasks: 1\nwork_units: 1\n").ok());
}

// A deadline past the int64 range of seconds was undefined behaviour in the conversion.
TEST(JobFileTest, HugeDeadlineIsRefused) {
  const auto spec = ParseJobYaml("tasks: 1\nwork_units: 1\ndeadline: 1e300\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("deadline"), std::string::npos);
  EXPECT_FALSE(ParseJobYaml("tasks: 1\nwork_units: 1\ndeadline: inf\n").ok());
  EXPECT_TRUE(ParseJobYaml("tasks: 1\nwork_units: 1\ndeadline: 36500d\n").ok());
}

// Deadlines use the shared duration syntax (common/duration_text.h); fractions of a second
// reach the wire exactly (0.3s was 0 s + 299999999 ns when the seconds went through a double).
TEST(JobFileTest, DeadlinesInTheSharedDurationSyntax) {
  const auto deadline = [](const std::string& text) {
    const auto spec = ParseJobYaml("tasks: 1\nwork_units: 1\ndeadline: " + text + "\n");
    EXPECT_TRUE(spec.ok()) << text << ": " << spec.status();
    return spec.ok() ? spec->deadline() : google::protobuf::Duration();
  };
  EXPECT_EQ(deadline("90").seconds(), 90);
  EXPECT_EQ(deadline("2min").seconds(), 120);
  EXPECT_EQ(deadline("1d").seconds(), 86400);
  EXPECT_EQ(deadline("0.3s").seconds(), 0);
  EXPECT_EQ(deadline("0.3s").nanos(), 300'000'000);
  EXPECT_EQ(deadline("1500ms").seconds(), 1);
  EXPECT_EQ(deadline("1500ms").nanos(), 500'000'000);
  for (const char* bad : {"0", "0s", "-5m", "5x", "soon", "36526d"}) {
    const auto spec = ParseJobYaml(std::string("tasks: 1\nwork_units: 1\ndeadline: ") + bad + "\n");
    ASSERT_FALSE(spec.ok()) << bad;
    EXPECT_EQ(spec.status().message().substr(0, 10), "deadline: ") << bad;
  }
}

// A count past uint32 was silently cut to its low 32 bits (4294967297 copies became 1).
TEST(JobFileTest, CountsPastUint32AreRefused) {
  EXPECT_FALSE(ParseJobYaml("tasks: 1\nwork_units: 1\nreplication: 4294967297\n").ok());
  EXPECT_FALSE(ParseJobYaml("tasks: 1\nwork_units: 1\nmax_attempts: 4294967296\n").ok());
}

// fuzz_submit_job: deadline.seconds near the int64 limit overflowed Duration::Seconds.
TEST(JobSpecCheckTest, DeadlinePastTheLimitIsInvalidArgument) {
  v1::JobSpec spec;
  spec.set_task_count(1);
  spec.set_work_units_per_task(1);
  spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
  spec.mutable_deadline()->set_seconds(9223372036854775);
  const auto r = service::ToCoreJobSpec(spec, service::JobLimits{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("deadline"), std::string::npos);
  spec.mutable_deadline()->set_seconds(service::JobLimits{}.max_deadline_seconds);
  EXPECT_TRUE(service::ToCoreJobSpec(spec, service::JobLimits{}).ok());
}

// The untrusted-results keys reach the wire spec and the core spec: a parser or conversion
// that dropped one would run the job unvalidated (or without its spot-checks).
TEST(JobFileTest, ReadsAdaptiveReplicationAndKnownAnswers) {
  const std::string digest(64, 'a');
  const auto spec = ParseJobYaml(
      "tasks: 10\nwork_units: 1\nreplication: 3\nquorum: 2\n"
      "adaptive: {trust_threshold: 10, skip_probability: 0.5, untrusted_quorum: 3}\n"
      "known_answers:\n  - {task: 4, digest: " +
      digest + "}\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->replication().adaptive().trust_threshold(), 10u);
  ASSERT_EQ(spec->known_answers_size(), 1);
  EXPECT_EQ(spec->known_answers(0).expected_digest().sha256(), std::string(32, '\xaa'));
  const auto core = service::ToCoreJobSpec(*spec, service::JobLimits{});
  ASSERT_TRUE(core.ok()) << core.status();
  EXPECT_EQ(core->adaptive.trust_threshold, 10);
  EXPECT_EQ(core->adaptive.skip_probability, 0.5);
  EXPECT_EQ(core->adaptive.untrusted_quorum, 3);
  ASSERT_EQ(core->known_answers.size(), 1u);
  EXPECT_EQ(core->known_answers[0].task_index, 4u);
  EXPECT_EQ(core->known_answers[0].digest[31], 0xaa);
}

TEST(JobFileTest, BadValidationKeysNameTheKey) {
  const std::string base = "tasks: 10\nwork_units: 1\nreplication: 3\nquorum: 2\n";
  const std::pair<std::string, std::string> cases[] = {
      {"adaptive: {skip_probability: 2, trust_threshold: 1}\n", "adaptive.skip_probability"},
      {"adaptive: {trust: 1}\n", "adaptive.trust"},
      {"adaptive: {skip_probability: 0.5}\n", "adaptive.trust_threshold"},
      {"known_answers: [{task: 1, digest: abc}]\n", "known_answers[0].digest"},
      {"known_answers: [{task: -1, digest: " + std::string(64, '0') + "}]\n",
       "known_answers[0].task"},
      {"known_answers: 3\n", "known_answers"},
  };
  for (const auto& [text, key] : cases) {
    const auto spec = ParseJobYaml(base + text);
    ASSERT_FALSE(spec.ok()) << text;
    EXPECT_NE(spec.status().message().find(key), std::string::npos) << spec.status();
  }
}

// The coordinator's own check of the wire fields (a client need not use job files):
// INVALID_ARGUMENT naming the field, for each way the fields can be out of range.
TEST(JobSpecCheckTest, BadValidationFieldsAreInvalidArgumentNamingTheField) {
  auto base = [] {
    v1::JobSpec spec;
    spec.set_task_count(4);
    spec.set_work_units_per_task(1);
    spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
    spec.mutable_replication()->set_copies(3);
    spec.mutable_replication()->set_quorum(2);
    return spec;
  };
  auto expect_bad = [](const v1::JobSpec& spec, const std::string& field) {
    const auto r = service::ToCoreJobSpec(spec, service::JobLimits{});
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(field), std::string::npos) << r.status();
  };
  v1::JobSpec s = base();
  s.mutable_replication()->mutable_adaptive()->set_trust_threshold(5);
  s.mutable_replication()->mutable_adaptive()->set_skip_probability(1.5);
  expect_bad(s, "replication.adaptive.skip_probability");
  s = base();
  s.mutable_replication()->mutable_adaptive()->set_trust_threshold(5);
  s.mutable_replication()->mutable_adaptive()->set_untrusted_quorum(1);
  expect_bad(s, "replication.adaptive.untrusted_quorum");
  s = base();
  s.mutable_replication()->mutable_adaptive()->set_skip_probability(0.5);
  expect_bad(s, "replication.adaptive.trust_threshold");
  s = base();
  s.mutable_replication()->set_quorum(1);
  s.mutable_replication()->mutable_adaptive()->set_trust_threshold(5);
  expect_bad(s, "replication.adaptive.trust_threshold");
  s = base();
  s.add_known_answers()->set_task_index(4);
  expect_bad(s, "known_answers[0].task_index");
  s = base();
  s.add_known_answers()->set_task_index(1);
  expect_bad(s, "known_answers[0].expected_digest");
  s = base();
  for (int i = 0; i < 2; ++i) {
    v1::KnownAnswer* k = s.add_known_answers();
    k->set_task_index(2);
    k->mutable_expected_digest()->set_sha256(std::string(32, 'x'));
  }
  expect_bad(s, "known_answers[1].task_index");
}

}  // namespace
}  // namespace fleetgrid::cli
