// Development PKI: a local certificate authority, certificates it signs, and random tokens,
// made with the OpenSSL C API (what `fleetgrid coordinator init` writes).
//
// Keys are EC P-256, certificates X.509 v3 signed with SHA-256, everything in PEM text
// (keys unencrypted PKCS#8: whoever writes them to disk must make them private). Randomness
// (keys, serial numbers, tokens) comes from OpenSSL's CSPRNG, seeded by the OS.
// Thread safety: free functions, no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fleetgrid::pki {

struct PemCertificate {
  std::string cert_pem;
  std::string key_pem;
};

enum class Usage { kServer, kClient };

struct CertificateSpec {
  std::string common_name;
  // subjectAltName entries: IPv4/IPv6 addresses become IP names, the rest DNS names.
  std::vector<std::string> alt_names;
  int days = 365;
  Usage usage = Usage::kServer;
};

// A self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign) valid `days` days.
absl::StatusOr<PemCertificate> MakeCertificateAuthority(const std::string& common_name, int days);

// A leaf certificate for `spec`, signed by `ca`. INVALID_ARGUMENT for a bad alt name or days.
absl::StatusOr<PemCertificate> IssueCertificate(const PemCertificate& ca,
                                                const CertificateSpec& spec);

// OK when `name` can be a subjectAltName: an IP address, or a DNS name of letters, digits,
// '-', '.' (and a leading "*." wildcard).
absl::Status CheckAltName(std::string_view name);

// `n` bytes from the OS CSPRNG (OpenSSL RAND_bytes). Aborts if it fails: a guessable secret
// must never be handed out.
std::string RandomBytes(size_t n);

// `prefix` followed by `bytes` random bytes in lower-case hex (e.g. "fga_" + 64 hex digits
// for 32 bytes = 256 bits).
std::string RandomToken(std::string_view prefix, size_t bytes);

}  // namespace fleetgrid::pki
