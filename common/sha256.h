// SHA-256 (FIPS 180-4) for every digest Fleetgrid computes: task inputs and results, the
// hash executor's kernel, and the stored hashes of secrets and tokens.
//
// Library fleetgrid_sha256 (OpenSSL's libcrypto), apart from fleetgrid_common so that the
// brain (coordinator/core) links no OpenSSL. Thread-safe: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace fleetgrid {

using Sha256Digest = std::array<uint8_t, 32>;

// The digest of `bytes`.
Sha256Digest Sha256(std::string_view bytes);

// The digest of the concatenation of `parts`, without copying them into one buffer.
Sha256Digest Sha256(std::initializer_list<std::string_view> parts);

// The digest of `bytes` as a 32-byte string: what proto `bytes` fields and the store hold.
std::string Sha256Bytes(std::string_view bytes);

// The 32 bytes of `d`, without a copy: valid while `d` is.
inline std::string_view AsBytes(const Sha256Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

// The 32 bytes of `d`, copied into a string.
inline std::string AsString(const Sha256Digest& d) { return std::string(AsBytes(d)); }

// Lower-case hex of `d` (64 characters), for logs, manifests and tests.
std::string ToHex(const Sha256Digest& d);

}  // namespace fleetgrid
