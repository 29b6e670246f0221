// Transport security of every gRPC port: TLS, or plaintext on loopback only.
//
// The coordinator listens with ServerCredentialsFor(); every client of it (the CLI's client
// commands, the car agent) builds its channel credentials with ChannelCredentialsFor(). Both
// enforce the same rule: without TLS, only a loopback address (127.0.0.0/8, ::1, localhost).
// Certificates and keys are passed as PEM text; ReadPemFile() loads and checks a file.
// Who a caller is (tokens, node credentials) is decided above the transport, not here.
// Thread safety: free functions, no shared state.
#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fleetgrid {

// What a gRPC server listens with. Empty cert_chain_pem = plaintext.
struct ServerTls {
  std::string cert_chain_pem;   // server certificate, then intermediates
  std::string private_key_pem;  // the certificate's key
  // CA whose client certificates are accepted. Non-empty: a client certificate is requested
  // and, when one is presented, verified against this CA (a bad one fails the handshake);
  // clients without one still connect and authenticate with tokens in metadata, unless
  // require_client_cert: then a client without a certificate from this CA fails the
  // handshake (a transport gate before any token is looked at).
  std::string client_ca_pem;
  bool require_client_cert = false;  // REQUIRES: client_ca_pem set
  bool enabled() const { return !cert_chain_pem.empty(); }
};

// How a client reaches a gRPC server. enabled = false: plaintext (loopback only).
struct ClientTls {
  bool enabled = false;
  std::string ca_pem;       // CA trusted for the server's certificate; "" = system roots
  std::string server_name;  // name checked in the certificate; "" = the host of the target
  // Optional client certificate (both or neither), for servers that verify one.
  std::string cert_chain_pem;
  std::string private_key_pem;
};

// Whether the host of `address` ("host:port", "[v6]:port", "dns:///host:port", "ipv4:...",
// "ipv6:...") is loopback: 127.0.0.0/8, ::1, or the name localhost. "0.0.0.0", "[::]", "",
// other names and unix sockets are not.
bool IsLoopbackAddress(std::string_view address);

// Credentials to listen on `listen` with. INVALID_ARGUMENT when `tls` is not set and `listen`
// is not loopback, or when its PEM text does not parse or the key does not match.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const ServerTls& tls, std::string_view listen);

// Credentials to reach `target` with; sets the server name override on `args` when asked.
// INVALID_ARGUMENT when `tls` is not enabled and `target` is not loopback, or for bad PEM.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const ClientTls& tls, std::string_view target, grpc::ChannelArguments& args);

enum class PemKind { kCertificates, kPrivateKey };

// Reads `path` and checks it holds at least one PEM certificate (kCertificates) or one PEM
// private key (kPrivateKey). The error names the file and what is wrong with it.
absl::StatusOr<std::string> ReadPemFile(const std::string& path, PemKind kind);

// OK when `key_pem` is the private key of the first certificate in `cert_chain_pem`.
absl::Status CheckKeyMatchesCertificate(const std::string& cert_chain_pem,
                                        const std::string& key_pem);

}  // namespace fleetgrid
