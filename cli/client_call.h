// What a client command needs around its calls: the coordinator's address and transport,
// the token it sends (--token, --token-file or FLEETGRID_TOKEN), token files (also the
// coordinator's --admin-token-file, written by `fleetgrid coordinator init`), and reporting a
// failed call. Errors name the file or flag, never the token.
#pragma once

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <string>

#include "cli/tls_flags.h"
#include "common/status.h"

namespace fleetgrid::cli {

// The first line of `path`, without surrounding whitespace; an error if unreadable or
// empty.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// The token a client command sends: `token` if set, else the first line of `token_file`
// if set, else $FLEETGRID_TOKEN; "" if none (an open coordinator needs none). Both flags at
// once is an error.
absl::StatusOr<std::string> ClientToken(const std::string& token, const std::string& token_file);

// --token and --token-file of a client subcommand; `bearer` is resolved by ClientToken once
// the command line is parsed (a bad file is a usage error naming the flag).
struct ClientTokenFlags {
  std::string token;
  std::string token_file;
  std::string bearer;
};
void AddClientTokenFlags(CLI::App& sub, ClientTokenFlags& f);
// Sends `authorization: Bearer <token>` on the call, when there is a token.
void AddBearer(grpc::ClientContext& ctx, const ClientTokenFlags& f);

// What every command that calls the coordinator takes (--coordinator, the transport flags,
// the token flags), and the channel made from them once the command line is parsed. The
// flag structs of the client and admin commands extend it.
struct ConnectionFlags {
  std::string coordinator = "127.0.0.1:7070";
  ClientTlsFlags tls;
  ClientTokenFlags auth;
  std::shared_ptr<grpc::Channel> channel;  // set by OpenChannel
};
void AddConnectionFlags(CLI::App& sub, ConnectionFlags& f);
// Makes f.channel; false after printing the usage error of `command` (e.g. "admin revoke").
bool OpenChannel(const std::string& command, ConnectionFlags& f);
// A unary call's context: a deadline and the token.
void Prepare(grpc::ClientContext& ctx, const ConnectionFlags& f, int seconds = 15);

// Prints a failed call of command `what` the way a user can act on; returns the exit code.
int FailedCall(const std::string& what, const std::string& coordinator, const grpc::Status& s);

}  // namespace fleetgrid::cli
