#include "caps/capabilities.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace bulkhead::caps {
namespace {

TEST(Capabilities, NamesWithOrWithoutPrefixAnyCase) {
  EXPECT_EQ(cap_from_name("CAP_SYS_ADMIN"), 21);
  EXPECT_EQ(cap_from_name("sys_admin"), 21);
  EXPECT_EQ(cap_from_name("NET_BIND_SERVICE"), 10);
  EXPECT_EQ(cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
  EXPECT_FALSE(cap_from_name("CAP_FLY"));
  EXPECT_EQ(cap_name(0), "CAP_CHOWN");
}

TEST(Capabilities, ParseListWithAllAndUnknown) {
  EXPECT_EQ(parse_cap_list("ALL"), CapSet::all());
  auto set = parse_cap_list("chown, CAP_KILL");
  EXPECT_TRUE(set.has(0));
  EXPECT_TRUE(set.has(5));
  EXPECT_FALSE(set.has(21));
  EXPECT_THROW(parse_cap_list("CHOWN,NOPE"), Error);
}

TEST(Capabilities, DefaultSetDropsDockersRiskyDefaults) {
  auto set = default_container_caps();
  for (auto name : {"NET_RAW", "MKNOD", "AUDIT_WRITE", "SETFCAP", "SYS_ADMIN"})
    EXPECT_FALSE(set.has(*cap_from_name(name))) << name;
  for (auto name : {"CHOWN", "SETUID", "NET_BIND_SERVICE", "KILL"})
    EXPECT_TRUE(set.has(*cap_from_name(name))) << name;
}

}  // namespace
}  // namespace bulkhead::caps
