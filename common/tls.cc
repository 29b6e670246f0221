#include "common/tls.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/status.h"

namespace fleetgrid {
namespace {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;
using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

constexpr char kLoopbackRule[] =
    "plaintext gRPC (no TLS) is allowed only on a loopback address (127.0.0.0/8, ::1, "
    "localhost)";

Bio MemoryBio(const std::string& text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
}

// Never prompts for a passphrase (OpenSSL's default callback reads the terminal).
int NoPassphrase(char*, int, int, void*) { return -1; }

Cert FirstCertificate(const std::string& pem) {
  Bio bio = MemoryBio(pem);
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr), X509_free);
  ERR_clear_error();
  return cert;
}

Key PrivateKey(const std::string& pem) {
  Bio bio = MemoryBio(pem);
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr), EVP_PKEY_free);
  ERR_clear_error();
  return key;
}

std::string HostOf(std::string_view address) {
  for (std::string_view scheme : {"dns:///", "dns:", "ipv4:", "ipv6:"}) {
    if (address.starts_with(scheme)) {
      address.remove_prefix(scheme.size());
      break;
    }
  }
  std::string_view host = address;
  if (address.starts_with('[')) {
    const size_t end = address.find(']');
    host = end == std::string_view::npos ? std::string_view() : address.substr(1, end - 1);
  } else if (address.find(':') == address.rfind(':')) {  // "host:port" or "host"
    host = address.substr(0, address.find(':'));
  }  // else a bare IPv6 address without a port
  std::string out(host);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

bool IsLoopbackAddress(std::string_view address) {
  const std::string host = HostOf(address);
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return false;
}

absl::Status CheckKeyMatchesCertificate(const std::string& cert_chain_pem,
                                        const std::string& key_pem) {
  Cert cert = FirstCertificate(cert_chain_pem);
  if (cert == nullptr) return absl::InvalidArgumentError("no PEM certificate in the chain");
  Key key = PrivateKey(key_pem);
  if (key == nullptr) return absl::InvalidArgumentError("no unencrypted PEM private key");
  const bool match = X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  if (!match) return absl::InvalidArgumentError("the private key does not match the certificate");
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadPemFile(const std::string& path, PemKind kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError("cannot read " + path + ": " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  if (kind == PemKind::kCertificates && FirstCertificate(text.str()) == nullptr) {
    return absl::InvalidArgumentError(path + ": no PEM certificate in it");
  }
  if (kind == PemKind::kPrivateKey && PrivateKey(text.str()) == nullptr) {
    return absl::InvalidArgumentError(path + ": no PEM private key in it (or it is encrypted)");
  }
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const ServerTls& tls, std::string_view listen) {
  if (!tls.enabled()) {
    if (!IsLoopbackAddress(listen)) {
      return absl::InvalidArgumentError(std::string(kLoopbackRule) + "; " + std::string(listen) +
                                        " is not: configure a TLS certificate and key, or "
                                        "listen on loopback");
    }
    return grpc::InsecureServerCredentials();
  }
  if (absl::Status s = CheckKeyMatchesCertificate(tls.cert_chain_pem, tls.private_key_pem);
      !s.ok()) {
    return absl::InvalidArgumentError("TLS: " + std::string(s.message()));
  }
  if (!tls.client_ca_pem.empty() && FirstCertificate(tls.client_ca_pem) == nullptr) {
    return absl::InvalidArgumentError("TLS: no PEM certificate in the client CA");
  }
  if (tls.require_client_cert && tls.client_ca_pem.empty()) {
    return absl::InvalidArgumentError("TLS: requiring client certificates needs a client CA");
  }
  // By default request, and verify when presented: cars and clients that authenticate with
  // tokens in metadata carry no certificate and must still get in.
  grpc::SslServerCredentialsOptions o(
      tls.client_ca_pem.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
      : tls.require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  o.pem_root_certs = tls.client_ca_pem;
  o.pem_key_cert_pairs.push_back({tls.private_key_pem, tls.cert_chain_pem});
  return grpc::SslServerCredentials(o);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const ClientTls& tls, std::string_view target, grpc::ChannelArguments& args) {
  if (!tls.enabled) {
    if (!IsLoopbackAddress(target)) {
      return absl::InvalidArgumentError(std::string(kLoopbackRule) + "; " + std::string(target) +
                                        " is not: connect with TLS");
    }
    return grpc::InsecureChannelCredentials();
  }
  if (!tls.ca_pem.empty() && FirstCertificate(tls.ca_pem) == nullptr) {
    return absl::InvalidArgumentError("TLS: no PEM certificate in the trusted CA");
  }
  if (!tls.cert_chain_pem.empty() || !tls.private_key_pem.empty()) {
    if (absl::Status s = CheckKeyMatchesCertificate(tls.cert_chain_pem, tls.private_key_pem);
        !s.ok()) {
      return absl::InvalidArgumentError("TLS client certificate: " + std::string(s.message()));
    }
  }
  if (!tls.server_name.empty()) args.SetSslTargetNameOverride(tls.server_name);
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = tls.ca_pem;
  o.pem_private_key = tls.private_key_pem;
  o.pem_cert_chain = tls.cert_chain_pem;
  return grpc::SslCredentials(o);
}

}  // namespace fleetgrid
