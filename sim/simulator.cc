#include "sim/simulator.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "common/rng.h"
#include "common/status.h"
#include "models/battery.h"
#include "models/cheaters.h"
#include "models/departure_warnings.h"
#include "models/fleet_draw.h"
#include "models/hardware_catalog.h"
#include "models/local_calendar.h"
#include "models/region_config.h"
#include "sim/economics/accounting.h"
#include "sim/stats/gauge.h"

namespace fleetgrid::sim {
namespace {

using core::Decisions;

// Event payload: bits 0-31 car (or job count), 32-35 kind, 40-63 generation.
enum Kind : uint64_t {
  kAvailability = 1,
  kAttemptEnd = 2,
  kCoreWake = 3,
  kJobArrival = 4,
  kWarn = 5,           // the car announces its departure (gen: its period)
  kCheckpointAsk = 6,  // the car starts a checkpoint the coordinator asked for
  kStageDone = 7,      // a data car's input upload ends (id: index into stages_)
  kPriceTick = 8,      // the regions' electricity prices are read again (with `economics`)
  kPoolEnd = 9,        // a datacenter pool node's attempt ends (id: pool index)
};
// How often the simulator reads the regions' electricity prices and tells the brain those
// that changed (Core::SetEnergyPrice): time-of-use windows and hourly prices change on
// quarter hours at the finest.
constexpr Duration kPriceTickEvery = Duration::Minutes(5);
uint64_t Pack(uint32_t id, Kind kind, uint32_t gen) {
  return uint64_t{id} | (uint64_t{kind} << 32) | (uint64_t{gen & 0xffffff} << 40);
}
uint32_t IdOf(uint64_t d) { return static_cast<uint32_t>(d); }
Kind KindOf(uint64_t d) { return static_cast<Kind>((d >> 32) & 0xf); }
uint32_t GenOf(uint64_t d) { return static_cast<uint32_t>(d >> 40); }
uint64_t WakePayload(uint32_t gen) { return Pack(0, kCoreWake, gen); }

enum CarState : uint8_t { kAway = 0, kIdle = 1, kBusy = 2 };

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

core::ResultDigest DigestOf(uint32_t task) {
  core::ResultDigest d{};
  for (int i = 0; i < 4; ++i) d[i] = static_cast<uint8_t>(task >> (8 * i));
  d[31] = 0x5a;
  return d;
}

// A cheater's wrong digest: the same for every colluder (`who` = 0), else one per owner.
core::ResultDigest WrongDigestOf(uint32_t task, uint32_t who) {
  core::ResultDigest d = DigestOf(task);
  d[31] = 0xa5;
  for (int i = 0; i < 4; ++i) d[4 + i] = static_cast<uint8_t>(who >> (8 * i));
  return d;
}

}  // namespace

void AppendDecisionLines(TimePoint now, const Decisions& d, std::vector<std::string>& out) {
  char buf[192];
  const long long t = static_cast<long long>(now.nanos());
  for (const auto& a : d.assignments) {
    std::snprintf(buf, sizeof buf, "t=%lld assign node=%u task=%u epoch=%u", t, a.node.value(),
                  a.task.value(), a.epoch);
    out.emplace_back(buf);
  }
  for (const auto& c : d.cancellations) {
    std::snprintf(buf, sizeof buf, "t=%lld cancel node=%u task=%u reason=%d", t, c.node.value(),
                  c.task.value(), static_cast<int>(c.reason));
    out.emplace_back(buf);
  }
  for (const auto& e : d.ended) {
    std::snprintf(buf, sizeof buf, "t=%lld ended node=%u task=%u attempt=%llu outcome=%d", t,
                  e.node.value(), e.task.value(),
                  static_cast<unsigned long long>(e.attempt.value()), static_cast<int>(e.outcome));
    out.emplace_back(buf);
  }
  for (const auto& c : d.completed) {
    std::snprintf(buf, sizeof buf, "t=%lld completed task=%u node=%u", t, c.task.value(),
                  c.node.value());
    out.emplace_back(buf);
  }
  for (const auto& j : d.job_changes) {
    std::snprintf(buf, sizeof buf, "t=%lld job=%u status=%d", t, j.job.value(),
                  static_cast<int>(j.status));
    out.emplace_back(buf);
  }
}

class Simulator::Loop {
 public:
  Loop(const Scenario& s, SimHooks hooks, SimResult& r)
      : s_(s),
        hooks_(std::move(hooks)),
        r_(r),
        queue_(MakeEventQueue(s.queue)),
        env_(now_, *queue_, TimePoint::Epoch() + s.horizon, &WakePayload),
        workload_(s.workload, s.fleet.size, s.seed),
        classes_(models::ClassTable(s.fleet.classes, s.regions)),
        horizon_end_(TimePoint::Epoch() + s.horizon) {}

  absl::Status Init() {
    {
      models::AvailabilitySetup setup = models::SetupOf(CarsOf(s_));
      absl::StatusOr<std::unique_ptr<models::FleetAvailability>> fa =
          models::FleetAvailability::Build(setup);
      if (!fa.ok()) return fa.status();
      availability_ = std::move(*fa);
      r_.traces = availability_->trace_reports();
      r_.trace_looped = availability_->LoopsWithin(s_.horizon);
    }
    FG_RETURN_IF_ERROR(workload_.LoadTrace(ScenarioDir()));
    if (s_.workload.kind == WorkloadKind::kJobTrace) {
      const JobTrace& t = workload_.trace();
      r_.job_trace_file = s_.workload.job_trace.file;
      r_.job_trace_rows = t.rows;
      r_.job_trace_kept = t.kept;
      r_.job_trace_with_run_time = t.with_run_time;
      r_.job_trace_period_s = t.period_s;
    }
    if (s_.workload.kind == WorkloadKind::kTraining) {
      training_ = std::make_unique<TrainingRounds>(s_.workload.training);
    }
    for (const WorkloadConfig::Client& c : s_.workload.clients) {
      r_.clients.emplace_back().name = c.name;
    }
    core::CoreConfig cc;
    cc.heartbeat_grace = s_.grace_period;
    cc.attempt_timeout = s_.attempt_timeout;
    cc.default_max_attempts = s_.max_attempts;
    cc.policy = s_.policy.name;
    cc.policy_params = s_.policy.params;
    cc.seed = s_.seed;
    cc.quota.daily = s_.workload.validation.daily_quota;
    cc.quota.initial = s_.workload.validation.initial_quota;
    auto runtime = runtime::Runtime::Create(cc, env_);
    if (!runtime.ok()) {
      return absl::InvalidArgumentError("policy: " + std::string(runtime.status().message()));
    }
    runtime_ = std::move(*runtime);
    runtime_->SetWakeupHandler([this] {
      ++r_.core_ticks;
      Process();
    });
    r_.policy = std::string(runtime_->core().policy_name());
    energy_on_ = s_.fleet.battery.simulated;
    r_.energy_on = energy_on_;
    if (energy_on_) {
      energy_.resize(s_.fleet.size);
      battery_rng_ = Rng::Stream(s_.seed, "battery");
      // Each region's rules (its own, else the fleet's), in its local time: the region's
      // UTC offset at t = 0 (daylight saving ignored).
      for (size_t g = 0; g < availability_->region_count(); ++g) {
        const models::OwnerRulesConfig& o =
            models::RegionOwnerRules(s_.fleet.owner_rules, s_.regions, g);
        core::OwnerRules rules;
        rules.plugged_only = o.plugged_only;
        rules.min_soc = static_cast<float>(o.min_soc);
        rules.daily_energy_wh = o.daily_energy_wh;
        rules.metered_daily_cap_bytes = o.metered_daily_cap_bytes;
        for (const auto& [a, b] : o.windows) rules.windows.push_back({a, b});
        absl::StatusOr<int32_t> offset = RegionLocalSecondAtZero(g);
        if (!offset.ok()) return offset.status();
        rules.utc_offset_s = *offset;
        region_rules_.push_back(std::move(rules));
      }
    }

    const uint32_t n = s_.fleet.size;
    owners_ = s_.fleet.owners != 0 ? s_.fleet.owners : n;
    InitCheaters();
    {
      const models::FleetDraw fleet =
          models::DrawFleet(s_.fleet.classes, s_.fleet.links, s_.regions, n, s_.seed, 0, n);
      cars_.assign(n, Car{});
      for (uint32_t car = 0; car < n; ++car) {
        cars_[car].speed_class = fleet.speed_class[car];
        cars_[car].link_class = fleet.link_class[car];
      }
      if (s_.economics.enabled) {
        // Computing draws the awake car plus its accelerator, as the battery model has it.
        books_.assign(n, CarBooks{});
        for (uint32_t car = 0; car < n; ++car) {
          books_[car].power_w =
              models::ComputePowerW(s_.fleet.battery, classes_[cars_[car].speed_class].power_w);
        }
        // Each region's electricity price (its own, else the scenario's; price files read
        // once each) and local time.
        const std::string dir = ScenarioDir();
        PriceSchedule fleet_price = s_.economics.electricity_price;
        FG_RETURN_IF_ERROR(fleet_price.LoadCsv(dir, s_.start_unix_s));
        for (size_t g = 0; g < availability_->region_count(); ++g) {
          const std::string name = g < s_.regions.size() ? s_.regions[g].name : "";
          const auto own = s_.economics.region_prices.find(name);
          if (own == s_.economics.region_prices.end()) {
            region_price_.push_back(fleet_price);
          } else {
            region_price_.push_back(own->second);
            FG_RETURN_IF_ERROR(region_price_.back().LoadCsv(dir, s_.start_unix_s));
          }
          absl::StatusOr<int32_t> offset = RegionLocalSecondAtZero(g);
          if (!offset.ok()) return offset.status();
          region_local_s_.push_back(*offset);
        }
      }
    }

    // Per (speed class, link class) durations, precomputed once.
    const size_t nc = classes_.size();
    const size_t nl = s_.fleet.links.size();
    download_.resize(nl);
    upload_.resize(nl);
    for (size_t l = 0; l < nl; ++l) {
      const models::LinkClass& lc = s_.fleet.links[l];
      download_[l] =
          lc.latency + Duration::FromSecondsF(static_cast<double>(workload_.input_bytes()) /
                                              lc.bandwidth_bytes_per_s);
      upload_[l] =
          lc.latency + Duration::FromSecondsF(static_cast<double>(workload_.output_bytes()) /
                                              lc.bandwidth_bytes_per_s);
    }
    if (s_.workload.checkpoints() || s_.departure_warnings.share > 0) {
      r_.checkpoints_on = true;
      saves_.assign(n, CarSave{});
      cp_upload_.resize(nl);
      for (size_t l = 0; l < nl; ++l) {
        const models::LinkClass& lc = s_.fleet.links[l];
        cp_upload_[l] =
            lc.latency + Duration::FromSecondsF(static_cast<double>(s_.workload.checkpoint_bytes) /
                                                lc.bandwidth_bytes_per_s);
      }
    }
    if (s_.departure_warnings.share > 0) {
      // Which cars know when they leave: a stream of its own, so that turning warnings on
      // changes no other draw (the car agent draws the same cars).
      warns_ = models::DrawWarningCars(s_.seed, s_.departure_warnings.share, 0, n);
      warn_rng_ = Rng::Stream(s_.seed, "departure-warning-noise");
    }
    if (s_.workload.data_local) {
      local_input_.assign(n, 0);
      r_.data_local_on = true;
    }
    if (!s_.workload.models.empty()) {
      weights_.assign(n, CarWeights{});
      for (const InferenceModel& m : s_.workload.models) {
        r_.models.push_back(ModelResult{.name = m.name, .size_bytes = m.size_bytes});
      }
    }
    r_.classes.resize(nc);
    for (size_t c = 0; c < nc; ++c) {
      r_.classes[c].speed = classes_[c].speed;
      r_.classes[c].hardware = classes_[c].hardware;
      r_.classes[c].memory_bytes = classes_[c].memory_bytes;
    }
    groups_.assign(availability_->region_count() + nc, GroupGauges{});
    r_.regions.resize(availability_->region_count());
    for (size_t g = 0; g < r_.regions.size(); ++g) {
      r_.regions[g].name = availability_->region_name(g);
    }
    if (hooks_.on_parked_period) parked_since_.assign(n, 0);

    for (uint32_t car = 0; car < n; ++car) {
      core::NodeSpec spec;
      spec.owner = OwnerId(car % owners_);
      spec.hw_class = cars_[car].speed_class;
      spec.speed = classes_[spec.hw_class].speed;
      const models::LinkClass& lc = s_.fleet.links[cars_[car].link_class];
      spec.link.bandwidth_bytes_per_s = lc.bandwidth_bytes_per_s;
      spec.link.latency = lc.latency;
      spec.link.metered = lc.metered;
      spec.implicit_heartbeat = true;
      spec.memory_bytes = classes_[spec.hw_class].memory_bytes;
      // With economics, each region is a price zone (its electricity price, told below).
      if (s_.economics.enabled) {
        spec.price_zone = static_cast<uint16_t>(availability_->RegionOf(car));
      }
      runtime_->RegisterNode(spec);
      if (hooks_.trace) hooks_.trace->nodes.push_back(spec);
      if (energy_on_) FG_RETURN_IF_ERROR(InitEnergy(car));
      ++r_.classes[spec.hw_class].cars;
      ++r_.regions[availability_->RegionOf(car)].cars;
    }
    return InitPool();
  }

  // Cheating owners: the draw the car agent shares (models/cheaters.h).
  void InitCheaters() {
    ValidationResult& v = r_.validation;
    v.enabled = s_.workload.validation.enabled() || s_.fleet.malicious.owner_share > 0;
    if (s_.workload.validation.spot_check_rate > 0) {
      spot_rng_ = Rng::Stream(s_.seed, "spot-checks");
    }
    cheater_ = models::DrawCheatingOwners(s_.seed, owners_, s_.fleet.malicious.owner_share);
    if (cheater_.empty()) return;
    const auto k = static_cast<uint32_t>(
        std::count_if(cheater_.begin(), cheater_.end(), [](uint32_t c) { return c != kHonest; }));
    v.cheating_owners = k;
    v.accepted_before_distrust.assign(k, 0);
    v.accepted_total.assign(k, 0);
    caught_.assign(k, false);
  }

  // The digest car `car` reports for `task`.
  // The datacenter pool: nodes fleet.size .. fleet.size + count - 1 in the brain, of one
  // owner (the operator), always connected.
  absl::Status InitPool() {
    const DatacenterPoolConfig& c = s_.datacenter_pool;
    if (c.count == 0) return absl::OkStatus();
    auto hw = models::FindHardware(c.hardware);
    if (!hw.ok()) return hw.status();
    PoolResult& p = r_.pool;
    p.on = true;
    p.hardware = std::string((*hw)->name);
    p.nodes = c.count;
    p.speed = (*hw)->speed();
    p.power_w = (*hw)->power_mid_w();
    p.pue = s_.economics.datacenter.pue;
    p.price_per_hour =
        c.price_per_hour >= 0 ? c.price_per_hour : s_.economics.datacenter.price_per_hour;
    pool_.assign(c.count, PoolNode{});
    for (uint32_t i = 0; i < c.count; ++i) {
      core::NodeSpec spec;
      spec.owner = OwnerId(owners_);
      spec.speed = p.speed;
      spec.link.bandwidth_bytes_per_s = c.bandwidth_bytes_per_s;
      spec.link.latency = c.latency;
      spec.implicit_heartbeat = true;
      spec.memory_bytes = (*hw)->memory_bytes;
      spec.datacenter = true;
      runtime_->RegisterNode(spec);
    }
    return absl::OkStatus();
  }

  uint32_t PoolIndex(uint32_t node) const { return node - s_.fleet.size; }
  bool InPool(uint32_t node) const { return node >= s_.fleet.size; }

  void StartPoolAttempt(const core::Assignment& a) {
    PoolNode& p = pool_[PoolIndex(a.node.value())];
    const DatacenterPoolConfig& c = s_.datacenter_pool;
    p.busy = true;
    p.task = a.task.value();
    p.epoch = a.epoch;
    p.start = now_.nanos();
    const uint32_t t = a.task.value();
    if (!started_[t]) {
      started_[t] = true;
      r_.task_wait.Add(now_ - TimePoint::FromNanos(job_submitted_[a.job.value()]));
    }
    const double work = std::max(0.0, WorkOfTask(t) - a.resume_from_units);
    double bytes = static_cast<double>(workload_.input_bytes() + workload_.output_bytes());
    if (a.model != 0 && p.model != a.model) bytes += static_cast<double>(a.model_bytes);
    p.model = a.model != 0 ? a.model : p.model;
    const Duration d =
        c.latency + c.latency +
        Duration::FromSecondsF(bytes / c.bandwidth_bytes_per_s + work / r_.pool.speed);
    ++r_.pool.attempts;
    queue_->Push(now_ + d, Pack(PoolIndex(a.node.value()), kPoolEnd, ++p.gen));
  }

  bool OnPoolEnd(uint32_t i, uint32_t gen) {
    PoolNode& p = pool_[i];
    if (!p.busy || (p.gen & 0xffffff) != gen) return false;
    p.busy = false;
    r_.pool.busy_s += static_cast<double>(now_.nanos() - p.start) * 1e-9;
    const NodeId node(s_.fleet.size + i);
    const AttemptId attempt = core::Core::MakeAttemptId(TaskId(p.task), p.epoch);
    const core::ResultVerdict v = runtime_->ReportResult(node, attempt, p.epoch, DigestOf(p.task));
    if (v == core::ResultVerdict::kAccepted || v == core::ResultVerdict::kPendingQuorum) {
      ++r_.pool.succeeded;
      r_.pool.work_done_units += WorkOfTask(p.task);
    }
    Process();
    (void)runtime_->RequestWork(node, 1);
    Process();
    return true;
  }

  // The brain cancelled a pool node's attempt: true when it was running there.
  bool CancelPoolAttempt(const core::Cancellation& c) {
    PoolNode& p = pool_[PoolIndex(c.node.value())];
    if (!p.busy || p.task != c.task.value() ||
        core::Core::MakeAttemptId(TaskId(p.task), p.epoch) != c.attempt) {
      return false;
    }
    p.busy = false;
    ++p.gen;
    r_.pool.busy_s += static_cast<double>(now_.nanos() - p.start) * 1e-9;
    ++r_.pool.cancelled;
    return true;
  }

  core::ResultDigest ResultOf(uint32_t car, uint32_t task) const {
    if (cheater_.empty()) return DigestOf(task);
    const uint32_t owner = car % owners_;
    if (cheater_[owner] == kHonest) return DigestOf(task);
    return WrongDigestOf(task, models::WrongAnswerKey(owner, s_.fleet.malicious.colluding));
  }

  // Untrusted-results bookkeeping for one batch of decisions.
  void CountValidation(const Decisions& d) {
    ValidationResult& v = r_.validation;
    for (const auto& c : d.completed) {
      ++v.results_accepted;
      if (c.digest != DigestOf(c.task.value())) ++v.wrong_accepted;
    }
    if (cheater_.empty()) return;
    for (const auto& e : d.ended) {
      if (InPool(e.node.value())) continue;  // the datacenter is honest
      const uint32_t who = cheater_[e.node.value() % owners_];
      if (who == kHonest) continue;
      if (e.outcome == core::AttemptOutcome::kSucceeded) {
        ++v.accepted_total[who];
        if (!caught_[who]) ++v.accepted_before_distrust[who];
      } else if (e.outcome == core::AttemptOutcome::kDisagreed) {
        caught_[who] = true;
      }
    }
  }

  absl::Status Run() {
    const TimePoint t0 = TimePoint::Epoch();
    now_ = t0;
    // Cars at t=0, in id order (equal-time calls run in call order).
    for (uint32_t car = 0; car < s_.fleet.size; ++car) {
      const models::AvailabilityModel::Start st = availability_->Initial(car);
      SetNextChange(car, st.end);
      if (st.available) Arrive(car, st.plugged);
    }
    // The first job arrival: the bag of tasks at t=0, a trace's first job, or the first
    // Poisson job; then the next one.
    for (uint32_t i = 0; i < pool_.size(); ++i) {
      const NodeId node(s_.fleet.size + i);
      (void)runtime_->Connect(node, {});
      Process();
      (void)runtime_->RequestWork(node, 1);
      Process();
    }
    if (!region_price_.empty()) OnPriceTick();
    if (training_) {
      for (uint32_t run = 0; run < s_.workload.training.runs; ++run) SubmitRound(run);
    }
    if (workload_.NextArrival() == t0) SubmitNextJob();
    if (workload_.NextArrival() <= horizon_end_) {
      queue_->Push(workload_.NextArrival(), Pack(0, kJobArrival, 0));
    }
    runtime_->Rearm();
    next_sample_ = hooks_.on_sample && s_.outputs.timeseries_interval > Duration::Zero()
                       ? t0
                       : TimePoint::Infinite();

    bool done = AllDone();
    while (!done && !queue_->empty()) {
      if (queue_->Top().time > horizon_end_) break;
      peak_pending_ = std::max(peak_pending_, queue_->size());
      const Event e = queue_->Pop();
      if (e.time >= next_sample_) EmitSamples(e.time, /*inclusive=*/false);
      Advance(e.time);
      switch (KindOf(e.data)) {
        case kAvailability:
          OnAvailabilityChange(IdOf(e.data));
          break;
        case kAttemptEnd:
          if (!OnAttemptEnd(IdOf(e.data), GenOf(e.data))) {
            ++r_.stale_events;
            continue;
          }
          break;
        case kCoreWake:
          // The runtime Ticks the brain; its wake-up handler counts and carries it out.
          if (!env_.Fire(GenOf(e.data))) {
            ++r_.stale_events;
            continue;
          }
          break;
        case kWarn:
          if (!OnWarn(IdOf(e.data), GenOf(e.data))) {
            ++r_.stale_events;
            continue;
          }
          break;
        case kStageDone:
          OnStageDone(IdOf(e.data));
          break;
        case kPriceTick:
          OnPriceTick();
          break;
        case kPoolEnd:
          if (!OnPoolEnd(IdOf(e.data), GenOf(e.data))) {
            ++r_.stale_events;
            continue;
          }
          break;
        case kCheckpointAsk:
          if (!OnCheckpointAsk(IdOf(e.data))) {
            ++r_.stale_events;
            continue;
          }
          break;
        case kJobArrival:
          SubmitNextJob();
          if (workload_.NextArrival() <= horizon_end_) {
            queue_->Push(workload_.NextArrival(), Pack(0, kJobArrival, 0));
          }
          break;
      }
      runtime_->Rearm();
      ++r_.events;
      if ((r_.events & 0xffff) == 0 && hooks_.on_progress)
        hooks_.on_progress(now_, r_.events, Fraction());
      done = AllDone();
    }
    const TimePoint end = done ? now_ : horizon_end_;
    Advance(end);
    if (next_sample_ <= end) EmitSamples(end, /*inclusive=*/true);
    if (hooks_.on_parked_period) {
      for (uint32_t car = 0; car < s_.fleet.size; ++car) {
        if (cars_[car].state != kAway) EmitParkedPeriod(car);
      }
    }
    Finish(end, done);
    return absl::OkStatus();
  }

 private:
  bool AllDone() const {
    if (training_) return training_->AllDone();
    const auto& st = runtime_->core().stats();
    return workload_.NextArrival().IsInfinite() && workload_.total_tasks() > 0 &&
           st.tasks_done + st.tasks_failed + st.tasks_cancelled >= workload_.total_tasks();
  }

  double Fraction() const {
    double f = (now_ - TimePoint::Epoch()).SecondsF() / s_.horizon.SecondsF();
    if (workload_.total_tasks() > 0) {
      const auto& st = runtime_->core().stats();
      const double closed =
          static_cast<double>(st.tasks_done + st.tasks_failed + st.tasks_cancelled);
      f = std::max(f, closed / static_cast<double>(workload_.total_tasks()));
    }
    if (training_) f = std::max(f, training_->Fraction());
    return std::min(f, 1.0);
  }

  // Moves the clock, integrating available and busy car-time.
  void Advance(TimePoint t) {
    const int64_t dt = (t - now_).nanos();
    if (dt > 0) {
      available_ns_ += static_cast<__uint128_t>(cars_available_) * static_cast<uint64_t>(dt);
      busy_ns_ += static_cast<__uint128_t>(cars_busy_) * static_cast<uint64_t>(dt);
    }
    now_ = t;
  }

  void EmitSamples(TimePoint t, bool inclusive) {
    while (next_sample_ < t || (inclusive && next_sample_ == t)) {
      Sample smp;
      smp.t = next_sample_;
      smp.cars_available = cars_available_;
      smp.cars_busy = cars_busy_;
      smp.queue_length = runtime_->core().stats().tasks_ready;
      smp.tasks_completed = runtime_->core().stats().tasks_done;
      smp.work_lost_units = r_.work_lost_units;
      smp.cars_plugged = cars_plugged_;
      const size_t first_class = groups_.size() - classes_.size();
      for (size_t c = 0; c < classes_.size(); ++c) {
        const GroupGauges& g = groups_[first_class + c];
        smp.parked_accelerator_kw += g.parked.count * classes_[c].power_w / 1000;
        smp.computing_kw +=
            g.busy.count * models::ComputePowerW(s_.fleet.battery, classes_[c].power_w) / 1000;
      }
      smp.groups.reserve(groups_.size() * 3);
      for (const GroupGauges& g : groups_) {
        smp.groups.insert(smp.groups.end(), {g.parked.count, g.plugged.count, g.busy.count});
      }
      hooks_.on_sample(smp);
      next_sample_ += s_.outputs.timeseries_interval;
    }
  }

  void SetNextChange(uint32_t car, TimePoint end) {
    if (end.IsInfinite() || end > horizon_end_) {
      cars_[car].next_change = end.IsInfinite() ? kNever : end.nanos();
      // Beyond the horizon: no event; the car keeps its state to the end.
      return;
    }
    cars_[car].next_change = end.nanos();
    queue_->Push(end, Pack(car, kAvailability, 0));
  }

  void Trace(CoreTrace::Call call, uint32_t node, uint64_t attempt = 0, uint32_t epoch = 0,
             uint32_t job_spec = 0) {
    hooks_.trace->calls.push_back({now_, call, node, attempt, epoch, job_spec});
  }

  // Parked, plugged and busy counts of the car's region and class.
  // Region g's local time of day at t = 0, in seconds (owner rules and prices take it as
  // the region's offset: daylight saving is ignored over the run).
  absl::StatusOr<int32_t> RegionLocalSecondAtZero(size_t g) const {
    const std::string tz = g < s_.regions.size() ? s_.regions[g].time_zone : "UTC";
    auto cal = models::LocalCalendar::Create(s_.start_unix_s, tz);
    if (!cal.ok()) return cal.status();
    return static_cast<int32_t>(cal->LocalSeconds(TimePoint::Epoch()) % 86400);
  }
  GroupGauges& RegionGroup(uint32_t car) { return groups_[availability_->RegionOf(car)]; }
  GroupGauges& ClassGroup(uint32_t car) {
    return groups_[availability_->region_count() + cars_[car].speed_class];
  }
  void CountParked(uint32_t car, int delta) {
    const int64_t t = now_.nanos();
    for (GroupGauges* g : {&RegionGroup(car), &ClassGroup(car)}) {
      g->parked.Change(t, delta);
      if (cars_[car].plugged) g->plugged.Change(t, delta);
    }
    if (cars_[car].plugged) cars_plugged_ = static_cast<uint32_t>(cars_plugged_ + delta);
  }
  void CountBusy(uint32_t car, int delta) {
    const int64_t t = now_.nanos();
    if (delta < 0 && !books_.empty()) Book(car, t);
    RegionGroup(car).busy.Change(t, delta);
    ClassGroup(car).busy.Change(t, delta);
  }
  // The attempt that ends at `t` in the car's books: its time and its energy at the prices
  // of its region's local hours.
  void Book(uint32_t car, int64_t t) {
    CarBooks& b = books_[car];
    const int64_t start = cars_[car].start;
    b.busy_s += static_cast<double>(t - start) * 1e-9;
    const size_t g = availability_->RegionOf(car);
    b.energy_cost += b.power_w / 3.6e6 *
                     region_price_[g].Integral(TimePoint::FromNanos(start), TimePoint::FromNanos(t),
                                               region_local_s_[g]);
  }
  void CountUseful(uint32_t car) {
    const auto busy = static_cast<uint64_t>(now_.nanos() - cars_[car].start);
    if (!books_.empty()) books_[car].useful_s += static_cast<double>(busy) * 1e-9;
    RegionGroup(car).useful_ns += busy;
    ClassGroup(car).useful_ns += busy;
  }
  void EmitParkedPeriod(uint32_t car) {
    hooks_.on_parked_period(
        {car, TimePoint::FromNanos(parked_since_[car]), now_, cars_[car].plugged != 0});
  }

  // Battery and owner rules (models/battery.h): the car's state of charge at `since`.
  struct CarEnergy {
    double soc = 0;
    int64_t since = 0;
    double power_w = 0;  // while computing
  };

  absl::Status InitEnergy(uint32_t car) {
    const models::BatteryConfig& b = s_.fleet.battery;
    CarEnergy& e = energy_[car];
    e.soc = b.initial_soc_min + (b.initial_soc_max - b.initial_soc_min) * battery_rng_.Uniform();
    e.power_w = models::ComputePowerW(b, classes_[cars_[car].speed_class].power_w);
    const core::BatterySpec spec{b.capacity_wh, e.power_w};
    absl::Status st =
        runtime_->SetOwnerRules(NodeId(car), region_rules_[availability_->RegionOf(car)], spec);
    if (!st.ok()) return absl::InvalidArgumentError(std::string(st.message()));
    Process();
    return absl::OkStatus();
  }

  // Brings the car's state of charge to now: charging while plugged in (computing from the
  // grid), else drawn by computing. Judges the SoC floor while it computes on the battery.
  void SettleEnergy(uint32_t car) {
    if (!energy_on_) return;
    CarEnergy& e = energy_[car];
    const Duration dt = Duration::Nanos(now_.nanos() - e.since);
    e.since = now_.nanos();
    if (cars_[car].state == kAway || dt <= Duration::Zero()) return;
    const models::BatteryConfig& b = s_.fleet.battery;
    const bool busy = cars_[car].state == kBusy;
    const double wh = busy ? e.power_w * dt.SecondsF() / 3600 : 0;
    if (cars_[car].plugged) {
      e.soc = models::AfterCharging(b, e.soc, dt);
      r_.energy.grid_wh += wh;
    } else {
      e.soc = models::AfterDraw(b, e.soc, wh);
      r_.energy.battery_wh += wh;
      const double floor = std::max(0.0f, region_rules_[availability_->RegionOf(car)].min_soc);
      if (busy && e.soc < floor - 1e-6) ++r_.energy.soc_floor_violations;
    }
  }

  // The car parks: it connects, holding nothing, and asks for work.
  void Arrive(uint32_t car, bool plugged) {
    cars_[car].state = kIdle;
    cars_[car].plugged = plugged ? 1 : 0;
    ++cars_available_;
    CountParked(car, +1);
    if (hooks_.on_parked_period) parked_since_[car] = now_.nanos();
    const NodeId node(car);
    if (hooks_.trace) Trace(CoreTrace::Call::kConnect, car);
    (void)runtime_->Connect(node, {});
    Process();
    if (energy_on_) {
      CarEnergy& e = energy_[car];
      if (now_ > TimePoint::Epoch())
        e.soc = models::AfterTrip(s_.fleet.battery, e.soc, battery_rng_);
      e.since = now_.nanos();
      (void)runtime_->Heartbeat(node,
                                plugged ? core::NodeState::kPlugged : core::NodeState::kParked,
                                static_cast<float>(std::clamp(e.soc, 0.0, 1.0)));
      Process();
    } else if (s_.economics.enabled) {  // price-aware policies want to know it is plugged
      (void)runtime_->Heartbeat(
          node, plugged ? core::NodeState::kPlugged : core::NodeState::kParked, core::kSocUnknown);
      Process();
    }
    if (hooks_.trace) Trace(CoreTrace::Call::kRequestWork, car);
    (void)runtime_->RequestWork(node, 1);
    Process();
    if (!warns_.empty() && warns_[car] && cars_[car].next_change != kNever) {
      // It knows when it leaves: it says so `lead` before (at once, for a shorter stay).
      const TimePoint leave = TimePoint::FromNanos(cars_[car].next_change);
      const TimePoint at = std::max(now_, leave - s_.departure_warnings.lead);
      queue_->Push(at, Pack(car, kWarn, cars_[car].period));
    }
  }

  // Returns false for a superseded event (the car left before it warned).
  bool OnWarn(uint32_t car, uint32_t period) {
    if (cars_[car].state == kAway || (cars_[car].period & 0xffffff) != period) return false;
    TimePoint leave = TimePoint::FromNanos(cars_[car].next_change);
    if (s_.departure_warnings.noise > Duration::Zero()) {
      leave = leave +
              Duration::FromSecondsF(warn_rng_.Normal() * s_.departure_warnings.noise.SecondsF());
    }
    leave = std::max(leave, now_);
    ++r_.checkpoints.warnings;
    (void)runtime_->WarnDeparture(NodeId(car), leave);
    Process();
    return true;
  }

  // The coordinator asked for a checkpoint of the car's attempt: it saves its progress now
  // and uploads it; the checkpoint counts once the upload is done, if the car is still there.
  bool OnCheckpointAsk(uint32_t car) {
    CarSave& sv = saves_[car];
    if (cars_[car].state != kBusy || cars_[car].task != sv.ask_task ||
        cars_[car].epoch != sv.ask_epoch) {
      return false;
    }
    const double done = Progress(car);
    if (done > sv.warn_units) {
      sv.warn_units = done;
      sv.warn_stored_at = (now_ + cp_upload_[cars_[car].link_class]).nanos();
    }
    return true;
  }

  void OnAvailabilityChange(uint32_t car) {
    const bool was_available = cars_[car].state != kAway;
    // The new period's end first: an attempt assigned on arrival needs it.
    const uint32_t period = ++cars_[car].period;
    const models::AvailabilityModel::Span next =
        availability_->Next(car, period, now_, !was_available);
    SetNextChange(car, next.end);
    if (was_available) {
      Depart(car);
    } else {
      Arrive(car, next.plugged);
    }
  }

  void Depart(uint32_t car) {
    SettleEnergy(car);
    SettleWeights(car);
    if (cars_[car].state == kBusy) {
      // FLEET-1 lost work: nothing during the download, elapsed compute x speed while
      // computing, the whole task during the upload; less what a stored checkpoint keeps.
      double lost = Progress(car);
      if (!saves_.empty()) {
        const double kept = SaveOnDeparture(car, lost);
        lost -= kept;
      }
      r_.work_lost_units += lost;
      ++r_.attempts_lost;
      --cars_busy_;
      CountBusy(car, -1);
      ++cars_[car].gen;
      RecordAttempt(car, "lost", lost);
    }
    if (hooks_.on_parked_period) EmitParkedPeriod(car);
    CountParked(car, -1);
    cars_[car].state = kAway;
    cars_[car].plugged = 0;
    --cars_available_;
    if (hooks_.trace) Trace(CoreTrace::Call::kNodeSilent, car);
    (void)runtime_->NodeSilent(NodeId(car));
  }

  double SpeedOf(uint32_t car) const { return classes_[cars_[car].speed_class].speed; }

  // A task's whole work.
  double WorkOfTask(uint32_t task) const {
    return workload_.constant_work() ? s_.workload.work.mean : task_work_[task];
  }
  // The current attempt's task's whole work.
  double TaskWork(uint32_t car) const { return WorkOfTask(cars_[car].task); }
  // The current attempt's work: the task's, less the checkpoint it resumed from.
  double TaskWorkLeft(uint32_t car) const {
    return saves_.empty() ? TaskWork(car) : TaskWork(car) - saves_[car].resume;
  }
  // Work the current attempt has done by now (since its resume point): nothing during the
  // download, compute time x speed while computing, all of it during the upload.
  double Progress(uint32_t car) const {
    const double work = TaskWorkLeft(car);
    const double speed = SpeedOf(car);
    const Duration elapsed = now_ - TimePoint::FromNanos(cars_[car].start);
    const Duration dl = DownloadOf(car);
    if (elapsed < dl) return 0;
    if (elapsed < dl + ComputeTime(work, speed)) {
      return std::min(work, (elapsed - dl).SecondsF() * speed);
    }
    return work;
  }

  // The car leaves with `done` units of its attempt computed: the last checkpoint whose
  // upload finished (periodic, or asked for before the departure) is stored with the
  // coordinator, so that the task resumes from it. Returns the units it keeps.
  double SaveOnDeparture(uint32_t car, double done) {
    CarSave& sv = saves_[car];
    const double work = TaskWorkLeft(car);
    double kept = 0;
    const double c = s_.workload.checkpoint_interval;
    const Duration up = cp_upload_[cars_[car].link_class];
    if (c > 0) {
      // Checkpoint k is taken at k*c units (k*c < work) and stored one upload later.
      const Duration dl = DownloadOf(car);
      const TimePoint compute_start = TimePoint::FromNanos(cars_[car].start) + dl;
      const double taken = done >= work ? std::ceil(work / c) - 1 : std::floor(done / c);
      const double by_time =
          now_ - up < compute_start
              ? 0
              : std::floor((now_ - up - compute_start).SecondsF() * SpeedOf(car) / c);
      const double stored = std::max(0.0, std::min(taken, by_time));
      CountCheckpoints(stored, taken > stored ? 1 : 0);
      kept = stored * c;
    }
    if (sv.asked) {
      if (sv.warn_stored_at <= now_.nanos()) {
        kept = std::max(kept, sv.warn_units);
        ++r_.checkpoints.requests_met;
        CountCheckpoints(1, 0);
      } else {
        ++r_.checkpoints.requests_missed;
        if (sv.warn_stored_at != kNever) CountCheckpoints(0, 1);  // its upload was cut
      }
    }
    kept = std::min(kept, done);
    if (kept > 0) {
      r_.checkpoints.work_saved_units += kept;
      const AttemptId attempt =
          core::Core::MakeAttemptId(TaskId(cars_[car].task), cars_[car].epoch);
      (void)runtime_->ReportProgress(NodeId(car), attempt, cars_[car].epoch, sv.resume + kept,
                                     /*checkpoint=*/true);
      Process();
    }
    return kept;
  }

  void CountCheckpoints(double stored, double cut) {
    const auto s = static_cast<uint64_t>(stored);
    const auto x = static_cast<uint64_t>(cut);
    r_.checkpoints.stored += s;
    r_.checkpoints.uploads_cut += x;
    r_.checkpoints.bytes_uploaded += (s + x) * s_.workload.checkpoint_bytes;
  }

  // The data car uploads a task's input; it counts once the upload ends with the car still
  // parked (the same period), else the coordinator hears that it failed.
  void StartStaging(const core::StageRequest& s) {
    const uint32_t car = s.node.value();
    ++r_.data_local.stage_requests;
    const models::LinkClass& link = s_.fleet.links[cars_[car].link_class];
    const Duration up = link.latency + Duration::FromSecondsF(static_cast<double>(s.bytes) /
                                                              link.bandwidth_bytes_per_s);
    stages_.push_back({s.task.value(), car, cars_[car].period, s.bytes});
    queue_->Push(now_ + up, Pack(static_cast<uint32_t>(stages_.size() - 1), kStageDone, 0));
  }

  void OnStageDone(uint32_t id) {
    const Staging& st = stages_[id];
    const bool stayed = cars_[st.car].period == st.period && cars_[st.car].state != kAway;
    if (stayed) {
      ++r_.data_local.inputs_staged;
      r_.data_local.staged_bytes += static_cast<double>(st.bytes);
      staged_[st.task] = true;
      const models::LinkClass& link = s_.fleet.links[cars_[st.car].link_class];
      r_.transfer_bytes += static_cast<double>(st.bytes);
      if (link.metered) {
        r_.metered_bytes += static_cast<double>(st.bytes);
        if (!books_.empty()) {
          books_[st.car].data_cost += static_cast<double>(st.bytes) / 1e9 * link.price_per_gb;
        }
      }
      (void)runtime_->InputStaged(TaskId(st.task));
    } else {
      ++r_.data_local.stage_failed;
      (void)runtime_->StageFailed(TaskId(st.task));
    }
    Process();
  }

  void CountTransfers(uint32_t car, const core::Assignment& a) {
    const bool weights = !weights_.empty() && weights_[car].fetching != 0;
    const uint64_t input = a.input_local ? 0 : workload_.input_bytes();
    const double bytes =
        static_cast<double>(input + workload_.output_bytes() + (weights ? a.model_bytes : 0));
    r_.transfer_bytes += bytes;
    const models::LinkClass& link = s_.fleet.links[cars_[car].link_class];
    if (!link.metered) return;
    r_.metered_bytes += bytes;
    if (!books_.empty()) books_[car].data_cost += bytes / 1e9 * link.price_per_gb;
  }

  // The current attempt's download: its input, and the model's weights first when the car
  // does not hold them.
  Duration DownloadOf(uint32_t car) const {
    // A data-local input on the car itself: only the link's latency (the weights, if any).
    const Duration dl = !local_input_.empty() && local_input_[car]
                            ? s_.fleet.links[cars_[car].link_class].latency
                            : download_[cars_[car].link_class];
    return weights_.empty() ? dl : dl + Duration::Nanos(weights_[car].extra_ns);
  }

  // The car downloads the attempt's model unless it holds it (one model at a time).
  void StartWeights(uint32_t car, const core::Assignment& a) {
    CarWeights& w = weights_[car];
    w.extra_ns = 0;
    w.fetching = 0;
    if (a.model == 0) return;
    ModelResult& m = r_.models[a.model - 1];
    ++m.attempts;
    if (w.held == a.model) {
      ++m.attempts_holding;
      return;
    }
    ++m.downloads_started;
    w.fetching = static_cast<uint16_t>(a.model);
    w.extra_ns = Duration::FromSecondsF(static_cast<double>(a.model_bytes) /
                                        s_.fleet.links[cars_[car].link_class].bandwidth_bytes_per_s)
                     .nanos();
  }

  // The attempt ends (result, departure or cancellation): the weights it was downloading
  // count in the part that arrived; the car holds them once they all did.
  void SettleWeights(uint32_t car) {
    if (weights_.empty() || weights_[car].fetching == 0) return;
    CarWeights& w = weights_[car];
    ModelResult& m = r_.models[w.fetching - 1];
    const Duration latency = s_.fleet.links[cars_[car].link_class].latency;
    const double elapsed_ns =
        static_cast<double>((now_ - TimePoint::FromNanos(cars_[car].start) - latency).nanos());
    const double part =
        w.extra_ns == 0 ? 1.0 : std::clamp(elapsed_ns / static_cast<double>(w.extra_ns), 0.0, 1.0);
    m.bytes_downloaded += part * static_cast<double>(m.size_bytes);
    if (part >= 1) {
      if (w.held != 0) --r_.models[w.held - 1].cars_holding;
      w.held = w.fetching;
      ++m.cars_holding;
      ++m.downloads_completed;
    }
    w.fetching = 0;
  }

  static Duration ComputeTime(double work, double speed) {
    return Duration::FromSecondsF(work / speed);
  }

  void StartAttempt(const core::Assignment& a) {
    const uint32_t car = a.node.value();
    SettleEnergy(car);
    if (energy_on_ && region_rules_[availability_->RegionOf(car)].plugged_only &&
        !cars_[car].plugged)
      ++r_.energy.plugged_only_violations;
    if (cars_[car].state != kIdle) {
      // The brain assigns only to waiting (present, idle) cars; anything else is a bug.
      std::fprintf(stderr, "sim: assignment to car %u in state %d ignored\n", car,
                   cars_[car].state);
      return;
    }
    cars_[car].state = kBusy;
    ++cars_busy_;
    CountBusy(car, +1);
    cars_[car].task = a.task.value();
    cars_[car].epoch = a.epoch;
    cars_[car].start = now_.nanos();
    if (!saves_.empty()) {
      saves_[car] = CarSave{};
      saves_[car].resume = std::min(a.resume_from_units, TaskWork(car));
      if (saves_[car].resume > 0) ++r_.checkpoints.attempts_resumed;
    }
    ++r_.attempts_started;
    ++r_.classes[cars_[car].speed_class].attempts;
    const uint32_t t = a.task.value();
    if (!started_[t]) {
      started_[t] = true;
      r_.task_wait.Add(now_ - TimePoint::FromNanos(job_submitted_[a.job.value()]));
    }
    if (!weights_.empty()) StartWeights(car, a);
    CountTransfers(car, a);
    if (s_.workload.data_local) {
      local_input_[car] = a.input_local ? 1 : 0;
      if (a.input_local) {
        ++r_.data_local.attempts_local;
      } else {
        ++r_.data_local.attempts_remote;
        if (!staged_[a.task.value()]) ++r_.data_local.violations;
      }
    }
    const double work = TaskWorkLeft(car);
    const uint8_t link = cars_[car].link_class;
    const TimePoint end = now_ + DownloadOf(car) + ComputeTime(work, SpeedOf(car)) + upload_[link];
    // An attempt that the car's departure will cut off needs no end event.
    if (end.nanos() < cars_[car].next_change) {
      if (end <= horizon_end_) queue_->Push(end, Pack(car, kAttemptEnd, cars_[car].gen));
    }
  }

  // Returns false for a superseded event.
  bool OnAttemptEnd(uint32_t car, uint32_t gen) {
    if (cars_[car].state != kBusy || (cars_[car].gen & 0xffffff) != gen) return false;
    const uint32_t task = cars_[car].task;
    const uint32_t epoch = cars_[car].epoch;
    SettleEnergy(car);
    SettleWeights(car);
    const double work = TaskWork(car);  // the resumed part too: it was kept, not lost
    if (!saves_.empty() && s_.workload.checkpoint_interval > 0) {
      // Its periodic checkpoints were all uploaded (each before the next one is taken).
      CountCheckpoints(std::ceil(TaskWorkLeft(car) / s_.workload.checkpoint_interval) - 1, 0);
    }
    cars_[car].state = kIdle;
    --cars_busy_;
    CountBusy(car, -1);
    const NodeId node(car);
    const AttemptId attempt = core::Core::MakeAttemptId(TaskId(task), epoch);
    if (hooks_.trace) Trace(CoreTrace::Call::kReportResult, car, attempt.value(), epoch);
    const core::ResultVerdict v = runtime_->ReportResult(node, attempt, epoch, ResultOf(car, task));
    if (v == core::ResultVerdict::kAccepted || v == core::ResultVerdict::kPendingQuorum) {
      ++r_.attempts_succeeded;
      ++r_.classes[cars_[car].speed_class].succeeded;
      CountUseful(car);
      r_.work_done_units += work;
      if (!books_.empty()) books_[car].accepted_units += work;
      RecordAttempt(car, "succeeded", 0);
    } else {
      RecordAttempt(car, "rejected", 0);
    }
    Process();
    if (hooks_.trace) Trace(CoreTrace::Call::kRequestWork, car);
    (void)runtime_->RequestWork(node, 1);
    Process();
    return true;
  }

  void RecordAttempt(uint32_t car, const char* outcome, double lost) {
    if (!hooks_.on_attempt) return;
    AttemptRecord rec;
    rec.attempt = core::Core::MakeAttemptId(TaskId(cars_[car].task), cars_[car].epoch).value();
    rec.task = cars_[car].task;
    rec.car = car;
    rec.speed = SpeedOf(car);
    rec.start = TimePoint::FromNanos(cars_[car].start);
    rec.end = now_;
    rec.outcome = outcome;
    rec.work_lost_units = lost;
    hooks_.on_attempt(rec);
  }

  // Relative data file paths are relative to the scenario file.
  std::string ScenarioDir() const {
    return s_.path.empty() ? "" : std::filesystem::path(s_.path).parent_path().string();
  }

  // The workload's next arrival.
  void SubmitNextJob() {
    JobDraw d;
    d.name = "job" + std::to_string(r_.jobs_submitted);
    d.count = workload_.NextJobTasks();
    d.work = workload_.NextJobWork();
    d.priority = workload_.NextJobPriority();
    d.model = workload_.NextJobModel();
    d.client = workload_.NextJobClient();
    d.deadline = s_.workload.deadline;
    workload_.Advance();
    SubmitJob(d);
  }

  // `run`'s next training round (sim/workload/training.h), or the round it missed again.
  void SubmitRound(uint32_t run) {
    JobDraw d;
    d.name = "train" + std::to_string(run) + "-round" + std::to_string(training_->RoundOf(run));
    d.count = s_.workload.training.workers;
    d.deadline = s_.workload.training.round_deadline;
    d.training_run = run;
    SubmitJob(d);
  }

  struct JobDraw {
    std::string name;
    uint32_t count = 0;
    double work = 0;  // per task, from a job trace; <= 0: the work distribution's
    int32_t priority = 0;
    uint32_t model = 0;   // 1-based into workload.models; 0: none
    uint32_t client = 0;  // 1-based into workload.clients; 0: none
    Duration deadline = Duration::Infinite();
    uint32_t training_run = TrainingRounds::kNone;
  };

  void SubmitJob(const JobDraw& d) {
    const uint32_t count = d.count;
    const double job_work = d.work;
    core::JobSpec spec;
    spec.name = d.name;
    spec.task_count = count;
    spec.priority = d.priority;
    spec.deadline = d.deadline;
    if (d.client != 0) spec.client = s_.workload.clients[d.client - 1].name;
    spec.allow_metered = s_.workload.allow_metered;
    spec.stage_after = s_.workload.stage_after;
    spec.task.work_units = job_work > 0 ? job_work : s_.workload.work.mean;
    spec.task.input_bytes = workload_.input_bytes();
    spec.task.output_bytes = workload_.output_bytes();
    spec.task.memory_bytes = s_.workload.memory_bytes;
    spec.task.checkpoint_bytes = s_.workload.checkpoint_bytes;
    if (const uint32_t m = d.model; m != 0) {
      const InferenceModel& model = s_.workload.models[m - 1];
      spec.task.model = m;
      spec.task.model_bytes = model.size_bytes;
      spec.task.memory_bytes = std::max(spec.task.memory_bytes, model.memory_bytes);
      ++r_.models[m - 1].jobs;
    }
    const ValidationConfig& val = s_.workload.validation;
    spec.replication = val.replication;
    spec.quorum = val.quorum;
    spec.adaptive.trust_threshold = val.trust_threshold;
    spec.adaptive.skip_probability = val.skip_probability;
    spec.adaptive.untrusted_quorum = val.untrusted_quorum;
    if (val.spot_check_rate > 0) {  // the driver knows these answers (sim: from the task id)
      const uint32_t first = runtime_->core().task_count();
      for (uint32_t i = 0; i < count; ++i) {
        if (spot_rng_.Bernoulli(val.spot_check_rate)) {
          spec.known_answers.push_back({i, DigestOf(first + i)});
        }
      }
    }
    if (s_.workload.data_local) {
      spec.tasks.assign(count, spec.task);
      for (uint32_t i = 0; i < count; ++i) {
        const double w = workload_.constant_work()
                             ? spec.task.work_units
                             : (job_work > 0 ? job_work : workload_.TaskWork(next_task_index_ + i));
        spec.tasks[i].work_units = w;
        if (!workload_.constant_work()) task_work_.push_back(w);
        const uint32_t car = static_cast<uint32_t>(
            Rng::Stream(s_.seed, "workload.data_car", next_task_index_ + i).Below(s_.fleet.size));
        spec.tasks[i].data_node = car;
      }
    } else if (!workload_.constant_work()) {
      spec.tasks.resize(count);
      for (uint32_t i = 0; i < count; ++i) {
        const double w = job_work > 0 ? job_work : workload_.TaskWork(next_task_index_ + i);
        spec.tasks[i] = spec.task;
        spec.tasks[i].work_units = w;
        task_work_.push_back(w);
      }
    }
    const uint64_t first_task = next_task_index_;
    next_task_index_ += count;
    started_.resize(next_task_index_, false);
    if (s_.workload.data_local) staged_.resize(next_task_index_, false);
    if (hooks_.trace) {
      Trace(CoreTrace::Call::kSubmitJob, 0, 0, 0,
            static_cast<uint32_t>(hooks_.trace->job_specs.size()));
      hooks_.trace->job_specs.push_back(spec);
    }
    auto job = runtime_->SubmitJob(spec);
    if (!job.ok()) {
      std::fprintf(stderr, "sim: job rejected: %s\n", std::string(job.status().message()).c_str());
      return;
    }
    if (job->value() >= job_submitted_.size()) job_submitted_.resize(job->value() + 1, 0);
    job_submitted_[job->value()] = now_.nanos();
    ++r_.jobs_submitted;
    if (d.client != 0) {
      job_client_.resize(job->value() + 1, 0);
      job_client_[job->value()] = d.client;
      ++r_.clients[d.client - 1].jobs;
    }
    if (d.training_run != TrainingRounds::kNone) {
      training_->Submitted(d.training_run, job->value(), static_cast<uint32_t>(first_task), now_);
    }
    Process();
  }

  // Tells the brain each region's electricity price where it changed, and reads them again
  // kPriceTickEvery later.
  void OnPriceTick() {
    zone_price_.resize(region_price_.size(), -1);
    for (size_t g = 0; g < region_price_.size(); ++g) {
      const double p = region_price_[g].PriceAt(now_, region_local_s_[g]);
      if (p == zone_price_[g]) continue;
      zone_price_[g] = p;
      (void)runtime_->SetEnergyPrice(static_cast<uint16_t>(g), p);
      Process();
    }
    if (now_ + kPriceTickEvery <= horizon_end_) {
      queue_->Push(now_ + kPriceTickEvery, Pack(0, kPriceTick, 0));
    }
  }

  // Carries out the decisions of one call into the brain, then any follow-up calls.
  void Process() {
    const Decisions& pending = runtime_->pending();
    if (pending.empty()) return;
    if (hooks_.trace) AppendDecisionLines(now_, pending, hooks_.trace->decisions);
    runtime_->TakeDecisions(work_);  // pending is now empty, ready for the follow-up calls
    if (r_.validation.enabled) CountValidation(work_);
    for (const auto& c : work_.completed) {
      const Duration turnaround = now_ - TimePoint::FromNanos(job_submitted_[c.job.value()]);
      r_.task_turnaround.Add(turnaround);
      if (c.job.value() < job_client_.size() && job_client_[c.job.value()] != 0) {
        ClientResult& cr = r_.clients[job_client_[c.job.value()] - 1];
        ++cr.tasks_done;
        cr.work_done_units += WorkOfTask(c.task.value());
        cr.turnaround.Add(turnaround);
      }
    }
    std::vector<uint32_t> next_rounds;  // allocates only when a training round closes
    if (training_) {
      for (const auto& c : work_.completed) training_->ResultAccepted(c.job.value(), now_);
      for (const auto& e : work_.ended) {
        if (e.outcome == core::AttemptOutcome::kLost || e.outcome == core::AttemptOutcome::kLeft) {
          training_->AttemptLost(e.task.value());
        }
      }
      for (const auto& j : work_.job_changes) {
        if (j.status != core::JobStatus::kDone && j.status != core::JobStatus::kFailed &&
            j.status != core::JobStatus::kCancelled) {
          continue;
        }
        const uint32_t run =
            training_->JobClosed(j.job.value(), j.status == core::JobStatus::kDone, now_);
        if (run != TrainingRounds::kNone) next_rounds.push_back(run);
      }
    }
    for (const auto& a : work_.assignments) {
      if (InPool(a.node.value())) {
        StartPoolAttempt(a);
      } else {
        StartAttempt(a);
      }
    }
    for (const auto& s : work_.stage_requests) StartStaging(s);
    for (const auto& c : work_.checkpoint_requests) {
      ++r_.checkpoints.requests;
      const uint32_t car = c.node.value();
      if (saves_.empty() || InPool(car) || cars_[car].state != kBusy ||
          cars_[car].task != c.task.value() || cars_[car].epoch != c.epoch) {
        continue;
      }
      saves_[car].ask_task = c.task.value();
      saves_[car].ask_epoch = c.epoch;
      saves_[car].asked = true;
      queue_->Push(std::max(now_, c.start_by), Pack(car, kCheckpointAsk, 0));
    }
    std::vector<uint32_t> rerequest;  // allocates only when attempts are cancelled
    for (const auto& c : work_.cancellations) {
      const uint32_t car = c.node.value();
      if (InPool(car)) {
        if (CancelPoolAttempt(c)) rerequest.push_back(car);
        continue;
      }
      if (cars_[car].state == kBusy && cars_[car].task == c.task.value() &&
          core::Core::MakeAttemptId(TaskId(cars_[car].task), cars_[car].epoch) == c.attempt) {
        SettleEnergy(car);
        SettleWeights(car);
        if (c.reason == core::CancelReason::kOwnerRule) {
          // An owner rule ended it: what it computed is lost (the attempt is closed, so no
          // checkpoint can be stored for it any more).
          const double lost = Progress(car);
          r_.work_lost_units += lost;
          r_.energy.work_lost_to_rules += lost;
        }
        cars_[car].state = kIdle;
        --cars_busy_;
        CountBusy(car, -1);
        ++cars_[car].gen;
        ++r_.attempts_cancelled;
        RecordAttempt(car, "cancelled", 0);
        rerequest.push_back(car);
      }
    }
    for (uint32_t car : rerequest) {
      if (hooks_.trace) Trace(CoreTrace::Call::kRequestWork, car);
      (void)runtime_->RequestWork(NodeId(car), 1);
      Process();
    }
    for (uint32_t run : next_rounds) SubmitRound(run);
  }

  void Finish(TimePoint end, bool done) {
    const auto& st = runtime_->core().stats();
    r_.all_done = done;
    r_.end = end;
    if (hooks_.trace) hooks_.trace->end = end;
    r_.tasks_total = st.tasks_submitted;
    r_.tasks_completed = st.tasks_done;
    r_.tasks_failed = st.tasks_failed;
    r_.available_car_seconds = static_cast<double>(available_ns_) * 1e-9;
    r_.busy_car_seconds = static_cast<double>(busy_ns_) * 1e-9;
    r_.core = st;
    if (training_) {
      r_.training_on = true;
      r_.training = training_->result();
    }
    r_.peak_pending_events = peak_pending_;
    const int64_t t = end.nanos();
    const size_t nr = availability_->region_count();
    __uint128_t useful = 0;
    for (size_t g = 0; g < groups_.size(); ++g) {
      const GroupGauges& x = groups_[g];
      GroupTime& out = g < nr ? r_.regions[g].time : r_.classes[g - nr].time;
      out.parked_car_s = x.parked.CarSeconds(t);
      out.plugged_car_s = x.plugged.CarSeconds(t);
      out.busy_car_s = x.busy.CarSeconds(t);
      out.useful_car_s = static_cast<double>(x.useful_ns) * 1e-9;
      if (g < nr) {
        useful += x.useful_ns;
        r_.plugged_car_seconds += out.plugged_car_s;
      }
    }
    r_.useful_car_seconds = static_cast<double>(useful) * 1e-9;
    const size_t n = s_.fleet.size;
    r_.sim_state_bytes = n * sizeof(Car) + queue_->MemoryBytes() +
                         task_work_.capacity() * sizeof(double) + started_.capacity() / 8;
    r_.core_bytes = runtime_->core().MemoryBytes();
    for (const bool c : caught_) r_.validation.owners_never_caught += c ? 0 : 1;
    if (!books_.empty()) {
      // Attempts still running at the end used energy that bought nothing.
      for (uint32_t car = 0; car < n; ++car) {
        if (cars_[car].state == kBusy) Book(car, t);
      }
      const double drawn = r_.energy.battery_wh + r_.energy.grid_wh;
      r_.economics =
          Account(s_.economics, books_,
                  energy_on_ && drawn > 0 ? r_.energy.battery_wh / drawn : 0.0, end.SecondsF());
    }
  }

  const Scenario s_;
  SimHooks hooks_;
  SimResult& r_;
  std::unique_ptr<EventQueue> queue_;
  TimePoint now_;  // the virtual clock (before env_, which reads it)
  SimEnv env_;
  std::unique_ptr<models::FleetAvailability> availability_;
  Workload workload_;
  std::unique_ptr<TrainingRounds> training_;  // workload.model training only
  struct PoolNode {
    int64_t start = 0;
    uint32_t task = 0, epoch = 0, gen = 0, model = 0;
    bool busy = false;
  };
  std::vector<PoolNode> pool_;        // datacenter_pool's nodes, by pool index
  std::vector<uint32_t> job_client_;  // by job: 1-based into workload.clients (0: none)
  const std::vector<models::SpeedClass> classes_;  // the fleet's, then regions' own
  const TimePoint horizon_end_;
  std::unique_ptr<runtime::Runtime> runtime_;

  // Per car: one 32-byte record, so that an event touches one cache line. (Every event
  // reads most fields of one random car; parallel arrays would cost a miss per field.)
  struct Car {
    int64_t next_change = kNever;  // next availability change (ns), kNever if none
    int64_t start = 0;             // current attempt's start (ns)
    uint32_t task = 0;             // current attempt's task and epoch
    uint32_t epoch = 0;
    uint32_t period = 0;        // availability periods so far
    uint8_t state : 2 = kAway;  // CarState
    uint8_t plugged : 1 = 0;    // parked and plugged in
    uint8_t gen = 0;            // bumped when an attempt ends early: its end event is stale
    uint8_t speed_class = 0;    // index into the scenario's classes
    uint8_t link_class = 0;     // index into the scenario's links
  };
  static_assert(sizeof(Car) == 32);
  std::vector<Car> cars_;
  std::vector<CarBooks> books_;              // per car, with `economics` only
  std::vector<double> zone_price_;           // what the brain was last told, per region
  std::vector<PriceSchedule> region_price_;  // per region (prices loaded), with `economics` only
  std::vector<int32_t> region_local_s_;      // per region, with `economics` only

  std::vector<Duration> download_, upload_;  // per link class
  // Per car, with workload.inference only: the model whose weights it holds (1-based, 0 =
  // none), the one its attempt downloads, and that download's time.
  struct CarWeights {
    int64_t extra_ns = 0;
    uint16_t held = 0;
    uint16_t fetching = 0;
  };
  std::vector<CarWeights> weights_;
  // Data-local input (workload.data_local): which tasks were staged, per car whether its
  // attempt reads a local input, and the uploads under way.
  std::vector<bool> staged_;
  std::vector<uint8_t> local_input_;
  struct Staging {
    uint32_t task, car, period;
    uint64_t bytes;
  };
  std::vector<Staging> stages_;
  // Checkpoints and warnings (empty when off): per car, the attempt's resume point and the
  // checkpoint asked for before its departure; per link class, a checkpoint's upload.
  struct CarSave {
    double resume = 0;
    double warn_units = 0;
    int64_t warn_stored_at = kNever;
    uint32_t ask_task = 0;
    uint32_t ask_epoch = 0;
    bool asked = false;  // the coordinator asked this attempt for a checkpoint
  };
  std::vector<CarSave> saves_;
  std::vector<Duration> cp_upload_;
  std::vector<bool> warns_;  // per car: knows when it leaves
  bool energy_on_ = false;
  std::vector<CarEnergy> energy_;
  Rng battery_rng_{0};
  std::vector<core::OwnerRules> region_rules_;  // per region, in its local time
  Rng warn_rng_{0};
  std::vector<double> task_work_;       // per task, only when work is not constant
  std::vector<bool> started_;           // per task: first attempt seen
  std::vector<GroupGauges> groups_;     // per region, then per class
  std::vector<int64_t> parked_since_;   // per car, only for parked_periods.csv
  std::vector<int64_t> job_submitted_;  // per job (ns)
  // Untrusted results: owners, and per owner its index among the cheaters (or kHonest);
  // empty without cheaters. Per cheater: caught (an invalid result detected) yet.
  static constexpr uint32_t kHonest = models::kHonestOwner;
  uint32_t owners_ = 0;
  std::vector<uint32_t> cheater_;
  std::vector<bool> caught_;
  Rng spot_rng_{0};
  uint64_t next_task_index_ = 0;

  Decisions work_;  // the decisions being carried out (taken from the runtime)
  TimePoint next_sample_ = TimePoint::Infinite();
  uint32_t cars_available_ = 0;
  uint32_t cars_busy_ = 0;
  uint32_t cars_plugged_ = 0;
  __uint128_t available_ns_ = 0;
  __uint128_t busy_ns_ = 0;
  size_t peak_pending_ = 0;
};

Simulator::Simulator(const Scenario& scenario, SimHooks hooks)
    : loop_(std::make_unique<Loop>(scenario, std::move(hooks), result_)) {}

Simulator::~Simulator() = default;

absl::StatusOr<std::unique_ptr<Simulator>> Simulator::Create(const Scenario& scenario,
                                                             SimHooks hooks) {
  std::unique_ptr<Simulator> sim(new Simulator(scenario, std::move(hooks)));
  FG_RETURN_IF_ERROR(sim->loop_->Init());
  return sim;
}

absl::Status Simulator::Run() { return loop_->Run(); }

}  // namespace fleetgrid::sim
