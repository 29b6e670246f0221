// The live system's commands: the coordinator, the job client and the admin commands. The car agent
// (`node`) registers itself from cli/node_command.cc.
#include "cli/command.h"

namespace fleetgrid::cli {

std::vector<Command> AddLiveCommands(CLI::App& app) {
  std::vector<Command> out = AddCoordinatorCommand(app);
  for (Command& c : AddClientCommands(app)) out.push_back(std::move(c));
  for (Command& c : AddAdminCommands(app)) out.push_back(std::move(c));
  return out;
}

}  // namespace fleetgrid::cli
