// The transport flags of the commands that speak gRPC, in one place.
//
//   coordinator:        --tls-cert FILE --tls-key FILE [--tls-ca FILE [--tls-require-client-cert]]
//                       |  --insecure
//   node and clients:   [--tls-ca FILE] [--tls-server-name NAME]
//                       [--tls-client-cert FILE --tls-client-key FILE]  |  --insecure
//
// The coordinator must be told one or the other; a client without flags uses TLS and trusts
// the system's roots. --insecure (plaintext) is accepted only with a loopback address. Files
// are read and checked before anything starts; every error names the flag and the file.
#pragma once

#include <grpcpp/channel.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/tls.h"

namespace fleetgrid::cli {

struct ServerTlsFlags {
  std::string cert_file, key_file, ca_file;
  bool require_client_cert = false;
  bool insecure = false;
};

struct ClientTlsFlags {
  std::string ca_file, server_name;
  std::string client_cert_file, client_key_file;  // both or neither
  bool insecure = false;
};

void AddServerTlsFlags(CLI::App& app, ServerTlsFlags& f);
void AddClientTlsFlags(CLI::App& app, ClientTlsFlags& f);

// What the coordinator listens on `listen` with. INVALID_ARGUMENT (a usage error) when
// neither TLS nor --insecure is chosen, --insecure is not on loopback, or a file is bad.
absl::StatusOr<ServerTls> ServerTlsFromFlags(const ServerTlsFlags& f, const std::string& listen);

// How a client reaches `coordinator`. INVALID_ARGUMENT as above.
absl::StatusOr<ClientTls> ClientTlsFromFlags(const ClientTlsFlags& f,
                                             const std::string& coordinator);

// A channel to `coordinator` secured as the flags say (for the one-shot client commands).
absl::StatusOr<std::shared_ptr<grpc::Channel>> CoordinatorChannel(const ClientTlsFlags& f,
                                                                  const std::string& coordinator);

}  // namespace fleetgrid::cli
