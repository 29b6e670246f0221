// The car's checkpoints: uploading one when the coordinator asks (a departure is near) and
// every Assignment.checkpoint_interval of compute, and resuming from one
// (Assignment.resume_from). Part of Car (car.h); everything runs on the I/O thread.
//
// Progress is the car's own clock: an attempt has done the units of its resumed checkpoint
// plus (compute time so far x time scale x speed). A checkpoint counts once the coordinator
// acknowledges it (stored durably); a car driving off loses what it did since.
#include <algorithm>

#include "common/sha256.h"
#include "node/car.h"
#include "node/checkpoint.h"
#include "node/wire_time.h"

namespace fleetgrid::node {

double Car::WorkDone(const Attempt& at) const {
  const double total = at.assignment.work_units();
  switch (at.phase) {
    case Phase::kFetching:
      return at.resumed_units;
    case Phase::kComputing: {
      const double units = (WallClock().Now() - at.compute_started).SecondsF() *
                           fleet_.options.time_scale * hardware_.speed_work_units_per_s();
      return std::min(total, at.resumed_units + units);
    }
    default:
      return total;
  }
}

void Car::FetchResumeCheckpoint(uint64_t id) {
  Attempt& at = attempts_.at(id);
  at.phase = Phase::kFetching;
  v1::FetchCheckpointRequest req;
  *req.mutable_attempt() = at.assignment.attempt();
  req.set_checkpoint_id(at.assignment.resume_from().checkpoint_id());
  const uint64_t token = at.token;
  at.call = StartFetchCheckpoint(
      fleet_, fleet_.StubFor(index_), node_id_, secret_, std::move(req),
      [this, id, token](grpc::Status s, std::string data) {
        auto it = attempts_.find(id);
        if (it == attempts_.end() || it->second.token != token) return;
        Attempt& a = it->second;
        a.call.reset();
        const v1::Checkpoint& from = a.assignment.resume_from();
        const std::string what = "checkpoint " + from.checkpoint_id();
        if (!s.ok()) {
          FailAttempt(id, v1::FAILURE_REASON_INPUT_UNAVAILABLE, what + ": " + s.error_message());
          return;
        }
        // What resumes must be what was saved: a wrong size or digest is corrupt state.
        if (data.size() != from.size_bytes()) {
          FailAttempt(id, v1::FAILURE_REASON_INPUT_CORRUPT,
                      what + ": " + std::to_string(data.size()) + " bytes, expected " +
                          std::to_string(from.size_bytes()));
          return;
        }
        if (from.digest().sha256() != AsBytes(Sha256(data))) {
          FailAttempt(id, v1::FAILURE_REASON_INPUT_CORRUPT, what + ": digest mismatch");
          return;
        }
        a.resumed_units = std::clamp(from.work_done_units(), 0.0, a.assignment.work_units());
        ++fleet_.counters.attempts_resumed;
        fleet_.counters.work_units_resumed.fetch_add(a.resumed_units);
        Log("resumes attempt " + std::to_string(id) + " from " + what);
        StartCompute(id);
      });
}

void Car::OnCheckpointRequest(const v1::CheckpointRequest& r) {
  const uint64_t id = r.attempt().attempt_id();
  auto it = attempts_.find(id);
  if (it == attempts_.end()) return;  // finished or dropped meanwhile
  Attempt& at = it->second;
  if (at.phase != Phase::kComputing || at.assignment.checkpoint_size_bytes() == 0) {
    Log("checkpoint request for attempt " + std::to_string(id) + " not computing: ignored");
    return;
  }
  if (at.checkpoint_call) {
    // The upload in flight holds older state: take a fresh one as soon as it ends.
    at.checkpoint_wanted = true;
    return;
  }
  TakeCheckpoint(id);
}

void Car::SchedulePeriodicCheckpoint(uint64_t id) {
  Attempt& at = attempts_.at(id);
  const v1::Assignment& a = at.assignment;
  if (a.checkpoint_size_bytes() == 0 || !a.has_checkpoint_interval()) return;
  // The interval is model time, like the work: the time scale shortens it as it does compute.
  const Duration model = FromProto(a.checkpoint_interval());
  if (model <= Duration::Zero()) return;
  const Duration real = Duration::FromSecondsF(model.SecondsF() / fleet_.options.time_scale);
  if (!at.checkpoint_timer)
    at.checkpoint_timer = std::make_unique<boost::asio::steady_timer>(fleet_.io);
  at.checkpoint_timer->expires_after(ToSteady(real));
  at.checkpoint_timer->async_wait(
      [this, id, token = at.token](const boost::system::error_code& ec) {
        if (ec) return;
        auto it = attempts_.find(id);
        if (it == attempts_.end() || it->second.token != token) return;
        if (it->second.phase != Phase::kComputing) return;
        // One upload at a time: with the previous one still in flight this one is skipped.
        if (!it->second.checkpoint_call) TakeCheckpoint(id);
        SchedulePeriodicCheckpoint(id);
      });
}

void Car::TakeCheckpoint(uint64_t id) {
  Attempt& at = attempts_.at(id);
  const uint64_t size = std::min(at.assignment.checkpoint_size_bytes(), kMaxCheckpointBytes);
  v1::Checkpoint cp;
  // Attempt ids are unique across the tasks' attempts, so this is unique within the task.
  cp.set_checkpoint_id(std::to_string(id) + "-" + std::to_string(++at.checkpoints_taken));
  cp.set_work_done_units(WorkDone(at));
  cp.set_size_bytes(size);
  const std::string data = CheckpointBytes(at.assignment.task_id(), cp.work_done_units(), size);
  cp.mutable_digest()->set_sha256(Sha256Bytes(data));
  SetNow(cp.mutable_created_at());
  std::vector<v1::CheckpointChunk> chunks =
      CheckpointChunks(at.assignment.attempt(), cp, data, max_chunk_bytes_);
  Log("checkpoint " + cp.checkpoint_id() + " at " + std::to_string(cp.work_done_units()) +
      " units");
  at.checkpoint_call =
      StartUploadCheckpoint(fleet_, fleet_.StubFor(index_), node_id_, secret_, std::move(chunks),
                            [this, id, token = at.token, cp](grpc::Status s, v1::CheckpointAck) {
                              OnCheckpointUploaded(id, token, s, cp);
                            });
}

void Car::OnCheckpointUploaded(uint64_t id, uint64_t token, const grpc::Status& s,
                               const v1::Checkpoint& checkpoint) {
  // Counted whether or not the attempt is still here (its result may be in before the ack);
  // an upload the car cancelled itself (it drove off) is neither stored nor refused.
  if (s.ok()) {
    ++fleet_.counters.checkpoints_uploaded;
    fleet_.counters.checkpoint_bytes_uploaded += checkpoint.size_bytes();
  } else if (s.error_code() != grpc::StatusCode::CANCELLED) {
    ++fleet_.counters.checkpoints_refused;
    Log("checkpoint " + checkpoint.checkpoint_id() + " refused: " + s.error_message());
  }
  auto it = attempts_.find(id);
  if (it == attempts_.end() || it->second.token != token) return;
  Attempt& at = it->second;
  at.checkpoint_call.reset();
  if (s.ok()) at.last_checkpoint = checkpoint;
  const bool again = at.checkpoint_wanted && at.phase == Phase::kComputing;
  at.checkpoint_wanted = false;
  if (again) TakeCheckpoint(id);
}

}  // namespace fleetgrid::node
