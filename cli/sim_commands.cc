// `fleetgrid sim SCENARIO.yaml [--set key.path=value]... [--seed N] [--out DIR] [--quiet]`
// runs one simulation (sim/run.h). `sweep` is not built yet.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "sim/run.h"
#include "sim/scenario/scenario.h"

namespace fleetgrid::cli {
namespace {

struct SimArgs {
  std::string scenario;
  std::vector<std::string> sets;
  int64_t seed = -1;
  std::string out;
  bool quiet = false;
};

int RunSim(const SimArgs& args) {
  std::vector<std::string> overrides = args.sets;
  if (args.seed >= 0) overrides.push_back("seed=" + std::to_string(args.seed));
  if (!args.out.empty()) overrides.push_back("outputs.dir=" + args.out);
  auto scenario = sim::LoadScenario(args.scenario, overrides);
  if (!scenario.ok()) {
    std::cerr << "fleetgrid sim: " << scenario.status().message() << "\n";
    return kExitUsage;
  }
  sim::RunOptions options;
  options.progress = !args.quiet && isatty(STDERR_FILENO);
  auto out = sim::RunScenario(*scenario, options);
  if (!out.ok()) {
    std::cerr << "fleetgrid sim: " << out.status().message() << "\n";
    return out.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  if (!args.quiet) {
    std::cout << sim::HumanSummary(*scenario, out->result, out->info) << "results in " << out->dir
              << "/\n";
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> AddSimCommands(CLI::App& app) {
  std::vector<Command> out;
  auto args = std::make_shared<SimArgs>();
  CLI::App* sim = app.add_subcommand("sim", "Run a discrete-event simulation of a scenario file.");
  sim->add_option("scenario", args->scenario, "Scenario YAML file (see docs/scenarios.md)")
      ->required();
  sim->add_option("--set", args->sets, "Override a scenario key: key.path=value (repeatable)")
      ->allow_extra_args(false);
  sim->add_option("--seed", args->seed, "Random seed (overrides the scenario's)")
      ->check(CLI::NonNegativeNumber);
  sim->add_option("--out", args->out, "Output folder (default: runs/<scenario name>)");
  sim->add_flag("--quiet,-q", args->quiet, "No summary on stdout and no progress line");
  out.push_back({sim, [args] { return RunSim(*args); }});
  CLI::App* sweep = app.add_subcommand("sweep", "Run a parameter sweep of simulations.");
  out.push_back({sweep, NotBuiltYet("sweep", "experiment tooling")});
  return out;
}

}  // namespace fleetgrid::cli
