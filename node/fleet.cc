#include "node/fleet.h"

#include <pthread.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <future>
#include <sstream>
#include <string>

#include "common/clock.h"
#include "models/departure_warnings.h"
#include "models/local_calendar.h"
#include "node/car.h"
#include "node/fleet_context.h"

namespace fleetgrid::node {
namespace {

absl::Status Validate(const FleetOptions& o) {
  if (o.coordinator.empty()) return absl::InvalidArgumentError("coordinator address is empty");
  if (o.cars == 0) return absl::InvalidArgumentError("cars must be >= 1");
  if (!(o.time_scale > 0)) return absl::InvalidArgumentError("time scale must be > 0");
  if (!(o.byzantine_probability >= 0 && o.byzantine_probability <= 1)) {
    return absl::InvalidArgumentError("byzantine probability must be in [0, 1]");
  }
  if (!(o.malicious_owner_share >= 0 && o.malicious_owner_share <= 1)) {
    return absl::InvalidArgumentError("malicious owner share must be in [0, 1]");
  }
  if (o.malicious_owner_share > 0 && o.owners == 0) {
    return absl::InvalidArgumentError("malicious owner share needs owners >= 1");
  }
  if (!(o.claimed_speed >= 0) || !std::isfinite(o.claimed_speed)) {
    return absl::InvalidArgumentError("claimed speed must be >= 0");
  }
  if (o.executors.empty()) return absl::InvalidArgumentError("no executor enabled");
  if (o.max_concurrent_tasks == 0) {
    return absl::InvalidArgumentError("max concurrent tasks must be >= 1");
  }
  const AvailabilityParams& a = o.availability;
  if (a.model.mean_on <= Duration::Zero() || a.model.mean_off <= Duration::Zero()) {
    return absl::InvalidArgumentError("availability means must be > 0");
  }
  if (a.fleet_size != 0 && uint64_t{o.first_car} + o.cars > a.fleet_size) {
    return absl::InvalidArgumentError("cars " + std::to_string(o.first_car) + ".." +
                                      std::to_string(uint64_t{o.first_car} + o.cars - 1) +
                                      " are not all in the scenario's fleet of " +
                                      std::to_string(a.fleet_size) + " (fleet.size)");
  }
  double shares = 0;
  for (const models::SpeedClass& c : o.speed_classes) {
    if (!(c.speed > 0) || !(c.share >= 0)) return absl::InvalidArgumentError("bad speed class");
    shares += c.share;
  }
  if (o.speed_classes.empty() || o.speed_classes.size() > 255 || shares < 0.999 || shares > 1.001) {
    return absl::InvalidArgumentError("speed class shares must sum to 1");
  }
  shares = 0;
  for (const models::LinkClass& l : o.links) {
    if (!(l.bandwidth_bytes_per_s > 0) || l.latency < Duration::Zero() || !(l.share >= 0)) {
      return absl::InvalidArgumentError("bad link class");
    }
    shares += l.share;
  }
  if (o.links.empty() || o.links.size() > 255 || shares < 0.999 || shares > 1.001) {
    return absl::InvalidArgumentError("link class shares must sum to 1");
  }
  if (!(o.battery.capacity_wh > 0) || !(o.battery.max_charging_power_w > 0)) {
    return absl::InvalidArgumentError("battery capacity and charging power must be > 0");
  }
  if (!(o.battery.awake_power_w >= 0) || !(o.battery.initial_soc_min >= 0) ||
      !(o.battery.initial_soc_min <= o.battery.initial_soc_max) ||
      !(o.battery.initial_soc_max <= 1)) {
    return absl::InvalidArgumentError(
        "battery: awake power must be >= 0 and 0 <= initial_soc min <= max <= 1");
  }
  if (!(o.owner_rules.min_soc >= 0 && o.owner_rules.min_soc < 1)) {
    return absl::InvalidArgumentError("owner_rules.min_soc must be in [0, 1)");
  }
  const models::DepartureWarningsConfig& w = o.departure_warnings;
  if (!(w.share >= 0 && w.share <= 1)) {
    return absl::InvalidArgumentError(
        "--warn-share (departure_warnings.share) must be in [0, 1], got " +
        std::to_string(w.share));
  }
  if (w.lead < Duration::Zero()) {
    return absl::InvalidArgumentError(
        "--warn-lead (departure_warnings.lead) must not be negative, got " + w.lead.ToString());
  }
  if (w.noise < Duration::Zero()) {
    return absl::InvalidArgumentError(
        "--warn-noise (departure_warnings.noise) must not be negative, got " + w.noise.ToString());
  }
  if (!(a.vanish_probability >= 0 && a.vanish_probability <= 1)) {
    return absl::InvalidArgumentError("vanish probability must be in [0, 1]");
  }
  if (o.backoff.initial <= Duration::Zero() || o.backoff.max < o.backoff.initial ||
      o.backoff.multiplier < 1 || o.backoff.jitter < 0 || o.backoff.jitter > 1) {
    return absl::InvalidArgumentError("bad backoff policy");
  }
  return absl::OkStatus();
}

// Each region's UTC offset now (the owners' local time: OwnerPreferences.utc_offset_s);
// one region "all" in UTC without regions.
absl::StatusOr<std::vector<int32_t>> RegionUtcOffsets(const models::FleetAvailability& fleet,
                                                      const FleetOptions& o) {
  std::vector<int32_t> offsets(fleet.region_count(), 0);
  const int64_t now_s = UnixNowNanos() / 1000'000'000;
  for (size_t r = 0; r < offsets.size() && r < o.availability.regions.size(); ++r) {
    absl::StatusOr<int32_t> off = models::UtcOffsetAt(o.availability.regions[r].time_zone, now_s);
    if (!off.ok()) return off.status();
    offsets[r] = *off;
  }
  return offsets;
}

// Runs `fn` on the I/O thread and waits for it.
void RunOnIo(FleetContext& ctx, const std::function<void()>& fn) {
  std::promise<void> done;
  boost::asio::post(ctx.io, [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace

models::FleetDraw DrawCars(const FleetOptions& o) {
  const uint32_t fleet_size =
      o.availability.fleet_size != 0 ? o.availability.fleet_size : o.first_car + o.cars;
  return models::DrawFleet(o.speed_classes, o.links, o.availability.regions, fleet_size, o.seed,
                           o.first_car, o.cars);
}

absl::StatusOr<std::shared_ptr<const models::FleetAvailability>> FleetAvailability(
    const FleetOptions& o) {
  models::AvailabilitySetup setup;
  setup.seed = o.seed;
  setup.fleet_size =
      o.availability.fleet_size != 0 ? o.availability.fleet_size : o.first_car + o.cars;
  setup.start_unix_s = o.availability.start_unix_s;
  setup.availability = o.availability.model;
  setup.regions = o.availability.regions;
  setup.archetypes = o.availability.archetypes;
  setup.scenario_dir = o.availability.scenario_dir;
  absl::StatusOr<std::unique_ptr<models::FleetAvailability>> built =
      models::FleetAvailability::Build(setup);
  if (!built.ok()) return built.status();
  return std::shared_ptr<const models::FleetAvailability>(std::move(*built));
}

Fleet::Fleet(FleetOptions options) : ctx_(std::make_unique<FleetContext>(options)) {}

Fleet::~Fleet() { Stop(); }

const FleetOptions& Fleet::options() const { return ctx_->options; }

absl::Status Fleet::Start() {
  if (started_) return absl::FailedPreconditionError("fleet already started");
  FleetOptions& o = ctx_->options;
  if (absl::Status s = Validate(o); !s.ok()) return s;
  grpc::ChannelArguments base_args;
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentialsFor(o.tls, o.coordinator, base_args);
  if (!credentials.ok()) return credentials.status();
  const uint32_t nch = o.channels != 0 ? o.channels : (o.cars + 499) / 500;
  for (uint32_t i = 0; i < nch; ++i) {
    grpc::ChannelArguments args = base_args;
    // Distinct args and a local subchannel pool: each channel opens its own connection.
    args.SetInt("fleetgrid.channel_index", static_cast<int>(i));
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20'000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    args.SetInt(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, 8 << 20);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5'000);
    auto ch = grpc::CreateCustomChannel(o.coordinator, *credentials, args);
    ctx_->stubs.push_back(v1::NodeService::NewStub(ch));
    ctx_->channels.push_back(std::move(ch));
  }
  cars_.reserve(o.cars);
  absl::StatusOr<std::shared_ptr<const models::FleetAvailability>> availability =
      FleetAvailability(o);
  if (!availability.ok()) return availability.status();
  const std::shared_ptr<const models::AvailabilityModel> model = *availability;
  const models::FleetDraw draw = DrawCars(o);
  const std::vector<models::SpeedClass> classes =
      models::ClassTable(o.speed_classes, o.availability.regions);
  const std::vector<bool> warns =
      models::DrawWarningCars(o.seed, o.departure_warnings.share, o.first_car, o.cars);
  absl::StatusOr<std::vector<int32_t>> offsets = RegionUtcOffsets(**availability, o);
  if (!offsets.ok()) return offsets.status();
  for (uint32_t i = 0; i < o.cars; ++i) {
    const uint32_t index = o.first_car + i;
    const size_t region = (*availability)->RegionOf(index);
    const CarTraits traits{
        .utc_offset_s = (*offsets)[region],
        .owner_rules = &models::RegionOwnerRules(ctx_->options.owner_rules,
                                                 ctx_->options.availability.regions, region),
        .warns_departure = warns[i]};
    cars_.push_back(std::make_unique<Car>(*ctx_, index, models::CarPeriods(model, index),
                                          classes[draw.speed_class[i]], o.links[draw.link_class[i]],
                                          traits));
  }
  started_ = true;
  const Duration spread = o.start_spread;
  boost::asio::post(ctx_->io, [this, spread] {
    const auto n = static_cast<int64_t>(cars_.size());
    for (int64_t i = 0; i < n; ++i) cars_[i]->Start(spread * i / n);
  });
  io_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "fg-cars-io");
    auto guard = boost::asio::make_work_guard(ctx_->io);
    ctx_->io.run();
  });
  return absl::OkStatus();
}

void Fleet::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  RunOnIo(*ctx_, [this] {
    ctx_->stopping = true;
    for (auto& car : cars_) car->Shutdown();
  });
  const auto timeout = std::chrono::nanoseconds(ctx_->options.stop_timeout.nanos());
  if (!ctx_->calls.WaitIdle(timeout)) {
    RunOnIo(*ctx_, [this] {
      for (auto& car : cars_) car->CancelAll();
    });
    ctx_->calls.WaitIdle(std::chrono::hours(1));
  }
  // No gRPC reaction can post any more. Finish the kernels, then the I/O thread.
  ctx_->compute.join();
  ctx_->io.stop();
  io_thread_.join();
  cars_.clear();
}

FleetStats Fleet::stats() const {
  const FleetCounters& c = ctx_->counters;
  FleetStats s;
  s.cars = cars_.size();
  s.available_now = c.available_now;
  s.connected_now = c.connected_now;
  s.enrollments = c.enrollments;
  s.sessions = c.sessions;
  s.reconnects = c.reconnects;
  s.heartbeats_sent = c.heartbeats_sent;
  s.work_requests = c.work_requests;
  s.attempts_assigned = c.attempts_assigned;
  s.attempts_done = c.attempts_done;
  s.attempts_rejected = c.attempts_rejected;
  s.attempts_lost = c.attempts_lost;
  s.attempts_failed = c.attempts_failed;
  s.results_sent = c.results_sent;
  s.credentials_refused = c.credentials_refused;
  s.join_tokens_refused = c.join_tokens_refused;
  s.credentials_renewed = c.credentials_renewed;
  s.results_corrupted = c.results_corrupted;
  s.leaves = c.leaves;
  s.vanishes = c.vanishes;
  s.departure_warnings = c.departure_warnings;
  s.checkpoints_uploaded = c.checkpoints_uploaded;
  s.checkpoint_bytes_uploaded = c.checkpoint_bytes_uploaded;
  s.checkpoints_refused = c.checkpoints_refused;
  s.attempts_resumed = c.attempts_resumed;
  s.work_units_resumed = c.work_units_resumed;
  return s;
}

bool Fleet::WaitUntil(const std::function<bool(const FleetStats&)>& pred, Duration timeout) const {
  const WallClock clock;
  const TimePoint deadline = clock.Now() + timeout;
  while (true) {
    if (pred(stats())) return true;
    if (clock.Now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void Fleet::DriveOffForTest(uint32_t car, bool vanish) {
  if (!started_ || stopped_ || car >= cars_.size()) return;
  RunOnIo(*ctx_, [this, car, vanish] { cars_[car]->DriveOffForTest(vanish); });
}

ProcessUsage CurrentProcessUsage() {
  ProcessUsage u;
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream is(line);
    std::string key;
    uint64_t v = 0;
    is >> key >> v;
    if (key == "VmRSS:") u.rss_bytes = v * 1024;
    if (key == "Threads:") u.threads = v;
  }
  return u;
}

}  // namespace fleetgrid::node
