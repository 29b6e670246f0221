#include "cli/command.h"

namespace fleetgrid::cli {

std::vector<Command> AddLiveCommands(CLI::App& app) {
  std::vector<Command> out;
  const char* kIssue = "issue 5: the live system";
  struct Spec {
    const char* name;
    const char* help;
  };
  for (const Spec& s : {
           Spec{"coordinator", "Run the live coordinator (gRPC service, durable store)."},
           Spec{"node", "Run car agents that connect to a coordinator."},
           Spec{"submit", "Submit a job file to a coordinator."},
           Spec{"jobs", "List jobs on a coordinator."},
           Spec{"job", "Show one job (optionally watch its progress)."},
           Spec{"nodes", "List the cars connected to a coordinator."},
       }) {
    CLI::App* sub = app.add_subcommand(s.name, s.help);
    out.push_back({sub, NotBuiltYet(s.name, kIssue)});
  }
  return out;
}

}  // namespace fleetgrid::cli
