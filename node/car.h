// Internal: one emulated car (its identity, availability, session and attempts).
//
// Every method runs on the fleet's I/O thread; gRPC reactions reach it through posts
// (session.h, rpc_calls.h). The car's life: wait for its model to say "parked", enroll once,
// connect (Hello), heartbeat, ask for work, run it, send the result, and when the model
// says "driving" either Leave or vanish. An unexpected end of the session while parked
// means the coordinator went away: reconnect with backoff, listing the attempts still held.
//
// Around that life: the car's battery (car_battery.h) is reported in Hello and every
// Heartbeat; a car that knows when it leaves announces it `lead` before; attempts of tasks
// that declare a checkpoint size upload checkpoints when asked and every checkpoint interval,
// and an attempt that resumes from one fetches and checks it first (car_checkpoints.cc).
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/refusal_reason.h"
#include "common/rng.h"
#include "fleetgrid/v1/node.grpc.pb.h"
#include "models/availability.h"
#include "models/fleet_config.h"
#include "node/availability.h"
#include "node/backoff.h"
#include "node/car_battery.h"
#include "node/fleet_context.h"
#include "node/rpc_calls.h"
#include "node/session.h"

namespace fleetgrid::node {

// What Fleet draws or looks up for a car besides its classes.
struct CarTraits {
  int32_t utc_offset_s = 0;  // its region's UTC offset now (OwnerPreferences.utc_offset_s)
  // Its owner's rules (its region's, else the fleet's; they outlive the car); null: the
  // fleet's.
  const models::OwnerRulesConfig* owner_rules = nullptr;
  bool warns_departure = false;  // it knows when it leaves (models/departure_warnings.h)
};

class Car {
 public:
  // Car `index` of the fleet, with its availability periods, its speed class (speed in work
  // units/s, and the catalog name, memory and power it reports) and its link class (drawn by
  // Fleet, models/fleet_draw.h).
  Car(FleetContext& fleet, uint32_t index, models::CarPeriods availability,
      const models::SpeedClass& hardware, const models::LinkClass& link, CarTraits traits);
  Car(const Car&) = delete;
  Car& operator=(const Car&) = delete;

  // Draws the first availability period and acts on it (after `delay`).
  void Start(Duration delay);
  // Process shutdown: Leave{SHUTDOWN} if connected, then nothing more.
  void Shutdown();
  // Cancels every call in flight (after Shutdown, when the clean leave took too long).
  void CancelAll();
  // Test hook: the driver drives off now (Leave, or vanish without a word).
  void DriveOffForTest(bool vanish);

  // From the session reactor (posted to the I/O thread).
  void OnSessionMessage(Session* s, const v1::CoordinatorMessage& m);
  // `reason`: what the coordinator said about the credential (x-fleetgrid-reason), which
  // decides between stopping, enrolling again and reconnecting.
  void OnSessionDone(Session* s, const grpc::Status& status, RefusalReason reason);

 private:
  enum class Link { kIdle, kEnrolling, kConnecting, kConnected, kBackoff };
  enum class Phase { kFetching, kComputing, kReady, kSending, kAwaitingAck };
  struct Attempt {
    v1::Assignment assignment;
    Phase phase = Phase::kFetching;
    uint64_t token = 0;  // tells stale callbacks apart
    std::string input;
    std::string output;
    v1::Digest digest;
    double work_units = 0;  // done by this attempt (not counting a checkpoint it resumed)
    TimePoint started;      // WallClock
    std::unique_ptr<boost::asio::steady_timer> timer;
    std::shared_ptr<CallHandle> call;
    // Checkpoints (car_checkpoints.cc).
    double resumed_units = 0;   // done by the checkpoint it resumed from
    TimePoint compute_started;  // WallClock
    uint32_t checkpoints_taken = 0;
    v1::Checkpoint last_checkpoint;               // the newest one acknowledged
    std::shared_ptr<CallHandle> checkpoint_call;  // an upload in flight
    bool checkpoint_wanted = false;               // asked for while an upload was in flight
    std::unique_ptr<boost::asio::steady_timer> checkpoint_timer;  // every checkpoint_interval
  };

  // Availability.
  void NextPeriod();
  void BecomeAvailable(bool plugged);
  void DriveOff(bool vanish);
  // A car that knows when it leaves announces the end of parked period `p` (which lasts
  // `real` from now) `lead` before it.
  void ScheduleWarning(const models::CarPeriods::Period& p, Duration real);
  void WarnDeparture(int64_t departure_unix_ns);
  // Tells the battery whether any attempt computes now (it drains the battery off the grid).
  void UpdateComputeLoad();
  // Connection.
  void Connect();
  bool AcquireConnectSlot();
  void ReleaseConnectSlot();
  void OnEnrolled(uint64_t generation, const grpc::Status& s, v1::EnrollResponse resp,
                  RefusalReason why);
  // A refusal retrying cannot change (IsFinalRefusal): counts it in `counter`, says so on
  // stderr (`what` was refused, never a secret) and stops this car.
  void StopRefused(const std::string& what, RefusalReason why, const grpc::Status& s,
                   std::atomic<uint64_t>& counter);
  // Renews the credential at 2/3 of its lifetime (the old one stays valid until it expires;
  // the session opened with it then ends and the car reconnects with the new one).
  void ScheduleRenewal(const v1::NodeCredential& c);
  void Renew();
  void OnRenewed(uint64_t node, const grpc::Status& s, v1::RenewCredentialResponse resp);
  void OpenSession();
  void ScheduleReconnect();
  void CloseSession(bool vanish);
  void OnWelcome(const v1::Welcome& w);
  void SendHeartbeat();
  void ScheduleHeartbeat();
  void MaybeRequestWork();
  v1::NodeMessage MakeHello();
  v1::NodeState CurrentState(TimePoint now);
  // State, state of charge, charging power and announced departure, as of now.
  void FillCarState(v1::Heartbeat* h);
  v1::OwnerPreferences Preferences() const;
  v1::BatteryDescription BatteryOf() const;
  // Attempts.
  void OnAssignment(const v1::Assignment& a);
  // The input is there: fetch the checkpoint the attempt resumes from, if any, then compute.
  void OnInputReady(uint64_t id);
  void StartCompute(uint64_t id);
  void OnComputed(uint64_t id, uint64_t token, absl::StatusOr<ExecutionOutput> out);
  void SendResult(uint64_t id);
  void OnResultAck(const v1::ResultAck& ack);
  void FailAttempt(uint64_t id, v1::FailureReason reason, const std::string& detail);
  void DropAttempt(uint64_t id);
  void DropAllAttempts();
  // Checkpoints (car_checkpoints.cc).
  void FetchResumeCheckpoint(uint64_t id);
  void OnCheckpointRequest(const v1::CheckpointRequest& r);
  void SchedulePeriodicCheckpoint(uint64_t id);
  void TakeCheckpoint(uint64_t id);
  void OnCheckpointUploaded(uint64_t id, uint64_t token, const grpc::Status& s,
                            const v1::Checkpoint& checkpoint);
  // Work units done so far, a resumed checkpoint's included.
  double WorkDone(const Attempt& at) const;
  uint32_t FreeSlots() const;
  void Log(const std::string& line) const;
  // The hardware the car claims (FleetOptions::claimed_speed may lie about its speed).
  v1::HardwareDescription Advertised() const;

  static constexpr uint32_t kHonest = 0xffffffffu;
  FleetContext& fleet_;
  const uint32_t index_;
  models::CarPeriods availability_;
  Rng rng_;            // byzantine draws
  Rng heartbeat_rng_;  // heartbeat jitter
  Rng warn_rng_;       // the noise on announced departures
  Backoff backoff_;
  v1::HardwareDescription hardware_;
  v1::LinkDescription link_;
  std::string owner_;
  uint32_t wrong_answer_key_ = kHonest;  // a cheating owner's car: its wrong-answer key
  const CarTraits traits_;
  CarBattery battery_;

  bool available_ = false;
  bool plugged_ = false;
  bool shutdown_ = false;
  bool draining_ = false;
  bool drove_ = false;  // has driven since the run began (a parking then ends a trip)
  // The departure announced for the current stay (Unix ns, car clock); 0 = none.
  int64_t departure_unix_ns_ = 0;
  boost::asio::steady_timer period_timer_;
  boost::asio::steady_timer warn_timer_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer heartbeat_timer_;
  boost::asio::steady_timer renew_timer_;

  // Credential (from Enroll).
  uint64_t node_id_ = 0;
  std::string credential_id_;
  std::string secret_;
  int64_t credential_expires_unix_ns_ = 0;
  std::string session_credential_id_;  // the credential the current session was opened with
  std::shared_ptr<CallHandle> enroll_call_;
  std::shared_ptr<CallHandle> renew_call_;
  uint64_t enroll_generation_ = 0;

  Link link_state_ = Link::kIdle;
  bool holds_connect_slot_ = false;
  bool queued_for_connect_ = false;
  std::shared_ptr<Session> session_;
  // Sessions closed (Leave sent) whose stream has not ended yet; CancelAll cuts them.
  std::vector<std::weak_ptr<Session>> closing_;
  uint64_t session_id_ = 0;
  uint64_t previous_session_id_ = 0;
  uint64_t heartbeat_seq_ = 0;
  Duration heartbeat_interval_;
  uint64_t max_chunk_bytes_ = 1 << 20;
  uint64_t inline_max_bytes_ = 0;
  uint32_t requested_slots_ = 0;
  Duration retry_after_;  // from a fatal Error: reconnect no sooner than this  // asked for, not
                          // yet assigned

  std::map<uint64_t, Attempt> attempts_;  // by attempt id
  uint64_t next_token_ = 1;
};

}  // namespace fleetgrid::node
