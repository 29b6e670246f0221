#include "node/car.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cstdio>

#include "models/hardware.h"
#include "models/hardware_catalog.h"
#include "node/executor_hash.h"
#include "node/wire_time.h"

namespace fleetgrid::node {
namespace {

// Hash kernels of at most this many SHA-256 blocks (rounds + input / 64; ~50 us) run on the
// I/O thread: posting them to the compute pool and back costs more than computing them.
constexpr uint64_t kInlineHashBlocks = 128;

// The wire class of a catalog entry: Tesla boards by name, datacenter GPUs as DATACENTER,
// anything else (a desk node such as the DGX Spark) as OTHER.
v1::HardwareClass WireClass(const models::HardwareEntry& e) {
  if (e.name == "HW3") return v1::HARDWARE_CLASS_HW3;
  if (e.name == "HW4") return v1::HARDWARE_CLASS_HW4;
  if (e.name == "AI5") return v1::HARDWARE_CLASS_AI5;
  return e.kind == models::HardwareKind::kDatacenter ? v1::HARDWARE_CLASS_DATACENTER
                                                     : v1::HARDWARE_CLASS_OTHER;
}

// The wire description of a car of this class. A class named after the hardware catalog
// (models/hardware_catalog.h) reports its name, kind and the scenario's memory and power; a
// plain speed reports the nearest Tesla board (models/hardware.h) and its memory as the
// scenario gives it (0 = unknown), so that the coordinator schedules it as the simulator does.
v1::HardwareDescription HardwareOf(const models::SpeedClass& c) {
  const models::HardwareProfile p = models::HardwareForSpeed(c.speed);
  v1::HardwareDescription h;
  h.set_speed_work_units_per_s(c.speed);
  v1::HardwareClass board = v1::HARDWARE_CLASS_HW3;
  switch (p.board) {
    case models::Board::kHw3:
      board = v1::HARDWARE_CLASS_HW3;
      break;
    case models::Board::kHw4:
      board = v1::HARDWARE_CLASS_HW4;
      break;
    case models::Board::kAi5:
      board = v1::HARDWARE_CLASS_AI5;
      break;
  }
  if (!c.hardware.empty()) {
    absl::StatusOr<const models::HardwareEntry*> e = models::FindHardware(c.hardware);
    if (e.ok()) board = WireClass(**e);
    h.set_hardware_name(c.hardware);
  }
  h.set_hardware_class(board);
  h.set_power_draw_w(c.power_w > 0 ? c.power_w : p.power_draw_w);
  h.set_memory_bytes(c.memory_bytes);
  h.set_storage_bytes(p.storage_bytes);
  h.set_model("emulated");
  return h;
}

v1::LinkDescription LinkOf(const models::LinkClass& link) {
  v1::LinkDescription l;
  // The scenario's bandwidth is both ways (the simulator uses it for input and output).
  l.set_download_bytes_per_s(static_cast<uint64_t>(link.bandwidth_bytes_per_s));
  l.set_upload_bytes_per_s(static_cast<uint64_t>(link.bandwidth_bytes_per_s));
  SetDuration(l.mutable_latency(), link.latency);
  l.set_metered(link.metered);
  return l;
}

}  // namespace

Car::Car(FleetContext& fleet, uint32_t index, models::CarPeriods availability,
         const models::SpeedClass& hardware, const models::LinkClass& link, CarTraits traits)
    : fleet_(fleet),
      index_(index),
      availability_(std::move(availability)),
      rng_(Rng::Stream(fleet.options.seed, "byzantine", index)),
      heartbeat_rng_(Rng::Stream(fleet.options.seed, "heartbeat", index)),
      warn_rng_(Rng::Stream(fleet.options.seed, "departure-warning-noise", index)),
      backoff_(fleet.options.backoff, Rng::Stream(fleet.options.seed, "backoff", index)),
      hardware_(HardwareOf(hardware)),
      link_(LinkOf(link)),
      traits_(traits),
      battery_(fleet.options.battery, hardware_.power_draw_w(), fleet.options.time_scale,
               Rng::Stream(fleet.options.seed, "battery", index)),
      period_timer_(fleet.io),
      warn_timer_(fleet.io),
      reconnect_timer_(fleet.io),
      heartbeat_timer_(fleet.io),
      renew_timer_(fleet.io),
      heartbeat_interval_(fleet.options.default_heartbeat_interval) {
  const uint32_t owners = fleet.options.owners;
  const uint32_t owner = owners == 0 ? index : index % owners;
  owner_ = fleet.options.owner_prefix + "-" + std::to_string(owner);
  if (!fleet.cheaters.empty() && fleet.cheaters[owner] != models::kHonestOwner) {
    wrong_answer_key_ = models::WrongAnswerKey(owner, fleet.options.colluding);
  }
}

v1::HardwareDescription Car::Advertised() const {
  v1::HardwareDescription h = hardware_;
  if (fleet_.options.claimed_speed > 0) h.set_speed_work_units_per_s(fleet_.options.claimed_speed);
  return h;
}

void Car::Log(const std::string& line) const {
  if (fleet_.options.verbose) std::fprintf(stderr, "car %u: %s\n", index_, line.c_str());
}

// ---------------------------------------------------------------------------------------
// Availability.

void Car::Start(Duration delay) {
  period_timer_.expires_after(ToSteady(delay));
  period_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) NextPeriod();
  });
}

void Car::NextPeriod() {
  if (shutdown_) return;
  const models::CarPeriods::Period p = availability_.Next();
  const Duration real =
      p.end.IsInfinite()
          ? Duration::Infinite()
          : Duration::FromSecondsF((p.end - p.start).SecondsF() / fleet_.options.time_scale);
  // A departure announced for the period that just ended is moot now.
  warn_timer_.cancel();
  departure_unix_ns_ = 0;
  if (p.available && !available_) {
    BecomeAvailable(p.plugged);
  } else if (!p.available && available_) {
    DriveOff(rng_.Bernoulli(fleet_.options.availability.vanish_probability));
  } else if (p.available && p.plugged != plugged_) {
    battery_.SetPlugged(WallClock().Now(), p.plugged);
    plugged_ = p.plugged;
  }
  if (!p.available) drove_ = true;
  if (p.available && available_) ScheduleWarning(p, real);
  if (real.IsInfinite()) return;
  period_timer_.expires_after(ToSteady(real));
  period_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) NextPeriod();
  });
}

void Car::ScheduleWarning(const models::CarPeriods::Period& p, Duration real) {
  if (!traits_.warns_departure || p.end.IsInfinite()) return;
  // Both in real time: the departure `real` from now, the warning `lead` (model time) before.
  const int64_t departure = UnixNowNanos() + real.nanos();
  const Duration lead = Duration::FromSecondsF(fleet_.options.departure_warnings.lead.SecondsF() /
                                               fleet_.options.time_scale);
  warn_timer_.expires_after(ToSteady(std::max(Duration::Zero(), real - lead)));
  warn_timer_.async_wait([this, departure](const boost::system::error_code& ec) {
    if (!ec && available_ && !shutdown_) WarnDeparture(departure);
  });
}

void Car::WarnDeparture(int64_t departure_unix_ns) {
  int64_t at = departure_unix_ns;
  const double noise_s =
      fleet_.options.departure_warnings.noise.SecondsF() / fleet_.options.time_scale;
  if (noise_s > 0) at += static_cast<int64_t>(warn_rng_.Normal() * noise_s * 1e9);
  // A noisy guess never lies in the past: the owner leaves now at the earliest.
  departure_unix_ns_ = std::max(at, UnixNowNanos());
  ++fleet_.counters.departure_warnings;
  Log("announces its departure");
  if (link_state_ == Link::kConnected) SendHeartbeat();  // at once, not at the next beat
}

void Car::UpdateComputeLoad() {
  const bool computing = std::any_of(attempts_.begin(), attempts_.end(), [](const auto& a) {
    return a.second.phase == Phase::kComputing;
  });
  battery_.SetComputing(WallClock().Now(), computing);
}

void Car::BecomeAvailable(bool plugged) {
  battery_.Park(WallClock().Now(), plugged, drove_);
  available_ = true;
  plugged_ = plugged;
  ++fleet_.counters.available_now;
  draining_ = false;
  backoff_.Reset();
  Log("parked");
  Connect();
}

void Car::DriveOff(bool vanish) {
  if (!available_) return;
  available_ = false;
  --fleet_.counters.available_now;
  drove_ = true;
  battery_.Drive(WallClock().Now());
  warn_timer_.cancel();
  departure_unix_ns_ = 0;
  Log(vanish ? "drove off (vanished)" : "drove off (leave)");
  ReleaseConnectSlot();
  reconnect_timer_.cancel();
  if (enroll_call_) {
    enroll_call_->Cancel();
    enroll_call_.reset();
    ++enroll_generation_;
  }
  DropAllAttempts();  // the car is driving: whatever it was computing is lost
  if (link_state_ == Link::kBackoff || link_state_ == Link::kEnrolling) {
    link_state_ = Link::kIdle;
  }
  if (session_) CloseSession(vanish);
}

void Car::DriveOffForTest(bool vanish) { DriveOff(vanish); }

// ---------------------------------------------------------------------------------------
// Connection.

bool Car::AcquireConnectSlot() {
  if (holds_connect_slot_) return true;
  const uint32_t limit = std::max<uint32_t>(1, fleet_.options.max_connecting);
  if (fleet_.connecting < limit) {
    ++fleet_.connecting;
    holds_connect_slot_ = true;
    return true;
  }
  if (!queued_for_connect_) {
    queued_for_connect_ = true;
    fleet_.connect_queue.push_back(this);
  }
  return false;
}

void Car::ReleaseConnectSlot() {
  if (!holds_connect_slot_) return;
  holds_connect_slot_ = false;
  --fleet_.connecting;
  const uint32_t limit = std::max<uint32_t>(1, fleet_.options.max_connecting);
  while (!fleet_.connect_queue.empty() && fleet_.connecting < limit) {
    Car* next = fleet_.connect_queue.front();
    fleet_.connect_queue.pop_front();
    next->queued_for_connect_ = false;
    next->Connect();
  }
}

void Car::Connect() {
  if (shutdown_ || !available_) return;
  if (link_state_ == Link::kConnecting || link_state_ == Link::kConnected ||
      link_state_ == Link::kEnrolling) {
    return;
  }
  if (!AcquireConnectSlot()) return;
  if (node_id_ == 0) {
    link_state_ = Link::kEnrolling;
    v1::EnrollRequest req;
    req.set_join_token(fleet_.options.join_token);
    req.set_owner(owner_);
    *req.mutable_hardware() = Advertised();
    *req.mutable_link() = link_;
    *req.mutable_battery() = BatteryOf();
    *req.mutable_preferences() = Preferences();
    req.set_agent_version("fleetgrid-node 0.1.0");
    req.set_display_name("car-" + std::to_string(index_));
    req.set_idempotency_key("car-" + std::to_string(fleet_.options.seed) + "-" +
                            std::to_string(index_));
    const uint64_t gen = ++enroll_generation_;
    enroll_call_ =
        StartEnroll(fleet_, fleet_.StubFor(index_), std::move(req),
                    [this, gen](grpc::Status s, v1::EnrollResponse r, RefusalReason why) {
                      OnEnrolled(gen, s, std::move(r), why);
                    });
    return;
  }
  OpenSession();
}

void Car::OnEnrolled(uint64_t generation, const grpc::Status& s, v1::EnrollResponse resp,
                     RefusalReason why) {
  if (generation != enroll_generation_) return;  // a call cancelled earlier
  enroll_call_.reset();
  if (link_state_ != Link::kEnrolling) return;  // drove off or shut down meanwhile
  link_state_ = Link::kIdle;
  if (!s.ok() || resp.credential().node_id() == 0) {
    Log("enroll failed: " + s.error_message());
    // The coordinator's reason decides, never the message (worded for people).
    if (IsFinalRefusal(why)) {  // revoked, expired, used up or another owner's
      StopRefused("join token", why, s, fleet_.counters.join_tokens_refused);
      return;
    }
    ScheduleReconnect();
    return;
  }
  ++fleet_.counters.enrollments;
  node_id_ = resp.credential().node_id();
  credential_id_ = resp.credential().credential_id();
  secret_ = resp.credential().secret();
  ScheduleRenewal(resp.credential());
  OpenSession();
}

void Car::ScheduleRenewal(const v1::NodeCredential& c) {
  credential_expires_unix_ns_ = UnixNanos(c.expires_at());
  const int64_t issued = UnixNanos(c.issued_at());
  if (credential_expires_unix_ns_ <= issued) return;  // no expiry given: nothing to renew
  const int64_t at = issued + (credential_expires_unix_ns_ - issued) / 3 * 2;
  renew_timer_.expires_after(ToSteady(Duration::Nanos(std::max<int64_t>(0, at - UnixNowNanos()))));
  renew_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Renew();
  });
}

void Car::Renew() {
  if (shutdown_ || node_id_ == 0 || renew_call_) return;
  v1::RenewCredentialRequest req;
  req.set_credential_id(credential_id_);
  renew_call_ = StartRenewCredential(
      fleet_, fleet_.StubFor(index_), node_id_, secret_, std::move(req),
      [this, node = node_id_](grpc::Status s, v1::RenewCredentialResponse r, RefusalReason) {
        // A refused credential ends the session, which says why.
        OnRenewed(node, s, std::move(r));
      });
}

void Car::OnRenewed(uint64_t node, const grpc::Status& s, v1::RenewCredentialResponse resp) {
  renew_call_.reset();
  if (shutdown_ || node != node_id_) return;  // stopped or enrolled anew meanwhile
  if (!s.ok()) {
    // Try again halfway to the expiry (a refused credential ends the session anyway).
    Log("credential renewal failed: " + s.error_message());
    const int64_t left = credential_expires_unix_ns_ - UnixNowNanos();
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED || left <= 0) return;
    renew_timer_.expires_after(ToSteady(Duration::Nanos(left / 2)));
    renew_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) Renew();
    });
    return;
  }
  ++fleet_.counters.credentials_renewed;
  credential_id_ = resp.credential().credential_id();
  secret_ = resp.credential().secret();
  Log("credential renewed: " + credential_id_);
  ScheduleRenewal(resp.credential());
}

v1::NodeState Car::CurrentState(TimePoint now) {
  if (!available_) return v1::NODE_STATE_DRIVING;
  if (!plugged_) return v1::NODE_STATE_PARKED;
  return battery_.Charging(now) ? v1::NODE_STATE_CHARGING : v1::NODE_STATE_PLUGGED;
}

void Car::FillCarState(v1::Heartbeat* h) {
  const TimePoint now = WallClock().Now();
  h->set_state(CurrentState(now));
  h->set_state_of_charge(battery_.StateOfCharge(now));
  h->set_charging_power_w(available_ ? battery_.ChargingPowerW(now) : 0);
  if (available_ && departure_unix_ns_ != 0) {
    // Repeated in every heartbeat of the stay: the coordinator ignores a departure it knows.
    SetUnixNanos(h->mutable_expected_departure_at(), departure_unix_ns_);
    h->set_departure_confidence(1);
  }
}

v1::OwnerPreferences Car::Preferences() const {
  const models::OwnerRulesConfig& r =
      traits_.owner_rules ? *traits_.owner_rules : fleet_.options.owner_rules;
  v1::OwnerPreferences p;
  p.set_compute_only_when_plugged(r.plugged_only);
  p.set_min_state_of_charge(r.min_soc);
  for (const auto& [start, end] : r.windows) {
    v1::TimeWindow* w = p.add_allowed_windows();
    w->set_start_s(static_cast<uint32_t>(start));
    // The models keep a window ending at midnight as 0; the wire says 86400 (end_s > 0).
    w->set_end_s(end == 0 ? 86400u : static_cast<uint32_t>(end));
  }
  p.set_daily_compute_energy_wh(r.daily_energy_wh);
  p.set_metered_daily_cap_bytes(r.metered_daily_cap_bytes);
  p.set_utc_offset_s(traits_.utc_offset_s);
  return p;
}

v1::BatteryDescription Car::BatteryOf() const {
  v1::BatteryDescription b;
  b.set_capacity_wh(fleet_.options.battery.capacity_wh);
  b.set_max_charging_power_w(fleet_.options.battery.max_charging_power_w);
  b.set_awake_power_w(fleet_.options.battery.awake_power_w);
  return b;
}

v1::NodeMessage Car::MakeHello() {
  v1::NodeMessage m;
  v1::Hello* h = m.mutable_hello();
  h->set_node_id(node_id_);
  h->set_credential_id(credential_id_);
  *h->mutable_hardware() = Advertised();
  *h->mutable_link() = link_;
  v1::Capabilities* c = h->mutable_capabilities();
  for (ExecutorChoice e : fleet_.options.executors) {
    c->add_executors(e == ExecutorChoice::kHash ? v1::EXECUTOR_KIND_HASH
                                                : v1::EXECUTOR_KIND_SIMULATED);
  }
  c->set_max_concurrent_tasks(fleet_.options.max_concurrent_tasks);
  c->set_max_output_bytes(kMaxSimulatedOutputBytes);
  c->set_supports_checkpoints(true);
  h->set_agent_version("fleetgrid-node 0.1.0");
  for (const auto& [id, a] : attempts_) {
    v1::HeldAttempt* held = h->add_held_attempts();
    *held->mutable_attempt() = a.assignment.attempt();
    held->set_task_id(a.assignment.task_id());
    held->set_work_done_units(WorkDone(a));
    if (!a.last_checkpoint.checkpoint_id().empty()) *held->mutable_checkpoint() = a.last_checkpoint;
    switch (a.phase) {
      case Phase::kFetching:
        held->set_phase(v1::ATTEMPT_PHASE_DOWNLOADING_INPUT);
        break;
      case Phase::kComputing:
        held->set_phase(v1::ATTEMPT_PHASE_COMPUTING);
        break;
      case Phase::kReady:
      case Phase::kSending:
        held->set_phase(v1::ATTEMPT_PHASE_UPLOADING_OUTPUT);
        break;
      case Phase::kAwaitingAck:
        held->set_phase(v1::ATTEMPT_PHASE_AWAITING_ACK);
        break;
    }
  }
  *h->mutable_battery() = BatteryOf();
  *h->mutable_preferences() = Preferences();
  h->set_protocol_version(1);
  h->set_previous_session_id(previous_session_id_);
  v1::Heartbeat* st = h->mutable_initial_state();
  FillCarState(st);
  st->set_free_slots(FreeSlots());
  SetNow(st->mutable_sent_at());
  return m;
}

void Car::OpenSession() {
  if (shutdown_ || !available_) return;
  link_state_ = Link::kConnecting;
  heartbeat_seq_ = 0;
  requested_slots_ = 0;
  session_ = std::make_shared<Session>(fleet_, this);
  session_credential_id_ = credential_id_;
  session_->Start(fleet_.StubFor(index_), node_id_, secret_, MakeHello());
}

void Car::ScheduleReconnect() {
  ReleaseConnectSlot();
  if (shutdown_ || !available_) return;
  link_state_ = Link::kBackoff;
  const Duration d = std::max(backoff_.Next(), retry_after_);
  retry_after_ = Duration::Zero();
  Log("reconnect in " + d.ToString());
  reconnect_timer_.expires_after(ToSteady(d));
  reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || link_state_ != Link::kBackoff) return;
    link_state_ = Link::kIdle;
    Connect();
  });
}

void Car::CloseSession(bool vanish) {
  ReleaseConnectSlot();
  heartbeat_timer_.cancel();
  if (link_state_ == Link::kConnected) --fleet_.counters.connected_now;
  link_state_ = Link::kIdle;
  if (session_id_ != 0) previous_session_id_ = session_id_;
  std::shared_ptr<Session> s = std::move(session_);
  s->Detach();
  std::erase_if(closing_, [](const std::weak_ptr<Session>& w) { return w.expired(); });
  closing_.push_back(s);  // what it says from now on is of no interest
  if (vanish) {
    ++fleet_.counters.vanishes;
    s->Cancel();
  } else {
    v1::NodeMessage m;
    v1::Leave* l = m.mutable_leave();
    l->set_reason(shutdown_   ? v1::LEAVE_REASON_SHUTDOWN
                  : draining_ ? v1::LEAVE_REASON_DRAINED
                              : v1::LEAVE_REASON_OWNER_DRIVING);
    s->Send(std::move(m));
    s->CloseWrites();
    ++fleet_.counters.leaves;
  }
}

void Car::StopRefused(const std::string& what, RefusalReason why, const grpc::Status& s,
                      std::atomic<uint64_t>& counter) {
  ++counter;
  std::fprintf(stderr,
               "car %u: %s refused by the coordinator (%s: %s); this car stops. Enroll it again "
               "with a new join token.\n",
               index_, what.c_str(), std::string(RefusalReasonName(why)).c_str(),
               s.error_message().c_str());
  Shutdown();
}

void Car::OnSessionDone(Session* s, const grpc::Status& status, RefusalReason reason) {
  if (s != session_.get()) return;
  ReleaseConnectSlot();
  Log("session ended: " + std::to_string(status.error_code()) + " " + status.error_message());
  heartbeat_timer_.cancel();
  if (link_state_ == Link::kConnected) --fleet_.counters.connected_now;
  if (session_id_ != 0) previous_session_id_ = session_id_;
  session_.reset();
  link_state_ = Link::kIdle;
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED &&
      session_credential_id_ != credential_id_) {
    // The session's credential ran out after the car renewed it: reconnect with the new one
    // (its attempts are kept by the coordinator for the grace, and listed in the Hello).
    Log("session credential " + session_credential_id_ + " ended; reconnecting with " +
        credential_id_);
  } else if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    DropAllAttempts();
    // The coordinator's reason decides, never the message (worded for people).
    if (IsFinalRefusal(reason)) {  // a new credential needs a new join token
      StopRefused("node " + std::to_string(node_id_) + " credential " + credential_id_, reason,
                  status, fleet_.counters.credentials_refused);
      return;
    }
    node_id_ = 0;  // credential unknown (e.g. the coordinator lost it): enroll again
  }
  if (shutdown_ || !available_) return;
  ++fleet_.counters.reconnects;
  ScheduleReconnect();
}

void Car::OnSessionMessage(Session* s, const v1::CoordinatorMessage& m) {
  if (s != session_.get()) return;
  switch (m.kind_case()) {
    case v1::CoordinatorMessage::kBatch:
      for (const v1::CoordinatorMessage& one : m.batch().messages()) {
        if (one.has_batch() || s != session_.get()) break;  // nested, or the session ended
        OnSessionMessage(s, one);
      }
      break;
    case v1::CoordinatorMessage::kWelcome:
      OnWelcome(m.welcome());
      break;
    case v1::CoordinatorMessage::kAssignment:
      OnAssignment(m.assignment());
      break;
    case v1::CoordinatorMessage::kCancel: {
      const uint64_t id = m.cancel().attempt().attempt_id();
      if (attempts_.count(id) != 0) {
        ++fleet_.counters.attempts_lost;
        FailAttempt(id, v1::FAILURE_REASON_CANCELLED, "cancelled by the coordinator");
      }
      break;
    }
    case v1::CoordinatorMessage::kLeaseRenewal:
      break;  // leases are the coordinator's business; the car keeps computing
    case v1::CoordinatorMessage::kResultAck:
      OnResultAck(m.result_ack());
      break;
    case v1::CoordinatorMessage::kCheckpointRequest:
      OnCheckpointRequest(m.checkpoint_request());
      break;
    case v1::CoordinatorMessage::kDrain:
      draining_ = true;
      if (m.drain().cancel_running()) DropAllAttempts();
      if (attempts_.empty()) CloseSession(false);
      break;
    case v1::CoordinatorMessage::kError:
      if (m.error().fatal()) retry_after_ = FromProto(m.error().retry_after());
      Log("coordinator error " + std::to_string(m.error().code()) + ": " + m.error().message());
      break;
    default:
      break;
  }
}

void Car::OnWelcome(const v1::Welcome& w) {
  if (link_state_ != Link::kConnecting) return;
  link_state_ = Link::kConnected;
  ReleaseConnectSlot();
  ++fleet_.counters.connected_now;
  ++fleet_.counters.sessions;
  backoff_.Reset();
  session_id_ = w.session_id();
  const Duration hb = FromProto(w.heartbeat_interval());
  heartbeat_interval_ = hb > Duration::Zero() ? hb : fleet_.options.default_heartbeat_interval;
  if (w.max_chunk_bytes() > 0) max_chunk_bytes_ = w.max_chunk_bytes();
  if (w.max_message_bytes() > 0 && w.max_message_bytes() < max_chunk_bytes_ + 1024) {
    max_chunk_bytes_ = w.max_message_bytes() > 2048 ? w.max_message_bytes() - 1024 : 1024;
  }
  inline_max_bytes_ = w.inline_result_max_bytes();
  // Held attempts: keep the re-attached ones (under the epochs given), drop the rest.
  std::map<uint64_t, uint64_t> reattached;
  for (const v1::AttemptRef& r : w.reattached()) reattached[r.attempt_id()] = r.lease_epoch();
  for (auto it = attempts_.begin(); it != attempts_.end();) {
    auto r = reattached.find(it->first);
    if (r == reattached.end()) {
      ++fleet_.counters.attempts_lost;
      it = attempts_.erase(it);
      continue;
    }
    it->second.assignment.mutable_attempt()->set_lease_epoch(r->second);
    if (it->second.phase == Phase::kAwaitingAck || it->second.phase == Phase::kSending) {
      it->second.phase = Phase::kReady;  // the ack (or upload) was lost with the session
    }
    ++it;
  }
  UpdateComputeLoad();
  Log("welcome, session " + std::to_string(session_id_));
  SendHeartbeat();
  for (auto& [id, a] : attempts_) {
    if (a.phase == Phase::kReady) SendResult(id);
  }
  MaybeRequestWork();
  ScheduleHeartbeat();
}

void Car::ScheduleHeartbeat() {
  // Each gap is drawn from [0.9, 1.0] x the interval (never later than asked): cars that
  // connected together (a fleet starting, or returning after a coordinator restart) drift
  // apart instead of heartbeating in synchronised waves.
  const Duration gap = Duration::FromSecondsF(heartbeat_interval_.SecondsF() *
                                              (0.9 + 0.1 * heartbeat_rng_.Uniform()));
  // Due times are rounded down to a 20 ms grid: the cars of one process due in the same
  // slot heartbeat in one pass of the I/O loop, and gRPC packs their writes on a shared
  // connection into fewer syscalls (at 100,000 cars the agents' CPU went from 121% to 65%).
  constexpr int64_t kGridNs = 20'000'000;
  const int64_t due = (WallClock().Now() + gap).nanos();
  heartbeat_timer_.expires_at(
      SteadyTimeOf(TimePoint::FromNanos(std::max<int64_t>(due - due % kGridNs, 0))));
  heartbeat_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || link_state_ != Link::kConnected) return;
    SendHeartbeat();
    ScheduleHeartbeat();
  });
}

void Car::SendHeartbeat() {
  v1::NodeMessage m;
  v1::Heartbeat* h = m.mutable_heartbeat();
  h->set_seq(++heartbeat_seq_);
  FillCarState(h);
  for (const auto& [id, a] : attempts_) *h->add_running_attempts() = a.assignment.attempt();
  h->set_free_slots(FreeSlots());
  SetNow(h->mutable_sent_at());
  session_->Send(std::move(m));
  ++fleet_.counters.heartbeats_sent;
}

uint32_t Car::FreeSlots() const {
  const auto n = static_cast<uint32_t>(attempts_.size());
  return n >= fleet_.options.max_concurrent_tasks ? 0 : fleet_.options.max_concurrent_tasks - n;
}

void Car::MaybeRequestWork() {
  if (link_state_ != Link::kConnected || !available_ || draining_ || shutdown_) return;
  const uint32_t free = FreeSlots();
  if (free == 0 || requested_slots_ > 0) return;
  v1::NodeMessage m;
  m.mutable_work_request()->set_slots(free);
  requested_slots_ = free;
  session_->Send(std::move(m));
  ++fleet_.counters.work_requests;
}

// ---------------------------------------------------------------------------------------
// Attempts.

void Car::OnAssignment(const v1::Assignment& a) {
  if (requested_slots_ > 0) --requested_slots_;
  const uint64_t id = a.attempt().attempt_id();
  ++fleet_.counters.attempts_assigned;
  if (attempts_.count(id) != 0) return;  // a duplicate assignment: already running it
  Attempt& at = attempts_[id];
  at.assignment = a;
  at.token = next_token_++;
  at.started = WallClock().Now();
  const bool supported = (a.executor().kind() == v1::EXECUTOR_KIND_HASH ||
                          a.executor().kind() == v1::EXECUTOR_KIND_SIMULATED);
  if (!supported) {
    FailAttempt(id, v1::FAILURE_REASON_UNSUPPORTED, "executor kind not supported");
    return;
  }
  if (a.input_size_bytes() > 0 && a.inline_input().empty()) {
    at.phase = Phase::kFetching;
    v1::FetchInputRequest req;
    *req.mutable_attempt() = a.attempt();
    const uint64_t token = at.token;
    at.call = StartFetchInput(
        fleet_, fleet_.StubFor(index_), node_id_, secret_, std::move(req),
        [this, id, token](grpc::Status s, std::string data) {
          auto it = attempts_.find(id);
          if (it == attempts_.end() || it->second.token != token) return;
          it->second.call.reset();
          if (!s.ok() || data.size() != it->second.assignment.input_size_bytes()) {
            FailAttempt(id, v1::FAILURE_REASON_INPUT_UNAVAILABLE,
                        s.ok() ? "input size mismatch" : s.error_message());
            return;
          }
          const auto& want = it->second.assignment.input_digest().sha256();
          if (!want.empty() && want != AsBytes(Sha256(data))) {
            FailAttempt(id, v1::FAILURE_REASON_INPUT_CORRUPT, "input digest mismatch");
            return;
          }
          it->second.input = std::move(data);
          OnInputReady(id);
        });
    return;
  }
  at.input = a.inline_input();
  OnInputReady(id);
}

void Car::OnInputReady(uint64_t id) {
  if (!attempts_.at(id).assignment.resume_from().checkpoint_id().empty()) {
    FetchResumeCheckpoint(id);
    return;
  }
  StartCompute(id);
}

void Car::StartCompute(uint64_t id) {
  Attempt& at = attempts_.at(id);
  at.phase = Phase::kComputing;
  at.compute_started = WallClock().Now();
  UpdateComputeLoad();
  SchedulePeriodicCheckpoint(id);
  const uint64_t token = at.token;
  // Resumed: only the work the checkpoint did not do is left (the output is the same).
  const Duration hold = at.assignment.executor().kind() == v1::EXECUTOR_KIND_SIMULATED
                            ? ComputeTime(at.assignment, hardware_.speed_work_units_per_s(),
                                          fleet_.options.time_scale, at.resumed_units)
                            : Duration::Zero();
  if (at.assignment.executor().kind() == v1::EXECUTOR_KIND_HASH) {
    // A tiny kernel costs less than the two thread hand-offs of the pool: run it here.
    const uint64_t blocks = at.assignment.executor().hash().rounds() + at.input.size() / 64;
    if (blocks <= kInlineHashBlocks) {
      OnComputed(id, token, Execute(at.assignment, at.input));
      return;
    }
    // The real kernel runs on the compute pool; the result comes back to the I/O thread.
    boost::asio::post(fleet_.compute, [this, id, token, a = at.assignment, in = at.input] {
      auto out = Execute(a, in);
      boost::asio::post(fleet_.io, [this, id, token, out = std::move(out)]() mutable {
        OnComputed(id, token, std::move(out));
      });
    });
    return;
  }
  at.timer = std::make_unique<boost::asio::steady_timer>(fleet_.io, ToSteady(hold));
  at.timer->async_wait([this, id, token](const boost::system::error_code& ec) {
    if (ec) return;
    auto it = attempts_.find(id);
    if (it == attempts_.end() || it->second.token != token) return;
    OnComputed(id, token, Execute(it->second.assignment, it->second.input));
  });
}

void Car::OnComputed(uint64_t id, uint64_t token, absl::StatusOr<ExecutionOutput> out) {
  auto it = attempts_.find(id);
  if (it == attempts_.end() || it->second.token != token) return;
  Attempt& at = it->second;
  if (!out.ok()) {
    FailAttempt(id, v1::FAILURE_REASON_EXECUTOR_ERROR, std::string(out.status().message()));
    return;
  }
  at.output = std::move(out->output);
  at.work_units = std::max(0.0, out->work_units - at.resumed_units);
  at.input.clear();
  at.input.shrink_to_fit();
  if (wrong_answer_key_ != kHonest) {
    Falsify(at.output, wrong_answer_key_);
    ++fleet_.counters.results_corrupted;
  } else if (MaybeCorrupt(at.output, fleet_.options.byzantine_probability, rng_)) {
    ++fleet_.counters.results_corrupted;
  }
  // The digest is of what is sent: a byzantine car lies consistently.
  at.digest.set_sha256(std::string(AsBytes(Sha256(at.output))));
  at.phase = Phase::kReady;
  UpdateComputeLoad();
  if (link_state_ == Link::kConnected) SendResult(id);
}

void Car::SendResult(uint64_t id) {
  Attempt& at = attempts_.at(id);
  const uint64_t total = at.output.size();
  const uint64_t chunk = std::max<uint64_t>(1, max_chunk_bytes_);
  std::vector<v1::ResultChunk> chunks;
  for (uint64_t off = 0; off < total || (off == 0 && chunks.empty()); off += chunk) {
    v1::ResultChunk c;
    *c.mutable_attempt() = at.assignment.attempt();
    c.set_offset(off);
    c.set_data(at.output.substr(off, chunk));
    c.set_total_size_bytes(total);
    c.set_last(off + chunk >= total);
    if (c.last()) {
      *c.mutable_result_digest() = at.digest;
      c.set_work_done_units(at.work_units);
      SetDuration(c.mutable_compute_time(), WallClock().Now() - at.started);
    }
    chunks.push_back(std::move(c));
    if (total == 0) break;
  }
  ++fleet_.counters.results_sent;
  if (total <= inline_max_bytes_) {
    at.phase = Phase::kAwaitingAck;
    for (v1::ResultChunk& c : chunks) {
      v1::NodeMessage m;
      *m.mutable_result_chunk() = std::move(c);
      session_->Send(std::move(m));
    }
    return;
  }
  at.phase = Phase::kSending;
  const uint64_t token = at.token;
  at.call = StartUploadResult(fleet_, fleet_.StubFor(index_), node_id_, secret_, std::move(chunks),
                              [this, id, token](grpc::Status s, v1::ResultAck ack) {
                                auto it = attempts_.find(id);
                                if (it == attempts_.end() || it->second.token != token) return;
                                it->second.call.reset();
                                if (!s.ok()) {
                                  // Keep the result; it is sent again after the next Welcome.
                                  Log("upload failed: " + s.error_message());
                                  it->second.phase = Phase::kReady;
                                  return;
                                }
                                OnResultAck(ack);
                              });
}

void Car::OnResultAck(const v1::ResultAck& ack) {
  const uint64_t id = ack.attempt().attempt_id();
  if (attempts_.count(id) == 0) return;
  if (ack.outcome() == v1::RESULT_OUTCOME_ACCEPTED ||
      ack.outcome() == v1::RESULT_OUTCOME_DUPLICATE) {
    ++fleet_.counters.attempts_done;
  } else {
    ++fleet_.counters.attempts_rejected;
  }
  attempts_.erase(id);
  if (draining_ && attempts_.empty() && session_) {
    CloseSession(false);
    return;
  }
  MaybeRequestWork();
}

void Car::FailAttempt(uint64_t id, v1::FailureReason reason, const std::string& detail) {
  auto it = attempts_.find(id);
  if (it == attempts_.end()) return;
  if (reason != v1::FAILURE_REASON_CANCELLED) ++fleet_.counters.attempts_failed;
  if (link_state_ == Link::kConnected) {
    v1::NodeMessage m;
    v1::AttemptFailed* f = m.mutable_attempt_failed();
    *f->mutable_attempt() = it->second.assignment.attempt();
    f->set_reason(reason);
    f->set_detail(detail);
    f->set_work_done_units(WorkDone(it->second));
    if (!it->second.last_checkpoint.checkpoint_id().empty()) {
      *f->mutable_checkpoint() = it->second.last_checkpoint;
    }
    session_->Send(std::move(m));
  }
  DropAttempt(id);
  MaybeRequestWork();
}

void Car::DropAttempt(uint64_t id) {
  auto it = attempts_.find(id);
  if (it == attempts_.end()) return;
  if (it->second.call) it->second.call->Cancel();
  if (it->second.timer) it->second.timer->cancel();
  if (it->second.checkpoint_call) it->second.checkpoint_call->Cancel();
  if (it->second.checkpoint_timer) it->second.checkpoint_timer->cancel();
  attempts_.erase(it);
  UpdateComputeLoad();
}

void Car::DropAllAttempts() {
  fleet_.counters.attempts_lost += attempts_.size();
  while (!attempts_.empty()) DropAttempt(attempts_.begin()->first);
}

// ---------------------------------------------------------------------------------------
// Shutdown.

void Car::Shutdown() {
  if (shutdown_) return;
  shutdown_ = true;
  ReleaseConnectSlot();
  period_timer_.cancel();
  warn_timer_.cancel();
  reconnect_timer_.cancel();
  heartbeat_timer_.cancel();
  renew_timer_.cancel();
  if (renew_call_) renew_call_->Cancel();
  for (auto& [id, a] : attempts_) {
    if (a.timer) a.timer->cancel();
    if (a.checkpoint_timer) a.checkpoint_timer->cancel();
  }
  if (enroll_call_) {
    enroll_call_->Cancel();
    enroll_call_.reset();
    ++enroll_generation_;
  }
  if (session_) CloseSession(false);
  if (available_) {
    available_ = false;
    --fleet_.counters.available_now;
  }
}

void Car::CancelAll() {
  if (renew_call_) renew_call_->Cancel();
  if (enroll_call_) {
    enroll_call_->Cancel();
    enroll_call_.reset();
    ++enroll_generation_;
  }
  for (auto& [id, a] : attempts_) {
    if (a.call) a.call->Cancel();
    if (a.checkpoint_call) a.checkpoint_call->Cancel();
  }
  if (session_) session_->Cancel();
  for (const std::weak_ptr<Session>& w : closing_) {
    if (auto s = w.lock()) s->Cancel();
  }
}

}  // namespace fleetgrid::node
