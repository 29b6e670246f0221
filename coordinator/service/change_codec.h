// Binary encoding of the brain's change records (core::Change) for the store.
//
// Format: one tag byte (the variant index), then the fields in declaration order,
// little-endian fixed width (doubles as IEEE-754 bits, strings as u32 length + bytes).
// Version byte first so the format can evolve. Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "coordinator/core/change_log.h"

namespace fleetgrid::service {

std::string EncodeChange(const core::Change& change);
// InvalidArgument (DataLoss for truncation) if `bytes` is not a record EncodeChange wrote.
absl::StatusOr<core::Change> DecodeChange(std::string_view bytes);

}  // namespace fleetgrid::service
