// common/tls.h (the loopback rule, PEM checks) and common/pki.h (the development PKI).
#include "common/tls.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "common/pki.h"

namespace fleetgrid {
namespace {

using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

Cert Parse(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return Cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
}

// Whether `leaf` chains to `ca` for TLS server use (OpenSSL's own verifier).
bool Verifies(const pki::PemCertificate& leaf, const pki::PemCertificate& ca) {
  Cert l = Parse(leaf.cert_pem), c = Parse(ca.cert_pem);
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(store.get(), c.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), l.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  return X509_verify_cert(ctx.get()) == 1;
}

const pki::PemCertificate& TestCa() {
  static const pki::PemCertificate ca = *pki::MakeCertificateAuthority("test CA", 30);
  return ca;
}

// Catches: plaintext let through on a non-loopback address, or loopback refused.
TEST(Loopback, OnlyLoopbackHostsCount) {
  for (const char* yes :
       {"127.0.0.1:7070", "127.9.8.7:1", "localhost:7070", "LocalHost:1", "[::1]:7070", "::1",
        "dns:///localhost:7070", "ipv4:127.0.0.1:5", "ipv6:[::1]:5", "[::ffff:127.0.0.1]:1"}) {
    EXPECT_TRUE(IsLoopbackAddress(yes)) << yes;
  }
  for (const char* no : {"0.0.0.0:7070", "[::]:7070", ":7070", "10.0.0.1:7070", "128.0.0.1:1",
                         "example.com:7070", "localhost.example.com:1", "unix:/tmp/fg.sock", "",
                         "[::1", "[::ffff:10.0.0.1]:1", "127.0.0.1.example.com:1"}) {
    EXPECT_FALSE(IsLoopbackAddress(no)) << no;
  }
}

// Catches: Start() (which calls this) listening in plaintext on all interfaces.
TEST(ServerCredentials, PlaintextOnlyOnLoopback) {
  auto open = ServerCredentialsFor({}, "0.0.0.0:0");
  ASSERT_EQ(open.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(open.status().message().find("loopback"), std::string::npos) << open.status();
  EXPECT_TRUE(ServerCredentialsFor({}, "127.0.0.1:0").ok());
  EXPECT_TRUE(ServerCredentialsFor({}, "[::1]:0").ok());
}

// Catches: a key of another certificate, or garbage, reaching gRPC (whose error says only
// that it cannot listen).
TEST(ServerCredentials, RefusesAKeyThatDoesNotMatchAndGarbage) {
  auto a = pki::IssueCertificate(TestCa(), {"a", {"localhost"}, 1});
  auto b = pki::IssueCertificate(TestCa(), {"b", {"localhost"}, 1});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(ServerCredentialsFor({a->cert_pem, a->key_pem, ""}, "0.0.0.0:0").ok());
  auto mismatch = ServerCredentialsFor({a->cert_pem, b->key_pem, ""}, "0.0.0.0:0");
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(mismatch.status().message().find("does not match"), std::string::npos);
  EXPECT_EQ(ServerCredentialsFor({"junk", a->key_pem, ""}, "0.0.0.0:0").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ServerCredentialsFor({a->cert_pem, a->key_pem, "junk"}, "0.0.0.0:0").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Catches: a client sending tokens in plaintext over a network; the server name not set.
TEST(ChannelCredentials, PlaintextOnlyToLoopbackAndServerNameOverride) {
  grpc::ChannelArguments args;
  EXPECT_EQ(ChannelCredentialsFor({}, "example.invalid:7070", args).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ChannelCredentialsFor({}, "localhost:7070", args).ok());
  ClientTls tls;
  tls.enabled = true;
  tls.ca_pem = TestCa().cert_pem;
  tls.server_name = "coordinator.test";
  ASSERT_TRUE(ChannelCredentialsFor(tls, "example.invalid:7070", args).ok());
  const grpc_channel_args c = args.c_channel_args();
  bool found = false;
  for (size_t i = 0; i < c.num_args; ++i) {
    found = found || (std::string(c.args[i].key) == GRPC_SSL_TARGET_NAME_OVERRIDE_ARG &&
                      std::string(c.args[i].value.string) == "coordinator.test");
  }
  EXPECT_TRUE(found);
  tls.ca_pem = "junk";
  EXPECT_EQ(ChannelCredentialsFor(tls, "localhost:1", args).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Catches: a missing or wrong file accepted, or an error that does not say which file.
TEST(ReadPemFile, NamesTheFileAndTheProblem) {
  const std::string dir = ::testing::TempDir() + "/fg-pem";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/cert.pem") << TestCa().cert_pem;
  std::ofstream(dir + "/junk.pem") << "not a certificate\n";
  EXPECT_TRUE(ReadPemFile(dir + "/cert.pem", PemKind::kCertificates).ok());
  auto missing = ReadPemFile(dir + "/none.pem", PemKind::kCertificates);
  EXPECT_NE(missing.status().message().find(dir + "/none.pem"), std::string::npos);
  auto junk = ReadPemFile(dir + "/junk.pem", PemKind::kCertificates);
  EXPECT_NE(junk.status().message().find("no PEM certificate"), std::string::npos);
  auto not_key = ReadPemFile(dir + "/cert.pem", PemKind::kPrivateKey);
  EXPECT_NE(not_key.status().message().find("no PEM private key"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// Catches: a CA that is not one, a server certificate that does not chain, lacks a name
// clients dial, uses another key type, or has the wrong lifetime.
TEST(Pki, ServerCertificateChainsNamesAndLifetime) {
  auto server = pki::IssueCertificate(
      TestCa(), {"coordinator", {"localhost", "127.0.0.1", "::1", "cars.example.org"}, 10});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_TRUE(Verifies(*server, TestCa()));
  auto other_ca = pki::MakeCertificateAuthority("other", 30);
  ASSERT_TRUE(other_ca.ok());
  EXPECT_FALSE(Verifies(*server, *other_ca));

  Cert ca = Parse(TestCa().cert_pem), leaf = Parse(server->cert_pem);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  EXPECT_EQ(X509_check_host(leaf.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "cars.example.org", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "other.example.org", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "::1", 0), 1);
  EVP_PKEY* key = X509_get0_pubkey(leaf.get());
  EXPECT_TRUE(EVP_PKEY_is_a(key, "EC"));
  EXPECT_EQ(EVP_PKEY_get_bits(key), 256);
  int days = 0, secs = 0;
  ASSERT_EQ(
      ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(leaf.get()), X509_get0_notAfter(leaf.get())),
      1);
  EXPECT_EQ(days, 10);  // and the hour of backdating
  EXPECT_EQ(secs, 3600);
  EXPECT_TRUE(CheckKeyMatchesCertificate(server->cert_pem, server->key_pem).ok());
}

// Catches: OpenSSL config syntax smuggled in through a name (",DNS:evil"), bad validity.
TEST(Pki, RefusesBadAltNamesAndValidity) {
  for (const char* bad : {"a.example,DNS:evil.example", "", "bad name", "-lead", "a/b"}) {
    EXPECT_FALSE(pki::CheckAltName(bad).ok()) << bad;
    EXPECT_EQ(pki::IssueCertificate(TestCa(), {"x", {bad}, 1}).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  for (const char* good : {"fleet.example.org", "*.example.org", "10.1.2.3", "fe80::1", "a-b"}) {
    EXPECT_TRUE(pki::CheckAltName(good).ok()) << good;
  }
  EXPECT_FALSE(pki::IssueCertificate(TestCa(), {"x", {}, 0}).ok());
  EXPECT_FALSE(pki::MakeCertificateAuthority("x", -1).ok());
}

// Catches: a token that is short, not hex, or not random.
TEST(Pki, RandomTokensAre256BitsOfHex) {
  const std::string a = pki::RandomToken("fga_", 32), b = pki::RandomToken("fga_", 32);
  EXPECT_TRUE(std::regex_match(a, std::regex("fga_[0-9a-f]{64}"))) << a;
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace fleetgrid
