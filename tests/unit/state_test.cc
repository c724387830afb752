// The state directory: ids, names, records, and how stale records are told from live ones.
// Live records name this test process (its start time is real); dead ones name a child that has
// been reaped.
#include "runtime/state.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>
#include <string>

#include "base/error.h"
#include "support/temp_dir.h"

namespace bulkhead::runtime {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

// A pid that belonged to a process which has exited and been reaped.
pid_t dead_pid() {
  pid_t pid = fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

ContainerRecord live_record(const std::string& name, std::string id = generate_container_id()) {
  ContainerRecord r;
  r.id = std::move(id);
  r.name = name;
  r.pid = getpid();
  r.pid_start_time = process_start_time(getpid());
  r.monitor_pid = getpid();
  r.namespaces = namespace_inodes(getpid());
  r.rootfs = "/srv/rootfs";
  r.created = current_time_rfc3339();
  r.owner_uid = geteuid();
  r.cgroup_paths = {"/sys/fs/cgroup/unified/bulkhead/" + r.id};
  r.spec = {{"process", {{"args", {"sleep", "1000"}}}}};
  r.status = "running";
  return r;
}

ContainerRecord dead_record(const std::string& name) {
  ContainerRecord r = live_record(name);
  r.pid = dead_pid();
  return r;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(StateIds, GeneratedIdsAreHexAndDistinct) {
  std::set<std::string> ids;
  for (int i = 0; i < 8; ++i) {
    std::string id = generate_container_id();
    EXPECT_TRUE(is_valid_container_id(id)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(default_name(std::string(64, 'a')), "bh-aaaaaaaaaaaa");
}

TEST(StateIds, NamesAndIds) {
  EXPECT_TRUE(is_valid_container_name("web_1.test-x"));
  EXPECT_TRUE(is_valid_container_name("A"));
  EXPECT_FALSE(is_valid_container_name(""));
  EXPECT_FALSE(is_valid_container_name("-x"));
  EXPECT_FALSE(is_valid_container_name("a/b"));
  EXPECT_FALSE(is_valid_container_name(".."));
  EXPECT_FALSE(is_valid_container_name(std::string(129, 'a')));
  EXPECT_FALSE(is_valid_container_id(std::string(63, 'a')));
  EXPECT_FALSE(is_valid_container_id(std::string(64, 'A')));
}

TEST(StateTime, Rfc3339) {
  EXPECT_EQ(rfc3339_to_unix("1970-01-01T00:00:10Z"), 10);
  EXPECT_EQ(rfc3339_to_unix("2026-11-30T07:56:01.123456789Z"), 1796025361);
  EXPECT_FALSE(rfc3339_to_unix("2026-11-30 07:56:01"));
  EXPECT_FALSE(rfc3339_to_unix("2026-11-30T07:56:01.Z"));
  EXPECT_FALSE(rfc3339_to_unix("2026-11-30T07:56:01+01:00"));
  std::string now = current_time_rfc3339();
  EXPECT_TRUE(rfc3339_to_unix(now)) << now;
}

TEST(StateProcess, StartTimeOfLiveZombieAndReapedProcesses) {
  EXPECT_GT(process_start_time(getpid()), 0u);
  EXPECT_EQ(process_start_time(dead_pid()), 0u);
  EXPECT_EQ(process_start_time(0), 0u);
  int to_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(to_child[1]);
    char c;
    (void)!read(to_child[0], &c, 1);
    _exit(0);
  }
  close(to_child[0]);
  EXPECT_GT(process_start_time(child), 0u);
  close(to_child[1]);  // the child exits and stays a zombie until waited for
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, child, &info, WEXITED | WNOWAIT), 0);
  EXPECT_EQ(process_start_time(child), 0u);
  waitpid(child, nullptr, 0);
}

TEST(StateProcess, NamespaceInodes) {
  auto inodes = namespace_inodes(getpid());
  struct stat pid_ns {};
  ASSERT_EQ(stat("/proc/self/ns/pid", &pid_ns), 0);
  ASSERT_TRUE(inodes.contains("pid"));
  EXPECT_EQ(inodes["pid"], pid_ns.st_ino);
  EXPECT_TRUE(inodes.contains("mnt"));
  EXPECT_TRUE(inodes.contains("net"));
  EXPECT_THROW(namespace_inodes(dead_pid()), SystemError);
}

TEST(StateRecord, JsonRoundTrip) {
  ContainerRecord r = live_record("web");
  ContainerRecord back = record_from_json(record_to_json(r), "test");
  EXPECT_EQ(record_to_json(back), record_to_json(r));
  nlohmann::json missing = record_to_json(r);
  missing.erase("pid");
  EXPECT_NE(error_of([&] { record_from_json(missing, "f.json"); }).find("f.json"),
            std::string::npos);
  nlohmann::json wrong = record_to_json(r);
  wrong["pid"] = "one";
  EXPECT_NE(error_of([&] { record_from_json(wrong, "f.json"); }).find("'pid'"), std::string::npos);
}

TEST(StateStore, CreateFindAndPrefix) {
  TempDir dir;
  StateStore store(dir.path());
  ContainerRecord web = live_record("web");
  store.create(web);
  EXPECT_TRUE(fs::is_regular_file(dir.sub(web.id + "/state.json")));
  EXPECT_TRUE(fs::is_symlink(dir.sub("names/web")));

  auto by_name = store.find("web");
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->id, web.id);
  EXPECT_NE(by_name->monitor_start_time, 0u);  // filled in from monitor_pid
  EXPECT_EQ(store.find(web.id)->name, "web");
  EXPECT_EQ(store.find(web.id.substr(0, 5))->name, "web");
  EXPECT_FALSE(store.find("nope"));
  EXPECT_FALSE(store.find(""));
  EXPECT_FALSE(store.find("../" + web.id));
  EXPECT_TRUE(store.is_alive(*by_name));

  auto all = store.list();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "web");
}

TEST(StateStore, AmbiguousPrefixIsAnError) {
  TempDir dir;
  StateStore store(dir.path());
  store.create(live_record("one", "abc1" + std::string(60, '0')));
  store.create(live_record("two", "abc2" + std::string(60, '0')));
  std::string error = error_of([&] { store.find("abc"); });
  EXPECT_NE(error.find("more than one"), std::string::npos) << error;
  EXPECT_EQ(store.find("abc2")->name, "two");
}

TEST(StateStore, DuplicateLiveNameIsAnError) {
  TempDir dir;
  StateStore store(dir.path());
  ContainerRecord first = live_record("web");
  store.create(first);
  ContainerRecord second = live_record("web");
  std::string error = error_of([&] { store.create(second); });
  EXPECT_NE(error.find("'web'"), std::string::npos) << error;
  EXPECT_NE(error.find(first.id.substr(0, 12)), std::string::npos) << error;
  // The loser leaves nothing behind; the winner keeps the name.
  EXPECT_FALSE(fs::exists(dir.sub(second.id)));
  EXPECT_EQ(store.find("web")->id, first.id);
  EXPECT_THROW(store.create(live_record("bad/name")), Error);
}

TEST(StateStore, StaleNameHolderIsReplaced) {
  TempDir dir;
  StateStore store(dir.path());
  ContainerRecord stale = dead_record("web");
  store.create(stale);
  EXPECT_FALSE(store.is_alive(stale));
  ContainerRecord fresh = live_record("web");
  store.create(fresh);
  EXPECT_EQ(store.find("web")->id, fresh.id);
  EXPECT_FALSE(fs::exists(dir.sub(stale.id)));
}

TEST(StateStore, ListRemovesStaleRecords) {
  TempDir dir;
  StateStore store(dir.path());
  ContainerRecord live = live_record("live");
  ContainerRecord dead = dead_record("dead");
  ContainerRecord reused = live_record("reused");
  reused.pid_start_time += 1;  // a live pid, but not the process that was recorded
  ContainerRecord creating = live_record("creating");
  creating.pid = 0;
  creating.pid_start_time = 0;
  creating.status = "creating";
  ContainerRecord monitor_gone = creating;
  monitor_gone.id = generate_container_id();
  monitor_gone.name = "orphan";
  monitor_gone.monitor_pid = dead_pid();
  for (const auto& r : {live, dead, reused, creating, monitor_gone}) store.create(r);
  EXPECT_FALSE(store.is_alive(reused));

  auto all = store.list();
  std::set<std::string> names;
  for (const auto& r : all) names.insert(r.name);
  EXPECT_EQ(names, (std::set<std::string>{"live", "creating"}));
  for (const auto* gone : {&dead, &reused, &monitor_gone}) {
    EXPECT_FALSE(fs::exists(dir.sub(gone->id))) << gone->name;
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir.sub("names/" + gone->name)))) << gone->name;
  }
}

TEST(StateStore, UpdateAndRemove) {
  TempDir dir;
  StateStore store(dir.path());
  ContainerRecord r = live_record("web");
  r.status = "creating";
  store.create(r);
  r.status = "running";
  r.namespaces["pid"] = 42;
  store.update(r);
  auto found = store.find("web");
  EXPECT_EQ(found->status, "running");
  EXPECT_EQ(found->namespaces["pid"], 42u);
  EXPECT_FALSE(fs::exists(dir.sub(r.id + "/state.json.tmp")));
  ContainerRecord renamed = r;
  renamed.name = "other";
  EXPECT_THROW(store.update(renamed), Error);
  ContainerRecord unknown = live_record("ghost");
  EXPECT_THROW(store.update(unknown), Error);

  store.remove(r.id);
  EXPECT_FALSE(store.find("web"));
  EXPECT_FALSE(fs::exists(dir.sub(r.id)));
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir.sub("names/web"))));
  EXPECT_NO_THROW(store.remove(r.id));  // already gone
}

TEST(StateStore, CorruptRecordNamesItsFile) {
  TempDir dir;
  StateStore store(dir.path());
  ContainerRecord r = live_record("web");
  store.create(r);
  {
    FILE* f = fopen(dir.sub(r.id + "/state.json").c_str(), "w");
    ASSERT_TRUE(f);
    fputs("{not json", f);
    fclose(f);
  }
  std::string error = error_of([&] { store.list(); });
  EXPECT_NE(error.find(r.id + "/state.json"), std::string::npos) << error;
}

TEST(StateDir, RefusesDirectoriesOthersCanWrite) {
  TempDir dir;
  std::string open_dir = dir.sub("open");
  ASSERT_EQ(mkdir(open_dir.c_str(), 0700), 0);
  ASSERT_EQ(chmod(open_dir.c_str(), 0777), 0);
  std::string error = error_of([&] { StateStore store(open_dir); });
  EXPECT_NE(error.find("writable by group or others"), std::string::npos) << error;

  std::string link = dir.sub("link");
  ASSERT_EQ(symlink(dir.path().c_str(), link.c_str()), 0);
  EXPECT_THROW(StateStore store(link), Error);

  std::string fresh = dir.sub("fresh");
  StateStore store(fresh);
  struct stat info {};
  ASSERT_EQ(stat(fresh.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST(StateDir, EnvironmentOverride) {
  TempDir dir;
  const char* previous = std::getenv("BULKHEAD_STATE_DIR");
  std::string saved = previous ? previous : "";
  setenv("BULKHEAD_STATE_DIR", dir.sub("state").c_str(), 1);
  EXPECT_EQ(default_state_dir(), dir.sub("state"));
  EXPECT_TRUE(fs::is_directory(dir.sub("state")));
  setenv("BULKHEAD_STATE_DIR", "relative/dir", 1);
  EXPECT_THROW(default_state_dir(), Error);
  if (previous) {
    setenv("BULKHEAD_STATE_DIR", saved.c_str(), 1);
  } else {
    unsetenv("BULKHEAD_STATE_DIR");
  }
}

}  // namespace
}  // namespace bulkhead::runtime
