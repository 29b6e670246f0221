// The `fleetgrid` command: each subcommand lives in its own file and registers itself here.
//
// A registrar adds a CLI11 subcommand (its options bound to state it owns) and returns the
// function that runs it after parsing. Runners return the process exit code:
// 0 success, 1 runtime failure, 2 bad usage or bad input, 3 not built yet.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace fleetgrid::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotBuilt = 3;

using Runner = std::function<int()>;

struct Command {
  CLI::App* app;  // owned by the parent CLI::App
  Runner run;
};

// Registrars, one per file. Each returns the commands it added.
std::vector<Command> AddVersionCommand(CLI::App& app);
std::vector<Command> AddSimCommands(CLI::App& app);         // sim, sweep
std::vector<Command> AddLiveCommands(CLI::App& app);        // coordinator + the client commands
std::vector<Command> AddCoordinatorCommand(CLI::App& app);  // coordinator
// coordinator init (cli/coordinator_init_command.cc), under the coordinator command.
std::vector<Command> AddCoordinatorInitCommand(CLI::App& coordinator);
std::vector<Command> AddClientCommands(CLI::App& app);  // submit, jobs, job, cancel, nodes, results
std::vector<Command> AddNodeCommand(CLI::App& app);     // node (cli/node_command.cc)
std::vector<Command> AddAdminCommands(CLI::App& app);   // admin (cli/admin_commands.cc)

// For subcommands whose capability has not landed: says so on stderr, exits kExitNotBuilt.
Runner NotBuiltYet(std::string name, std::string issue);

}  // namespace fleetgrid::cli
