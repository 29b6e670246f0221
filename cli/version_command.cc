#include <iostream>

#include "cli/command.h"
#include "cli/version.h"

namespace fleetgrid::cli {

std::vector<Command> AddVersionCommand(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("version", "Print the version and exit.");
  return {{sub, [] {
             std::cout << kVersionString << "\n";
             return kExitOk;
           }}};
}

Runner NotBuiltYet(std::string name, std::string issue) {
  return [name = std::move(name), issue = std::move(issue)] {
    std::cerr << "fleetgrid " << name << ": not built yet (" << issue << ").\n";
    return kExitNotBuilt;
  };
}

}  // namespace fleetgrid::cli
