#include "common/status.h"

#include <gtest/gtest.h>

namespace fleetgrid {
namespace {

absl::StatusOr<int> Parse(int v) {
  if (v < 0) return absl::InvalidArgumentError("negative");
  return v * 2;
}

absl::Status Check(int v) {
  if (v == 13) return absl::FailedPreconditionError("unlucky");
  return absl::OkStatus();
}

absl::StatusOr<int> Pipeline(int v) {
  FG_RETURN_IF_ERROR(Check(v));
  FG_ASSIGN_OR_RETURN(int doubled, Parse(v));
  FG_ASSIGN_OR_RETURN(const int again, Parse(doubled));
  return again + 1;
}

TEST(StatusTest, MacrosPropagateErrorsAndValues) {
  EXPECT_EQ(Pipeline(3).value(), 13);
  EXPECT_EQ(Pipeline(13).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Pipeline(-1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Pipeline(-1).status().message(), "negative");
}

}  // namespace
}  // namespace fleetgrid
