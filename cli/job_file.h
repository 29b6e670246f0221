// Job files: the YAML a user hands to `fleetgrid submit` (docs/live.md), read into the wire
// JobSpec the coordinator validates again (service::ToCoreJobSpec).
//
// Keys: name, tasks, work_units, input_bytes, output_bytes, executor {kind, rounds, seed,
// failure_probability}, replication, quorum, max_attempts, deadline ("90s", "30m", "2h",
// "1d" or seconds: common/duration_text.h), priority, idempotency_key, memory (bytes each task
// needs: "64GiB", "512MB" or a number, common/size_text.h). Unknown keys are errors.
// Thread safety: pure function.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "fleetgrid/v1/job.pb.h"

namespace fleetgrid::cli {

// INVALID_ARGUMENT naming the bad key (the CLI exits 2 with the message) for a file that is
// not valid YAML, not a mapping, has unknown keys or out-of-range values.
absl::StatusOr<v1::JobSpec> ParseJobYaml(const std::string& text);

}  // namespace fleetgrid::cli
