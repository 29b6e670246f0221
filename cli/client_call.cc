#include "cli/client_call.h"

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "common/clock.h"

namespace fleetgrid::cli {

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read token file " + path);
  std::string line;
  std::getline(in, line);
  const auto first = line.find_first_not_of(" \t\r\n");
  const auto last = line.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return absl::InvalidArgumentError("token file " + path + ": the first line is empty");
  }
  return line.substr(first, last - first + 1);
}

absl::StatusOr<std::string> ClientToken(const std::string& token, const std::string& token_file) {
  if (!token.empty() && !token_file.empty()) {
    return absl::InvalidArgumentError("give --token or --token-file, not both");
  }
  if (!token.empty()) return token;
  if (!token_file.empty()) return ReadTokenFile(token_file);
  const char* env = std::getenv("FLEETGRID_TOKEN");
  return std::string(env ? env : "");
}

void AddClientTokenFlags(CLI::App& sub, ClientTokenFlags& f) {
  sub.add_option("--token", f.token,
                 "API token (else --token-file, else $FLEETGRID_TOKEN); visible to other "
                 "local users in the process list: prefer --token-file");
  sub.add_option("--token-file", f.token_file, "file whose first line is the API token");
  sub.parse_complete_callback([&f] {
    auto t = ClientToken(f.token, f.token_file);
    if (!t.ok()) throw CLI::ValidationError("--token-file", std::string(t.status().message()));
    f.bearer = *std::move(t);
  });
}

void AddBearer(grpc::ClientContext& ctx, const ClientTokenFlags& f) {
  if (!f.bearer.empty()) ctx.AddMetadata("authorization", "Bearer " + f.bearer);
}

void AddConnectionFlags(CLI::App& sub, ConnectionFlags& f) {
  sub.add_option("--coordinator", f.coordinator, "coordinator address HOST:PORT")
      ->capture_default_str();
  AddClientTlsFlags(sub, f.tls);
  AddClientTokenFlags(sub, f.auth);
}

bool OpenChannel(const std::string& command, ConnectionFlags& f) {
  auto channel = CoordinatorChannel(f.tls, f.coordinator);
  if (!channel.ok()) {
    std::cerr << "fleetgrid " << command << ": " << channel.status().message() << "\n";
    return false;
  }
  f.channel = *std::move(channel);
  return true;
}

void Prepare(grpc::ClientContext& ctx, const ConnectionFlags& f, int seconds) {
  ctx.set_deadline(DeadlineAfter(Duration::Seconds(seconds)));
  AddBearer(ctx, f.auth);
}

int FailedCall(const std::string& what, const std::string& coordinator, const grpc::Status& s) {
  std::cerr << "fleetgrid " << what << ": ";
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      std::cerr << "cannot reach the coordinator at " << coordinator << " (" << s.error_message()
                << ")\n";
      return kExitFailure;
    case grpc::StatusCode::NOT_FOUND:
      std::cerr << s.error_message() << "\n";
      return kExitFailure;
    case grpc::StatusCode::INVALID_ARGUMENT:
      std::cerr << "rejected by the coordinator: " << s.error_message() << "\n";
      return kExitUsage;
    case grpc::StatusCode::UNAUTHENTICATED:
      std::cerr << "not authenticated: " << s.error_message()
                << " (give an API token with --token-file, --token or FLEETGRID_TOKEN)\n";
      return kExitFailure;
    case grpc::StatusCode::PERMISSION_DENIED:
      std::cerr << "not allowed: " << s.error_message() << "\n";
      return kExitFailure;
    default:
      std::cerr << s.error_message() << " (gRPC status " << s.error_code() << ")\n";
      return kExitFailure;
  }
}

}  // namespace fleetgrid::cli
