// The last progress snapshot of a job, watched (WatchJob) until the job ends: for tests that
// run a job on a live fleet and then check how it ended.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>

#include "common/time.h"
#include "fleetgrid/v1/job.grpc.pb.h"

namespace fleetgrid::testing {

// `min_interval` between snapshots (0: the coordinator's); gives up after `timeout`.
// `status`: how the watch stream ended (OK once the job ended).
inline v1::JobProgress WatchToTheEnd(v1::JobService::Stub& jobs, uint64_t job, Duration timeout,
                                     grpc::Status* status,
                                     Duration min_interval = Duration::Millis(200)) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::nanoseconds(timeout.nanos()));
  v1::WatchJobRequest req;
  req.set_job_id(job);
  if (min_interval > Duration::Zero()) {
    req.mutable_min_interval()->set_seconds(min_interval.nanos() / 1'000'000'000);
    req.mutable_min_interval()->set_nanos(
        static_cast<int32_t>(min_interval.nanos() % 1'000'000'000));
  }
  auto watch = jobs.WatchJob(&ctx, req);
  v1::JobProgress p, last;
  while (watch->Read(&p)) last = p;
  *status = watch->Finish();
  return last;
}

}  // namespace fleetgrid::testing
