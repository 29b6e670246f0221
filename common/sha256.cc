#include "common/sha256.h"

// The low-level SHA256_* calls are deprecated in OpenSSL 3 but remain the fastest way to
// hash 32 bytes millions of times (the hash kernel; EVP allocates and dispatches per digest).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace fleetgrid {

Sha256Digest Sha256(std::string_view bytes) {
  Sha256Digest out;
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out.data());
  return out;
}

Sha256Digest Sha256(std::initializer_list<std::string_view> parts) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  for (std::string_view p : parts) SHA256_Update(&ctx, p.data(), p.size());
  Sha256Digest out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

std::string Sha256Bytes(std::string_view bytes) { return AsString(Sha256(bytes)); }

std::string ToHex(const Sha256Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * d.size());
  for (uint8_t b : d) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

}  // namespace fleetgrid
