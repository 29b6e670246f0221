// TLS on the coordinator's gRPC port, plaintext on loopback only, and `fleetgrid coordinator
// init`: an in-process coordinator with material from real `init` folders, the CLI's flag
// rules, and real processes (coordinator, node, submit) end to end over TLS.
#include "common/tls.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>

#include "common/pki.h"
#include "coordinator/service/coordinator.h"
#include "coordinator/service/memory_store.h"
#include "fleetgrid/v1/job.grpc.pb.h"
#include "tests/integration/process.h"

namespace fleetgrid::testing {
namespace {

// `fleetgrid coordinator init --dir DIR`, asserted to succeed.
void Init(const std::string& dir) {
  auto r = RunCli({"coordinator", "init", "--dir", dir}, std::filesystem::path(dir).parent_path());
  ASSERT_EQ(r.rc, 0) << r.err;
}

std::string Pem(const std::string& path) {
  auto pem =
      ReadPemFile(path, path.ends_with(".key") ? PemKind::kPrivateKey : PemKind::kCertificates);
  EXPECT_TRUE(pem.ok()) << pem.status();
  return pem.ok() ? *pem : "";
}

ServerTls TlsOf(const std::string& dir) {
  return {Pem(dir + "/server.pem"), Pem(dir + "/server.key"), ""};
}

ClientTls Trusting(const std::string& dir, std::string server_name = "") {
  ClientTls tls;
  tls.enabled = true;
  tls.ca_pem = Pem(dir + "/ca.pem");
  tls.server_name = std::move(server_name);
  return tls;
}

// One ListJobs call to `address` over `tls`: the status it ends with.
grpc::Status Call(const std::string& address, const ClientTls& tls) {
  grpc::ChannelArguments args;
  auto credentials = ChannelCredentialsFor(tls, address, args);
  if (!credentials.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "credentials");
  auto stub = v1::JobService::NewStub(grpc::CreateCustomChannel(address, *credentials, args));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::ListJobsRequest req;
  v1::ListJobsResponse resp;
  return stub->ListJobs(&ctx, req, &resp);
}

service::CoordinatorOptions Options(ServerTls tls, std::string listen = "127.0.0.1:0") {
  service::CoordinatorOptions o;
  o.listen = std::move(listen);
  o.metrics_listen = "";
  o.tls = std::move(tls);
  return o;
}

class TlsCoordinator : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = TempDir("tls-" +
                    std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    a_ = root_ + "/a";
    b_ = root_ + "/b";
    Init(a_);
    Init(b_);
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(root_);
  }
  std::string root_, a_, b_;
  service::MemoryStore store_;
};

// Catches: the port not speaking TLS, the CA or the hostname not checked, or plaintext
// accepted next to TLS.
TEST_F(TlsCoordinator, OnlyClientsTrustingItsCaGetIn) {
  auto c = service::Coordinator::Start(Options(TlsOf(a_)), &store_);
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string address = (*c)->address();
  EXPECT_TRUE(Call(address, Trusting(a_)).ok());
  EXPECT_TRUE(Call("localhost:" + std::to_string((*c)->port()), Trusting(a_)).ok());
  EXPECT_TRUE(Call(address, Trusting(a_, "localhost")).ok());

  const grpc::Status other_ca = Call(address, Trusting(b_));
  EXPECT_EQ(other_ca.error_code(), grpc::StatusCode::UNAVAILABLE) << other_ca.error_message();
  const grpc::Status wrong_name = Call(address, Trusting(a_, "not-the-coordinator.example"));
  EXPECT_EQ(wrong_name.error_code(), grpc::StatusCode::UNAVAILABLE);
  const grpc::Status plaintext = Call(address, ClientTls{});
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE);
  (*c)->Shutdown();
}

// Catches: the loopback rule dropped from Start() (plaintext on every interface), applied to
// TLS too, or an open coordinator (no admin token) allowed off loopback.
TEST_F(TlsCoordinator, PlaintextOffLoopbackIsRefusedTlsIsNot) {
  auto plain = service::Coordinator::Start(Options({}, "0.0.0.0:0"), &store_);
  ASSERT_EQ(plain.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(plain.status().message().find("loopback"), std::string::npos) << plain.status();
  EXPECT_EQ(service::Coordinator::Start(Options({}, "[::]:0"), &store_).status().code(),
            absl::StatusCode::kInvalidArgument);

  // TLS off loopback, but open (no admin token): refused too, since anyone could submit.
  auto open = service::Coordinator::Start(Options(TlsOf(a_), "0.0.0.0:0"), &store_);
  ASSERT_EQ(open.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(open.status().message().find("admin token"), std::string::npos) << open.status();

  service::CoordinatorOptions protected_options = Options(TlsOf(a_), "0.0.0.0:0");
  protected_options.service.admin_token_sha256 = std::string(32, 'x');
  auto tls = service::Coordinator::Start(protected_options, &store_);
  ASSERT_TRUE(tls.ok()) << tls.status();
  // Via 127.0.0.1 only. The handshake succeeds; the call, without a token, is refused.
  EXPECT_EQ(Call((*tls)->address(), Trusting(a_)).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  (*tls)->Shutdown();
}

// Catches: a client CA that rejects token-only clients (require instead of request), or one
// that lets a certificate from another CA through.
TEST_F(TlsCoordinator, ClientCertificatesAreVerifiedWhenPresented) {
  ServerTls server = TlsOf(a_);
  server.client_ca_pem = Pem(a_ + "/ca.pem");
  auto c = service::Coordinator::Start(Options(server), &store_);
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string address = (*c)->address();
  EXPECT_TRUE(Call(address, Trusting(a_)).ok()) << "no client certificate: still let in";

  const auto with_client_cert = [&](const std::string& issuer_dir) {
    auto cert = pki::IssueCertificate({Pem(issuer_dir + "/ca.pem"), Pem(issuer_dir + "/ca.key")},
                                      {"car-1", {}, 1, pki::Usage::kClient});
    EXPECT_TRUE(cert.ok()) << cert.status();
    ClientTls tls = Trusting(a_);
    tls.cert_chain_pem = cert->cert_pem;
    tls.private_key_pem = cert->key_pem;
    return Call(address, tls);
  };
  EXPECT_TRUE(with_client_cert(a_).ok());
  EXPECT_EQ(with_client_cert(b_).error_code(), grpc::StatusCode::UNAVAILABLE);
  (*c)->Shutdown();
}

// Catches: --tls-require-client-cert not enforced (a token-only client gets through) or a
// certificate of another CA accepted.
TEST_F(TlsCoordinator, RequiredClientCertificatesGateTheHandshake) {
  ServerTls server = TlsOf(a_);
  server.client_ca_pem = Pem(a_ + "/ca.pem");
  server.require_client_cert = true;
  auto c = service::Coordinator::Start(Options(server), &store_);
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string address = (*c)->address();
  EXPECT_EQ(Call(address, Trusting(a_)).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "no client certificate: refused";
  const auto with = [&](const std::string& dir) {
    ClientTls tls = Trusting(a_);
    tls.cert_chain_pem = Pem(dir + "/client.pem");
    tls.private_key_pem = Pem(dir + "/client.key");
    return Call(address, tls);
  };
  EXPECT_TRUE(with(a_).ok()) << "init's client certificate";
  EXPECT_EQ(with(b_).error_code(), grpc::StatusCode::UNAVAILABLE) << "another CA's";
  (*c)->Shutdown();
  server.client_ca_pem.clear();
  EXPECT_FALSE(service::Coordinator::Start(Options(server), &store_).ok()) << "no client CA";
}

mode_t Mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// Catches: keys or token readable by others, a short or repeated token, files silently
// overwritten, a bad --san accepted.
TEST(CoordinatorInit, WritesPrivateFilesAndRefusesToOverwrite) {
  const std::string root = TempDir("tls-init");
  const std::string a = root + "/a", b = root + "/b";
  auto first = RunCli({"coordinator", "init", "--dir", a, "--san", "cars.example.org"}, root);
  ASSERT_EQ(first.rc, 0) << first.err;
  EXPECT_NE(first.out.find("--tls-cert " + a + "/server.pem --tls-key " + a + "/server.key"),
            std::string::npos)
      << first.out;
  for (const char* secret : {"ca.key", "server.key", "client.key", "admin.token"}) {
    EXPECT_EQ(Mode(a + "/" + secret), 0600u) << secret;
  }
  EXPECT_EQ(Mode(a + "/ca.pem"), 0644u);
  const std::string token = ReadFile(a + "/admin.token");
  EXPECT_TRUE(std::regex_match(token, std::regex("fga_[0-9a-f]{64}\n"))) << token;
  EXPECT_EQ(first.out.find(token.substr(4, 64)), std::string::npos) << "token printed";

  auto again = RunCli({"coordinator", "init", "--dir", a}, root);
  EXPECT_EQ(again.rc, 1);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(ReadFile(a + "/admin.token"), token) << "overwritten without --force";

  chmod((a + "/server.key").c_str(), 0644);
  auto forced = RunCli({"coordinator", "init", "--dir", a, "--force"}, root);
  ASSERT_EQ(forced.rc, 0) << forced.err;
  EXPECT_NE(ReadFile(a + "/admin.token"), token);
  EXPECT_EQ(Mode(a + "/server.key"), 0600u) << "--force keeps a key private";

  ASSERT_EQ(RunCli({"coordinator", "init", "--dir", b}, root).rc, 0);
  EXPECT_NE(ReadFile(b + "/admin.token"), ReadFile(a + "/admin.token"));

  auto bad_san = RunCli({"coordinator", "init", "--dir", root + "/c", "--san", "x,DNS:evil"}, root);
  EXPECT_EQ(bad_san.rc, 2);
  EXPECT_NE(bad_san.err.find("--san"), std::string::npos) << bad_san.err;
  if (!HasFailure()) std::filesystem::remove_all(root);
}

// `fleetgrid coordinator ARGS...` on `listen` with a fresh database path; the database must
// not be created when the command is refused (nothing started).
CliResult Coordinator(const std::string& dir, std::vector<std::string> args,
                      const std::string& listen = "127.0.0.1:0") {
  std::vector<std::string> full = {"coordinator",     "--listen",         listen, "--db",
                                   dir + "/never.db", "--metrics-listen", "off"};
  full.insert(full.end(), args.begin(), args.end());
  auto r = RunCli(full, dir, 20);
  EXPECT_FALSE(std::filesystem::exists(dir + "/never.db")) << "started anyway";
  return r;
}

// Catches: a coordinator that starts without a transport chosen, plaintext on a public
// address, or a bad file reported without naming the flag and file.
TEST(CoordinatorTlsFlags, RefusedClearlyBeforeStarting) {
  const std::string dir = TempDir("tls-flags");
  Init(dir + "/a");
  Init(dir + "/b");
  const std::string a = dir + "/a", b = dir + "/b";

  auto none = Coordinator(dir, {});
  EXPECT_EQ(none.rc, 2);
  EXPECT_NE(none.err.find("fleetgrid coordinator init --dir"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("--insecure"), std::string::npos) << none.err;

  for (const char* listen : {"0.0.0.0:0", "[::]:0", "192.0.2.1:7070"}) {
    auto open = Coordinator(dir, {"--insecure"}, listen);
    EXPECT_EQ(open.rc, 2) << listen;
    EXPECT_NE(open.err.find("loopback"), std::string::npos) << open.err;
  }
  // TLS on a public address needs --admin-token-file: an open coordinator stays on loopback.
  auto open_tls = Coordinator(
      dir, {"--tls-cert", a + "/server.pem", "--tls-key", a + "/server.key"}, "0.0.0.0:0");
  EXPECT_EQ(open_tls.rc, 2);
  EXPECT_NE(open_tls.err.find("--admin-token-file"), std::string::npos) << open_tls.err;

  std::ofstream(dir + "/garbage.pem") << "-----BEGIN CERTIFICATE-----\nnot base64\n";
  auto missing =
      Coordinator(dir, {"--tls-cert", dir + "/none.pem", "--tls-key", a + "/server.key"});
  EXPECT_EQ(missing.rc, 2);
  EXPECT_NE(missing.err.find("--tls-cert: cannot read " + dir + "/none.pem"), std::string::npos)
      << missing.err;
  auto garbage =
      Coordinator(dir, {"--tls-cert", dir + "/garbage.pem", "--tls-key", a + "/server.key"});
  EXPECT_EQ(garbage.rc, 2);
  EXPECT_NE(garbage.err.find("--tls-cert: " + dir + "/garbage.pem"), std::string::npos)
      << garbage.err;
  auto bad_key = Coordinator(dir, {"--tls-cert", a + "/server.pem", "--tls-key", a + "/ca.pem"});
  EXPECT_EQ(bad_key.rc, 2);
  EXPECT_NE(bad_key.err.find("--tls-key: " + a + "/ca.pem"), std::string::npos) << bad_key.err;
  auto mismatch =
      Coordinator(dir, {"--tls-cert", a + "/server.pem", "--tls-key", b + "/server.key"});
  EXPECT_EQ(mismatch.rc, 2);
  EXPECT_NE(mismatch.err.find("does not match"), std::string::npos) << mismatch.err;
  auto bad_ca = Coordinator(dir, {"--tls-cert", a + "/server.pem", "--tls-key", a + "/server.key",
                                  "--tls-ca", dir + "/garbage.pem"});
  EXPECT_EQ(bad_ca.rc, 2);
  EXPECT_NE(bad_ca.err.find("--tls-ca"), std::string::npos) << bad_ca.err;
  EXPECT_EQ(Coordinator(dir, {"--tls-cert", a + "/server.pem"}).rc, 2) << "cert without key";
  EXPECT_EQ(Coordinator(dir, {"--insecure", "--tls-cert", a + "/server.pem", "--tls-key",
                              a + "/server.key"})
                .rc,
            2)
      << "both";
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

// Catches: a client or car that sends in plaintext to a non-loopback address, or ignores a
// bad --tls-ca. (Refused before any channel exists: nothing is sent anywhere.)
TEST(ClientTlsFlags, PlaintextOnlyToLoopbackAndBadCaRefused) {
  const std::string dir = TempDir("tls-client-flags");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"jobs", "--insecure", "--coordinator", "example.invalid:7070"},
           {"node", "--insecure", "--coordinator", "example.invalid:7070", "--duration", "1"}}) {
    auto r = RunCli(args, dir, 20);
    EXPECT_EQ(r.rc, 2) << args[0];
    EXPECT_NE(r.err.find("loopback"), std::string::npos) << r.err;
  }
  auto ca = RunCli({"jobs", "--tls-ca", dir + "/none.pem"}, dir, 20);
  EXPECT_EQ(ca.rc, 2);
  EXPECT_NE(ca.err.find("--tls-ca: cannot read " + dir + "/none.pem"), std::string::npos) << ca.err;
  // A client certificate needs its key, and the key must be the certificate's.
  Init(dir + "/a");
  Init(dir + "/b");
  auto alone = RunCli({"jobs", "--tls-client-cert", dir + "/a/client.pem"}, dir, 20);
  EXPECT_EQ(alone.rc, 2);
  EXPECT_NE(alone.err.find("--tls-client-key"), std::string::npos) << alone.err;
  auto mismatch = RunCli({"node", "--tls-client-cert", dir + "/a/client.pem", "--tls-client-key",
                          dir + "/b/client.key", "--duration", "1"},
                         dir, 20);
  EXPECT_EQ(mismatch.rc, 2);
  EXPECT_NE(mismatch.err.find("--tls-client-key " + dir + "/b/client.key does not match"),
            std::string::npos)
      << mismatch.err;
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

// Catches: any link of the chain (coordinator, cars, submit, watch) not speaking TLS with
// the material `init` makes.
TEST(TlsEndToEnd, CarsAndClientsRunAHashJobOverTls) {
  const std::string dir = TempDir("tls-e2e");
  const std::string pki = dir + "/pki";
  Init(pki);
  CoordinatorProcess coord(dir, dir + "/fleetgrid.db");
  coord.set_transport({"--tls-cert", pki + "/server.pem", "--tls-key", pki + "/server.key"});
  ASSERT_TRUE(coord.Start()) << coord.stderr_text();
  NodeProcess cars(dir);
  cars.Start({"--tls-ca", pki + "/ca.pem", "--coordinator", coord.address(), "--cars", "20",
              "--availability", "never-leaves", "--report-every", "0.2"});
  std::ofstream(dir + "/job.yaml") << "name: tls-hash\ntasks: 40\nwork_units: 0.01\n"
                                      "output_bytes: 64\nexecutor: {kind: hash, rounds: 20, "
                                      "seed: 3}\n";
  const std::vector<std::string> tls = {"--tls-ca", pki + "/ca.pem", "--coordinator",
                                        coord.address()};
  const auto cli = [&](std::vector<std::string> args) {
    args.insert(args.end(), tls.begin(), tls.end());
    return RunCli(args, dir);
  };
  auto submit = cli({"submit", dir + "/job.yaml"});
  ASSERT_EQ(submit.rc, 0) << submit.err;
  const std::string job = std::to_string(std::stoull(submit.out));
  auto watch = cli({"job", job, "--watch"});
  EXPECT_EQ(watch.rc, 0) << watch.err;
  EXPECT_NE(watch.out.find("40/40 DONE"), std::string::npos) << watch.out;
  EXPECT_TRUE(cars.running()) << cars.stderr_text();

  auto plaintext = RunCli({"jobs", "--insecure", "--coordinator", coord.address()}, dir, 30);
  EXPECT_EQ(plaintext.rc, 1) << "a plaintext client must not get through";
  EXPECT_EQ(cars.Terminate(), 0);
  EXPECT_GE(cars.Counter("done"), 40) << cars.stderr_text();
  EXPECT_EQ(coord.Terminate(), 0);
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

// Catches: the coordinator's --tls-require-client-cert not reaching the port, or a car or
// client whose --tls-client-cert is not presented (they would be refused at the handshake).
TEST(TlsEndToEnd, RequiredClientCertificatesFromInit) {
  const std::string dir = TempDir("tls-mtls");
  const std::string pki = dir + "/pki";
  Init(pki);
  CoordinatorProcess coord(dir, dir + "/fleetgrid.db");
  coord.set_transport({"--tls-cert", pki + "/server.pem", "--tls-key", pki + "/server.key",
                       "--tls-ca", pki + "/ca.pem", "--tls-require-client-cert"});
  ASSERT_TRUE(coord.Start()) << coord.stderr_text();
  const std::vector<std::string> client_cert = {"--tls-client-cert", pki + "/client.pem",
                                                "--tls-client-key", pki + "/client.key"};
  const auto cli = [&](std::vector<std::string> args, bool with_cert) {
    args.insert(args.end(), {"--tls-ca", pki + "/ca.pem", "--coordinator", coord.address()});
    if (with_cert) args.insert(args.end(), client_cert.begin(), client_cert.end());
    return RunCli(args, dir, 30);
  };
  EXPECT_EQ(cli({"jobs"}, false).rc, 1) << "no client certificate: refused";
  NodeProcess cars(dir);
  std::vector<std::string> node = {
      "--tls-ca", pki + "/ca.pem",  "--coordinator", coord.address(),  "--cars",
      "4",        "--availability", "never-leaves",  "--report-every", "0.2"};
  node.insert(node.end(), client_cert.begin(), client_cert.end());
  cars.Start(node);
  std::ofstream(dir + "/job.yaml") << "name: mtls\ntasks: 8\nwork_units: 0.01\n"
                                      "output_bytes: 64\nexecutor: {kind: hash, rounds: 20, "
                                      "seed: 3}\n";
  auto submit = cli({"submit", dir + "/job.yaml"}, true);
  ASSERT_EQ(submit.rc, 0) << submit.err;
  auto watch = cli({"job", std::to_string(std::stoull(submit.out)), "--watch"}, true);
  EXPECT_EQ(watch.rc, 0) << watch.err;
  EXPECT_NE(watch.out.find("8/8 DONE"), std::string::npos) << watch.out;
  EXPECT_EQ(cars.Terminate(), 0);
  EXPECT_EQ(coord.Terminate(), 0);
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fleetgrid::testing
