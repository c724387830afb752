// The live container resolver: namespace pairs to bulkhead containers (by pid namespace, or by
// monitor ancestry while the container is created), to engine containers (by cgroup path), or to
// the host; cached, with unresolved pairs looked up again after a while.
#include "capture/container_resolver.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

namespace bulkhead::capture {
namespace {

constexpr uint64_t kHostPid = 4026531836, kHostMount = 4026531841;
constexpr uint64_t kSecond = 1'000'000'000;
const std::string kBulkheadId(64, 'a');
const std::string kDockerId = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899";

class ContainerResolverTest : public ::testing::Test {
 protected:
  void write_cgroup(int64_t pid, const std::string& text) {
    std::filesystem::create_directories(proc_.sub(std::to_string(pid)));
    std::ofstream(proc_.sub(std::to_string(pid) + "/cgroup")) << text;
  }
  ContainerResolver resolver() {
    return ContainerResolver(
        kHostPid, kHostMount,
        [this] {
          ++listings_;
          return bulkhead_;
        },
        proc_.path().string());
  }
  // The init (pid 1 inside) of a pid namespace, host pid `pid`, as the table knows it.
  static ThreadInfo namespace_init(int64_t pid, uint64_t pid_namespace, uint64_t mount_namespace) {
    ThreadInfo init;
    init.tid = init.pid = pid;
    init.vtid = init.vpid = 1;
    init.pid_namespace = pid_namespace;
    init.mount_namespace = mount_namespace;
    return init;
  }
  ThreadInfo& add_thread(int64_t tid, int64_t ppid) {
    ThreadInfo info;
    info.tid = info.pid = tid;
    info.ppid = ppid;
    return table_.insert(std::move(info));
  }

  testing::TempDir proc_{"resolver-proc"};
  std::vector<BulkheadContainer> bulkhead_;
  int listings_ = 0;
  ThreadTable table_;
};

TEST_F(ContainerResolverTest, HostNamespacesAreTheHostWithoutLookingAnythingUp) {
  auto r = resolver();
  EXPECT_EQ(r.resolve(table_, 10, kHostPid, kHostMount, 0), "");
  EXPECT_EQ(listings_, 0);
}

TEST_F(ContainerResolverTest, BulkheadContainerByPidNamespace) {
  bulkhead_.push_back({kBulkheadId, "web", "builtin:busybox", 100, 5000, 6000});
  auto r = resolver();
  EXPECT_EQ(r.resolve(table_, 200, 5000, 6000, 0), kBulkheadId);
  const ContainerInfo* info = table_.container(kBulkheadId);
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->name, "web");
  EXPECT_EQ(info->image, "builtin:busybox");
  EXPECT_EQ(info->runtime, "bulkhead");
  // Cached: no second listing.
  EXPECT_EQ(r.resolve(table_, 201, 5000, 6000, 10 * kSecond), kBulkheadId);
  EXPECT_EQ(listings_, 1);
}

TEST_F(ContainerResolverTest, ContainerBeingCreatedIsFoundThroughItsMonitor) {
  // The record has no namespaces yet; the process descends from the monitor.
  bulkhead_.push_back({kBulkheadId, "starting", "/srv/rootfs", 100, 0, 0});
  add_thread(100, 1);
  add_thread(150, 100);
  add_thread(151, 150);
  auto r = resolver();
  EXPECT_EQ(r.resolve(table_, 151, 7000, 7001, 0), kBulkheadId);
  // A process in another namespace with no such ancestor is not that container.
  add_thread(300, 1);
  EXPECT_EQ(r.resolve(table_, 300, 7100, 7101, 0), "");
}

TEST_F(ContainerResolverTest, EngineContainersByCgroupPath) {
  write_cgroup(400, "0::/system.slice/docker-" + kDockerId + ".scope\n");
  auto r = resolver();
  EXPECT_EQ(r.resolve(table_, 400, 8000, 8001, 0), kDockerId);
  const ContainerInfo* info = table_.container(kDockerId);
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->runtime, "docker");
}

TEST_F(ContainerResolverTest, HostPidNamespaceWithOwnMountNamespaceIsTheHostUnlessItsCgroupSays) {
  auto r = resolver();
  EXPECT_EQ(r.resolve(table_, 500, kHostPid, 9001, 0), "");
  write_cgroup(501, "0::/system.slice/docker-" + kDockerId + ".scope\n");
  EXPECT_EQ(r.resolve(table_, 501, kHostPid, 9002, 0), kDockerId);
  EXPECT_EQ(listings_, 0);  // bulkhead containers always have their own pid namespace
}

TEST_F(ContainerResolverTest, UnresolvedNamespacesAreLookedUpAgainLater) {
  auto r = resolver();
  EXPECT_EQ(r.resolve(table_, 600, 9100, 9101, 0), "");
  EXPECT_EQ(listings_, 1);
  bulkhead_.push_back({kBulkheadId, "late", "builtin:busybox", 1, 9100, 9101});
  EXPECT_EQ(r.resolve(table_, 600, 9100, 9101, 1000), "");  // within the retry delay: cached
  EXPECT_EQ(listings_, 1);
  EXPECT_EQ(r.resolve(table_, 600, 9100, 9101, kSecond), kBulkheadId);
  EXPECT_EQ(listings_, 2);
}

TEST_F(ContainerResolverTest, UpdateAnnotatesThreadsWhenTheirNamespacesChange) {
  bulkhead_.push_back({kBulkheadId, "web", "builtin:busybox", 100, 5000, 6000});
  auto r = resolver();
  ThreadInfo& host = add_thread(700, 1);
  host.pid_namespace = kHostPid;
  host.mount_namespace = kHostMount;
  r.update(table_, 700, 700, kHostPid, kHostMount, 0);
  EXPECT_EQ(table_.find(700)->container_id, "");
  // The same thread after setns into the container's namespaces.
  r.update(table_, 700, 700, 5000, 6000, 0);
  EXPECT_EQ(table_.find(700)->container_id, kBulkheadId);
  EXPECT_EQ(table_.find(700)->pid_namespace, 5000u);
  // An unknown thread is created with its container.
  r.update(table_, 800, 800, 5000, 6000, 0);
  ASSERT_NE(table_.find(800), nullptr);
  EXPECT_EQ(table_.find(800)->container_id, kBulkheadId);
}

}  // namespace
}  // namespace bulkhead::capture

namespace bulkhead::capture {
namespace {

TEST_F(ContainerResolverTest, ANewContainerReusingDeadNamespaceInodesIsNotTheOldOne) {
  bulkhead_.push_back({kBulkheadId, "first", "builtin:busybox", 100, 5000, 6000});
  auto r = resolver();
  EXPECT_EQ(r.resolve(table_, 200, 5000, 6000, 0), kBulkheadId);
  // The first container's init exits; the kernel reuses its namespace inodes for the next one.
  ThreadInfo init = namespace_init(200, 5000, 6000);
  r.on_exit(init);
  std::string second_id(64, 'b');
  bulkhead_ = {{second_id, "second", "builtin:busybox", 300, 5000, 6000}};
  EXPECT_EQ(r.resolve(table_, 301, 5000, 6000, 0), second_id);
  // Any other thread's exit keeps the cache.
  init.vtid = 2;
  r.on_exit(init);
  bulkhead_.clear();
  EXPECT_EQ(r.resolve(table_, 302, 5000, 6000, 0), second_id);
}

}  // namespace
}  // namespace bulkhead::capture

namespace bulkhead::capture {
namespace {

TEST_F(ContainerResolverTest, AThreadFirstSeenBeforeItsContainerIsKnownGetsItLater) {
  auto r = resolver();
  r.update(table_, 900, 900, 9300, 9301, 0);
  EXPECT_EQ(table_.find(900)->container_id, "");
  // The engine names the cgroup a moment later; the thread's next event, after the retry
  // delay, finds it (and so will the children it has from then on).
  write_cgroup(900, "0::/system.slice/docker-" + kDockerId + ".scope\n");
  r.update(table_, 900, 900, 9300, 9301, 1000);
  EXPECT_EQ(table_.find(900)->container_id, "");  // within the retry delay
  r.update(table_, 900, 900, 9300, 9301, kSecond);
  EXPECT_EQ(table_.find(900)->container_id, kDockerId);
}

}  // namespace
}  // namespace bulkhead::capture

namespace bulkhead::capture {
namespace {

TEST_F(ContainerResolverTest, AContainersFirstEventBeforeItsParentsCloneReturnsIsStillItsOwn) {
  // The child's first event is read before the monitor's clone returns: the table has never
  // heard of the child, and only /proc knows its parent (the monitor, 100). Its record has no
  // namespaces yet.
  bulkhead_.push_back({kBulkheadId, "starting", "builtin:busybox", 100, 0, 0});
  std::filesystem::create_directories(proc_.sub("1000"));
  std::ofstream(proc_.sub("1000/status")) << "Name:\tbulkhead\nTgid:\t1000\nPid:\t1000\n"
                                             "PPid:\t100\nUid:\t0\t0\t0\t0\n";
  auto r = resolver();
  r.update(table_, 1000, 1000, 9400, 9401, 0);
  ASSERT_NE(table_.find(1000), nullptr);
  EXPECT_EQ(table_.find(1000)->container_id, kBulkheadId);
  // Without that ancestry (no monitor among its /proc ancestors) it is nobody's.
  std::filesystem::create_directories(proc_.sub("1001"));
  std::ofstream(proc_.sub("1001/status")) << "Name:\tsandbox\nPPid:\t1\n";
  r.update(table_, 1001, 1001, 9500, 9501, 0);
  EXPECT_EQ(table_.find(1001)->container_id, "");
  // Nor is a process that is already gone from /proc.
  r.update(table_, 1002, 1002, 9600, 9601, 0);
  EXPECT_EQ(table_.find(1002)->container_id, "");
}

}  // namespace
}  // namespace bulkhead::capture

namespace bulkhead::capture {
namespace {

TEST_F(ContainerResolverTest, ARemovedContainerNamesOnlyEventsFromBeforeItWentAway) {
  // Its events were read late, after its record was removed; the observer still remembers it.
  BulkheadContainer gone{kBulkheadId, "short", "builtin:busybox", 100, 5000, 6000};
  gone.removed_ns = 10 * kSecond;
  bulkhead_.push_back(gone);
  EXPECT_EQ(resolver().resolve(table_, 200, 5000, 6000, 9 * kSecond), kBulkheadId);
  // Later events in a namespace with the same inode are someone else's.
  EXPECT_EQ(resolver().resolve(table_, 200, 5000, 6000, 11 * kSecond), "");
  // And an existing record with that inode is preferred to the removed one.
  std::string next(64, 'c');
  bulkhead_.push_back({next, "next", "builtin:busybox", 300, 5000, 6000});
  EXPECT_EQ(resolver().resolve(table_, 200, 5000, 6000, 9 * kSecond), next);
}

TEST_F(ContainerResolverTest, AParentLearnedFromALaterEventCountsBeforeTheRetryDelay) {
  // The first event came with no parent known anywhere (not in the table, not in /proc); the
  // table learns it from the next event, which must not wait out the retry delay.
  bulkhead_.push_back({kBulkheadId, "starting", "builtin:busybox", 100, 0, 0});
  auto r = resolver();
  r.update(table_, 1100, 1100, 9700, 9701, 0);
  EXPECT_EQ(table_.find(1100)->container_id, "");
  table_.get(1100)->ppid = 100;
  r.update(table_, 1100, 1100, 9700, 9701, 1000);
  EXPECT_EQ(table_.find(1100)->container_id, kBulkheadId);
  EXPECT_EQ(listings_, 1);  // from what the first look listed, without listing again
}

TEST_F(ContainerResolverTest, ANewGenerationOfRecordsIsLookedAtBeforeTheRetryDelay) {
  uint64_t generation = 1;
  ContainerResolver r(
      kHostPid, kHostMount,
      [this] {
        ++listings_;
        return bulkhead_;
      },
      proc_.path().string(), [&generation] { return generation; });
  EXPECT_EQ(r.resolve(table_, 1200, 9800, 9801, 0), "");
  bulkhead_.push_back({kBulkheadId, "web", "builtin:busybox", 100, 9800, 9801});
  EXPECT_EQ(r.resolve(table_, 1200, 9800, 9801, 1000), "");  // nothing says the records changed
  ++generation;
  EXPECT_EQ(r.resolve(table_, 1200, 9800, 9801, 2000), kBulkheadId);
  EXPECT_EQ(listings_, 2);
}

TEST_F(ContainerResolverTest, ARecordOutlivingItsInitsExitDoesNotClaimTheNextContainer) {
  // The first container's init exited (the stream showed it), but its monitor has not removed
  // the record yet when the next container gets the same namespace inodes.
  BulkheadContainer first{kBulkheadId, "first", "builtin:busybox", 100, 5000, 6000};
  first.init_pid = 150;
  first.init_start_ticks = 10;
  std::string second_id(64, 'b');
  BulkheadContainer second{second_id, "second", "builtin:busybox", 300, 5000, 6000};
  bulkhead_ = {first, second};  // in the order a directory listing may give
  auto r = resolver();
  // Before the exit, an event read late is the first container's: it held the inode first.
  EXPECT_EQ(r.resolve(table_, 151, 5000, 6000, 0), kBulkheadId);
  ThreadInfo init = namespace_init(150, 5000, 6000);
  r.on_exit(init);
  EXPECT_EQ(r.resolve(table_, 301, 5000, 6000, 1000), second_id);
  // Also when the second one's init runs by now and started later.
  second.init_pid = 310;
  second.init_start_ticks = 20;
  bulkhead_ = {second, first};
  r.forget_pid_namespace(5000);
  EXPECT_EQ(r.resolve(table_, 311, 5000, 6000, 2000), second_id);
}

// Processes 400 and 410 in one pid namespace, whose inode is returned: files stand in for
// /proc/<pid>/ns/pid, hard links for one namespace.
uint64_t two_processes_in_one_namespace(const testing::TempDir& proc) {
  std::filesystem::create_directories(proc.sub("400/ns"));
  std::ofstream(proc.sub("400/ns/pid")) << "";
  std::filesystem::create_directories(proc.sub("410/ns"));
  std::filesystem::create_hard_link(proc.sub("400/ns/pid"), proc.sub("410/ns/pid"));
  struct stat info {};
  if (::stat(proc.sub("400/ns/pid").c_str(), &info) != 0) return 0;
  return info.st_ino;
}

TEST_F(ContainerResolverTest, AProcessStillInTheNamespaceBelongsToTheRecordWhoseInitIsInItNow) {
  // The stream did not show the first init's exit (it ended before the capture started, or the
  // event was lost); the process itself still runs, in the same namespace as the second init.
  uint64_t inode = two_processes_in_one_namespace(proc_);
  ASSERT_NE(inode, 0u);
  BulkheadContainer first{kBulkheadId, "first", "builtin:busybox", 100, inode, 6000};
  first.init_pid = 150;  // gone: no /proc entry
  first.init_start_ticks = 10;
  std::string second_id(64, 'b');
  BulkheadContainer second{second_id, "second", "builtin:busybox", 300, inode, 6000};
  second.init_pid = 410;
  second.init_start_ticks = 20;
  bulkhead_ = {first, second};
  EXPECT_EQ(resolver().resolve(table_, 400, inode, 6000, 0), second_id);
  // A process that is gone cannot tell: the record that held the inode first keeps it.
  EXPECT_EQ(resolver().resolve(table_, 401, inode, 6000, 0), kBulkheadId);
}

TEST_F(ContainerResolverTest, TheOnlyRecordNamingTheInodeIsNotTakenWhenItsInitIsElsewhere) {
  // The old container's init ended before the capture started and its record is still there
  // (or just removed); the new container's record has no namespaces yet. The new container's
  // first process runs in the namespace, the old init does not: the old record is not its own,
  // and the new one is found through its monitor.
  uint64_t inode = two_processes_in_one_namespace(proc_);
  ASSERT_NE(inode, 0u);
  BulkheadContainer old{kBulkheadId, "old", "builtin:busybox", 100, inode, 6000};
  old.init_pid = 150;  // gone: no /proc entry
  old.init_start_ticks = 10;
  std::string new_id(64, 'b');
  BulkheadContainer creating{new_id, "new", "builtin:busybox", 300, 0, 0};
  bulkhead_ = {old, creating};
  add_thread(400, 300);
  EXPECT_EQ(resolver().resolve(table_, 400, inode, 6000, 0), new_id);
  // Without the new record nothing claims it.
  bulkhead_ = {old};
  EXPECT_EQ(resolver().resolve(table_, 400, inode, 6000, 0), "");
  // A process that is gone cannot tell, and the old record keeps the inode.
  EXPECT_EQ(resolver().resolve(table_, 401, inode, 6000, 0), kBulkheadId);
}

TEST_F(ContainerResolverTest, ACachedContainerIsCheckedAgainWhenTheRecordsChange) {
  // What was cached for a namespace inode must not stick when the inode may have gone to
  // another container without the stream showing the first init's exit.
  uint64_t generation = 1;
  ContainerResolver r(
      kHostPid, kHostMount, [this] { return bulkhead_; }, proc_.path().string(),
      [&generation] { return generation; });
  BulkheadContainer first{kBulkheadId, "first", "builtin:busybox", 100, 5000, 6000};
  bulkhead_ = {first};  // its init not known yet: nothing in /proc to check
  EXPECT_EQ(r.resolve(table_, 151, 5000, 6000, 0), kBulkheadId);
  std::string second_id(64, 'b');
  BulkheadContainer second{second_id, "second", "builtin:busybox", 300, 5000, 6000};
  second.init_pid = 310;
  second.init_start_ticks = 20;
  bulkhead_ = {first, second};
  EXPECT_EQ(r.resolve(table_, 401, 5000, 6000, 1000), kBulkheadId);  // nothing said so yet
  ++generation;
  EXPECT_EQ(r.resolve(table_, 401, 5000, 6000, 2000), second_id);
}

TEST_F(ContainerResolverTest, ACachedContainerIsCheckedAgainWhenItsInitLeftTheNamespace) {
  // The records changed, but the watcher has not noticed yet (no new generation); a new
  // process runs in the namespace while the cached record's init does not.
  uint64_t inode = two_processes_in_one_namespace(proc_);
  ASSERT_NE(inode, 0u);
  ContainerResolver r(
      kHostPid, kHostMount, [this] { return bulkhead_; }, proc_.path().string(),
      [] { return uint64_t{1}; });
  BulkheadContainer first{kBulkheadId, "first", "builtin:busybox", 100, inode, 6000};
  first.init_pid = 410;  // runs in the namespace
  first.init_start_ticks = 10;
  bulkhead_ = {first};
  EXPECT_EQ(r.resolve(table_, 400, inode, 6000, 0), kBulkheadId);
  EXPECT_EQ(r.resolve(table_, 400, inode, 6000, 1000), kBulkheadId);  // cached, still right
  // The first init is gone; the second container's record has no namespaces yet, and the
  // process descends from its monitor.
  std::filesystem::remove(proc_.sub("410/ns/pid"));
  std::string second_id(64, 'b');
  bulkhead_ = {first, {second_id, "second", "builtin:busybox", 300, 0, 0}};
  add_thread(400, 300);
  EXPECT_EQ(r.resolve(table_, 400, inode, 6000, 2000), second_id);
}

}  // namespace
}  // namespace bulkhead::capture
