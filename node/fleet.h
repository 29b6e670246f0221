// Fleet: N emulated cars in one process, talking gRPC to a live coordinator.
//
// All cars share one Boost.Asio io_context run by one thread (the "I/O thread"); gRPC's
// callback API runs its reactions on gRPC's own small thread pool, which only posts to that
// io_context, and a few compute threads run the hash kernel. Cars share
// FleetOptions::channels gRPC channels (separate TCP connections), round-robin. No thread is
// created per car: one process holds tens of thousands of cars (see docs/node.md).
//
// Usage (tests, `fleetgrid node`):
//   node::Fleet fleet(options);
//   FG_RETURN_IF_ERROR(fleet.Start());
//   ... fleet.stats() ...
//   fleet.Stop();   // every connected car sends Leave{SHUTDOWN}
//
// Thread safety: Start/Stop from one controlling thread; stats() and WaitUntil() from any.
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/time.h"
#include "models/availability.h"
#include "models/fleet_availability.h"
#include "models/fleet_draw.h"
#include "node/fleet_options.h"

namespace fleetgrid::node {

struct FleetContext;
class Car;

class Fleet {
 public:
  explicit Fleet(FleetOptions options);
  ~Fleet();  // calls Stop()
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Validates the options, opens the channels and starts the cars (each connects when its
  // availability model first says parked). INVALID_ARGUMENT for bad options.
  // REQUIRES: called once.
  absl::Status Start();
  // Cars leave cleanly (Leave{SHUTDOWN}), waiting up to options.stop_timeout; calls still
  // open then are cancelled. Returns when no thread or call of the fleet is left. Idempotent.
  void Stop();

  FleetStats stats() const;
  // Polls `pred` on stats() until it holds or `timeout` (real time) passes; returns whether
  // it held. For tests and tools; not a synchronisation primitive for the cars themselves.
  bool WaitUntil(const std::function<bool(const FleetStats&)>& pred, Duration timeout) const;

  // Test hook: car `car` (0-based within this fleet) drives off now, with Leave or vanishing.
  void DriveOffForTest(uint32_t car, bool vanish);

  const FleetOptions& options() const;

 private:
  std::unique_ptr<FleetContext> ctx_;
  std::vector<std::unique_ptr<Car>> cars_;
  std::thread io_thread_;
  bool started_ = false;
  bool stopped_ = false;
};

// The classes of this process's cars [first_car, first_car + cars): the simulator's draw
// (models/fleet_draw.h) for the same seed, classes and regions, whatever the process split.
// speed_class indexes models::ClassTable(o.speed_classes, o.availability.regions).
models::FleetDraw DrawCars(const FleetOptions& o);
// The availability of the whole fleet under o.seed, as the simulator builds it from the
// same scenario (shared by the cars; each car walks its own models::CarPeriods over it).
// INVALID_ARGUMENT for a model that cannot be built (an unknown time zone, a trace that
// cannot be read).
absl::StatusOr<std::shared_ptr<const models::FleetAvailability>> FleetAvailability(
    const FleetOptions& o);

// Resident memory and thread count of this process (from /proc/self/status), for the
// capacity figures in docs/node.md. Zero when unavailable.
struct ProcessUsage {
  uint64_t rss_bytes = 0;
  uint64_t threads = 0;
};
ProcessUsage CurrentProcessUsage();

}  // namespace fleetgrid::node
