// NodeService.Enroll: the input is a serialized EnrollRequest handed to a real Brain as
// NodeServiceImpl::Enroll does (join token "join-fuzz", open mode). Checks: an accepted
// enrollment's credential authenticates, and a repeated idempotency key returns the same node.
#include "tests/fuzz/brain_harness.h"

using namespace fleetgrid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::FuzzBrain h({.recycle_every = 2000, .join_token = "join-fuzz"});
  v1::EnrollRequest req;
  if (!req.ParseFromArray(data, static_cast<int>(size))) return 0;
  service::Brain& brain = h.brain();
  auto enroll = [&] {
    return h.Call<v1::EnrollResponse>([&](service::Brain::Reply<v1::EnrollResponse> reply) {
      brain.Enroll(req, std::move(reply));
    });
  };
  const auto r = enroll();
  if (!r.ok()) return 0;
  const v1::NodeCredential& c = r->credential();
  FG_FUZZ_CHECK(c.node_id() != 0);
  FG_FUZZ_CHECK(brain.Authenticate(c.node_id(), c.secret()).ok());
  if (!req.idempotency_key().empty()) {
    const auto again = enroll();
    FG_FUZZ_CHECK(again.ok() && again->duplicate() && again->credential().node_id() == c.node_id());
  }
  return 0;
}
