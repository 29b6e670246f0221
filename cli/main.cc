// fleetgrid: one command for the simulator, the live coordinator, car agents and clients.
#include <iostream>

#include "absl/synchronization/mutex.h"
#include "cli/command.h"
#include "cli/version.h"

int main(int argc, char** argv) {
  using namespace fleetgrid::cli;
  // Debian builds abseil without NDEBUG, so every absl::Mutex (gRPC's too) keeps a lock
  // graph for deadlock detection: measurable per message at fleet scale, and a debugging aid
  // only. Off in the shipped binary; tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"Fleetgrid: a compute network of parked cars, simulated and live.", "fleetgrid"};
  app.set_version_flag("--version", std::string(kVersionString));
  app.require_subcommand(0, 1);
  app.fallthrough(false);

  std::vector<Command> commands;
  for (auto add : {AddVersionCommand, AddSimCommands, AddLiveCommands, AddNodeCommand}) {
    auto added = add(app);
    commands.insert(commands.end(), added.begin(), added.end());
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "fleetgrid: " << e.what() << "\n"
              << "Run 'fleetgrid --help' (or 'fleetgrid COMMAND --help') for usage.\n";
    return kExitUsage;
  }

  for (const Command& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  std::cout << app.help();
  return kExitOk;
}
