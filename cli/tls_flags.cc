#include "cli/tls_flags.h"

#include <grpcpp/create_channel.h>

#include "common/status.h"

namespace fleetgrid::cli {
namespace {

constexpr char kLoopback[] = "a loopback address (127.0.0.0/8, ::1, localhost)";

// "--flag: <what is wrong with the file>".
absl::StatusOr<std::string> ReadFlagFile(const char* flag, const std::string& path, PemKind kind) {
  absl::StatusOr<std::string> pem = ReadPemFile(path, kind);
  if (!pem.ok())
    return absl::InvalidArgumentError(flag + std::string(": ") +
                                      std::string(pem.status().message()));
  return pem;
}

}  // namespace

void AddServerTlsFlags(CLI::App& app, ServerTlsFlags& f) {
  CLI::Option* cert =
      app.add_option("--tls-cert", f.cert_file, "TLS certificate chain of the gRPC port (PEM)");
  CLI::Option* key = app.add_option("--tls-key", f.key_file, "its private key (PEM)");
  CLI::Option* ca = app.add_option(
      "--tls-ca", f.ca_file,
      "CA of client certificates: requested, and verified when a client presents one (clients "
      "without one still connect and authenticate with tokens)");
  CLI::Option* require =
      app.add_flag("--tls-require-client-cert", f.require_client_cert,
                   "refuse at the handshake any client without a certificate from --tls-ca");
  cert->needs(key);
  key->needs(cert);
  ca->needs(cert);
  require->needs(ca);
  app.add_flag("--insecure", f.insecure,
               "plaintext gRPC instead of TLS; only with a loopback --listen address")
      ->excludes(cert)
      ->excludes(key)
      ->excludes(ca)
      ->excludes(require);
}

void AddClientTlsFlags(CLI::App& app, ClientTlsFlags& f) {
  CLI::Option* ca = app.add_option("--tls-ca", f.ca_file,
                                   "trust this CA (PEM) for the coordinator's certificate "
                                   "(default: the system's roots)");
  CLI::Option* name = app.add_option("--tls-server-name", f.server_name,
                                     "name to verify in the coordinator's certificate "
                                     "(default: the host of the address)");
  CLI::Option* cert = app.add_option("--tls-client-cert", f.client_cert_file,
                                     "client certificate (PEM) to present, for a coordinator "
                                     "that asks for one (`coordinator init` writes client.pem)");
  CLI::Option* key =
      app.add_option("--tls-client-key", f.client_key_file, "the client certificate's key (PEM)");
  cert->needs(key);
  key->needs(cert);
  app.add_flag("--insecure", f.insecure,
               "plaintext gRPC instead of TLS; only to a loopback coordinator")
      ->excludes(ca)
      ->excludes(name)
      ->excludes(cert)
      ->excludes(key);
}

absl::StatusOr<ServerTls> ServerTlsFromFlags(const ServerTlsFlags& f, const std::string& listen) {
  if (f.insecure) {
    if (!IsLoopbackAddress(listen)) {
      return absl::InvalidArgumentError("--insecure (plaintext) is allowed only when --listen is " +
                                        std::string(kLoopback) + ", not " + listen +
                                        "; give --tls-cert and --tls-key to listen there");
    }
    return ServerTls{};
  }
  if (f.cert_file.empty()) {
    return absl::InvalidArgumentError(
        "choose the transport: --tls-cert FILE --tls-key FILE [--tls-ca FILE] (make a "
        "development CA, certificate and admin token with `fleetgrid coordinator init --dir "
        "DIR`), or --insecure for plaintext on a loopback --listen address");
  }
  ServerTls tls;
  FG_ASSIGN_OR_RETURN(tls.cert_chain_pem,
                      ReadFlagFile("--tls-cert", f.cert_file, PemKind::kCertificates));
  FG_ASSIGN_OR_RETURN(tls.private_key_pem,
                      ReadFlagFile("--tls-key", f.key_file, PemKind::kPrivateKey));
  if (!f.ca_file.empty()) {
    FG_ASSIGN_OR_RETURN(tls.client_ca_pem,
                        ReadFlagFile("--tls-ca", f.ca_file, PemKind::kCertificates));
  }
  tls.require_client_cert = f.require_client_cert;
  if (absl::Status s = CheckKeyMatchesCertificate(tls.cert_chain_pem, tls.private_key_pem);
      !s.ok()) {
    return absl::InvalidArgumentError("--tls-key " + f.key_file + " does not match --tls-cert " +
                                      f.cert_file + " (" + std::string(s.message()) + ")");
  }
  return tls;
}

absl::StatusOr<ClientTls> ClientTlsFromFlags(const ClientTlsFlags& f,
                                             const std::string& coordinator) {
  if (f.insecure) {
    if (!IsLoopbackAddress(coordinator)) {
      return absl::InvalidArgumentError("--insecure (plaintext) is allowed only to " +
                                        std::string(kLoopback) + ", not " + coordinator +
                                        "; connect with TLS (--tls-ca FILE if its CA is not a "
                                        "system root)");
    }
    return ClientTls{};
  }
  ClientTls tls;
  tls.enabled = true;
  tls.server_name = f.server_name;
  if (!f.ca_file.empty()) {
    FG_ASSIGN_OR_RETURN(tls.ca_pem, ReadFlagFile("--tls-ca", f.ca_file, PemKind::kCertificates));
  }
  if (!f.client_cert_file.empty()) {
    FG_ASSIGN_OR_RETURN(tls.cert_chain_pem, ReadFlagFile("--tls-client-cert", f.client_cert_file,
                                                         PemKind::kCertificates));
    FG_ASSIGN_OR_RETURN(tls.private_key_pem,
                        ReadFlagFile("--tls-client-key", f.client_key_file, PemKind::kPrivateKey));
    if (absl::Status s = CheckKeyMatchesCertificate(tls.cert_chain_pem, tls.private_key_pem);
        !s.ok()) {
      return absl::InvalidArgumentError("--tls-client-key " + f.client_key_file +
                                        " does not match --tls-client-cert " + f.client_cert_file +
                                        " (" + std::string(s.message()) + ")");
    }
  }
  return tls;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> CoordinatorChannel(const ClientTlsFlags& f,
                                                                  const std::string& coordinator) {
  FG_ASSIGN_OR_RETURN(ClientTls tls, ClientTlsFromFlags(f, coordinator));
  grpc::ChannelArguments args;
  FG_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                      ChannelCredentialsFor(tls, coordinator, args));
  return grpc::CreateCustomChannel(coordinator, credentials, args);
}

}  // namespace fleetgrid::cli
