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

// fuzz_job_yaml: bytes that are not UTF-8 went into protobuf string fields, which the
// coordinator then could not parse.
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

}  // namespace
}  // namespace fleetgrid::cli
