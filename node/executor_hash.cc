#include "node/executor_hash.h"

// The low-level SHA256_* calls are deprecated in OpenSSL 3 but remain the fastest way to
// hash 32 bytes millions of times (EVP allocates and dispatches per digest).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace fleetgrid::node {
namespace {

constexpr std::string_view kDomain = "fleetgrid.hash.v1";

template <typename T>
void UpdateLe(SHA256_CTX& ctx, T v) {
  uint8_t b[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
  SHA256_Update(&ctx, b, sizeof(T));
}

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest out;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

Sha256Digest HashKernel(uint64_t seed, uint32_t task_index, std::string_view input,
                        uint32_t rounds) {
  Sha256Digest d;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, kDomain.data(), kDomain.size());
  UpdateLe(ctx, seed);
  UpdateLe(ctx, task_index);
  SHA256_Update(&ctx, input.data(), input.size());
  SHA256_Final(d.data(), &ctx);
  Sha256Digest next;
  for (uint32_t k = 0; k < rounds; ++k) {
    SHA256(d.data(), d.size(), next.data());
    d = next;
  }
  return d;
}

std::string ToHex(const Sha256Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(64);
  for (uint8_t b : d) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

}  // namespace fleetgrid::node
