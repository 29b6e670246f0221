// NodeService.UploadResult: the input is a serialized NodeBatch whose messages' result_chunk
// are the chunks of one upload stream of the harness's car, in order. They go through
// UploadSession, the code UploadReactor runs: the output cap of the named attempt (from a
// real Brain: attempts 1, 4294967297, ... epoch 1 are running on the car), the same-attempt
// rule, the assembler's order and size checks, the digest, and the brain's verdict.
#include <future>

#include "coordinator/service/node_session.h"
#include "tests/fuzz/brain_harness.h"

using namespace fleetgrid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::FuzzBrain h({.with_car = true, .recycle_every = 200});
  v1::NodeBatch stream;
  if (!stream.ParseFromArray(data, static_cast<int>(size))) return 0;
  service::Brain& brain = h.brain();
  service::UploadSession upload(&brain, h.car());
  for (const v1::NodeMessage& m : stream.messages()) {
    const v1::ResultChunk& c = m.result_chunk();
    if (!upload.has_cap()) {
      std::promise<absl::Status> p;
      auto f = p.get_future();
      upload.Begin(c.attempt(), [&p](const absl::Status& s) { p.set_value(s); });
      FG_FUZZ_CHECK(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
      if (!f.get().ok()) return 0;  // the reactor finishes the call
    }
    const absl::StatusOr<bool> last = upload.Add(c);
    if (!last.ok()) return 0;
    if (!*last) continue;
    const auto ack = h.Call<v1::ResultAck>(
        [&](service::Brain::Reply<v1::ResultAck> reply) { upload.Submit(std::move(reply)); });
    if (ack.ok() && ack->outcome() == v1::RESULT_OUTCOME_ACCEPTED) {
      FG_FUZZ_CHECK(ack->attempt().attempt_id() == c.attempt().attempt_id());
    }
    return 0;
  }
  return 0;  // the stream ended before its last chunk
}
