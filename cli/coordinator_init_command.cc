// `fleetgrid coordinator init --dir DIR`: the development bootstrap material of a coordinator:
// a local CA, a server certificate and a client certificate it signs, and an admin token
// (common/pki.h makes them).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "common/pki.h"
#include "coordinator/service/identities.h"

namespace fleetgrid::cli {
namespace {

namespace fs = std::filesystem;

struct InitFlags {
  std::string dir;
  std::vector<std::string> sans;
  int days = 365;
  int ca_days = 3650;
  bool force = false;
};

struct OutFile {
  const char* name;
  mode_t mode;
  std::string text;
  const char* what;
};

// Writes `text` to `path` with exactly `mode` (whatever the umask); O_EXCL unless `replace`.
bool WriteFile(const std::string& path, const std::string& text, mode_t mode, bool replace) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (replace ? 0 : O_EXCL), mode);
  if (fd < 0) return false;
  bool ok = fchmod(fd, mode) == 0;
  for (size_t done = 0; ok && done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = fsync(fd) == 0 && ok;
  return close(fd) == 0 && ok;
}

int RunInit(const InitFlags& f) {
  const auto fail = [](const std::string& message, int rc) {
    std::cerr << "fleetgrid coordinator init: " << message << "\n";
    return rc;
  };
  std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
  for (const std::string& san : f.sans) {
    if (absl::Status s = pki::CheckAltName(san); !s.ok()) {
      return fail("--san: " + std::string(s.message()), kExitUsage);
    }
    names.push_back(san);
  }
  std::error_code ec;
  fs::create_directories(f.dir, ec);
  if (ec) return fail("--dir: cannot create " + f.dir + ": " + ec.message(), kExitFailure);
  const fs::path dir = fs::absolute(f.dir);
  std::vector<OutFile> files = {
      {"ca.pem", 0644, "", "development CA certificate: cars and clients trust it (--tls-ca)"},
      {"ca.key", 0600, "", "the CA's private key: keep it private (or delete it)"},
      {"server.pem", 0644, "", "the coordinator's certificate (--tls-cert)"},
      {"server.key", 0600, "", "its private key (--tls-key)"},
      {"client.pem", 0644, "", "a client certificate (--tls-client-cert), for --tls-ca"},
      {"client.key", 0600, "", "its private key (--tls-client-key)"},
      {"admin.token", 0600, "", "admin API token (a secret: 256 random bits)"}};
  std::string existing;
  for (const OutFile& file : files) {
    if (fs::exists(dir / file.name))
      existing += (existing.empty() ? "" : ", ") + std::string(file.name);
  }
  if (!existing.empty() && !f.force) {
    return fail(
        dir.string() + " already holds " + existing + ": nothing written (--force overwrites them)",
        kExitFailure);
  }

  absl::StatusOr<pki::PemCertificate> ca =
      pki::MakeCertificateAuthority("Fleetgrid development CA", f.ca_days);
  if (!ca.ok()) return fail("--ca-days: " + std::string(ca.status().message()), kExitUsage);
  absl::StatusOr<pki::PemCertificate> server =
      pki::IssueCertificate(*ca, {"fleetgrid coordinator", names, f.days, pki::Usage::kServer});
  if (!server.ok()) return fail("--days: " + std::string(server.status().message()), kExitUsage);
  absl::StatusOr<pki::PemCertificate> client =
      pki::IssueCertificate(*ca, {"fleetgrid client", {}, f.days, pki::Usage::kClient});
  if (!client.ok()) return fail("--days: " + std::string(client.status().message()), kExitUsage);
  files[0].text = ca->cert_pem;
  files[1].text = ca->key_pem;
  files[2].text = server->cert_pem;
  files[3].text = server->key_pem;
  files[4].text = client->cert_pem;
  files[5].text = client->key_pem;
  files[6].text = service::NewApiToken() + "\n";

  for (const OutFile& file : files) {
    const std::string path = (dir / file.name).string();
    if (!WriteFile(path, file.text, file.mode, f.force)) {
      return fail("cannot write " + path + ": " + std::strerror(errno), kExitFailure);
    }
  }
  std::cout << "fleetgrid coordinator init: wrote " << dir.string() << "\n";
  for (const OutFile& file : files) {
    std::printf("  %-12s %04o  %s\n", file.name, static_cast<unsigned>(file.mode), file.what);
  }
  std::string sans;
  for (const std::string& n : names) sans += (sans.empty() ? "" : ", ") + n;
  std::cout << "The server certificate is valid " << f.days << " days for " << sans
            << " (add names with --san).\n"
            << "Start the coordinator with:\n"
            << "  fleetgrid coordinator --tls-cert " << (dir / "server.pem").string()
            << " --tls-key " << (dir / "server.key").string() << " \\\n"
            << "      --admin-token-file " << (dir / "admin.token").string() << "\n"
            << "and connect cars and clients with --tls-ca " << (dir / "ca.pem").string()
            << "; clients authenticate with --token-file " << (dir / "admin.token").string()
            << " (or an API token from `fleetgrid admin api-token issue`).\n"
            << "To let in only holders of a certificate from this CA, add --tls-ca "
            << (dir / "ca.pem").string() << " --tls-require-client-cert to the coordinator and "
            << "--tls-client-cert " << (dir / "client.pem").string() << " --tls-client-key "
            << (dir / "client.key").string() << " to cars and clients.\n";
  return kExitOk;
}

}  // namespace

std::vector<Command> AddCoordinatorInitCommand(CLI::App& coordinator) {
  auto f = std::make_shared<InitFlags>();
  CLI::App* sub = coordinator.add_subcommand(
      "init",
      "Make a development CA, server and client certificates and an admin token in a folder.");
  sub->add_option("--dir", f->dir, "folder to write (created if missing)")->required();
  sub->add_option("--san", f->sans,
                  "extra name of the server certificate, DNS name or IP (repeatable; "
                  "localhost, 127.0.0.1 and ::1 are always in)");
  sub->add_option("--days", f->days, "validity of the server certificate in days")
      ->capture_default_str();
  sub->add_option("--ca-days", f->ca_days, "validity of the CA certificate in days")
      ->capture_default_str();
  sub->add_flag("--force", f->force, "overwrite files already in the folder");
  return {{sub, [f] { return RunInit(*f); }}};
}

}  // namespace fleetgrid::cli
