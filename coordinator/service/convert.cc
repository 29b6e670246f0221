#include "coordinator/service/convert.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "absl/strings/numbers.h"

namespace fleetgrid::service {
namespace {

template <typename T>
void PutLe(std::string& s, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}

absl::Status BadField(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError("job spec: " + field + ": " + why);
}

// Adaptive replication and spot-checks (the core checks them too; here the message names
// the wire field).
absl::Status ToCoreValidation(const v1::JobSpec& spec, core::JobSpec& out) {
  const v1::AdaptiveReplication& a = spec.replication().adaptive();
  if (a.trust_threshold() > 65535) {
    return BadField("replication.adaptive.trust_threshold", "must be <= 65535");
  }
  if (!(a.skip_probability() >= 0 && a.skip_probability() <= 1)) {
    return BadField("replication.adaptive.skip_probability", "must be in [0, 1]");
  }
  if (a.trust_threshold() > 0 && out.quorum < 2) {
    return BadField("replication.adaptive.trust_threshold", "needs replication.quorum >= 2");
  }
  if (a.trust_threshold() == 0 && (a.skip_probability() > 0 || a.untrusted_quorum() > 0)) {
    return BadField("replication.adaptive.trust_threshold", "must be > 0 when adaptive is set");
  }
  if (a.untrusted_quorum() != 0 &&
      (a.untrusted_quorum() < out.quorum || a.untrusted_quorum() > 64)) {
    return BadField("replication.adaptive.untrusted_quorum", "must be 0 or in [quorum, 64]");
  }
  out.adaptive.trust_threshold = static_cast<uint16_t>(a.trust_threshold());
  out.adaptive.skip_probability = a.skip_probability();
  out.adaptive.untrusted_quorum = static_cast<uint8_t>(a.untrusted_quorum());
  std::vector<bool> seen;
  for (int i = 0; i < spec.known_answers_size(); ++i) {
    const v1::KnownAnswer& k = spec.known_answers(i);
    const std::string field = "known_answers[" + std::to_string(i) + "].";
    if (k.task_index() >= out.task_count) {
      return BadField(field + "task_index", std::to_string(k.task_index()) + " >= task count " +
                                                std::to_string(out.task_count));
    }
    if (k.expected_digest().sha256().size() != 32) {
      return BadField(field + "expected_digest", "must be a SHA-256 (32 bytes)");
    }
    if (seen.empty()) seen.assign(out.task_count, false);
    if (seen[k.task_index()]) {
      return BadField(field + "task_index", std::to_string(k.task_index()) + " given twice");
    }
    seen[k.task_index()] = true;
    core::KnownAnswer ka;
    ka.task_index = k.task_index();
    std::memcpy(ka.digest.data(), k.expected_digest().sha256().data(), ka.digest.size());
    out.known_answers.push_back(ka);
  }
  return absl::OkStatus();
}

}  // namespace

NodeId CoreNode(uint64_t wire) {
  if (wire == 0 || wire > 0xffffffffull) return NodeId::Invalid();
  return NodeId(static_cast<uint32_t>(wire - 1));
}
JobId CoreJob(uint64_t wire) {
  if (wire == 0 || wire > 0xffffffffull) return JobId::Invalid();
  return JobId(static_cast<uint32_t>(wire - 1));
}
TaskId CoreTask(uint64_t wire) {
  if (wire == 0 || wire > 0xffffffffull) return TaskId::Invalid();
  return TaskId(static_cast<uint32_t>(wire - 1));
}

absl::StatusOr<core::JobSpec> ToCoreJobSpec(const v1::JobSpec& spec, const JobLimits& limits) {
  core::JobSpec out;
  out.name = spec.name();
  auto check_executor = [](const v1::ExecutorSpec& e, const std::string& field) -> absl::Status {
    switch (e.kind()) {
      case v1::EXECUTOR_KIND_HASH:
        if (e.has_simulated()) return BadField(field, "kind HASH with simulated params");
        return absl::OkStatus();
      case v1::EXECUTOR_KIND_SIMULATED:
        if (e.has_hash()) return BadField(field, "kind SIMULATED with hash params");
        if (e.simulated().failure_probability() < 0 || e.simulated().failure_probability() > 1) {
          return BadField(field + ".simulated.failure_probability", "must be in [0, 1]");
        }
        return absl::OkStatus();
      default:
        return BadField(field + ".kind", "must be HASH or SIMULATED");
    }
  };
  FG_RETURN_IF_ERROR(check_executor(spec.executor(), "executor"));
  auto check_task = [&](double work, uint64_t in, uint64_t outb,
                        const std::string& field) -> absl::Status {
    if (!(work > 0) || !std::isfinite(work)) return BadField(field + "work_units", "must be > 0");
    if (in > limits.max_input_bytes) {
      return absl::ResourceExhaustedError("job spec: " + field + "input_size_bytes " +
                                          std::to_string(in) + " over the limit of " +
                                          std::to_string(limits.max_input_bytes));
    }
    if (outb > limits.max_output_bytes) {
      return absl::ResourceExhaustedError("job spec: " + field + "output_size_bytes " +
                                          std::to_string(outb) + " over the limit of " +
                                          std::to_string(limits.max_output_bytes));
    }
    return absl::OkStatus();
  };
  if (spec.checkpoint_size_bytes() > limits.max_checkpoint_bytes) {
    return absl::ResourceExhaustedError(
        "job spec: checkpoint_size_bytes " + std::to_string(spec.checkpoint_size_bytes()) +
        " over the limit of " + std::to_string(limits.max_checkpoint_bytes));
  }
  if (spec.has_checkpoint_interval()) {
    const auto& c = spec.checkpoint_interval();
    if (c.seconds() < 0 || c.nanos() < 0 || (c.seconds() == 0 && c.nanos() == 0)) {
      return BadField("checkpoint_interval", "must be > 0");
    }
    if (spec.checkpoint_size_bytes() == 0) {
      return BadField("checkpoint_interval", "needs checkpoint_size_bytes > 0");
    }
  }
  switch (spec.tasks_case()) {
    case v1::JobSpec::kTaskCount:
      if (spec.task_count() == 0) return BadField("task_count", "must be >= 1");
      if (spec.task_count() > limits.max_tasks) {
        return absl::ResourceExhaustedError(
            "job spec: task_count " + std::to_string(spec.task_count()) + " over the limit of " +
            std::to_string(limits.max_tasks));
      }
      FG_RETURN_IF_ERROR(check_task(spec.work_units_per_task(), spec.input_size_bytes(),
                                    spec.output_size_bytes(), ""));
      out.task_count = spec.task_count();
      out.task = {spec.work_units_per_task(), spec.input_size_bytes(), spec.output_size_bytes(),
                  spec.memory_bytes_per_task(), spec.checkpoint_size_bytes()};
      break;
    case v1::JobSpec::kTaskList: {
      const auto& tasks = spec.task_list().tasks();
      if (tasks.empty()) return BadField("task_list", "must hold at least one task");
      if (static_cast<uint64_t>(tasks.size()) > limits.max_tasks) {
        return absl::ResourceExhaustedError("job spec: task_list over the limit of " +
                                            std::to_string(limits.max_tasks) + " tasks");
      }
      out.task_count = static_cast<uint32_t>(tasks.size());
      for (int i = 0; i < tasks.size(); ++i) {
        const v1::TaskSpec& t = tasks[i];
        const std::string field = "task_list.tasks[" + std::to_string(i) + "].";
        core::TaskSpec ct{t.work_units() > 0 ? t.work_units() : spec.work_units_per_task(),
                          t.input_size_bytes() ? t.input_size_bytes() : spec.input_size_bytes(),
                          t.output_size_bytes() ? t.output_size_bytes() : spec.output_size_bytes(),
                          t.memory_bytes() ? t.memory_bytes() : spec.memory_bytes_per_task(),
                          spec.checkpoint_size_bytes()};
        if (t.work_units() < 0) return BadField(field + "work_units", "must be > 0");
        FG_RETURN_IF_ERROR(check_task(ct.work_units, ct.input_bytes, ct.output_bytes, field));
        if (t.has_executor()) FG_RETURN_IF_ERROR(check_executor(t.executor(), field + "executor"));
        if (t.input_case() != v1::TaskSpec::INPUT_NOT_SET &&
            t.input_case() != v1::TaskSpec::kSynthetic) {
          return absl::UnimplementedError("job spec: " + field +
                                          "input: only synthetic inputs are supported");
        }
        out.tasks.push_back(ct);
      }
      break;
    }
    default:
      return BadField("tasks", "set exactly one of task_count or task_list");
  }
  const uint32_t copies = std::max<uint32_t>(1, spec.replication().copies());
  if (copies > 16) return BadField("replication.copies", "must be <= 16");
  const uint32_t quorum = spec.replication().quorum() == 0 ? copies : spec.replication().quorum();
  if (quorum > copies) return BadField("replication.quorum", "must be <= copies");
  out.replication = static_cast<uint8_t>(copies);
  out.quorum = static_cast<uint8_t>(quorum);
  FG_RETURN_IF_ERROR(ToCoreValidation(spec, out));
  if (spec.max_attempts_per_task() > 65535) {
    return BadField("max_attempts_per_task", "must be <= 65535");
  }
  out.max_attempts = static_cast<uint16_t>(spec.max_attempts_per_task());
  if (spec.has_deadline()) {
    const auto& d = spec.deadline();
    if (d.seconds() < 0 || d.nanos() < 0 || (d.seconds() == 0 && d.nanos() == 0)) {
      return BadField("deadline", "must be > 0");
    }
    // Past it Duration::Seconds overflows (undefined behaviour): corpus/submit_job/crash-*.
    if (d.seconds() > limits.max_deadline_seconds) {
      return BadField("deadline",
                      "must be at most " + std::to_string(limits.max_deadline_seconds) + " s");
    }
    out.deadline = Duration::Seconds(d.seconds()) + Duration::Nanos(d.nanos());
  }
  out.priority = spec.priority();
  out.allow_metered = spec.allow_metered();
  return out;
}

absl::StatusOr<Page> ParsePage(const std::string& page_token, uint32_t page_size, uint64_t first) {
  Page p{first, page_size == 0 ? 100 : std::min<uint32_t>(page_size, 1000)};
  if (!page_token.empty() && !absl::SimpleAtoi(page_token, &p.start)) {
    return absl::InvalidArgumentError("page_token: '" + page_token +
                                      "' is not a token from an earlier reply");
  }
  return p;
}

uint64_t OutputCap(const core::TaskSpec& t, const JobLimits& limits) {
  return t.output_bytes > 0 ? t.output_bytes : limits.max_output_bytes;
}

uint64_t ExecutorSeed(const v1::JobSpec& spec) {
  if (spec.executor().has_hash()) return spec.executor().hash().seed();
  if (spec.executor().has_simulated()) return spec.executor().simulated().seed();
  return 0;
}

std::string SyntheticInput(uint64_t seed, uint32_t task_index, uint64_t size) {
  std::string out;
  out.reserve(size);
  std::string block;
  for (uint64_t i = 0; out.size() < size; ++i) {
    block.assign("fleetgrid.input.v1");
    PutLe(block, seed);
    PutLe(block, task_index);
    PutLe(block, i);
    const auto d = Sha256(block);
    out.append(reinterpret_cast<const char*>(d.data()),
               std::min<uint64_t>(d.size(), size - out.size()));
  }
  return out;
}

v1::NodeState ToWire(core::NodeState s) {
  switch (s) {
    case core::NodeState::kDriving:
      return v1::NODE_STATE_DRIVING;
    case core::NodeState::kParked:
      return v1::NODE_STATE_PARKED;
    case core::NodeState::kPlugged:
      return v1::NODE_STATE_PLUGGED;
    case core::NodeState::kCharging:
      return v1::NODE_STATE_CHARGING;
  }
  return v1::NODE_STATE_UNSPECIFIED;
}

absl::StatusOr<core::NodeState> FromWire(v1::NodeState s) {
  switch (s) {
    case v1::NODE_STATE_DRIVING:
      return core::NodeState::kDriving;
    case v1::NODE_STATE_PARKED:
      return core::NodeState::kParked;
    case v1::NODE_STATE_PLUGGED:
      return core::NodeState::kPlugged;
    case v1::NODE_STATE_CHARGING:
      return core::NodeState::kCharging;
    default:
      return absl::InvalidArgumentError("node state must not be UNSPECIFIED");
  }
}

v1::JobState ToWire(core::JobStatus s) {
  switch (s) {
    case core::JobStatus::kQueued:
      return v1::JOB_STATE_QUEUED;
    case core::JobStatus::kRunning:
      return v1::JOB_STATE_RUNNING;
    case core::JobStatus::kDone:
      return v1::JOB_STATE_DONE;
    case core::JobStatus::kFailed:
      return v1::JOB_STATE_FAILED;
    case core::JobStatus::kCancelled:
      return v1::JOB_STATE_CANCELLED;
  }
  return v1::JOB_STATE_UNSPECIFIED;
}

v1::TaskState ToWire(core::TaskStatus s) {
  switch (s) {
    case core::TaskStatus::kPending:
      return v1::TASK_STATE_QUEUED;
    case core::TaskStatus::kRunning:
      return v1::TASK_STATE_RUNNING;
    case core::TaskStatus::kDone:
      return v1::TASK_STATE_DONE;
    case core::TaskStatus::kFailed:
      return v1::TASK_STATE_FAILED;
    case core::TaskStatus::kCancelled:
      return v1::TASK_STATE_CANCELLED;
  }
  return v1::TASK_STATE_UNSPECIFIED;
}

v1::CancelReason ToWire(core::CancelReason r) {
  switch (r) {
    case core::CancelReason::kJobCancelled:
      return v1::CANCEL_REASON_JOB_CANCELLED;
    case core::CancelReason::kJobFailed:
      return v1::CANCEL_REASON_JOB_CANCELLED;
    case core::CancelReason::kDeadline:
      return v1::CANCEL_REASON_DEADLINE;
    case core::CancelReason::kLeaseExpired:
      return v1::CANCEL_REASON_LEASE_EXPIRED;
    case core::CancelReason::kTaskAccepted:
      return v1::CANCEL_REASON_TASK_DONE;
    case core::CancelReason::kOwnerRule:
      return v1::CANCEL_REASON_OWNER_RULE;
  }
  return v1::CANCEL_REASON_UNSPECIFIED;
}

google::protobuf::Timestamp ToTimestamp(int64_t unix_ns) {
  google::protobuf::Timestamp t;
  t.set_seconds(unix_ns / 1'000'000'000);
  t.set_nanos(static_cast<int32_t>(unix_ns % 1'000'000'000));
  return t;
}

absl::Status CheckCarState(const v1::Heartbeat& hb) {
  if (!FromWire(hb.state()).ok()) {
    return absl::InvalidArgumentError("state must not be UNSPECIFIED");
  }
  if (hb.has_state_of_charge() &&
      !(hb.state_of_charge() >= 0 && hb.state_of_charge() <= 1)) {  // NaN fails too
    return absl::InvalidArgumentError("state_of_charge must be in [0, 1], got " +
                                      std::to_string(hb.state_of_charge()));
  }
  if (!(hb.charging_power_w() >= 0 && std::isfinite(hb.charging_power_w()))) {
    return absl::InvalidArgumentError("charging_power_w must be >= 0");
  }
  if (!(hb.departure_confidence() >= 0 && hb.departure_confidence() <= 1)) {
    return absl::InvalidArgumentError("departure_confidence must be in [0, 1]");
  }
  return absl::OkStatus();
}

absl::Status OwnerRulesFromWire(const v1::OwnerPreferences& p,
                                const v1::BatteryDescription& battery,
                                const v1::HardwareDescription& hardware, core::OwnerRules* rules,
                                core::BatterySpec* spec) {
  constexpr uint32_t kDaySeconds = 86400;
  *rules = {};
  *spec = {};
  rules->plugged_only = p.compute_only_when_plugged();
  if (!(p.min_state_of_charge() >= 0 && p.min_state_of_charge() < 1)) {
    return absl::InvalidArgumentError("preferences.min_state_of_charge must be in [0, 1), got " +
                                      std::to_string(p.min_state_of_charge()));
  }
  rules->min_soc = static_cast<float>(p.min_state_of_charge());
  for (int i = 0; i < p.allowed_windows_size(); ++i) {
    const v1::TimeWindow& w = p.allowed_windows(i);
    const std::string key = "preferences.allowed_windows[" + std::to_string(i) + "]";
    if (w.start_s() >= kDaySeconds || w.end_s() == 0 || w.end_s() > kDaySeconds) {
      return absl::InvalidArgumentError(key +
                                        ": start_s must be in [0, 86400) and end_s in (0, 86400]");
    }
    if (w.start_s() == w.end_s() % kDaySeconds) {
      return absl::InvalidArgumentError(key + " is empty (start_s == end_s)");
    }
    if (w.days_mask() != 0 && w.days_mask() != 0x7f) {
      return absl::InvalidArgumentError(key + ".days_mask: only every day (0) is supported");
    }
    rules->windows.push_back(
        {static_cast<int32_t>(w.start_s()), static_cast<int32_t>(w.end_s() % kDaySeconds)});
  }
  if (!(p.daily_compute_energy_wh() >= 0 && std::isfinite(p.daily_compute_energy_wh()))) {
    return absl::InvalidArgumentError("preferences.daily_compute_energy_wh must be >= 0");
  }
  rules->daily_energy_wh = p.daily_compute_energy_wh();
  rules->metered_daily_cap_bytes = p.metered_daily_cap_bytes();
  if (p.utc_offset_s() < -14 * 3600 || p.utc_offset_s() > 14 * 3600) {
    return absl::InvalidArgumentError("preferences.utc_offset_s must be in [-50400, 50400]");
  }
  rules->utc_offset_s = p.utc_offset_s();
  if (!(battery.capacity_wh() >= 0 && std::isfinite(battery.capacity_wh()))) {
    return absl::InvalidArgumentError("battery.capacity_wh must be >= 0");
  }
  if (!(battery.awake_power_w() >= 0 && std::isfinite(battery.awake_power_w()))) {
    return absl::InvalidArgumentError("battery.awake_power_w must be >= 0");
  }
  if (!(hardware.power_draw_w() >= 0 && std::isfinite(hardware.power_draw_w()))) {
    return absl::InvalidArgumentError("hardware.power_draw_w must be >= 0");
  }
  spec->capacity_wh = battery.capacity_wh();
  spec->compute_power_w = battery.awake_power_w() + hardware.power_draw_w();
  return core::CheckOwnerRules(*rules, *spec);
}

}  // namespace fleetgrid::service
