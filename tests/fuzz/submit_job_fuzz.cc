// JobService.SubmitJob: the input is a serialized SubmitJobRequest (what gRPC would hand
// JobServiceImpl::SubmitJob), passed to a real Brain the way the handler does: the spec is
// validated (ToCoreJobSpec), submitted to the core, made durable and answered. Checks: the
// brain accepts exactly the specs the validation accepts (the limits are the harness's), and
// an accepted job can be read back with GetJob.
#include "coordinator/service/convert.h"
#include "tests/fuzz/brain_harness.h"

using namespace fleetgrid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::FuzzBrain h({.recycle_every = 1000});
  v1::SubmitJobRequest req;
  if (!req.ParseFromArray(data, static_cast<int>(size))) return 0;  // gRPC refuses it
  service::Brain& brain = h.brain();
  const auto valid = service::ToCoreJobSpec(req.spec(), fuzz::FuzzBrain::Options().limits);
  const auto r =
      h.Call<v1::SubmitJobResponse>([&](service::Brain::Reply<v1::SubmitJobResponse> reply) {
        brain.SubmitJob(req.spec(), std::move(reply));
      });
  if (!valid.ok()) {
    FG_FUZZ_CHECK(!r.ok() && r.status() == valid.status());
    return 0;
  }
  if (!r.ok()) return 0;  // the core may refuse what the spec check let through
  FG_FUZZ_CHECK(r->job_id() != 0 && r->job().job_id() == r->job_id());
  const auto job = h.Call<v1::Job>(
      [&](service::Brain::Reply<v1::Job> reply) { brain.GetJob(r->job_id(), std::move(reply)); });
  FG_FUZZ_CHECK(job.ok());
  return 0;
}
