// Units of the runtime that need no privileges: subordinate id ranges, the seccomp program
// cache, PATH search in the container's environment.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "base/strings.h"
#include "runtime/host_facts.h"
#include "runtime/process_security.h"
#include "runtime/seccomp_cache.h"
#include "seccomp/compiler.h"
#include "seccomp/default_profile.h"
#include "support/temp_dir.h"

namespace bulkhead::runtime {
namespace {

TEST(SubordinateRange, FindsTheUsersFirstLargeEnoughRange) {
  const char* text =
      "alice:100000:65536\n"
      "bob:165536:1000\n"  // too small for an image's users
      "bob:200000:65536\n"
      "1005:300000:70000\n";  // by uid
  auto alice = find_subordinate_range(text, "alice", 1000);
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->start, 100000u);
  EXPECT_EQ(alice->size, 65536u);
  auto bob = find_subordinate_range(text, "bob", 1001);
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->start, 200000u);
  auto by_uid = find_subordinate_range(text, "carol", 1005);
  ASSERT_TRUE(by_uid);
  EXPECT_EQ(by_uid->start, 300000u);
  EXPECT_FALSE(find_subordinate_range(text, "dave", 1006));
  EXPECT_FALSE(find_subordinate_range("garbage line\n:::\n", "alice", 1000));
}

class SeccompCacheTest : public ::testing::Test {
 protected:
  bulkhead::testing::TempDir temp_{"bulkhead-cache-test"};
  std::string dir_ = temp_.path().string();
};

TEST_F(SeccompCacheTest, HitReturnsTheSameProgramAndMissCompiles) {
  seccomp::Profile profile = seccomp::default_profile();
  seccomp::ResolveOptions options = seccomp::ResolveOptions::for_arches({seccomp::Arch::X86_64});
  seccomp::Program direct = seccomp::compile(seccomp::resolve(profile, options));
  seccomp::Program first = compile_seccomp_cached(profile, options, dir_ + "/cache");
  seccomp::Program second = compile_seccomp_cached(profile, options, dir_ + "/cache");
  EXPECT_EQ(first.bytes(), direct.bytes());
  EXPECT_EQ(second.bytes(), direct.bytes());

  // A different capability set is a different key: never the other entry's program.
  seccomp::ResolveOptions with_admin = options;
  with_admin.caps.add(*caps::cap_from_name("SYS_ADMIN"));
  seccomp::Program admin = compile_seccomp_cached(profile, with_admin, dir_ + "/cache");
  EXPECT_EQ(admin.bytes(), seccomp::compile(seccomp::resolve(profile, with_admin)).bytes());
  EXPECT_NE(admin.bytes(), direct.bytes());
}

TEST_F(SeccompCacheTest, CorruptOrForeignEntriesAreIgnored) {
  seccomp::Profile profile = seccomp::default_profile();
  seccomp::ResolveOptions options = seccomp::ResolveOptions::for_arches({seccomp::Arch::X86_64});
  std::string cache = dir_ + "/cache";
  seccomp::Program good = compile_seccomp_cached(profile, options, cache);
  // Overwrite every entry with an allow-all program under a wrong key, then with garbage: both
  // must be ignored, never loaded.
  std::string entries = cache;
  for (const char* content : {"bulkhead-seccomp-cache 1\n3\n{}x\x06\0\0\0\0\0\xff\x7f", "junk"}) {
    std::system(("for f in " + entries + "/*.bpf; do printf '%s' '" + std::string(content) +
                 "' > \"$f\"; done")
                    .c_str());
    EXPECT_EQ(compile_seccomp_cached(profile, options, cache).bytes(), good.bytes());
  }
  // An unusable directory is no error either.
  EXPECT_EQ(compile_seccomp_cached(profile, options, "/proc/nonexistent/cache").bytes(),
            good.bytes());
}

TEST(ExecutableCandidates, SearchesThePathOfTheContainersEnvironment) {
  spec::Process process;
  process.args = {"sh"};
  process.env = {"PATH=/opt/bin:/bin", "HOME=/root"};
  EXPECT_EQ(executable_candidates(process), (std::vector<std::string>{"/opt/bin/sh", "/bin/sh"}));
  process.args = {"./run"};
  EXPECT_EQ(executable_candidates(process), (std::vector<std::string>{"./run"}));
  process.env.clear();
  process.args = {"true"};
  EXPECT_EQ(executable_candidates(process).back(), "/bin/true");
}

}  // namespace
}  // namespace bulkhead::runtime
