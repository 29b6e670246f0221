#include "common/pki.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>

namespace fleetgrid::pki {
namespace {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;
using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

// The first queued OpenSSL error as text, and the queue emptied.
absl::Status OpenSslError(const std::string& what) {
  const unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return absl::InternalError(what + ": " + buf);
}

Key NewKey() { return Key(EVP_EC_gen("P-256"), EVP_PKEY_free); }

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

absl::StatusOr<PemCertificate> ToPem(X509* cert, EVP_PKEY* key) {
  Bio c(BIO_new(BIO_s_mem()), BIO_free), k(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_X509(c.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(k.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("writing PEM");
  }
  return PemCertificate{BioText(c.get()), BioText(k.get())};
}

bool IsIpAddress(const std::string& name) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

// A new certificate for `key`: random 127-bit serial, valid from an hour ago (clock skew)
// for `days` days, subject CN=`cn`, O=Fleetgrid development.
absl::StatusOr<Cert> NewCertificate(EVP_PKEY* key, const std::string& cn, int days) {
  Cert cert(X509_new(), X509_free);
  unsigned char serial[16];
  if (cert == nullptr || RAND_bytes(serial, sizeof serial) != 1) {
    return OpenSslError("new certificate");
  }
  serial[0] &= 0x7f;  // positive
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(serial, sizeof serial, nullptr),
                                                 BN_free);
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto text = [](const char* s) { return reinterpret_cast<const unsigned char*>(s); };
  if (bn == nullptr || X509_set_version(cert.get(), 2) != 1 ||
      BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr) == nullptr ||
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, text("Fleetgrid development"), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, text(cn.c_str()), -1, -1, 0) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return OpenSslError("new certificate");
  }
  return cert;
}

// Adds extensions written in OpenSSL's config syntax, `issuer` signing `cert`.
absl::Status AddExtensions(X509* cert, X509* issuer,
                           const std::vector<std::pair<int, std::string>>& extensions) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    const bool added = ext != nullptr && X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    if (!added) return OpenSslError(std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
  }
  return absl::OkStatus();
}

absl::Status CheckDays(int days) {
  if (days < 1 || days > 36500) {
    return absl::InvalidArgumentError("validity must be 1 to 36500 days, not " +
                                      std::to_string(days));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckAltName(std::string_view name) {
  const std::string n(name);
  if (IsIpAddress(n)) return absl::OkStatus();
  std::string_view rest = name;
  if (rest.starts_with("*.")) rest.remove_prefix(2);
  bool ok = !rest.empty() && rest.size() <= 253 && rest.front() != '.' && rest.front() != '-';
  for (char c : rest) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.');
  }
  if (!ok) {
    return absl::InvalidArgumentError("'" + n +
                                      "' is neither an IP address nor a DNS name (letters, "
                                      "digits, '-' and '.')");
  }
  return absl::OkStatus();
}

absl::StatusOr<PemCertificate> MakeCertificateAuthority(const std::string& common_name, int days) {
  if (absl::Status s = CheckDays(days); !s.ok()) return s;
  Key key = NewKey();
  if (key == nullptr) return OpenSslError("EC P-256 key");
  absl::StatusOr<Cert> cert = NewCertificate(key.get(), common_name, days);
  if (!cert.ok()) return cert.status();
  X509* c = cert->get();
  if (X509_set_issuer_name(c, X509_get_subject_name(c)) != 1) return OpenSslError("issuer");
  if (absl::Status s = AddExtensions(c, c,
                                     {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                      {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                      {NID_subject_key_identifier, "hash"}});
      !s.ok()) {
    return s;
  }
  if (X509_sign(c, key.get(), EVP_sha256()) == 0) return OpenSslError("signing the CA");
  return ToPem(c, key.get());
}

absl::StatusOr<PemCertificate> IssueCertificate(const PemCertificate& ca,
                                                const CertificateSpec& spec) {
  if (absl::Status s = CheckDays(spec.days); !s.ok()) return s;
  std::string alt_names;
  for (const std::string& name : spec.alt_names) {
    if (absl::Status s = CheckAltName(name); !s.ok()) return s;
    alt_names +=
        (alt_names.empty() ? "" : ",") + std::string(IsIpAddress(name) ? "IP:" : "DNS:") + name;
  }
  Bio cert_bio(BIO_new_mem_buf(ca.cert_pem.data(), static_cast<int>(ca.cert_pem.size())), BIO_free);
  Bio key_bio(BIO_new_mem_buf(ca.key_pem.data(), static_cast<int>(ca.key_pem.size())), BIO_free);
  // A null callback would make OpenSSL prompt on the terminal for an encrypted key.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return -1; };
  Cert ca_cert(PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr), X509_free);
  Key ca_key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr),
             EVP_PKEY_free);
  if (ca_cert == nullptr || ca_key == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("the CA certificate or key is not PEM (or is encrypted)");
  }
  Key key = NewKey();
  if (key == nullptr) return OpenSslError("EC P-256 key");
  absl::StatusOr<Cert> cert = NewCertificate(key.get(), spec.common_name, spec.days);
  if (!cert.ok()) return cert.status();
  X509* c = cert->get();
  if (X509_set_issuer_name(c, X509_get_subject_name(ca_cert.get())) != 1) {
    return OpenSslError("issuer");
  }
  std::vector<std::pair<int, std::string>> extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, spec.usage == Usage::kServer ? "serverAuth" : "clientAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"}};
  if (!alt_names.empty()) extensions.push_back({NID_subject_alt_name, alt_names});
  if (absl::Status s = AddExtensions(c, ca_cert.get(), extensions); !s.ok()) return s;
  if (X509_sign(c, ca_key.get(), EVP_sha256()) == 0) return OpenSslError("signing");
  return ToPem(c, key.get());
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::cerr << "fleetgrid: the OS random number generator failed\n";
    std::abort();
  }
  return out;
}

std::string RandomToken(std::string_view prefix, size_t bytes) {
  std::string raw = RandomBytes(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(prefix);
  out.reserve(prefix.size() + 2 * bytes);
  for (unsigned char b : raw) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  OPENSSL_cleanse(raw.data(), raw.size());
  return out;
}

}  // namespace fleetgrid::pki
