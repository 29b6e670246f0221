#include "cli/job_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string_view>

#include "common/duration_text.h"
#include "common/size_text.h"

namespace fleetgrid::cli {
namespace {

// A bad job file: its message names the key.
struct SpecError {
  std::string message;
};

// Protobuf `string` fields must hold UTF-8: a spec with other bytes cannot be sent (the
// coordinator cannot parse it). Strict: no overlong forms, surrogates or code points past
// U+10FFFF.
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      n = 1;
      cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      n = 2;
      cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      n = 3;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = cp << 6 | (c & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

std::string Text(const YAML::Node& n, const std::string& key) {
  std::string s = n.as<std::string>();
  if (!IsUtf8(s)) throw SpecError{key + ": must be UTF-8 text"};
  return s;
}

double Number(const YAML::Node& n, const std::string& key) {
  try {
    return n.as<double>();
  } catch (const YAML::Exception&) {
    throw SpecError{key + ": expected a number, got '" + n.Scalar() + "'"};
  }
}

uint64_t Count(const YAML::Node& n, const std::string& key, bool positive) {
  const double v = Number(n, key);
  if (v < 0 || v != std::floor(v) || v > 1.8e19) {
    throw SpecError{key + ": expected a whole number >= " + (positive ? "1" : "0") + ", got '" +
                    n.Scalar() + "'"};
  }
  if (positive && v < 1) throw SpecError{key + ": must be >= 1"};
  return static_cast<uint64_t>(v);
}

// A whole number that fits a uint32 field.
uint32_t Count32(const YAML::Node& n, const std::string& key, bool positive) {
  const uint64_t v = Count(n, key, positive);
  if (v > 0xffffffffull) throw SpecError{key + ": too large"};
  return static_cast<uint32_t>(v);
}

// Bytes a task needs (common/size_text.h: "64GiB", "512MB" or a number of bytes).
uint64_t MemoryOf(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) throw SpecError{key + ": expected a size such as 64GiB"};
  const absl::StatusOr<uint64_t> b = ParseByteSize(n.Scalar());
  if (!b.ok()) throw SpecError{key + ": " + std::string(b.status().message())};
  return *b;
}

// A duration > 0 (common/duration_text.h: "90s", "30m", "2h", "1d" or a number of seconds).
google::protobuf::Duration DurationOf(const YAML::Node& n, const std::string& key) {
  const absl::StatusOr<Duration> d = ParseDuration(n.Scalar());
  if (!d.ok()) throw SpecError{key + ": " + std::string(d.status().message())};
  if (*d <= Duration::Zero()) throw SpecError{key + ": must be > 0"};
  // The coordinator's limit (service::JobLimits::max_deadline_seconds): 100 years of 365.25
  // days.
  if (*d > Duration::Seconds(3'155'760'000)) throw SpecError{key + ": must be at most 100 years"};
  google::protobuf::Duration out;
  out.set_seconds(d->nanos() / 1'000'000'000);
  out.set_nanos(static_cast<int32_t>(d->nanos() % 1'000'000'000));
  return out;
}

// adaptive: {trust_threshold: N, skip_probability: P, untrusted_quorum: Q}
void ParseAdaptive(const YAML::Node& v, v1::AdaptiveReplication& a) {
  if (!v.IsMap()) {
    throw SpecError{"adaptive: expected {trust_threshold, skip_probability, untrusted_quorum}"};
  }
  for (const auto& e : v) {
    const std::string k = e.first.as<std::string>();
    const std::string key = "adaptive." + k;
    if (k == "trust_threshold") {
      a.set_trust_threshold(Count32(e.second, key, true));
    } else if (k == "skip_probability") {
      const double p = Number(e.second, key);
      if (!(p >= 0 && p <= 1)) throw SpecError{key + ": must be in [0, 1]"};
      a.set_skip_probability(p);
    } else if (k == "untrusted_quorum") {
      a.set_untrusted_quorum(Count32(e.second, key, false));
    } else {
      throw SpecError{"unknown key '" + key +
                      "' (known: trust_threshold, skip_probability, untrusted_quorum)"};
    }
  }
  if (a.trust_threshold() == 0) throw SpecError{"adaptive.trust_threshold: missing"};
}

int Nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// known_answers: [{task: INDEX, digest: 64 hex digits}, ...]
void ParseKnownAnswers(const YAML::Node& v, v1::JobSpec& spec) {
  if (!v.IsSequence()) throw SpecError{"known_answers: expected a list of {task, digest}"};
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = "known_answers[" + std::to_string(i) + "]";
    const YAML::Node& e = v[i];
    if (!e.IsMap() || !e["task"] || !e["digest"] || e.size() != 2) {
      throw SpecError{at + ": expected {task: INDEX, digest: SHA-256 in hex}"};
    }
    v1::KnownAnswer* k = spec.add_known_answers();
    k->set_task_index(Count32(e["task"], at + ".task", false));
    const std::string hex = e["digest"].Scalar();
    std::string bytes;
    for (size_t c = 0; hex.size() == 64 && c < hex.size(); c += 2) {
      const int hi = Nibble(hex[c]), lo = Nibble(hex[c + 1]);
      if (hi < 0 || lo < 0) break;
      bytes.push_back(static_cast<char>(hi << 4 | lo));
    }
    if (bytes.size() != 32) {
      throw SpecError{at + ".digest: expected 64 hex digits (SHA-256), got '" + hex + "'"};
    }
    k->mutable_expected_digest()->set_sha256(bytes);
  }
}

// Parses a job file (YAML) into a JobSpec. Throws SpecError naming the bad key (or a
// YAML::Exception from a conversion yaml-cpp refuses).
v1::JobSpec Parse(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw SpecError{std::string("not valid YAML: ") + e.what()};
  }
  if (!root.IsMap()) throw SpecError{"the job file must be a mapping of keys"};
  static const std::set<std::string> kKeys = {"name",
                                              "tasks",
                                              "work_units",
                                              "input_bytes",
                                              "output_bytes",
                                              "executor",
                                              "replication",
                                              "quorum",
                                              "max_attempts",
                                              "deadline",
                                              "priority",
                                              "idempotency_key",
                                              "adaptive",
                                              "known_answers",
                                              "memory",
                                              "checkpoint_size",
                                              "checkpoint_interval",
                                              "allow_metered"};
  v1::JobSpec spec;
  bool have_tasks = false, have_work = false;
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (!kKeys.count(key)) {
      throw SpecError{"unknown key '" + key +
                      "' (known: name, tasks, work_units, input_bytes, output_bytes, executor, "
                      "replication, quorum, max_attempts, deadline, priority, idempotency_key, "
                      "adaptive, known_answers, memory, checkpoint_size, checkpoint_interval, "
                      "allow_metered)"};
    }
    if (key == "name") {
      spec.set_name(Text(v, key));
    } else if (key == "tasks") {
      const uint64_t n = Count(v, key, true);
      if (n > 0xffffffffull) throw SpecError{"tasks: too many"};
      spec.set_task_count(static_cast<uint32_t>(n));
      have_tasks = true;
    } else if (key == "work_units") {
      const double w = Number(v, key);
      if (!(w > 0) || !std::isfinite(w)) throw SpecError{"work_units: must be > 0"};
      spec.set_work_units_per_task(w);
      have_work = true;
    } else if (key == "input_bytes") {
      spec.set_input_size_bytes(Count(v, key, false));
    } else if (key == "output_bytes") {
      spec.set_output_size_bytes(Count(v, key, false));
    } else if (key == "executor") {
      if (!v.IsMap()) throw SpecError{"executor: expected {kind: hash|simulated, ...}"};
      std::string kind;
      uint64_t rounds = 1000, seed = 1;
      double failure = 0;
      for (const auto& e : v) {
        const std::string k = e.first.as<std::string>();
        if (k == "kind") {
          kind = e.second.as<std::string>();
        } else if (k == "rounds") {
          rounds = Count(e.second, "executor.rounds", true);
        } else if (k == "seed") {
          seed = Count(e.second, "executor.seed", false);
        } else if (k == "failure_probability") {
          failure = Number(e.second, "executor.failure_probability");
          if (failure < 0 || failure > 1) {
            throw SpecError{"executor.failure_probability: must be in [0, 1]"};
          }
        } else {
          throw SpecError{"unknown key 'executor." + k +
                          "' (known: kind, rounds, seed, failure_probability)"};
        }
      }
      if (kind == "hash") {
        spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_HASH);
        if (rounds > 0xffffffffull) throw SpecError{"executor.rounds: too large"};
        spec.mutable_executor()->mutable_hash()->set_rounds(static_cast<uint32_t>(rounds));
        spec.mutable_executor()->mutable_hash()->set_seed(seed);
      } else if (kind == "simulated") {
        spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
        spec.mutable_executor()->mutable_simulated()->set_seed(seed);
        spec.mutable_executor()->mutable_simulated()->set_failure_probability(failure);
      } else {
        throw SpecError{"executor.kind: expected hash or simulated, got '" + kind + "'"};
      }
    } else if (key == "replication") {
      spec.mutable_replication()->set_copies(Count32(v, key, true));
    } else if (key == "quorum") {
      spec.mutable_replication()->set_quorum(Count32(v, key, true));
    } else if (key == "max_attempts") {
      spec.set_max_attempts_per_task(Count32(v, key, false));
    } else if (key == "deadline") {
      *spec.mutable_deadline() = DurationOf(v, key);
    } else if (key == "allow_metered") {
      bool allow = false;
      if (!v.IsScalar() || !YAML::convert<bool>::decode(v, allow)) {
        throw SpecError{"allow_metered: expected true or false"};
      }
      spec.set_allow_metered(allow);
    } else if (key == "priority") {
      const double p = Number(v, key);
      if (p != std::floor(p) || std::abs(p) > 2e9) throw SpecError{"priority: expected an integer"};
      spec.set_priority(static_cast<int32_t>(p));
    } else if (key == "idempotency_key") {
      spec.set_idempotency_key(Text(v, key));
    } else if (key == "adaptive") {
      ParseAdaptive(v, *spec.mutable_replication()->mutable_adaptive());
    } else if (key == "known_answers") {
      ParseKnownAnswers(v, spec);
    } else if (key == "memory") {
      spec.set_memory_bytes_per_task(MemoryOf(v, key));
    } else if (key == "checkpoint_size") {
      spec.set_checkpoint_size_bytes(MemoryOf(v, key));
    } else if (key == "checkpoint_interval") {
      *spec.mutable_checkpoint_interval() = DurationOf(v, key);
    }
  }
  if (!have_tasks) throw SpecError{"missing key 'tasks'"};
  if (!have_work) throw SpecError{"missing key 'work_units'"};
  if (!spec.has_executor()) {
    spec.mutable_executor()->set_kind(v1::EXECUTOR_KIND_SIMULATED);
    spec.mutable_executor()->mutable_simulated()->set_seed(1);
  }
  const auto& r = spec.replication();
  if (r.quorum() > std::max<uint32_t>(1, r.copies())) {
    throw SpecError{"quorum: must be <= replication"};
  }
  return spec;
}

}  // namespace

absl::StatusOr<v1::JobSpec> ParseJobYaml(const std::string& text) {
  try {
    return Parse(text);
  } catch (const SpecError& e) {
    return absl::InvalidArgumentError(e.message);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
}

}  // namespace fleetgrid::cli
