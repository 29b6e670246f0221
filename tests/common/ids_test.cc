#include "common/ids.h"

#include <gtest/gtest.h>

#include <sstream>
#include <type_traits>
#include <unordered_set>

namespace fleetgrid {
namespace {

TEST(IdsTest, DistinctTypesDoNotConvert) {
  static_assert(!std::is_convertible_v<NodeId, TaskId>);
  static_assert(!std::is_convertible_v<uint32_t, NodeId>);
  static_assert(sizeof(NodeId) == 4 && sizeof(AttemptId) == 8);
}

TEST(IdsTest, DefaultIsInvalid) {
  EXPECT_FALSE(NodeId().valid());
  EXPECT_FALSE(TaskId::Invalid().valid());
  EXPECT_TRUE(TaskId(0).valid());
}

TEST(IdsTest, OrderHashAndPrint) {
  EXPECT_LT(JobId(1), JobId(2));
  EXPECT_EQ(JobId(7), JobId(7));
  std::unordered_set<NodeId> set{NodeId(1), NodeId(2), NodeId(1)};
  EXPECT_EQ(set.size(), 2u);
  std::ostringstream os;
  os << AttemptId(42);
  EXPECT_EQ(os.str(), "42");
}

}  // namespace
}  // namespace fleetgrid
