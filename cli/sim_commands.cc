#include "cli/command.h"

namespace fleetgrid::cli {

std::vector<Command> AddSimCommands(CLI::App& app) {
  std::vector<Command> out;
  CLI::App* sim = app.add_subcommand("sim", "Run a discrete-event simulation of a scenario file.");
  out.push_back({sim, NotBuiltYet("sim", "issue 4: the simulator")});
  CLI::App* sweep = app.add_subcommand("sweep", "Run a parameter sweep of simulations.");
  out.push_back({sweep, NotBuiltYet("sweep", "experiment tooling")});
  return out;
}

}  // namespace fleetgrid::cli
