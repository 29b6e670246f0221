// Client commands against a live coordinator: submit, jobs, job, nodes, results, cancel.
// Each sends the client's API token (--token, --token-file or $FLEETGRID_TOKEN).
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/client_call.h"
#include "cli/command.h"
#include "cli/job_file.h"
#include "cli/tls_flags.h"
#include "common/duration_text.h"
#include "common/sha256.h"
#include "common/size_text.h"
#include "fleetgrid/v1/admin.grpc.pb.h"
#include "fleetgrid/v1/job.grpc.pb.h"

namespace fleetgrid::cli {
namespace {

namespace v1 = fleetgrid::v1;

struct ClientFlags : ConnectionFlags {
  std::string file;
  uint64_t job_id = 0;
  bool watch = false;
  std::string out_dir;
  std::string reason;
  std::string memory;               // submit --memory: overrides the job file's `memory`
  std::string checkpoint_size;      // submit --checkpoint-size: overrides `checkpoint_size`
  std::string checkpoint_interval;  // submit --checkpoint-interval
};

std::shared_ptr<grpc::Channel> Channel(const ClientFlags& f) { return f.channel; }

int Fail(const std::string& what, const ClientFlags& f, const grpc::Status& s) {
  return FailedCall(what, f.coordinator, s);
}

const char* StateName(v1::JobState s) {
  switch (s) {
    case v1::JOB_STATE_QUEUED:
      return "QUEUED";
    case v1::JOB_STATE_RUNNING:
      return "RUNNING";
    case v1::JOB_STATE_DONE:
      return "DONE";
    case v1::JOB_STATE_FAILED:
      return "FAILED";
    case v1::JOB_STATE_CANCELLED:
      return "CANCELLED";
    default:
      return "?";
  }
}

const char* ConnName(v1::ConnectionState s) {
  switch (s) {
    case v1::CONNECTION_STATE_CONNECTED:
      return "connected";
    case v1::CONNECTION_STATE_SUSPECT:
      return "suspect";
    case v1::CONNECTION_STATE_DISCONNECTED:
      return "disconnected";
    case v1::CONNECTION_STATE_DRAINING:
      return "draining";
    case v1::CONNECTION_STATE_REVOKED:
      return "revoked";
    default:
      return "?";
  }
}

const char* CarStateName(v1::NodeState s) {
  switch (s) {
    case v1::NODE_STATE_DRIVING:
      return "driving";
    case v1::NODE_STATE_PARKED:
      return "parked";
    case v1::NODE_STATE_PLUGGED:
      return "plugged";
    case v1::NODE_STATE_CHARGING:
      return "charging";
    default:
      return "?";
  }
}

uint64_t Total(const v1::TaskCounts& c) {
  return c.queued() + c.running() + c.verifying() + c.done() + c.failed() + c.cancelled();
}

std::string Hex(const std::string& bytes) {
  std::ostringstream os;
  for (unsigned char b : bytes) os << std::hex << std::setw(2) << std::setfill('0') << int{b};
  return os.str();
}

int Submit(const ClientFlags& f) {
  std::ifstream in(f.file);
  if (!in) {
    std::cerr << "fleetgrid submit: cannot read " << f.file << "\n";
    return kExitUsage;
  }
  std::stringstream text;
  text << in.rdbuf();
  v1::SubmitJobRequest req;
  absl::StatusOr<v1::JobSpec> spec = ParseJobYaml(text.str());
  if (!spec.ok()) {
    std::cerr << "fleetgrid submit: " << f.file << ": " << spec.status().message() << "\n";
    return kExitUsage;
  }
  if (!f.memory.empty()) {
    const absl::StatusOr<uint64_t> bytes = ParseByteSize(f.memory);
    if (!bytes.ok()) {
      std::cerr << "fleetgrid submit: --memory: " << bytes.status().message() << "\n";
      return kExitUsage;
    }
    spec->set_memory_bytes_per_task(*bytes);
  }
  if (!f.checkpoint_size.empty()) {
    const absl::StatusOr<uint64_t> bytes = ParseByteSize(f.checkpoint_size);
    if (!bytes.ok()) {
      std::cerr << "fleetgrid submit: --checkpoint-size: " << bytes.status().message() << "\n";
      return kExitUsage;
    }
    spec->set_checkpoint_size_bytes(*bytes);
  }
  if (!f.checkpoint_interval.empty()) {
    const absl::StatusOr<Duration> d = ParseDuration(f.checkpoint_interval);
    if (!d.ok() || *d <= Duration::Zero()) {
      std::cerr << "fleetgrid submit: --checkpoint-interval: "
                << (d.ok() ? std::string("must be > 0") : std::string(d.status().message()))
                << "\n";
      return kExitUsage;
    }
    spec->mutable_checkpoint_interval()->set_seconds(d->nanos() / 1'000'000'000);
    spec->mutable_checkpoint_interval()->set_nanos(
        static_cast<int32_t>(d->nanos() % 1'000'000'000));
  }
  if (spec->has_checkpoint_interval() && spec->checkpoint_size_bytes() == 0) {
    std::cerr << "fleetgrid submit: a checkpoint interval (--checkpoint-interval or the job "
                 "file's checkpoint_interval) needs a checkpoint size (--checkpoint-size or "
                 "checkpoint_size)\n";
    return kExitUsage;
  }
  *req.mutable_spec() = *std::move(spec);
  auto stub = v1::JobService::NewStub(Channel(f));
  grpc::ClientContext ctx;
  Prepare(ctx, f);
  v1::SubmitJobResponse resp;
  if (auto s = stub->SubmitJob(&ctx, req, &resp); !s.ok()) return Fail("submit", f, s);
  std::cout << resp.job_id() << (resp.duplicate() ? " (already submitted)" : "") << "\n";
  return kExitOk;
}

int Jobs(const ClientFlags& f) {
  auto stub = v1::JobService::NewStub(Channel(f));
  std::printf("%-8s %-10s %-24s %9s %9s %9s %9s\n", "JOB", "STATE", "NAME", "TASKS", "DONE",
              "RUNNING", "FAILED");
  std::string token;
  do {
    grpc::ClientContext ctx;
    Prepare(ctx, f);
    v1::ListJobsRequest req;
    req.set_page_token(token);
    v1::ListJobsResponse resp;
    if (auto s = stub->ListJobs(&ctx, req, &resp); !s.ok()) return Fail("jobs", f, s);
    for (const v1::Job& j : resp.jobs()) {
      const auto& c = j.task_counts();
      std::printf("%-8llu %-10s %-24s %9llu %9llu %9llu %9llu\n",
                  static_cast<unsigned long long>(j.job_id()), StateName(j.state()),
                  j.spec().name().substr(0, 24).c_str(), static_cast<unsigned long long>(Total(c)),
                  static_cast<unsigned long long>(c.done()),
                  static_cast<unsigned long long>(c.running()),
                  static_cast<unsigned long long>(c.failed()));
    }
    token = resp.next_page_token();
  } while (!token.empty());
  return kExitOk;
}

void PrintJob(const v1::Job& j) {
  const auto& c = j.task_counts();
  std::cout << "job " << j.job_id() << " (" << j.spec().name() << "): " << StateName(j.state())
            << "\n  tasks: " << Total(c) << " total, " << c.done() << " done, " << c.running()
            << " running, " << c.queued() << " queued, " << c.failed() << " failed, "
            << c.cancelled() << " cancelled\n  work: " << j.work_done_units() << " of "
            << j.work_total_units() << " units\n";
  const auto& r = j.spec().replication();
  if (r.copies() > 1 || r.adaptive().trust_threshold() > 0 || j.spec().known_answers_size() > 0) {
    std::cout << "  validation: " << (r.quorum() ? r.quorum() : r.copies()) << " of "
              << std::max(1u, r.copies()) << " agreeing";
    if (r.adaptive().trust_threshold() > 0) {
      std::cout << ", trusted after " << r.adaptive().trust_threshold() << " validated results";
    }
    std::cout << ", " << j.spec().known_answers_size() << " spot-checks; " << j.results_invalid()
              << " invalid results (" << j.spot_checks_failed() << " failed spot-checks), "
              << j.attempts_started() << " attempts\n";
  }
  if (!j.status_detail().empty()) std::cout << "  detail: " << j.status_detail() << "\n";
}

int Watch(const ClientFlags& f) {
  auto stub = v1::JobService::NewStub(Channel(f));
  grpc::ClientContext ctx;
  AddBearer(ctx, f.auth);
  v1::WatchJobRequest req;
  req.set_job_id(f.job_id);
  req.mutable_min_interval()->set_nanos(250'000'000);
  auto reader = stub->WatchJob(&ctx, req);
  const bool tty = isatty(STDOUT_FILENO) != 0;
  v1::JobProgress p;
  v1::JobState last = v1::JOB_STATE_UNSPECIFIED;
  while (reader->Read(&p)) {
    const auto& c = p.task_counts();
    const uint64_t total = Total(c);
    const uint64_t closed = c.done() + c.failed() + c.cancelled();
    const int width = 40;
    const int filled = total ? static_cast<int>(width * closed / total) : 0;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(width, '-');
    std::ostringstream line;
    line << "[" << bar << "] " << closed << "/" << total << " " << StateName(p.state()) << "  "
         << c.running() << " running, " << c.failed() << " failed, " << p.attempts_lost()
         << " lost attempts";
    if (tty) {
      std::cout << "\r" << line.str() << "   " << std::flush;
    } else {
      std::cout << line.str() << "\n";
    }
    last = p.state();
  }
  if (tty) std::cout << "\n";
  const grpc::Status s = reader->Finish();
  if (!s.ok()) return Fail("job", f, s);
  return last == v1::JOB_STATE_DONE ? kExitOk : kExitFailure;
}

int JobCmd(const ClientFlags& f) {
  if (f.watch) return Watch(f);
  auto stub = v1::JobService::NewStub(Channel(f));
  grpc::ClientContext ctx;
  Prepare(ctx, f);
  v1::GetJobRequest req;
  req.set_job_id(f.job_id);
  v1::GetJobResponse resp;
  if (auto s = stub->GetJob(&ctx, req, &resp); !s.ok()) return Fail("job", f, s);
  PrintJob(resp.job());
  return kExitOk;
}

int Cancel(const ClientFlags& f) {
  auto stub = v1::JobService::NewStub(Channel(f));
  grpc::ClientContext ctx;
  Prepare(ctx, f);
  v1::CancelJobRequest req;
  req.set_job_id(f.job_id);
  req.set_reason(f.reason);
  v1::CancelJobResponse resp;
  if (auto s = stub->CancelJob(&ctx, req, &resp); !s.ok()) return Fail("cancel", f, s);
  std::cout << "job " << f.job_id << ": " << StateName(resp.job().state())
            << (resp.already_final() ? " (already final)" : "") << "\n";
  return kExitOk;
}

int Nodes(const ClientFlags& f) {
  auto stub = v1::AdminService::NewStub(Channel(f));
  std::printf("%-8s %-14s %-16s %-9s %-9s %8s %9s %7s %6s %s\n", "NODE", "SESSION", "OWNER", "CAR",
              "HARDWARE", "SPEED", "MEMORY", "RUNNING", "REP", "NAME");
  std::string token;
  do {
    grpc::ClientContext ctx;
    Prepare(ctx, f);
    v1::ListNodesRequest req;
    req.set_page_token(token);
    req.set_page_size(1000);
    v1::ListNodesResponse resp;
    if (auto s = stub->ListNodes(&ctx, req, &resp); !s.ok()) return Fail("nodes", f, s);
    for (const v1::NodeInfo& n : resp.nodes()) {
      // Catalog name (docs/hardware.md), "-" for a plain speed; memory "-" when unknown.
      const std::string hardware =
          n.hardware().hardware_name().empty() ? "-" : n.hardware().hardware_name().substr(0, 9);
      const std::string memory =
          n.hardware().memory_bytes() == 0 ? "-" : ByteSizeText(n.hardware().memory_bytes());
      std::printf("%-8llu %-14s %-16s %-9s %-9s %8.2f %9s %7u %6.3f %s\n",
                  static_cast<unsigned long long>(n.node_id()), ConnName(n.connection_state()),
                  n.owner().substr(0, 16).c_str(), CarStateName(n.node_state()), hardware.c_str(),
                  n.hardware().speed_work_units_per_s(), memory.c_str(), n.running_attempts(),
                  n.reputation(), n.display_name().c_str());
    }
    token = resp.next_page_token();
  } while (!token.empty());
  return kExitOk;
}

int Results(const ClientFlags& f) {
  std::error_code ec;
  std::filesystem::create_directories(f.out_dir, ec);
  if (ec) {
    std::cerr << "fleetgrid results: cannot create " << f.out_dir << ": " << ec.message() << "\n";
    return kExitFailure;
  }
  auto stub = v1::JobService::NewStub(Channel(f));
  grpc::ClientContext ctx;
  AddBearer(ctx, f.auth);
  v1::FetchResultsRequest req;
  req.set_job_id(f.job_id);
  auto reader = stub->FetchResults(&ctx, req);
  v1::TaskResult r;
  nlohmann::json manifest = nlohmann::json::array();
  std::string data;
  uint64_t files = 0;
  while (reader->Read(&r)) {
    if (r.chunk().offset() == 0) data.clear();
    data += r.chunk().data();
    if (!r.chunk().last()) continue;
    if (AsBytes(Sha256(data)) != r.digest().sha256()) {
      std::cerr << "fleetgrid results: task " << r.task_id() << ": bytes do not match digest\n";
      return kExitFailure;
    }
    const std::string name = "task-" + std::to_string(r.task_index()) + ".out";
    std::ofstream(std::filesystem::path(f.out_dir) / name, std::ios::binary) << data;
    manifest.push_back({{"task_id", r.task_id()},
                        {"task_index", r.task_index()},
                        {"size_bytes", r.size_bytes()},
                        {"sha256", Hex(r.digest().sha256())},
                        {"file", name}});
    ++files;
  }
  const grpc::Status s = reader->Finish();
  if (!s.ok()) return Fail("results", f, s);
  std::ofstream(std::filesystem::path(f.out_dir) / "manifest.json") << manifest.dump(2) << "\n";
  std::cout << files << " results written to " << f.out_dir << "\n";
  return kExitOk;
}

}  // namespace

std::vector<Command> AddClientCommands(CLI::App& app) {
  std::vector<Command> out;
  auto add = [&](const char* name, const char* help, int (*run)(const ClientFlags&)) {
    auto f = std::make_shared<ClientFlags>();
    CLI::App* sub = app.add_subcommand(name, help);
    AddConnectionFlags(*sub, *f);
    out.push_back({sub, [f, run, name] { return OpenChannel(name, *f) ? run(*f) : kExitUsage; }});
    return std::pair{sub, f};
  };
  {
    auto [sub, f] =
        add("submit", "Submit a job file (YAML) to a coordinator; prints the job id.", Submit);
    sub->add_option("JOB.yaml", f->file, "job file")->required();
    sub->add_option("--memory", f->memory,
                    "memory each task needs (\"64GiB\", \"512MB\", bytes); runs only on cars "
                    "with at least that much, or that do not report memory");
    sub->add_option("--checkpoint-size", f->checkpoint_size,
                    "size of a task's checkpoint (\"200MB\", bytes): cars upload one when they "
                    "warn of a departure, and a requeued task resumes from it");
    sub->add_option("--checkpoint-interval", f->checkpoint_interval,
                    "cars also checkpoint every this much compute (\"30m\", seconds; model "
                    "time under fleetgrid node --time-scale)");
  }
  add("jobs", "List jobs on a coordinator.", Jobs);
  {
    auto [sub, f] = add("job", "Show one job (--watch: live progress until it ends).", JobCmd);
    sub->add_option("ID", f->job_id, "job id")->required();
    sub->add_flag("--watch", f->watch, "follow the job's progress until it is final");
  }
  {
    auto [sub, f] = add("cancel", "Cancel a job.", Cancel);
    sub->add_option("ID", f->job_id, "job id")->required();
    sub->add_option("--reason", f->reason, "why (kept with the job)");
  }
  add("nodes", "List the cars known to a coordinator.", Nodes);
  {
    auto [sub, f] = add("results", "Download a job's accepted results into a folder.", Results);
    sub->add_option("ID", f->job_id, "job id")->required();
    sub->add_option("--out", f->out_dir, "output folder")->required();
  }
  return out;
}

}  // namespace fleetgrid::cli
