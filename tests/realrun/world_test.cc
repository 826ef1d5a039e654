#include "tests/realrun/world.h"

#include <gtest/gtest.h>

namespace smeg::realrun {
namespace {

// Names are checked before anything is made, so these need no root.
TEST(HostWorld, ABadTagOrHostCountIsRefusedByName) {
  auto long_tag = HostWorld::create("toolongtag", 3, "fd00:5f:1::", "/tmp");
  ASSERT_FALSE(long_tag.is_ok());
  EXPECT_EQ(long_tag.status().message(), "world tag \"toolongtag\": must be 1..8 characters");
  auto upper = HostWorld::create("rrAB", 3, "fd00:5f:1::", "/tmp");
  ASSERT_FALSE(upper.is_ok());
  EXPECT_EQ(upper.status().message(), "world tag \"rrAB\": lowercase letters and digits only");
  auto many = HostWorld::create("rr1", 10, "fd00:5f:1::", "/tmp");
  ASSERT_FALSE(many.is_ok());
  EXPECT_EQ(many.status().message(), "world of 10 hosts: 1..9 only");
}

}  // namespace
}  // namespace smeg::realrun
