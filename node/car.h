// Internal: one emulated car (its identity, availability, session and attempts).
//
// Every method runs on the fleet's I/O thread; gRPC reactions reach it through posts
// (session.h, rpc_calls.h). The car's life: wait for its model to say "parked", enroll once,
// connect (Hello), heartbeat, ask for work, run it, send the result, and when the model
// says "driving" either Leave or vanish. An unexpected end of the session while parked
// means the coordinator went away: reconnect with backoff, listing the attempts still held.
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
#include "node/fleet_context.h"
#include "node/rpc_calls.h"
#include "node/session.h"

namespace fleetgrid::node {

class Car {
 public:
  // Car `index` of the fleet, with its availability periods, its speed class (speed in work
  // units/s, and the catalog name, memory and power it reports) and its link class (drawn by
  // Fleet, models/fleet_draw.h).
  Car(FleetContext& fleet, uint32_t index, models::CarPeriods availability,
      const models::SpeedClass& hardware, const models::LinkClass& link);
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
    double work_units = 0;
    TimePoint started;  // WallClock
    std::unique_ptr<boost::asio::steady_timer> timer;
    std::shared_ptr<CallHandle> call;
  };

  // Availability.
  void NextPeriod();
  void BecomeAvailable(bool plugged);
  void DriveOff(bool vanish);
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
  v1::NodeState CurrentState() const;
  // Attempts.
  void OnAssignment(const v1::Assignment& a);
  void StartCompute(uint64_t id);
  void OnComputed(uint64_t id, uint64_t token, absl::StatusOr<ExecutionOutput> out);
  void SendResult(uint64_t id);
  void OnResultAck(const v1::ResultAck& ack);
  void FailAttempt(uint64_t id, v1::FailureReason reason, const std::string& detail);
  void DropAttempt(uint64_t id);
  void DropAllAttempts();
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
  Backoff backoff_;
  v1::HardwareDescription hardware_;
  v1::LinkDescription link_;
  std::string owner_;
  uint32_t wrong_answer_key_ = kHonest;  // a cheating owner's car: its wrong-answer key

  bool available_ = false;
  bool plugged_ = false;
  bool shutdown_ = false;
  bool draining_ = false;
  boost::asio::steady_timer period_timer_;
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
