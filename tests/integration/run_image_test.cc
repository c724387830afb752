// builtin:busybox is one directory shared by every container: each container writes to a
// throwaway overlay layer, so nothing one container does to its root filesystem — a planted
// binary, a deleted file — reaches the image or the next container.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "integration/container_harness.h"

namespace bulkhead::testing {
namespace {

class RunImage : public ::testing::TestWithParam<Privilege> {
 protected:
  void SetUp() override {
    BULKHEAD_REQUIRE_CONTAINERS();
    context_ = std::make_unique<ContainerContext>(GetParam());
  }
  std::unique_ptr<ContainerContext> context_;
};

TEST_P(RunImage, WritesToTheBuiltinImageStayInTheContainer) {
  // A "compromised" container plants files. Rootless, the image's directories belong to an
  // unmapped uid (host root), so only the world-writable /tmp takes a write; as root, /bin too.
  std::string script = "echo planted > /tmp/planted && echo tmp-written; ";
  if (!context_->rootless()) {
    script +=
        "echo 'echo planted' > /bin/planted && chmod +x /bin/planted && rm /bin/ls && "
        "/bin/planted && test ! -e /bin/ls && echo bin-changed";
  }
  CommandResult attack = context_->run_sh({}, "builtin:busybox", script);
  ASSERT_EQ(attack.status, 0) << attack.err;
  EXPECT_NE(attack.out.find("tmp-written"), std::string::npos) << attack.out;
  if (!context_->rootless()) {
    EXPECT_NE(attack.out.find("bin-changed"), std::string::npos) << attack.out;
  }

  // The next container sees the image as it was.
  CommandResult next =
      context_->run_sh({}, "builtin:busybox",
                       "test -e /tmp/planted && echo leaked; test -e /bin/planted && echo leaked; "
                       "test -e /bin/ls && echo intact");
  ASSERT_EQ(next.status, 0) << next.err;
  EXPECT_EQ(next.out.find("leaked"), std::string::npos) << next.out;
  EXPECT_NE(next.out.find("intact"), std::string::npos) << next.out;

  // And so does the host.
  std::string image = builtin_rootfs_dir();
  struct stat info {};
  EXPECT_NE(stat((image + "/tmp/planted").c_str(), &info), 0);
  EXPECT_NE(stat((image + "/bin/planted").c_str(), &info), 0);
  EXPECT_EQ(lstat((image + "/bin/ls").c_str(), &info), 0);
}

INSTANTIATE_TEST_SUITE_P(Privileges, RunImage,
                         ::testing::Values(Privilege::Root, Privilege::Rootless),
                         [](const auto& info) { return privilege_name(info.param); });

}  // namespace
}  // namespace bulkhead::testing
