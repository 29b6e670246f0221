// common/sha256.h: FIPS 180-4 known answers, and OpenSSL's EVP interface as an independent
// reference for every length around the block boundaries and every way to split the input.
#include "common/sha256.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

namespace fleetgrid {
namespace {

std::string EvpSha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr), 1);
  return std::string(reinterpret_cast<char*>(out), len);
}

// Bytes 0, 1, 2, ... (mod 251: not a multiple of the block size).
std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i % 251);
  return s;
}

TEST(Sha256Test, KnownAnswers) {
  EXPECT_EQ(ToHex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(ToHex(Sha256(std::string(1'000'000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, MatchesEvpAtEveryLengthAroundTheBlocks) {
  for (size_t n = 0; n <= 200; ++n) {
    const std::string data = Pattern(n);
    EXPECT_EQ(Sha256Bytes(data), EvpSha256(data)) << n;
  }
}

TEST(Sha256Test, PartsHashAsTheirConcatenation) {
  const std::string data = Pattern(150);
  const std::string_view v = data;
  for (size_t cut = 0; cut <= v.size(); cut += 7) {
    EXPECT_EQ(AsString(Sha256({v.substr(0, cut), v.substr(cut)})), EvpSha256(data)) << cut;
  }
  EXPECT_EQ(Sha256({"fleetgrid", ".", "", "hash"}), Sha256("fleetgrid.hash"));
  EXPECT_EQ(Sha256(std::initializer_list<std::string_view>{}), Sha256(""));
}

TEST(Sha256Test, ViewsAndCopiesOfADigest) {
  const Sha256Digest d = Sha256("abc");
  EXPECT_EQ(AsBytes(d).size(), 32u);
  EXPECT_EQ(static_cast<const void*>(AsBytes(d).data()), static_cast<const void*>(d.data()));
  EXPECT_EQ(AsString(d), AsBytes(d));
  EXPECT_EQ(Sha256Bytes("abc"), AsString(d));
  EXPECT_EQ(AsString(d).substr(0, 3), "\xba\x78\x16");
  // Bytes, not text: embedded zeros count.
  EXPECT_NE(Sha256(std::string_view("a\0b", 3)), Sha256("a"));
}

}  // namespace
}  // namespace fleetgrid
