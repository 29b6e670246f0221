// Executors: how a car turns an Assignment (and its input) into output bytes.
//
// `simulated` holds the car for work_units / speed seconds (divided by the time scale) and
// outputs deterministic bytes derived from (seed, task index); `hash` runs the real kernel
// of executor_hash.h. Both are pure functions here; the agent does the waiting and runs
// the hash kernel off the I/O thread. Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/rng.h"
#include "common/time.h"
#include "fleetgrid/v1/node.pb.h"

namespace fleetgrid::node {

enum class ExecutorChoice { kHash, kSimulated };

// Parses "hash" or "simulated".
absl::StatusOr<ExecutorChoice> ParseExecutorChoice(std::string_view name);
std::string_view ExecutorChoiceName(ExecutorChoice c);

// Largest output the simulated executor produces, whatever the cap says (bounds memory).
inline constexpr uint64_t kMaxSimulatedOutputBytes = 64ull << 20;

// What running an attempt produced.
struct ExecutionOutput {
  std::string output;     // the result bytes
  double work_units = 0;  // work done, for accounting
};

// Wall time a car of `speed` (work units/s) spends computing the assignment, divided by
// time_scale (> 0): its work_units less `units_done` (what a checkpoint it resumes from
// already did). Used by both executors: the hash kernel's own run time is real, and the car
// holds the attempt at least this long so that speed classes matter.
Duration ComputeTime(const v1::Assignment& a, double speed, double time_scale,
                     double units_done = 0);

// Computes the output of an assignment. `input` is the fetched (or inline) input.
// Errors: UNIMPLEMENTED for an executor kind this agent does not support,
// INVALID_ARGUMENT for parameters out of range.
absl::StatusOr<ExecutionOutput> Execute(const v1::Assignment& a, std::string_view input);

// `size` bytes drawn from `rng`, 8 per draw, little-endian: the synthetic bytes of emulated
// outputs and checkpoints.
std::string BytesFrom(Rng& rng, uint64_t size);

// Output of the simulated executor: `size` bytes derived from (seed, task_index).
std::string SimulatedOutput(uint64_t seed, uint32_t task_index, uint64_t size);

// Byzantine behaviour: with probability p (drawn from rng) flips one bit of `output` and
// returns true. An empty output is never corrupted.
bool MaybeCorrupt(std::string& output, double p, Rng& rng);

// A cheating owner's wrong result: the true output with its last byte flipped and `key`
// mixed into its first bytes, so that cheaters with the same key (colluders) return the
// same wrong bytes for a task and cheaters with different keys differ.
void Falsify(std::string& output, uint32_t key);

}  // namespace fleetgrid::node
