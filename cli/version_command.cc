#include <iostream>
#include <string>

#include "cli/command.h"
#include "cli/version.h"
#ifdef FLEETGRID_MIMALLOC
#include <mimalloc.h>
#endif

namespace fleetgrid::cli {
namespace {

// Which allocator serves this process (cli/CMakeLists.txt says why it matters). Asking
// mimalloc itself also keeps the library linked where the linker drops unused ones.
std::string Allocator() {
#ifdef FLEETGRID_MIMALLOC
  const int v = mi_version();  // 209 = 2.0.9
  return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." +
         std::to_string(v % 10);
#else
  return "the C library's malloc";
#endif
}

}  // namespace

std::vector<Command> AddVersionCommand(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("version", "Print the version and exit.");
  return {{sub, [] {
             std::cout << kVersionString << "\n"
                       << "allocator: " << Allocator() << "\n";
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
