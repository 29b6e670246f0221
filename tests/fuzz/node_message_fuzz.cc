// NodeService.Connect: the input is a serialized NodeBatch whose messages are the reads of
// one Connect stream, in order (a message that is itself a batch takes the NodeBatch path).
// Each input is a new stream of the harness's car (wire id 1) through ConnectSession, the
// code ConnectReactor runs for every message: the Hello check, heartbeats, work requests,
// progress, failures, leave, inline result chunks and batches, against a real Brain.
#include "coordinator/service/node_session.h"
#include "tests/fuzz/brain_harness.h"

using namespace fleetgrid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::FuzzBrain h({.with_car = true, .recycle_every = 300});
  v1::NodeBatch stream;
  if (!stream.ParseFromArray(data, static_cast<int>(size))) return 0;
  service::Brain& brain = h.brain();
  auto outbox = std::make_shared<fuzz::CaptureOutbox>();
  service::ConnectSession session(&brain, h.car(), h.car_credential(), outbox);
  for (v1::NodeMessage& m : *stream.mutable_messages()) {
    if (!session.OnMessage(m).ok()) break;  // the reactor finishes the stream
  }
  if (session.hello_seen()) brain.SessionClosed(h.car(), outbox);
  h.Sync();
  return 0;
}
