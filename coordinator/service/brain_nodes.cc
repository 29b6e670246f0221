// Brain: the car side (enrollment, sessions, reports, results) and the admin queries.
#include <cmath>

#include "common/refusal_reason.h"
#include "coordinator/service/brain.h"

namespace fleetgrid::service {

namespace {

v1::CoordinatorMessage ErrorMessage(absl::StatusCode code, std::string text) {
  v1::CoordinatorMessage m;
  m.mutable_error()->set_code(static_cast<int32_t>(code));
  m.mutable_error()->set_message(std::move(text));
  return m;
}

uint8_t HwClass(v1::HardwareClass c) {
  return c == v1::HARDWARE_CLASS_UNSPECIFIED ? 0 : static_cast<uint8_t>(c - 1);
}

}  // namespace

void Brain::Enroll(v1::EnrollRequest req, Reply<v1::EnrollResponse> reply) {
  if (req.hardware().speed_work_units_per_s() < 0) {
    return reply(absl::InvalidArgumentError("hardware.speed_work_units_per_s must be > 0"));
  }
  core::OwnerRules rules;
  core::BatterySpec battery;
  if (absl::Status s =
          OwnerRulesFromWire(req.preferences(), req.battery(), req.hardware(), &rules, &battery);
      !s.ok()) {
    return reply(s);
  }
  std::string token = std::move(*req.mutable_join_token());
  req.clear_join_token();  // never stored
  Post([this, req = std::move(req), token = std::move(token), reply = std::move(reply)]() mutable {
    if (broken_.load()) return reply(Unavailable());
    const int64_t now_ms = NowMs();
    // In open mode any join token enrolls (development); else it must be an issued one.
    const std::string token_id = identities_.open() ? "" : identities_.JoinTokenId(token);
    if (!identities_.open() && token_id.empty()) {
      return reply(WithRefusalReason(absl::UnauthenticatedError("unknown join token"),
                                     RefusalReason::kJoinTokenUnknown));
    }
    if (!req.idempotency_key().empty()) {
      auto it = enroll_keys_.find(req.idempotency_key());
      if (it != enroll_keys_.end()) {
        auto r = enroll_replies_.find(it->second);
        if (r == enroll_replies_.end()) {
          return reply(absl::FailedPreconditionError(
              "idempotency_key was used by an enrollment before the coordinator restarted; "
              "use the credential it returned, or enroll with a new key"));
        }
        // The credential goes only to whoever holds the join token that earned it.
        if (r->second.join_token_id != token_id) {
          return reply(
              absl::UnauthenticatedError("this idempotency_key enrolled with another join token"));
        }
        v1::EnrollResponse dup = r->second.response;
        dup.set_duplicate(true);
        return Defer([reply, dup](const absl::Status& s) { s.ok() ? reply(dup) : reply(s); });
      }
    }
    if (store_full_.load()) return reply(StoreFull());
    WriteBatch batch;
    if (!identities_.open()) {
      auto used = identities_.UseJoinToken(token, req.owner(), now_ms);
      if (!used.ok()) return reply(used.status());
      if (req.owner().empty()) req.set_owner(used->owner);
      batch.join_tokens.push_back(*std::move(used));
    }
    auto [owner_it, fresh] =
        owners_.try_emplace(req.owner(), OwnerId(static_cast<uint32_t>(owners_.size())));
    (void)fresh;
    core::NodeSpec spec;
    spec.owner = owner_it->second;
    spec.hw_class = HwClass(req.hardware().hardware_class());
    spec.speed =
        req.hardware().speed_work_units_per_s() > 0 ? req.hardware().speed_work_units_per_s() : 1.0;
    if (req.link().download_bytes_per_s() > 0) {
      spec.link.bandwidth_bytes_per_s = static_cast<double>(req.link().download_bytes_per_s());
    }
    spec.link.metered = req.link().metered();
    spec.memory_bytes = req.hardware().memory_bytes();
    spec.max_concurrent = options_.node_max_concurrent;
    const NodeId id = runtime_->RegisterNode(spec);
    const uint64_t wire = WireNode(id);
    const int64_t now_unix = UnixNow();
    if (nodes_.size() <= id.value()) nodes_.resize(id.value() + 1);
    NodeExtra& x = nodes_[id.value()];
    x.owner = req.owner();
    x.display_name = req.display_name();
    x.agent_version = req.agent_version();
    x.hardware = req.hardware();
    x.preferences = req.preferences();
    x.battery = req.battery();
    x.enrolled_unix_ns = now_unix;
    NodeRecord rec;
    rec.node_id = wire;
    rec.owner = req.owner();
    rec.enroll_key = req.idempotency_key();
    rec.enroll_request = req.SerializeAsString();
    rec.enrolled_unix_ms = now_unix / 1'000'000;
    batch.nodes.push_back(std::move(rec));
    Issued<CredentialRecord> cred = identities_.IssueCredential(wire, req.owner(), now_ms);
    v1::EnrollResponse resp;
    *resp.mutable_credential() = CredentialMessage(cred);
    batch.credentials.push_back(std::move(cred.record));
    if (!req.idempotency_key().empty()) {
      enroll_keys_[req.idempotency_key()] = wire;
      enroll_replies_[wire] = {resp, token_id};
    }
    metrics_->nodes_enrolled.fetch_add(1, std::memory_order_relaxed);
    CollectChanges(&batch);
    Defer([reply, resp](const absl::Status& s) { s.ok() ? reply(resp) : reply(s); });
  });
}

absl::StatusOr<Caller> Brain::Authenticate(uint64_t node_id, std::string_view secret) const {
  return identities_.AuthenticateNode(node_id, secret, NowMs());
}

void Brain::OpenSession(uint64_t node_id, std::string credential_id, v1::Hello hello,
                        std::shared_ptr<NodeOutbox> outbox) {
  Post([this, node_id, credential_id = std::move(credential_id), hello = std::move(hello),
        outbox = std::move(outbox)] {
    if (broken_.load()) return outbox->Finish(Unavailable());
    const NodeId n = CoreNode(node_id);
    if (!n.valid() || n.value() >= nodes_.size()) {
      return outbox->Finish(WithRefusalReason(absl::UnauthenticatedError("unknown node"),
                                              RefusalReason::kCredentialUnknown));
    }
    // Revoked (or expired) while the Hello was on its way.
    const auto cred = identities_.LiveCredential(credential_id, NowMs());
    if (!cred.ok()) return outbox->Finish(cred.status());
    NodeExtra& x = nodes_[n.value()];
    if (x.session.outbox && x.session.outbox != outbox) {
      x.session.outbox->Finish(
          absl::FailedPreconditionError("a newer session of this node replaced this one"));
    }
    std::vector<core::HeldAttempt> held;
    for (const v1::HeldAttempt& h : hello.held_attempts()) {
      if (h.attempt().lease_epoch() > 0xffffffffull) continue;
      held.push_back(
          {AttemptId(h.attempt().attempt_id()), static_cast<uint32_t>(h.attempt().lease_epoch())});
    }
    if (absl::Status s = CheckCarState(hello.initial_state());
        hello.has_initial_state() && !s.ok()) {
      return outbox->Finish(
          absl::InvalidArgumentError("hello.initial_state." + std::string(s.message())));
    }
    // The preferences in force now; a Hello without them keeps the enrollment's (or the
    // last Hello's).
    const v1::OwnerPreferences& prefs =
        hello.has_preferences() ? hello.preferences() : x.preferences;
    const v1::BatteryDescription& battery = hello.has_battery() ? hello.battery() : x.battery;
    if (absl::Status s = ApplyOwnerRules(n, prefs, battery,
                                         hello.has_hardware() ? hello.hardware() : x.hardware);
        !s.ok()) {
      AfterCall();
      return outbox->Finish(s);
    }
    x.preferences = prefs;
    x.battery = battery;
    if (absl::Status s = runtime_->Connect(n, held); !s.ok()) {
      AfterCall();
      return outbox->Finish(s);
    }
    x.session = {outbox, next_session_id_++, UnixNow(), credential_id, cred->expires_unix_ms};
    if (!hello.agent_version().empty()) x.agent_version = hello.agent_version();
    if (hello.has_hardware()) x.hardware = hello.hardware();
    x.last_heartbeat_unix_ns = x.session.connected_unix_ns;
    if (hello.has_initial_state()) (void)ApplyCarState(n, hello.initial_state());
    v1::CoordinatorMessage w;
    v1::Welcome* welcome = w.mutable_welcome();
    welcome->set_session_id(x.session.session_id);
    welcome->mutable_heartbeat_interval()->set_seconds(options_.heartbeat_interval.nanos() /
                                                       1'000'000'000);
    welcome->mutable_heartbeat_interval()->set_nanos(
        static_cast<int32_t>(options_.heartbeat_interval.nanos() % 1'000'000'000));
    welcome->mutable_heartbeat_grace()->set_seconds(options_.heartbeat_grace.nanos() /
                                                    1'000'000'000);
    welcome->mutable_heartbeat_grace()->set_nanos(
        static_cast<int32_t>(options_.heartbeat_grace.nanos() % 1'000'000'000));
    if (!options_.lease.IsInfinite()) {
      welcome->mutable_lease_length()->set_seconds(options_.lease.nanos() / 1'000'000'000);
    }
    welcome->set_max_message_bytes(options_.max_message_bytes);
    welcome->set_max_chunk_bytes(options_.max_chunk_bytes);
    welcome->set_inline_result_max_bytes(options_.inline_result_max_bytes);
    *welcome->mutable_server_time() = ToTimestamp(UnixNow());
    welcome->set_protocol_version(1);
    const std::vector<core::AttemptInfo> live = core().NodeAttempts(n);
    for (const v1::HeldAttempt& h : hello.held_attempts()) {
      bool kept = false;
      for (const core::AttemptInfo& a : live) {
        kept |= a.id.value() == h.attempt().attempt_id() && a.epoch == h.attempt().lease_epoch();
      }
      if (kept) {
        *welcome->add_reattached() = h.attempt();
      } else {
        v1::DroppedAttempt* dr = welcome->add_dropped();
        *dr->mutable_attempt() = h.attempt();
        dr->set_reason("not running on this car any more (lost, reassigned or done)");
      }
    }
    // The Welcome goes first on the stream; anything the Connect decided follows it.
    AfterCall(nullptr, [outbox, w](const absl::Status& s) {
      if (s.ok()) outbox->Send(w);
    });
  });
}

void Brain::SessionClosed(uint64_t node_id, std::shared_ptr<NodeOutbox> outbox) {
  Post([this, node_id, outbox = std::move(outbox)] {
    const NodeId n = CoreNode(node_id);
    if (!n.valid() || n.value() >= nodes_.size()) return;
    if (nodes_[n.value()].session.outbox == outbox) nodes_[n.value()].session = {};
  });
}

void Brain::OnNodeMessages(uint64_t node_id, std::shared_ptr<NodeOutbox> outbox,
                           std::vector<v1::NodeMessage> msgs) {
  Post([this, node_id, outbox = std::move(outbox), msgs = std::move(msgs)] {
    if (broken_.load()) return;
    const NodeId n = CoreNode(node_id);
    if (!n.valid() || n.value() >= nodes_.size() || nodes_[n.value()].session.outbox != outbox) {
      return;  // a replaced session: ignore what it still sends
    }
    for (const v1::NodeMessage& msg : msgs) {
      if (nodes_[n.value()].session.outbox != outbox) break;  // left mid-batch
      HandleNodeMessage(n, outbox, msg);
    }
    AfterCall();
  });
}

void Brain::HandleNodeMessage(NodeId n, const std::shared_ptr<NodeOutbox>& outbox,
                              const v1::NodeMessage& msg) {
  NodeExtra& x = nodes_[n.value()];
  switch (msg.kind_case()) {
    case v1::NodeMessage::kHeartbeat: {
      const v1::Heartbeat& hb = msg.heartbeat();
      if (absl::Status s = ApplyCarState(n, hb); !s.ok()) {
        return SendToNode(n, ErrorMessage(s.code(), "heartbeat." + std::string(s.message())));
      }
      x.last_heartbeat_unix_ns = UnixNow();
      metrics_->heartbeats_total.fetch_add(1, std::memory_order_relaxed);
      if (hb.has_sent_at()) {
        const int64_t sent = hb.sent_at().seconds() * 1'000'000'000 + hb.sent_at().nanos();
        metrics_->heartbeat_delay.Observe(Duration::Nanos(x.last_heartbeat_unix_ns - sent));
      }
      return;
    }
    case v1::NodeMessage::kWorkRequest: {
      if (msg.work_request().slots() == 0) {
        return SendToNode(
            n, ErrorMessage(absl::StatusCode::kInvalidArgument, "work_request.slots must be >= 1"));
      }
      const uint32_t slots = std::min<uint32_t>(msg.work_request().slots(), 0xffff);
      if (absl::Status s = runtime_->RequestWork(n, slots); !s.ok()) {
        return SendToNode(n, ErrorMessage(s.code(), std::string(s.message())));
      }
      return;
    }
    case v1::NodeMessage::kProgress: {
      // Progress.checkpoint describes a checkpoint kept on the car: it cannot resume the
      // task anywhere else, so only UploadCheckpoint's stored bytes count as one.
      const v1::Progress& p = msg.progress();
      if (p.attempt().lease_epoch() > 0xffffffffull) return;
      auto v = runtime_->ReportProgress(n, AttemptId(p.attempt().attempt_id()),
                                        static_cast<uint32_t>(p.attempt().lease_epoch()),
                                        p.work_done_units(), /*checkpoint=*/false);
      if (v.ok() && core::IsRejected(*v)) {
        // The car works on something that is not its own any more: tell it to stop.
        v1::CoordinatorMessage c;
        *c.mutable_cancel()->mutable_attempt() = p.attempt();
        c.mutable_cancel()->set_reason(v1::CANCEL_REASON_REASSIGNED);
        c.mutable_cancel()->set_detail(std::string(core::ToString(*v)));
        SendToNode(n, std::move(c));
      }
      return;
    }
    case v1::NodeMessage::kAttemptFailed: {
      const v1::AttemptFailed& f = msg.attempt_failed();
      if (f.attempt().lease_epoch() > 0xffffffffull) return;
      (void)runtime_->ReportFailure(n, AttemptId(f.attempt().attempt_id()),
                                    static_cast<uint32_t>(f.attempt().lease_epoch()));
      return;
    }
    case v1::NodeMessage::kLeave: {
      (void)runtime_->Leave(n);
      x.session = {};
      Defer([outbox](const absl::Status&) { outbox->Finish(absl::OkStatus()); });
      return;
    }
    case v1::NodeMessage::kHello:
      return SendToNode(n, ErrorMessage(absl::StatusCode::kInvalidArgument,
                                        "Hello is only the first message of a session"));
    case v1::NodeMessage::kBatch:
      return SendToNode(n, ErrorMessage(absl::StatusCode::kInvalidArgument,
                                        "a NodeBatch must not contain another batch"));
    default:
      return SendToNode(
          n, ErrorMessage(absl::StatusCode::kInvalidArgument, "NodeMessage with no member set"));
  }
}

absl::Status Brain::ApplyCarState(NodeId n, const v1::Heartbeat& hb) {
  FG_RETURN_IF_ERROR(CheckCarState(hb));
  const core::NodeState state = *FromWire(hb.state());
  const float soc =
      hb.has_state_of_charge() ? static_cast<float>(hb.state_of_charge()) : core::kSocUnknown;
  FG_RETURN_IF_ERROR(runtime_->Heartbeat(n, state, soc));
  NodeExtra& x = nodes_[n.value()];
  if (!hb.has_expected_departure_at() || state == core::NodeState::kDriving)
    return absl::OkStatus();
  const int64_t at =
      hb.expected_departure_at().seconds() * 1'000'000'000 + hb.expected_departure_at().nanos();
  if (at == x.warned_departure_unix_ns) return absl::OkStatus();  // said before
  x.warned_departure_unix_ns = at;
  // The car's clock may run a little ahead or behind: a departure "in the past" is now.
  const TimePoint departure =
      std::max(Now(), TimePoint::FromNanos(at - (UnixNow() - Now().nanos())));
  metrics_->departure_warnings_total.fetch_add(1, std::memory_order_relaxed);
  return runtime_->WarnDeparture(n, departure);
}

absl::Status Brain::ApplyOwnerRules(NodeId n, const v1::OwnerPreferences& p,
                                    const v1::BatteryDescription& battery,
                                    const v1::HardwareDescription& hardware) {
  core::OwnerRules rules;
  core::BatterySpec spec;
  FG_RETURN_IF_ERROR(OwnerRulesFromWire(p, battery, hardware, &rules, &spec));
  if (!rules.any() && spec.capacity_wh == 0) return absl::OkStatus();  // nothing to keep
  return runtime_->SetOwnerRules(n, rules, spec);
}

absl::Status Brain::CheckNodeAttempt(NodeId n, const v1::AttemptRef& ref) const {
  const TaskId t = TaskOfAttempt(ref.attempt_id());
  if (!n.valid() || n.value() >= core().node_count()) {
    return absl::UnauthenticatedError("unknown node");
  }
  if (t.value() >= core().task_count() || (ref.attempt_id() & 0xffffffffu) == 0) {
    return absl::NotFoundError("unknown attempt " + std::to_string(ref.attempt_id()));
  }
  const auto task = core().GetTask(t);
  if ((ref.attempt_id() & 0xffffffffu) > task->epoch) {
    return absl::NotFoundError("unknown attempt " + std::to_string(ref.attempt_id()));
  }
  for (const core::AttemptInfo& a : core().TaskAttempts(t)) {
    if (a.id.value() != ref.attempt_id()) continue;
    if (a.node != n) {
      return absl::PermissionDeniedError("attempt " + std::to_string(ref.attempt_id()) +
                                         " belongs to another node");
    }
    if (a.epoch != ref.lease_epoch()) {
      return absl::FailedPreconditionError("lease epoch " + std::to_string(ref.lease_epoch()) +
                                           " is stale");
    }
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError("attempt " + std::to_string(ref.attempt_id()) +
                                       " is no longer running");
}

void Brain::OutputCapOf(uint64_t node_id, v1::AttemptRef ref, Reply<uint64_t> reply) {
  Post([this, node_id, ref, reply = std::move(reply)] {
    if (broken_.load()) return reply(Unavailable());
    if (absl::Status s = CheckNodeAttempt(CoreNode(node_id), ref); !s.ok()) return reply(s);
    reply(OutputCap(core().GetTask(TaskOfAttempt(ref.attempt_id()))->spec, options_.limits));
  });
}

void Brain::InputOf(uint64_t node_id, v1::AttemptRef ref, Reply<InputSource> reply) {
  Post([this, node_id, ref, reply = std::move(reply)] {
    if (broken_.load()) return reply(Unavailable());
    if (absl::Status s = CheckNodeAttempt(CoreNode(node_id), ref); !s.ok()) return reply(s);
    const TaskId t = TaskOfAttempt(ref.attempt_id());
    const JobId job = core().view().TaskJob(t);
    InputSource src;
    src.seed = ExecutorSeed(jobs_[job.value()].spec);
    src.task_index = t.value() - core().view().JobFirstTask(job);
    src.size = core().GetTask(t)->spec.input_bytes;
    reply(src);
  });
}

void Brain::CheckpointCapOf(uint64_t node_id, v1::AttemptRef ref, Reply<uint64_t> reply) {
  Post([this, node_id, ref, reply = std::move(reply)] {
    if (broken_.load()) return reply(Unavailable());
    if (absl::Status s = CheckNodeAttempt(CoreNode(node_id), ref); !s.ok()) return reply(s);
    const TaskId t = TaskOfAttempt(ref.attempt_id());
    const uint64_t cap = core().GetTask(t)->spec.checkpoint_bytes;
    if (cap == 0) {
      return reply(
          absl::FailedPreconditionError("task " + std::to_string(WireTask(t)) +
                                        " declares no checkpoint (checkpoint_size_bytes 0)"));
    }
    reply(cap);
  });
}

void Brain::SubmitCheckpoint(UploadedCheckpoint c, Reply<v1::CheckpointAck> reply) {
  Post([this, c = std::move(c), reply = std::move(reply)]() mutable {
    if (broken_.load()) return reply(Unavailable());
    const NodeId n = CoreNode(c.node);
    // Fenced: only the attempt's own car, under its current epoch (a car that lost the task
    // to a newer epoch must not overwrite the checkpoint the new attempt resumes from).
    if (absl::Status s = CheckNodeAttempt(n, c.attempt); !s.ok()) return reply(s);
    const TaskId t = TaskOfAttempt(c.attempt.attempt_id());
    const core::TaskSpec spec = core().GetTask(t)->spec;
    if (!(c.work_done_units >= 0 && c.work_done_units <= spec.work_units)) {
      return reply(absl::InvalidArgumentError("checkpoint.work_done_units must be in [0, " +
                                              std::to_string(spec.work_units) + "], got " +
                                              std::to_string(c.work_done_units)));
    }
    const uint64_t task = WireTask(t);
    if (auto old = checkpoints_.find(task);
        old != checkpoints_.end() && old->second.work_done_units >= c.work_done_units) {
      return reply(absl::FailedPreconditionError(
          "checkpoint at " + std::to_string(c.work_done_units) +
          " units is not past the stored one at " + std::to_string(old->second.work_done_units)));
    }
    const auto v = runtime_->ReportProgress(n, AttemptId(c.attempt.attempt_id()),
                                            static_cast<uint32_t>(c.attempt.lease_epoch()),
                                            c.work_done_units, /*checkpoint=*/true);
    if (!v.ok()) return reply(v.status());
    if (core::IsRejected(*v)) {
      return reply(
          absl::FailedPreconditionError("checkpoint refused: " + std::string(core::ToString(*v))));
    }
    v1::CheckpointAck ack;
    *ack.mutable_attempt() = c.attempt;
    ack.set_checkpoint_id(c.checkpoint_id);
    ack.set_work_done_units(c.work_done_units);
    ack.set_received_bytes(c.data.size());
    checkpoints_[task] = {task, c.checkpoint_id, c.work_done_units, c.data.size(), c.digest};
    metrics_->checkpoints_stored_total.fetch_add(1, std::memory_order_relaxed);
    metrics_->checkpoint_bytes_total.fetch_add(c.data.size(), std::memory_order_relaxed);
    WriteBatch extra;
    CheckpointRecord rec;
    rec.task_id = task;
    rec.attempt_id = c.attempt.attempt_id();
    rec.epoch = c.attempt.lease_epoch();
    rec.node_id = c.node;
    rec.checkpoint_id = std::move(c.checkpoint_id);
    rec.work_done_units = c.work_done_units;
    rec.digest = std::move(c.digest);
    rec.size_bytes = c.data.size();
    rec.data = std::move(c.data);
    extra.checkpoints.push_back(std::move(rec));
    AfterCall(&extra, [reply, ack](const absl::Status& s) { s.ok() ? reply(ack) : reply(s); });
  });
}

void Brain::CheckpointToResume(uint64_t node_id, v1::AttemptRef ref, std::string checkpoint_id,
                               Reply<StoredCheckpoint> reply) {
  Post([this, node_id, ref, id = std::move(checkpoint_id), reply = std::move(reply)] {
    if (broken_.load()) return reply(Unavailable());
    if (absl::Status s = CheckNodeAttempt(CoreNode(node_id), ref); !s.ok()) return reply(s);
    const uint64_t task = WireTask(TaskOfAttempt(ref.attempt_id()));
    auto it = checkpoints_.find(task);
    if (it == checkpoints_.end() || it->second.checkpoint_id != id) {
      return reply(
          absl::NotFoundError("task " + std::to_string(task) + " has no checkpoint '" + id + "'"));
    }
    reply(it->second);
  });
}

void Brain::SubmitResult(UploadedResult r, Reply<v1::ResultAck> reply) {
  Post([this, r = std::move(r), reply = std::move(reply)]() mutable {
    if (broken_.load()) return reply(Unavailable());
    const NodeId n = CoreNode(r.node);
    const TaskId t = TaskOfAttempt(r.attempt);
    v1::ResultAck ack;
    ack.mutable_attempt()->set_attempt_id(r.attempt);
    ack.mutable_attempt()->set_lease_epoch(r.epoch);
    auto reject = [&](v1::RejectReason why, std::string detail) {
      metrics_->results_rejected_total.fetch_add(1, std::memory_order_relaxed);
      ack.set_outcome(v1::RESULT_OUTCOME_REJECTED);
      ack.set_reject_reason(why);
      ack.set_detail(std::move(detail));
      Defer([reply, ack](const absl::Status& s) { s.ok() ? reply(ack) : reply(s); });
    };
    if (!n.valid() || n.value() >= core().node_count()) {
      return reply(absl::UnauthenticatedError("unknown node"));
    }
    if (t.value() >= core().task_count() || r.epoch == 0 || r.epoch > 0xffffffffull) {
      return reply(absl::NotFoundError("unknown attempt " + std::to_string(r.attempt)));
    }
    const core::TaskInfo task = *core().GetTask(t);
    const uint64_t cap = OutputCap(task.spec, options_.limits);
    if (r.data.size() > cap) {
      return reject(v1::REJECT_REASON_TOO_LARGE, "output of " + std::to_string(r.data.size()) +
                                                     " bytes over the cap of " +
                                                     std::to_string(cap));
    }
    const core::ResultVerdict v =
        runtime_->ReportResult(n, AttemptId(r.attempt), static_cast<uint32_t>(r.epoch), r.digest);
    switch (v) {
      case core::ResultVerdict::kRejectedWrongNode:
        metrics_->results_rejected_total.fetch_add(1, std::memory_order_relaxed);
        return reply(absl::PermissionDeniedError("attempt " + std::to_string(r.attempt) +
                                                 " belongs to another node"));
      case core::ResultVerdict::kRejectedUnknownAttempt:
        metrics_->results_rejected_total.fetch_add(1, std::memory_order_relaxed);
        return reply(absl::NotFoundError("unknown attempt " + std::to_string(r.attempt)));
      case core::ResultVerdict::kRejectedStaleEpoch:
        metrics_->results_rejected_total.fetch_add(1, std::memory_order_relaxed);
        return reply(
            absl::FailedPreconditionError("lease epoch " + std::to_string(r.epoch) + " is stale"));
      case core::ResultVerdict::kRejectedTaskClosed:
        return reject(v1::REJECT_REASON_TASK_DONE, "the task is closed");
      default:
        break;
    }
    WriteBatch extra;
    ack.set_received_bytes(r.data.size());
    if (v == core::ResultVerdict::kDuplicate) {
      ack.set_outcome(v1::RESULT_OUTCOME_DUPLICATE);
    } else {
      ack.set_outcome(v1::RESULT_OUTCOME_ACCEPTED);
      if (v == core::ResultVerdict::kPendingQuorum) ack.set_detail("recorded; waiting for quorum");
      for (const core::TaskCompleted& c : runtime_->pending().completed) {
        if (c.task != t) continue;
        ResultRecord rec;
        rec.task_id = WireTask(t);
        rec.job_id = WireJob(c.job);
        rec.task_index = t.value() - core().view().JobFirstTask(c.job);
        rec.attempt_id = c.attempt.value();
        rec.node_id = WireNode(c.node);
        rec.digest = AsString(c.digest);
        rec.size_bytes = r.data.size();
        rec.data = c.digest == r.digest ? std::move(r.data) : std::string();
        extra.results.push_back(std::move(rec));
      }
    }
    AfterCall(&extra, [reply, ack](const absl::Status& s) { s.ok() ? reply(ack) : reply(s); });
  });
}

// ---------------------------------------------------------------------------------------
// Admin.

v1::NodeInfo Brain::NodeView(NodeId n) const {
  const core::NodeInfo info = *core().GetNode(n);
  const NodeExtra& x = nodes_[n.value()];
  v1::NodeInfo out;
  out.set_node_id(WireNode(n));
  out.set_owner(x.owner);
  out.set_display_name(x.display_name);
  *out.mutable_hardware() = x.hardware;
  out.mutable_hardware()->set_speed_work_units_per_s(info.speed);
  out.mutable_hardware()->set_memory_bytes(info.memory_bytes);  // what the scheduler uses
  const int64_t expiry = identities_.NodeCredentialExpiry(WireNode(n), UnixNow() / 1'000'000);
  if (expiry != 0) *out.mutable_credential_expires_at() = ToTimestamp(expiry * 1'000'000);
  if (x.session.outbox) {
    out.set_connection_state(info.draining ? v1::CONNECTION_STATE_DRAINING
                                           : v1::CONNECTION_STATE_CONNECTED);
    *out.mutable_connected_since() = ToTimestamp(x.session.connected_unix_ns);
  } else if (expiry == 0) {
    out.set_connection_state(v1::CONNECTION_STATE_REVOKED);  // no live credential left
  } else if (info.connection == core::NodeConnection::kConnected ||
             info.connection == core::NodeConnection::kSilent) {
    out.set_connection_state(v1::CONNECTION_STATE_SUSPECT);
  } else {
    out.set_connection_state(v1::CONNECTION_STATE_DISCONNECTED);
  }
  out.set_node_state(ToWire(info.state));
  if (info.battery_soc >= 0) out.set_state_of_charge(info.battery_soc);  // else unknown
  out.set_running_attempts(info.running);
  if (x.last_heartbeat_unix_ns) {
    *out.mutable_last_heartbeat_at() = ToTimestamp(x.last_heartbeat_unix_ns);
  }
  *out.mutable_enrolled_at() = ToTimestamp(x.enrolled_unix_ns);
  out.set_agent_version(x.agent_version);
  out.set_attempts_succeeded(info.valid_results);
  const uint32_t votes = info.valid_results + info.invalid_results;
  out.set_reputation(votes ? static_cast<double>(info.valid_results) / votes : 1.0);
  out.set_validated_streak(info.consecutive_valid);
  out.set_results_invalid(info.invalid_results);
  out.set_daily_quota(info.daily_quota);
  return out;
}

void Brain::ListNodes(v1::ListNodesRequest req, Reply<v1::ListNodesResponse> reply) {
  Post([this, req = std::move(req), reply = std::move(reply)] {
    auto pg = ParsePage(req.page_token(), req.page_size(), 0);
    if (!pg.ok()) return reply(pg.status());
    const auto start = static_cast<uint32_t>(std::min<uint64_t>(pg->start, UINT32_MAX));
    const uint32_t page = pg->size;
    v1::ListNodesResponse resp;
    uint32_t i = start;
    for (; i < core().node_count() && static_cast<uint32_t>(resp.nodes_size()) < page; ++i) {
      v1::NodeInfo info = NodeView(NodeId(i));
      auto in = [](const auto& list, auto v) {
        return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
      };
      if (!in(req.node_states(), info.node_state())) continue;
      if (!in(req.connection_states(), info.connection_state())) continue;
      if (!req.owner().empty() && req.owner() != info.owner()) continue;
      *resp.add_nodes() = std::move(info);
    }
    if (i < core().node_count()) resp.set_next_page_token(std::to_string(i));
    reply(resp);
  });
}

void Brain::GetNode(uint64_t node_id, Reply<v1::NodeInfo> reply) {
  Post([this, node_id, reply = std::move(reply)] {
    const auto n_or = KnownNode(node_id);
    if (!n_or.ok()) return reply(n_or.status());
    const NodeId n = *n_or;
    reply(NodeView(n));
  });
}

void Brain::FleetStats(Reply<v1::FleetStats> reply) {
  Post([this, reply = std::move(reply)] {
    const core::CoreStats& st = core().stats();
    v1::FleetStats out;
    *out.mutable_observed_at() = ToTimestamp(UnixNow());
    uint64_t by_state[4] = {};
    uint64_t connected = 0, suspect = 0, draining = 0;
    double capacity = 0;
    for (uint32_t i = 0; i < core().node_count(); ++i) {
      const core::NodeInfo info = *core().GetNode(NodeId(i));
      if (nodes_[i].session.outbox) {
        ++connected;
        by_state[static_cast<size_t>(info.state)]++;
        if (info.draining) ++draining;
        if (info.state != core::NodeState::kDriving) capacity += info.speed;
      } else if (info.connection == core::NodeConnection::kConnected ||
                 info.connection == core::NodeConnection::kSilent) {
        ++suspect;
      }
    }
    out.mutable_nodes_by_state()->set_driving(by_state[0]);
    out.mutable_nodes_by_state()->set_parked(by_state[1]);
    out.mutable_nodes_by_state()->set_plugged(by_state[2]);
    out.mutable_nodes_by_state()->set_charging(by_state[3]);
    out.set_nodes_connected(connected);
    out.set_nodes_suspect(suspect);
    out.set_nodes_draining(draining);
    out.set_nodes_enrolled(core().node_count());
    out.set_queue_length(st.tasks_ready);
    out.set_running_attempts(st.attempts_live);
    out.set_active_jobs(st.jobs_submitted - st.jobs_done - st.jobs_failed - st.jobs_cancelled);
    out.set_attempts_lost(st.attempts_lost + st.attempts_left);
    out.set_attempts_failed(st.attempts_failed + st.attempts_expired + st.reports_rejected);
    out.set_work_lost_units(st.work_lost_units);
    out.set_capacity_work_units_per_s(capacity);
    reply(out);
  });
}

void Brain::DrainNode(v1::DrainNodeRequest req, Reply<v1::DrainNodeResponse> reply) {
  Post([this, req = std::move(req), reply = std::move(reply)] {
    if (broken_.load()) return reply(Unavailable());
    const auto n_or = KnownNode(req.node_id());
    if (!n_or.ok()) return reply(n_or.status());
    const NodeId n = *n_or;
    v1::DrainNodeResponse resp;
    const core::NodeInfo info = *core().GetNode(n);
    if (!nodes_[n.value()].session.outbox && info.running == 0) {
      resp.set_already_idle(true);
      *resp.mutable_node() = NodeView(n);
      return reply(resp);
    }
    if (absl::Status s = runtime_->Drain(n); !s.ok()) {
      AfterCall();
      return reply(s);
    }
    v1::CoordinatorMessage m;
    m.mutable_drain()->set_reason(req.reason());
    m.mutable_drain()->set_cancel_running(req.cancel_running());
    SendToNode(n, std::move(m));
    *resp.mutable_node() = NodeView(n);
    AfterCall();
    Defer([reply, resp](const absl::Status& s) { s.ok() ? reply(resp) : reply(s); });
  });
}

}  // namespace fleetgrid::service
