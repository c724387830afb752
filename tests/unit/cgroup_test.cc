// The pure parts of the cgroup module: reading mountinfo and /proc/<pid>/cgroup, where a
// container's cgroup goes, which files its limits are written to, and how a read-back value is
// judged. The kernel side is in tests/integration/cgroup_test.cc.
#include "runtime/cgroup.h"

#include <gtest/gtest.h>

#include <string>

#include "base/error.h"

namespace bulkhead::runtime {
namespace {

// This kind of host: v1 controllers, v2 with nothing but hugetlb at /sys/fs/cgroup/unified.
constexpr const char* kHybridMountinfo =
    "23 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

// A systemd host with only cgroup v2; optional fields ("shared:4") before the separator.
constexpr const char* kUnifiedMountinfo =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

// An older legacy host: cpu and cpuacct mounted together, a bind mount of the same hierarchy.
constexpr const char* kLegacyMountinfo =
    "25 18 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup "
    "rw,cpu,cpuacct\n"
    "26 18 0:23 / /sys/fs/cgroup/memory rw,nosuid shared:10 - cgroup cgroup rw,memory\n"
    "27 18 0:23 /docker /mnt/mem\\040copy rw - cgroup cgroup rw,memory\n"
    "28 18 0:24 / /sys/fs/cgroup/pids rw,nosuid shared:11 - cgroup cgroup "
    "rw,pids,clone_children\n";

TEST(CgroupMounts, HybridHost) {
  CgroupMounts mounts = parse_cgroup_mounts(kHybridMountinfo);
  ASSERT_TRUE(mounts.unified);
  EXPECT_EQ(mounts.unified->mount_point, "/sys/fs/cgroup/unified");
  EXPECT_EQ(mounts.unified->root, "/");
  ASSERT_EQ(mounts.v1.size(), 4u);  // name=systemd has no controller
  ASSERT_TRUE(mounts.v1_for("memory"));
  EXPECT_EQ(mounts.v1_for("memory")->mount_point, "/sys/fs/cgroup/memory");
  EXPECT_EQ(mounts.v1_for("cpu")->mount_point, "/sys/fs/cgroup/cpu");
  EXPECT_EQ(mounts.v1_for("cpuacct")->mount_point, "/sys/fs/cgroup/cpuacct");
  EXPECT_EQ(mounts.v1_for("pids")->mount_point, "/sys/fs/cgroup/pids");
  EXPECT_FALSE(mounts.v1_for("hugetlb"));
  EXPECT_FALSE(mounts.v1_for("systemd"));
}

TEST(CgroupMounts, UnifiedHost) {
  CgroupMounts mounts = parse_cgroup_mounts(kUnifiedMountinfo);
  ASSERT_TRUE(mounts.unified);
  EXPECT_EQ(mounts.unified->mount_point, "/sys/fs/cgroup");
  EXPECT_TRUE(mounts.v1.empty());
  EXPECT_FALSE(mounts.v1_for("memory"));
}

TEST(CgroupMounts, CoMountedControllersAndBindMounts) {
  CgroupMounts mounts = parse_cgroup_mounts(kLegacyMountinfo);
  EXPECT_FALSE(mounts.unified);
  ASSERT_EQ(mounts.v1.size(), 3u);  // the bind mount of memory is the same hierarchy
  const CgroupMount* cpu = mounts.v1_for("cpu");
  ASSERT_TRUE(cpu);
  EXPECT_EQ(cpu, mounts.v1_for("cpuacct"));
  EXPECT_EQ(cpu->mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(cpu->controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(mounts.v1_for("memory")->mount_point, "/sys/fs/cgroup/memory");
  EXPECT_EQ(mounts.v1_for("pids")->controllers, std::vector<std::string>{"pids"});
}

TEST(CgroupMounts, EscapedMountPoint) {
  CgroupMounts mounts =
      parse_cgroup_mounts("27 18 0:23 /a\\040b /mnt/with\\040space rw - cgroup cgroup rw,pids\n");
  ASSERT_TRUE(mounts.v1_for("pids"));
  EXPECT_EQ(mounts.v1_for("pids")->mount_point, "/mnt/with space");
  EXPECT_EQ(mounts.v1_for("pids")->root, "/a b");
}

TEST(CgroupMounts, CanonicalV2MountWins) {
  CgroupMounts mounts = parse_cgroup_mounts(
      "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
      "50 23 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
      "51 23 0:38 / /elsewhere rw - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(mounts.unified);
  EXPECT_EQ(mounts.unified->mount_point, "/sys/fs/cgroup");
}

TEST(CgroupMounts, IgnoresMalformedLines) {
  CgroupMounts mounts = parse_cgroup_mounts("garbage\n1 2 3\n\n41 31 0:38 / /x rw - cgroup2\n");
  EXPECT_FALSE(mounts.unified);
  EXPECT_TRUE(mounts.v1.empty());
}

TEST(ProcCgroup, HybridLines) {
  auto entries = parse_proc_cgroup(
      "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/c433\n2:cpu,cpuacct:/a:b\n0::/\n");
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_FALSE(entries[0].unified);
  EXPECT_TRUE(entries[0].controllers.empty());
  EXPECT_EQ(entries[1].controllers, std::vector<std::string>{"pids"});
  EXPECT_EQ(entries[2].path, "/process_api/c433");
  EXPECT_EQ(entries[3].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(entries[3].path, "/a:b");  // a colon in the path is part of the path
  EXPECT_TRUE(entries[4].unified);
  EXPECT_EQ(entries[4].path, "/");
}

TEST(CgroupDirectory, BelowTheMountRoot) {
  CgroupMount root_mount{"/sys/fs/cgroup/memory", "/", {"memory"}};
  EXPECT_EQ(cgroup_directory(root_mount, "/"), "/sys/fs/cgroup/memory");
  EXPECT_EQ(cgroup_directory(root_mount, "/process_api/c433"),
            "/sys/fs/cgroup/memory/process_api/c433");
  CgroupMount bind_mount{"/mnt/mem", "/docker", {"memory"}};
  EXPECT_EQ(cgroup_directory(bind_mount, "/docker"), "/mnt/mem");
  EXPECT_EQ(cgroup_directory(bind_mount, "/docker/x"), "/mnt/mem/x");
  // Outside what is mounted (or a sibling that merely shares the prefix): the mount point.
  EXPECT_EQ(cgroup_directory(bind_mount, "/other"), "/mnt/mem");
  EXPECT_EQ(cgroup_directory(bind_mount, "/dockerx"), "/mnt/mem");
}

spec::Resources memory_and_pids() {
  spec::Resources r;
  r.memory_limit = 64 << 20;
  r.pids_limit = 16;
  return r;
}

TEST(CgroupLimits, ControllersForLimits) {
  EXPECT_TRUE(controllers_for({}).empty());
  EXPECT_EQ(controllers_for(memory_and_pids()), (std::vector<std::string>{"memory", "pids"}));
  spec::Resources cpu;
  cpu.cpu_shares = 512;
  EXPECT_EQ(controllers_for(cpu), std::vector<std::string>{"cpu"});
  spec::Resources swap_only;
  swap_only.memory_swap = -1;
  EXPECT_EQ(controllers_for(swap_only), std::vector<std::string>{"memory"});
}

TEST(CgroupLimits, MemoryFiles) {
  spec::Resources r = memory_and_pids();
  r.memory_swap = 96 << 20;
  auto v1 = limit_writes(CgroupVersion::V1, "memory", r);
  ASSERT_EQ(v1.size(), 2u);
  EXPECT_EQ(v1[0].file, "memory.limit_in_bytes");  // before memsw, which may not be below it
  EXPECT_EQ(v1[0].value, "67108864");
  EXPECT_EQ(v1[1].file, "memory.memsw.limit_in_bytes");
  EXPECT_EQ(v1[1].value, "100663296");
  auto v2 = limit_writes(CgroupVersion::V2, "memory", r);
  ASSERT_EQ(v2.size(), 2u);
  EXPECT_EQ(v2[0].file, "memory.max");
  EXPECT_EQ(v2[0].value, "67108864");
  EXPECT_EQ(v2[1].file, "memory.swap.max");  // v2 limits swap alone: 96 MiB - 64 MiB
  EXPECT_EQ(v2[1].value, "33554432");

  spec::Resources unlimited;
  unlimited.memory_limit = -1;
  unlimited.memory_swap = -1;
  auto u1 = limit_writes(CgroupVersion::V1, "memory", unlimited);
  EXPECT_EQ(u1[0].value, "-1");
  EXPECT_EQ(u1[1].value, "-1");
  auto u2 = limit_writes(CgroupVersion::V2, "memory", unlimited);
  EXPECT_EQ(u2[0].value, "max");
  EXPECT_EQ(u2[1].value, "max");
}

TEST(CgroupLimits, PidsAndCpuFiles) {
  spec::Resources r = memory_and_pids();
  r.cpu_quota = 50000;
  r.cpu_period = 200000;
  r.cpu_shares = 1024;
  auto pids = limit_writes(CgroupVersion::V1, "pids", r);
  ASSERT_EQ(pids.size(), 1u);
  EXPECT_EQ(pids[0].file, "pids.max");
  EXPECT_EQ(pids[0].value, "16");
  auto v1 = limit_writes(CgroupVersion::V1, "cpu", r);
  ASSERT_EQ(v1.size(), 3u);
  EXPECT_EQ(v1[0].file, "cpu.cfs_period_us");  // the period before the quota it bounds
  EXPECT_EQ(v1[0].value, "200000");
  EXPECT_EQ(v1[1].file, "cpu.cfs_quota_us");
  EXPECT_EQ(v1[1].value, "50000");
  EXPECT_EQ(v1[2].file, "cpu.shares");
  EXPECT_EQ(v1[2].value, "1024");
  auto v2 = limit_writes(CgroupVersion::V2, "cpu", r);
  ASSERT_EQ(v2.size(), 2u);
  EXPECT_EQ(v2[0].file, "cpu.max");
  EXPECT_EQ(v2[0].value, "50000 200000");
  EXPECT_EQ(v2[1].file, "cpu.weight");
  EXPECT_EQ(v2[1].value, "39");

  spec::Resources quota_only;
  quota_only.cpu_quota = 25000;
  EXPECT_EQ(limit_writes(CgroupVersion::V2, "cpu", quota_only)[0].value, "25000 100000");
  spec::Resources period_only;
  period_only.cpu_period = 50000;
  EXPECT_EQ(limit_writes(CgroupVersion::V2, "cpu", period_only)[0].value, "max 50000");
  spec::Resources no_pids;
  no_pids.pids_limit = -1;
  EXPECT_EQ(limit_writes(CgroupVersion::V2, "pids", no_pids)[0].value, "max");
}

TEST(CgroupLimits, SharesToWeight) {
  EXPECT_EQ(cpu_shares_to_weight(2), 1u);
  EXPECT_EQ(cpu_shares_to_weight(1024), 39u);
  EXPECT_EQ(cpu_shares_to_weight(262144), 10000u);
}

void expect_invalid(const spec::Resources& r, const std::string& controller,
                    const std::string& field) {
  for (auto version : {CgroupVersion::V1, CgroupVersion::V2}) {
    try {
      limit_writes(version, controller, r);
      ADD_FAILURE() << field << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  }
}

TEST(CgroupLimits, InvalidValuesAreErrors) {
  spec::Resources zero_memory;
  zero_memory.memory_limit = 0;
  expect_invalid(zero_memory, "memory", "linux.resources.memory.limit");
  spec::Resources swap_below;
  swap_below.memory_limit = 64 << 20;
  swap_below.memory_swap = 32 << 20;
  expect_invalid(swap_below, "memory", "linux.resources.memory.swap");
  spec::Resources swap_alone;
  swap_alone.memory_swap = 32 << 20;
  expect_invalid(swap_alone, "memory", "linux.resources.memory.swap");
  spec::Resources pids;
  pids.pids_limit = -2;
  expect_invalid(pids, "pids", "linux.resources.pids.limit");
  spec::Resources shares;
  shares.cpu_shares = 1;
  expect_invalid(shares, "cpu", "linux.resources.cpu.shares");
  spec::Resources quota;
  quota.cpu_quota = 0;
  expect_invalid(quota, "cpu", "linux.resources.cpu.quota");
}

TEST(CgroupLimits, InvalidValuesFailBeforeAnythingIsMade) {
  spec::Resources r;
  r.cpu_shares = 300000;
  try {
    Cgroup::create("never-made", r);
    FAIL() << "created";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cpu.shares"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Cgroup::create("../escape", {}), Error);
  EXPECT_THROW(Cgroup::create("", {}), Error);
}

TEST(CgroupReadBack, MemoryIsRoundedToPages) {
  EXPECT_TRUE(cgroup_value_matches("memory.max", "67108864", "67108864\n", 4096));
  EXPECT_TRUE(cgroup_value_matches("memory.limit_in_bytes", "10000", "8192", 4096));
  EXPECT_FALSE(cgroup_value_matches("memory.limit_in_bytes", "10000", "12288", 4096));
  EXPECT_FALSE(cgroup_value_matches("memory.max", "67108864", "max", 4096));
  EXPECT_TRUE(cgroup_value_matches("memory.max", "max", "max\n", 4096));
  EXPECT_TRUE(cgroup_value_matches("memory.limit_in_bytes", "-1", "9223372036854771712", 4096));
  EXPECT_FALSE(cgroup_value_matches("memory.limit_in_bytes", "-1", "67108864", 4096));
}

TEST(CgroupReadBack, OtherFilesMatchExactly) {
  EXPECT_TRUE(cgroup_value_matches("pids.max", "16", "16\n", 4096));
  EXPECT_FALSE(cgroup_value_matches("pids.max", "16", "max", 4096));
  EXPECT_TRUE(cgroup_value_matches("cpu.max", "50000 200000", "50000 200000\n", 4096));
  EXPECT_FALSE(cgroup_value_matches("cpu.shares", "1024", "1000", 4096));
}

TEST(Cgroup, EmptyHasNoPathsAndRemovesNothing) {
  Cgroup empty;
  EXPECT_TRUE(empty.paths().empty());
  EXPECT_NO_THROW(empty.remove());
  Cgroup moved = std::move(empty);
  EXPECT_TRUE(moved.paths().empty());
}

}  // namespace
}  // namespace bulkhead::runtime
