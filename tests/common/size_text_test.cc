// ParseByteSize: the sizes scenario files (fleet.classes[].memory, workload.memory), job
// files and `fleetgrid submit --memory` accept, and the reasons it gives for the rest.
#include "common/size_text.h"

#include <gtest/gtest.h>

#include <string>

namespace fleetgrid {
namespace {

std::string Why(std::string_view text) {
  const absl::StatusOr<uint64_t> b = ParseByteSize(text);
  if (b.ok()) return "";
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument) << text;
  return std::string(b.status().message());
}

TEST(ParseByteSizeTest, NumbersAndUnits) {
  EXPECT_EQ(*ParseByteSize("0"), 0u);
  EXPECT_EQ(*ParseByteSize("512"), 512u);
  EXPECT_EQ(*ParseByteSize("512B"), 512u);
  EXPECT_EQ(*ParseByteSize("1.5kB"), 1500u);
  EXPECT_EQ(*ParseByteSize("2KB"), 2000u);
  EXPECT_EQ(*ParseByteSize("80GB"), 80'000'000'000u);
  EXPECT_EQ(*ParseByteSize("1KiB"), 1024u);
  EXPECT_EQ(*ParseByteSize("1.5MiB"), 1572864u);
  EXPECT_EQ(*ParseByteSize("8GiB"), uint64_t{8} << 30);
  EXPECT_EQ(*ParseByteSize("2TiB"), uint64_t{2} << 40);
  EXPECT_EQ(*ParseByteSize("1e3"), 1000u);
}

TEST(ParseByteSizeTest, RefusalsSayWhy) {
  EXPECT_EQ(Why(""), "expected a size, got an empty string");
  EXPECT_NE(Why("eight").find("expected a size"), std::string::npos);
  EXPECT_NE(Why("8 GiB").find("unknown size unit \" GiB\""), std::string::npos);
  EXPECT_NE(Why("8gib").find("unknown size unit"), std::string::npos);
  EXPECT_NE(Why("8Gb").find("unknown size unit"), std::string::npos);
  EXPECT_EQ(Why("-1GiB"), "must not be negative, got \"-1GiB\"");
  EXPECT_NE(Why("5EiB").find("unknown size unit"), std::string::npos);
  EXPECT_EQ(Why("9e18"), "too large: \"9e18\"");
  EXPECT_NE(Why("inf").find("expected a size"), std::string::npos);
  EXPECT_NE(Why("nan").find("expected a size"), std::string::npos);
}

TEST(ByteSizeTextTest, BinaryUnits) {
  EXPECT_EQ(ByteSizeText(0), "0 B");
  EXPECT_EQ(ByteSizeText(512), "512 B");
  EXPECT_EQ(ByteSizeText(1536), "1.5 KiB");
  EXPECT_EQ(ByteSizeText(uint64_t{16} << 30), "16 GiB");
  EXPECT_EQ(ByteSizeText(uint64_t{128} << 30), "128 GiB");
}

}  // namespace
}  // namespace fleetgrid
