#include "sim/run.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/clock.h"
#include "common/status.h"
#include "models/fleet_draw.h"

namespace fleetgrid::sim {

absl::StatusOr<RunOutput> RunScenario(const Scenario& scenario, const RunOptions& options) {
  RunOutput out;
  out.dir = scenario.outputs.dir.empty() ? "runs/" + scenario.name : scenario.outputs.dir;
  CsvFile timeseries, attempts, parked;
  SimHooks hooks;
  if (options.write_files) {
    std::error_code ec;
    std::filesystem::create_directories(out.dir, ec);
    if (ec) {
      return absl::PermissionDeniedError("cannot create output folder " + out.dir + ": " +
                                         ec.message());
    }
    if (scenario.outputs.timeseries_interval > Duration::Zero()) {
      std::vector<std::string> regions;
      for (const models::RegionConfig& r : scenario.regions) regions.push_back(r.name);
      if (regions.empty()) regions.push_back("all");
      const std::string header = TimeseriesHeader(
          regions, models::ClassTable(scenario.fleet.classes, scenario.regions).size());
      if (!timeseries.Open(out.dir + "/timeseries.csv", header.c_str())) {
        return absl::PermissionDeniedError("cannot write " + out.dir + "/timeseries.csv");
      }
      hooks.on_sample = [&timeseries](const Sample& s) { timeseries.WriteSample(s); };
    }
    if (scenario.outputs.attempts_csv) {
      if (!attempts.Open(out.dir + "/attempts.csv", kAttemptsHeader)) {
        return absl::PermissionDeniedError("cannot write " + out.dir + "/attempts.csv");
      }
      hooks.on_attempt = [&attempts](const AttemptRecord& a) { attempts.WriteAttempt(a); };
    }
    if (scenario.outputs.parked_periods_csv) {
      if (!parked.Open(out.dir + "/parked_periods.csv", kParkedPeriodsHeader)) {
        return absl::PermissionDeniedError("cannot write " + out.dir + "/parked_periods.csv");
      }
      hooks.on_parked_period = [&parked](const ParkedPeriod& p) { parked.WriteParkedPeriod(p); };
    }
  }
  const WallClock wall;
  const TimePoint wall_start = wall.Now();
  auto seconds_since = [&wall](TimePoint t) { return (wall.Now() - t).SecondsF(); };
  if (options.progress) {
    hooks.on_progress = [&, last = 0.0](TimePoint now, uint64_t events, double frac) mutable {
      const double wall = seconds_since(wall_start);
      if (wall - last < 0.25) return;
      last = wall;
      const double eta = frac > 0 ? wall * (1 - frac) / frac : 0;
      std::fprintf(stderr, "\rsim %s / %s  %.3g events/s  %.0f%%  ETA %.0f s   ",
                   (now - TimePoint::Epoch()).ToString().c_str(),
                   scenario.horizon.ToString().c_str(), events / wall, 100 * frac, eta);
      std::fflush(stderr);
    };
  }
  FG_ASSIGN_OR_RETURN(auto sim, Simulator::Create(scenario, std::move(hooks)));
  FG_RETURN_IF_ERROR(sim->Run());
  if (options.progress) std::fprintf(stderr, "\r%80s\r", "");
  out.info.wall_s = seconds_since(wall_start);
  out.info.peak_rss_bytes = PeakRssBytes();
  out.result = sim->result();
  out.summary = SummaryJson(scenario, out.result, out.info);
  if (options.write_files) {
    if (!timeseries.Close() || !attempts.Close() || !parked.Close()) {
      return absl::DataLossError("write error in " + out.dir);
    }
    std::ofstream f(out.dir + "/summary.json");
    f << out.summary.dump(2) << "\n";
    if (!f) return absl::DataLossError("cannot write " + out.dir + "/summary.json");
  }
  return out;
}

}  // namespace fleetgrid::sim
