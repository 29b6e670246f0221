// ParseDuration: every syntax that the scenario files, the job files and the CLI flags
// accepted before they shared this parser, and the reasons it gives for what it refuses.
#include "common/duration_text.h"

#include <gtest/gtest.h>

#include <string>

namespace fleetgrid {
namespace {

// The reason for refusing `text` ("" if it was accepted).
std::string Why(std::string_view text) {
  const absl::StatusOr<Duration> d = ParseDuration(text);
  if (d.ok()) return "";
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << text;
  return std::string(d.status().message());
}

TEST(ParseDurationTest, NumbersAndUnits) {
  EXPECT_EQ(*ParseDuration("300"), Duration::Seconds(300));
  EXPECT_EQ(*ParseDuration("300s"), Duration::Seconds(300));
  EXPECT_EQ(*ParseDuration("0.05"), Duration::Millis(50));
  EXPECT_EQ(*ParseDuration("50ms"), Duration::Millis(50));
  EXPECT_EQ(*ParseDuration("1.5m"), Duration::Seconds(90));
  EXPECT_EQ(*ParseDuration("6h"), Duration::Hours(6));
  EXPECT_EQ(*ParseDuration("7d"), Duration::Seconds(604800));
  EXPECT_EQ(*ParseDuration("10us"), Duration::Micros(10));
  EXPECT_EQ(*ParseDuration("12ns"), Duration::Nanos(12));
  EXPECT_FALSE(ParseDuration("5x").ok());
  EXPECT_FALSE(ParseDuration("-1s").ok());
  EXPECT_FALSE(ParseDuration("six hours").ok());
  EXPECT_FALSE(ParseDuration("").ok());
}

// What `fleetgrid coordinator` and `fleetgrid admin --ttl` took (cli::ParseDuration) and
// the examples their help and errors give.
TEST(ParseDurationTest, CommandLineFlags) {
  EXPECT_EQ(*ParseDuration("30s"), Duration::Seconds(30));
  EXPECT_EQ(*ParseDuration("500ms"), Duration::Millis(500));
  EXPECT_EQ(*ParseDuration("5m"), Duration::Minutes(5));
  EXPECT_EQ(*ParseDuration("2min"), Duration::Minutes(2));
  EXPECT_EQ(*ParseDuration("2h"), Duration::Hours(2));
  EXPECT_EQ(*ParseDuration("1d"), Duration::Hours(24));
  EXPECT_EQ(*ParseDuration("30d"), Duration::Hours(30 * 24));
  EXPECT_EQ(*ParseDuration("24h"), Duration::Hours(24));
  EXPECT_EQ(*ParseDuration("0.5h"), Duration::Minutes(30));
  EXPECT_EQ(*ParseDuration("2.5"), Duration::Millis(2500));
}

// What job files took for `deadline` (cli/job_file.cc): YAML scalars.
TEST(ParseDurationTest, JobFileDeadlines) {
  EXPECT_EQ(*ParseDuration("90s"), Duration::Seconds(90));
  EXPECT_EQ(*ParseDuration("30m"), Duration::Minutes(30));
  EXPECT_EQ(*ParseDuration("36500d"), Duration::Hours(36500 * 24));
  EXPECT_EQ(*ParseDuration("3600"), Duration::Hours(1));
}

TEST(ParseDurationTest, NumberForms) {
  EXPECT_EQ(*ParseDuration("1e3ms"), Duration::Seconds(1));
  EXPECT_EQ(*ParseDuration("1.5E2s"), Duration::Seconds(150));
  EXPECT_EQ(*ParseDuration(".5s"), Duration::Millis(500));
  EXPECT_EQ(*ParseDuration("5.s"), Duration::Seconds(5));
  EXPECT_EQ(*ParseDuration("+5s"), Duration::Seconds(5));
  EXPECT_EQ(*ParseDuration("007s"), Duration::Seconds(7));
}

TEST(ParseDurationTest, RoundsToTheNearestNanosecond) {
  EXPECT_EQ(*ParseDuration("0.3s"), Duration::Millis(300));
  EXPECT_EQ(*ParseDuration("1.000000001s"), Duration::Nanos(1'000'000'001));
  EXPECT_EQ(*ParseDuration("0.6ns"), Duration::Nanos(1));
  EXPECT_EQ(*ParseDuration("0.4ns"), Duration::Zero());
}

// Zero is a duration; callers that need > 0 say so themselves.
TEST(ParseDurationTest, ZeroIsAccepted) {
  EXPECT_EQ(*ParseDuration("0"), Duration::Zero());
  EXPECT_EQ(*ParseDuration("0s"), Duration::Zero());
  EXPECT_EQ(*ParseDuration("-0"), Duration::Zero());
}

// The special words belong to the callers ("inf" for --lease, "off" for --defer-accept,
// "never" in scenarios): the parser refuses them.
TEST(ParseDurationTest, WordsAreTheCallersBusiness) {
  for (const char* word :
       {"inf", "infinite", "infinity", "none", "never", "off", ".inf", "nan", "infs", "-inf"}) {
    EXPECT_NE(Why(word).find("expected a duration"), std::string::npos) << word;
  }
}

TEST(ParseDurationTest, ReasonsQuoteTheText) {
  EXPECT_EQ(Why(""), "expected a duration, got an empty string");
  EXPECT_EQ(Why("soon"), "expected a duration like 300, \"300s\" or \"6h\", got \"soon\"");
  EXPECT_EQ(Why("5x"), "unknown duration unit \"x\" in \"5x\" (use ns, us, ms, s, m, min, h or d)");
  EXPECT_EQ(Why("-1s"), "must not be negative, got \"-1s\"");
  EXPECT_EQ(Why("1e300d"), "too long: \"1e300d\"");
  EXPECT_EQ(Why("1e400"), "out of range: \"1e400\"");
}

TEST(ParseDurationTest, RefusesWhatIsNotExactlyADuration) {
  for (const char* text : {" 5s", "5s ", "5 s", "5S", "5sec", "5hours", "0x10", "0x10s", "1,5s",
                           "5s5", "s", "ms", "++5s", "+-5s", "+", "-", "1h30m"}) {
    EXPECT_NE(Why(text), "") << text;
  }
}

TEST(ParseDurationTest, LimitIsAbout146Years) {
  EXPECT_EQ(*ParseDuration("53000d"), Duration::Hours(53000 * 24));
  EXPECT_NE(Why("54000d").find("too long"), std::string::npos);
  EXPECT_NE(Why("4.6e18ns").find("too long"), std::string::npos);
  EXPECT_EQ(*ParseDuration("4.5e18ns"), Duration::Nanos(4'500'000'000'000'000'000));
}

}  // namespace
}  // namespace fleetgrid
