#include "coordinator/service/change_codec.h"

#include <bit>
#include <cstring>

namespace fleetgrid::service {
namespace {

constexpr uint8_t kVersion = 1;

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U16(uint16_t v) { Fixed(v); }
  void U32(uint32_t v) { Fixed(v); }
  void U64(uint64_t v) { Fixed(v); }
  void I32(int32_t v) { Fixed(static_cast<uint32_t>(v)); }
  void I64(int64_t v) { Fixed(static_cast<uint64_t>(v)); }
  void F64(double v) { Fixed(std::bit_cast<uint64_t>(v)); }
  void Time(TimePoint t) { I64(t.nanos()); }
  void Dur(Duration d) { I64(d.nanos()); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void Task(const core::TaskSpec& t) {
    F64(t.work_units);
    U64(t.input_bytes);
    U64(t.output_bytes);
  }
  std::string Take() { return std::move(out_); }

 private:
  template <typename T>
  void Fixed(T v) {
    for (size_t i = 0; i < sizeof(T); ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }
  uint8_t U8() { return static_cast<uint8_t>(Fixed<uint8_t>()); }
  uint16_t U16() { return Fixed<uint16_t>(); }
  uint32_t U32() { return Fixed<uint32_t>(); }
  uint64_t U64() { return Fixed<uint64_t>(); }
  int32_t I32() { return static_cast<int32_t>(Fixed<uint32_t>()); }
  int64_t I64() { return static_cast<int64_t>(Fixed<uint64_t>()); }
  double F64() { return std::bit_cast<double>(Fixed<uint64_t>()); }
  TimePoint Time() { return TimePoint::FromNanos(I64()); }
  Duration Dur() { return Duration::Nanos(I64()); }
  std::string Str() {
    const uint32_t n = U32();
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  core::TaskSpec Task() {
    core::TaskSpec t;
    t.work_units = F64();
    t.input_bytes = U64();
    t.output_bytes = U64();
    return t;
  }

 private:
  template <typename T>
  T Fixed() {
    if (in_.size() - pos_ < sizeof(T)) {
      ok_ = false;
      pos_ = in_.size();
      return T{};
    }
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      v |= static_cast<T>(static_cast<T>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i));
    }
    pos_ += sizeof(T);
    return v;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// Spelled out for clang 14 (no class template argument deduction for aggregates yet).
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// An enum field: a byte that must name one of its values, up to `last` (the core indexes
// tables and switches on them; a corrupt byte must not get that far).
template <typename E>
E EnumOf(Reader& r, E last, bool& bad) {
  const uint8_t v = r.U8();
  if (v > static_cast<uint8_t>(last)) bad = true;
  return static_cast<E>(v);
}

}  // namespace

std::string EncodeChange(const core::Change& change) {
  Writer w;
  w.U8(kVersion);
  w.U8(static_cast<uint8_t>(change.index()));
  std::visit(Overloaded{
                 [&](const core::change::NodeRegistered& c) {
                   w.U32(c.node.value());
                   w.U32(c.spec.owner.value());
                   w.U8(c.spec.hw_class);
                   w.F64(c.spec.speed);
                   w.F64(c.spec.link.bandwidth_bytes_per_s);
                   w.Dur(c.spec.link.latency);
                   w.U8(c.spec.link.metered);
                   w.U16(c.spec.max_concurrent);
                   w.U8(c.spec.implicit_heartbeat);
                   w.U64(c.spec.memory_bytes);  // a tail that older records lack (unknown)
                 },
                 [&](const core::change::NodeStatus& c) {
                   w.Time(c.at);
                   w.U32(c.node.value());
                   w.U8(static_cast<uint8_t>(c.conn));
                   w.U8(static_cast<uint8_t>(c.state));
                   w.U8(c.draining);
                 },
                 [&](const core::change::JobSubmitted& c) {
                   w.Time(c.at);
                   w.U32(c.job.value());
                   w.U32(c.first_task.value());
                   const core::JobSpec& s = c.spec;
                   w.Str(s.name);
                   w.U32(s.task_count);
                   w.Task(s.task);
                   w.U32(static_cast<uint32_t>(s.tasks.size()));
                   for (const core::TaskSpec& t : s.tasks) w.Task(t);
                   w.U8(s.replication);
                   w.U8(s.quorum);
                   w.U16(s.max_attempts);
                   w.Dur(s.deadline);
                   w.I32(s.priority);
                   // Untrusted results: a tail that older records lack (read as off).
                   w.U16(s.adaptive.trust_threshold);
                   w.F64(s.adaptive.skip_probability);
                   w.U8(s.adaptive.untrusted_quorum);
                   w.U32(static_cast<uint32_t>(s.known_answers.size()));
                   for (const core::KnownAnswer& k : s.known_answers) {
                     w.U32(k.task_index);
                     for (uint8_t b : k.digest) w.U8(b);
                   }
                   // Task memory: a tail that older records lack (read as none).
                   w.U64(s.task.memory_bytes);
                   for (const core::TaskSpec& t : s.tasks) w.U64(t.memory_bytes);
                   // Checkpoint size: a tail that older records lack (read as none).
                   w.U64(s.task.checkpoint_bytes);
                   for (const core::TaskSpec& t : s.tasks) w.U64(t.checkpoint_bytes);
                   // Metered links and model weights: a tail that older records lack (read
                   // as allowed, no model).
                   w.U8(s.allow_metered ? 1 : 0);
                   w.U32(s.task.model);
                   w.U64(s.task.model_bytes);
                   for (const core::TaskSpec& t : s.tasks) {
                     w.U32(t.model);
                     w.U64(t.model_bytes);
                   }
                   // The client (fair share): a tail that older records lack (read as "").
                   w.Str(s.client);
                 },
                 [&](const core::change::JobStatusChanged& c) {
                   w.Time(c.at);
                   w.U32(c.job.value());
                   w.U8(static_cast<uint8_t>(c.status));
                 },
                 [&](const core::change::AttemptStarted& c) {
                   w.Time(c.at);
                   w.U32(c.task.value());
                   w.U32(c.epoch);
                   w.U32(c.node.value());
                   w.Time(c.lease_deadline);
                 },
                 [&](const core::change::AttemptEnded& c) {
                   w.Time(c.at);
                   w.U32(c.task.value());
                   w.U32(c.epoch);
                   w.U8(static_cast<uint8_t>(c.outcome));
                   w.F64(c.work_lost_units);
                 },
                 [&](const core::change::ResultRecorded& c) {
                   w.Time(c.at);
                   w.U32(c.task.value());
                   w.U32(c.epoch);
                   for (uint8_t b : c.digest) w.U8(b);
                 },
                 [&](const core::change::Checkpointed& c) {
                   w.Time(c.at);
                   w.U32(c.task.value());
                   w.U32(c.epoch);
                   w.F64(c.units);
                 },
                 [&](const core::change::TaskAccepted& c) {
                   w.Time(c.at);
                   w.U32(c.task.value());
                   w.U32(c.epoch);
                   w.U32(c.node.value());
                 },
                 [&](const core::change::TaskClosed& c) {
                   w.Time(c.at);
                   w.U32(c.task.value());
                   w.U8(static_cast<uint8_t>(c.status));
                 },
             },
             change);
  return w.Take();
}

absl::StatusOr<core::Change> DecodeChange(std::string_view bytes) {
  Reader r(bytes);
  const uint8_t version = r.U8();
  const uint8_t tag = r.U8();
  if (!r.ok()) return absl::DataLossError("change record truncated");
  if (version != kVersion) {
    return absl::InvalidArgumentError("change record version " + std::to_string(version) +
                                      " not supported");
  }
  core::Change out;
  bool bad_enum = false;
  switch (tag) {
    case 0: {
      core::change::NodeRegistered c;
      c.node = NodeId(r.U32());
      c.spec.owner = OwnerId(r.U32());
      c.spec.hw_class = r.U8();
      c.spec.speed = r.F64();
      c.spec.link.bandwidth_bytes_per_s = r.F64();
      c.spec.link.latency = r.Dur();
      c.spec.link.metered = r.U8() != 0;
      c.spec.max_concurrent = r.U16();
      c.spec.implicit_heartbeat = r.U8() != 0;
      if (r.ok() && !r.done()) c.spec.memory_bytes = r.U64();
      out = c;
      break;
    }
    case 1: {
      core::change::NodeStatus c;
      c.at = r.Time();
      c.node = NodeId(r.U32());
      c.conn = EnumOf(r, core::NodeConnection::kLeft, bad_enum);
      c.state = EnumOf(r, core::NodeState::kCharging, bad_enum);
      c.draining = r.U8() != 0;
      out = c;
      break;
    }
    case 2: {
      core::change::JobSubmitted c;
      c.at = r.Time();
      c.job = JobId(r.U32());
      c.first_task = TaskId(r.U32());
      c.spec.name = r.Str();
      c.spec.task_count = r.U32();
      c.spec.task = r.Task();
      const uint32_t n = r.U32();
      if (!r.ok() || n > bytes.size()) return absl::DataLossError("change record truncated");
      for (uint32_t i = 0; i < n && r.ok(); ++i) c.spec.tasks.push_back(r.Task());
      c.spec.replication = r.U8();
      c.spec.quorum = r.U8();
      c.spec.max_attempts = r.U16();
      c.spec.deadline = r.Dur();
      c.spec.priority = r.I32();
      if (r.ok() && !r.done()) {
        c.spec.adaptive.trust_threshold = r.U16();
        c.spec.adaptive.skip_probability = r.F64();
        c.spec.adaptive.untrusted_quorum = r.U8();
        const uint32_t k = r.U32();
        if (!r.ok() || k > bytes.size()) return absl::DataLossError("change record truncated");
        for (uint32_t i = 0; i < k && r.ok(); ++i) {
          core::KnownAnswer a;
          a.task_index = r.U32();
          for (uint8_t& b : a.digest) b = r.U8();
          c.spec.known_answers.push_back(a);
        }
      }
      if (r.ok() && !r.done()) {
        c.spec.task.memory_bytes = r.U64();
        for (core::TaskSpec& t : c.spec.tasks) t.memory_bytes = r.U64();
      }
      if (r.ok() && !r.done()) {
        c.spec.task.checkpoint_bytes = r.U64();
        for (core::TaskSpec& t : c.spec.tasks) t.checkpoint_bytes = r.U64();
      }
      if (r.ok() && !r.done()) {
        c.spec.allow_metered = r.U8() != 0;
        c.spec.task.model = r.U32();
        c.spec.task.model_bytes = r.U64();
        for (core::TaskSpec& t : c.spec.tasks) {
          t.model = r.U32();
          t.model_bytes = r.U64();
        }
      }
      if (r.ok() && !r.done()) c.spec.client = r.Str();
      out = std::move(c);
      break;
    }
    case 3: {
      core::change::JobStatusChanged c;
      c.at = r.Time();
      c.job = JobId(r.U32());
      c.status = EnumOf(r, core::JobStatus::kCancelled, bad_enum);
      out = c;
      break;
    }
    case 4: {
      core::change::AttemptStarted c;
      c.at = r.Time();
      c.task = TaskId(r.U32());
      c.epoch = r.U32();
      c.node = NodeId(r.U32());
      c.lease_deadline = r.Time();
      out = c;
      break;
    }
    case 5: {
      core::change::AttemptEnded c;
      c.at = r.Time();
      c.task = TaskId(r.U32());
      c.epoch = r.U32();
      c.outcome = EnumOf(r, core::AttemptOutcome::kDisagreed, bad_enum);
      c.work_lost_units = r.F64();
      out = c;
      break;
    }
    case 6: {
      core::change::ResultRecorded c;
      c.at = r.Time();
      c.task = TaskId(r.U32());
      c.epoch = r.U32();
      for (uint8_t& b : c.digest) b = r.U8();
      out = c;
      break;
    }
    case 7: {
      core::change::Checkpointed c;
      c.at = r.Time();
      c.task = TaskId(r.U32());
      c.epoch = r.U32();
      c.units = r.F64();
      out = c;
      break;
    }
    case 8: {
      core::change::TaskAccepted c;
      c.at = r.Time();
      c.task = TaskId(r.U32());
      c.epoch = r.U32();
      c.node = NodeId(r.U32());
      out = c;
      break;
    }
    case 9: {
      core::change::TaskClosed c;
      c.at = r.Time();
      c.task = TaskId(r.U32());
      c.status = EnumOf(r, core::TaskStatus::kCancelled, bad_enum);
      out = c;
      break;
    }
    default:
      return absl::InvalidArgumentError("unknown change record tag " + std::to_string(tag));
  }
  if (!r.ok()) return absl::DataLossError("change record truncated");
  if (bad_enum) return absl::InvalidArgumentError("change record holds an unknown enum value");
  if (!r.done()) return absl::InvalidArgumentError("change record has trailing bytes");
  return out;
}

}  // namespace fleetgrid::service
