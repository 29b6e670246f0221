#include "node/executor.h"

#include <algorithm>

#include "node/executor_hash.h"

namespace fleetgrid::node {

absl::StatusOr<ExecutorChoice> ParseExecutorChoice(std::string_view name) {
  if (name == "hash") return ExecutorChoice::kHash;
  if (name == "simulated") return ExecutorChoice::kSimulated;
  return absl::InvalidArgumentError("unknown executor '" + std::string(name) +
                                    "' (expected hash or simulated)");
}

std::string_view ExecutorChoiceName(ExecutorChoice c) {
  return c == ExecutorChoice::kHash ? "hash" : "simulated";
}

Duration ComputeTime(const v1::Assignment& a, double speed, double time_scale, double units_done) {
  const double left = a.work_units() - std::max(0.0, units_done);
  if (speed <= 0 || time_scale <= 0 || !(left > 0)) return Duration::Zero();
  return Duration::FromSecondsF(left / speed / time_scale);
}

std::string BytesFrom(Rng& rng, uint64_t size) {
  std::string out(size, '\0');
  for (uint64_t i = 0; i < size; i += 8) {
    uint64_t v = rng.Next();
    for (uint64_t j = i; j < std::min(size, i + 8); ++j, v >>= 8) {
      out[j] = static_cast<char>(v & 0xff);
    }
  }
  return out;
}

std::string SimulatedOutput(uint64_t seed, uint32_t task_index, uint64_t size) {
  Rng rng = Rng::Stream(seed, "simulated-output", task_index);
  return BytesFrom(rng, size);
}

absl::StatusOr<ExecutionOutput> Execute(const v1::Assignment& a, std::string_view input) {
  switch (a.executor().kind()) {
    case v1::EXECUTOR_KIND_HASH: {
      const v1::HashExecutorParams& p = a.executor().hash();
      const Sha256Digest d = HashKernel(p.seed(), a.task_index(), input, p.rounds());
      return ExecutionOutput{std::string(AsBytes(d)), a.work_units()};
    }
    case v1::EXECUTOR_KIND_SIMULATED: {
      // The task's output size is not on the wire; the cap is the submitter's declared
      // output size, so produce exactly that (bounded).
      const uint64_t size = std::min(a.output_size_cap_bytes(), kMaxSimulatedOutputBytes);
      return ExecutionOutput{SimulatedOutput(a.executor().simulated().seed(), a.task_index(), size),
                             a.work_units()};
    }
    default:
      return absl::UnimplementedError("executor kind " + std::to_string(a.executor().kind()) +
                                      " is not supported by this agent");
  }
}

bool MaybeCorrupt(std::string& output, double p, Rng& rng) {
  if (p <= 0 || !rng.Bernoulli(p) || output.empty()) return false;
  const uint64_t bit = rng.Below(output.size() * 8);
  output[bit / 8] = static_cast<char>(output[bit / 8] ^ (1 << (bit % 8)));
  return true;
}

void Falsify(std::string& output, uint32_t key) {
  if (output.size() < 5) output.resize(5, '\0');
  output.back() = static_cast<char>(output.back() ^ 0xa5);
  for (int i = 0; i < 4; ++i) output[i] = static_cast<char>(output[i] ^ (key >> (8 * i)));
}

}  // namespace fleetgrid::node
