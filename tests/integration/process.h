// Helpers to run the real `fleetgrid` binary from tests: a coordinator process (started,
// killed with SIGKILL or stopped with SIGTERM) and one-shot CLI commands.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fleetgrid::testing {

inline std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("fleetgrid-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// `env`: NAME=VALUE entries added to the child's environment.
inline pid_t Spawn(const std::vector<std::string>& args, const std::string& out_file,
                   const std::string& err_file, const std::vector<std::string>& env = {}) {
  const pid_t pid = fork();
  if (pid == 0) {
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    const int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

#ifdef FLEETGRID_BIN
struct CliResult {
  int rc = -1;
  std::string out, err;
};

// Runs `fleetgrid ARGS...` to completion (bounded by timeout_s); `env` as for Spawn.
inline CliResult RunCli(const std::vector<std::string>& args, const std::string& dir,
                        int timeout_s = 60, const std::vector<std::string>& env = {}) {
  std::vector<std::string> full = {FLEETGRID_BIN};
  full.insert(full.end(), args.begin(), args.end());
  const std::string out = dir + "/cli.out", err = dir + "/cli.err";
  const pid_t pid = Spawn(full, out, err, env);
  CliResult r;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > end) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.rc = -2;
      break;
    }
    usleep(2000);
  }
  if (r.rc != -2) r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

// A `fleetgrid coordinator` process on 127.0.0.1 port 0 (plaintext unless set_transport()).
class CoordinatorProcess {
 public:
  CoordinatorProcess(std::string dir, std::string db) : dir_(std::move(dir)), db_(std::move(db)) {}
  ~CoordinatorProcess() { Kill(); }

  // Starts it and waits for its "listening on" line; false on failure or timeout.
  bool Start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {
        FLEETGRID_BIN,      "coordinator", "--listen", listen_, "--db",        db_,
        "--metrics-listen", "127.0.0.1:0", "--grace",  grace_,  "--heartbeat", heartbeat_};
    args.insert(args.end(), transport_.begin(), transport_.end());
    args.insert(args.end(), extra.begin(), extra.end());
    out_ = dir_ + "/coordinator." + std::to_string(++starts_) + ".out";
    pid_ = Spawn(args, out_, dir_ + "/coordinator." + std::to_string(starts_) + ".err", env_);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < end) {
      const std::string text = ReadFile(out_);
      const size_t at = text.find("listening on ");
      if (at != std::string::npos) {
        const size_t e = text.find_first_of(",\n", at);
        address_ = text.substr(at + 13, e - at - 13);
        return true;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return false;
      }
      usleep(5000);
    }
    return false;
  }
  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }
  // NAME=VALUE entries for the environment of the next Start() (e.g. LD_PRELOAD).
  void set_env(std::vector<std::string> env) { env_ = std::move(env); }
  // The /metrics port it printed on start (0 if none).
  int metrics_port() const {
    const std::string text = ReadFile(out_);
    const std::string key = "metrics on http://127.0.0.1:";
    const size_t at = text.find(key);
    return at == std::string::npos ? 0 : std::atoi(text.c_str() + at + key.size());
  }
  // Listen here instead of a picked port (to restart on the same address).
  void set_listen(std::string listen) { listen_ = std::move(listen); }
  // The transport flags of the next Start() (default --insecure: plaintext on loopback), e.g.
  // {"--tls-cert", CERT, "--tls-key", KEY}.
  void set_transport(std::vector<std::string> flags) { transport_ = std::move(flags); }
  // --grace and --heartbeat of the next Start() (default 2s and 500ms).
  void set_liveness(std::string grace, std::string heartbeat) {
    grace_ = std::move(grace);
    heartbeat_ = std::move(heartbeat);
  }
  std::string stderr_text() const {
    return ReadFile(dir_ + "/coordinator." + std::to_string(starts_) + ".err");
  }

  // SIGKILL: no flush, no goodbye.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }
  // SIGTERM and wait; returns the exit code (-1 if killed by a signal or timed out).
  int Terminate(int timeout_s = 30) {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > end) {
        Kill();
        return -1;
      }
      usleep(2000);
    }
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  std::string dir_, db_, out_, address_;
  std::string listen_ = "127.0.0.1:0";
  std::string grace_ = "2s", heartbeat_ = "500ms";
  std::vector<std::string> transport_ = {"--insecure"};
  std::vector<std::string> env_;
  pid_t pid_ = 0;
  int starts_ = 0;
};

// A `fleetgrid node` process (emulated cars); killed in the destructor if still running.
class NodeProcess {
 public:
  explicit NodeProcess(std::string dir) : dir_(std::move(dir)) {}
  ~NodeProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  // Starts `fleetgrid node ARGS...` (stdout and stderr to files in dir).
  void Start(const std::vector<std::string>& args) {
    std::vector<std::string> full = {FLEETGRID_BIN, "node"};
    full.insert(full.end(), args.begin(), args.end());
    pid_ = Spawn(full, dir_ + "/node.out", dir_ + "/node.err");
  }
  bool running() { return pid_ > 0 && waitpid(pid_, &status_, WNOHANG) == 0; }
  pid_t pid() const { return pid_; }
  // SIGTERM (the cars leave) and wait; the exit code, -1 if killed or timed out.
  int Terminate(int timeout_s = 30) {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (waitpid(pid_, &status_, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > end) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = 0;
        return -1;
      }
      usleep(2000);
    }
    pid_ = 0;
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  }
  std::string stderr_text() const { return ReadFile(dir_ + "/node.err"); }
  // A counter from the last "[node ...] k=v ..." line on stderr (-1 if absent).
  long long Counter(const std::string& name) const {
    const std::string text = stderr_text();
    const size_t line = text.rfind("[node ");
    if (line == std::string::npos) return -1;
    const size_t at = text.find(" " + name + "=", line);
    if (at == std::string::npos) return -1;
    return std::atoll(text.c_str() + at + name.size() + 2);
  }

 private:
  std::string dir_;
  pid_t pid_ = 0;
  int status_ = 0;
};

#endif  // FLEETGRID_BIN

}  // namespace fleetgrid::testing
