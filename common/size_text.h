// Sizes in bytes written by people: scenario files, job files and command-line flags.
//
// A size is a non-negative decimal number with an optional unit, nothing around it:
//   8589934592   512B   1.5kB   80GB   8GiB   2TiB
// No unit means bytes. Decimal units (kB or KB, MB, GB, TB: powers of 1000) and binary ones
// (KiB, MiB, GiB, TiB: powers of 1024) are both accepted, case as written here. Fractions
// are rounded to the nearest byte. Hexadecimal, "inf", "nan" and spaces are refused.
// Thread-safe: a pure function (locale-independent).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace fleetgrid {

// The number of bytes `text` denotes; at most 2^62 (about 4.6 EB).
// InvalidArgument with a short reason that quotes `text` otherwise; the caller adds the key
// or flag. The reasons start with "expected a size", "unknown size unit", "must not be
// negative" or "too large".
absl::StatusOr<uint64_t> ParseByteSize(std::string_view text);

// `bytes` for people, in binary units: "512 B", "1.5 MiB", "8 GiB" (one decimal unless the
// size is a whole number of the unit).
std::string ByteSizeText(uint64_t bytes);

}  // namespace fleetgrid
