// `bulkhead audit --host` on fake /proc trees: every check that applies to live hosts has a
// tree that must trigger it and its minimal fix that must not; grouping, naming and the races
// of a real /proc (processes that vanish) are covered too.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "audit/catalogue.h"
#include "audit/checks.h"
#include "audit/host_scan.h"
#include "runtime/state.h"

namespace bulkhead::audit {
namespace {

namespace fs = std::filesystem;

// The host's namespaces in the fake trees (the inode numbers of a real initial namespace set).
constexpr uint64_t kHostPid = 4026531836, kHostMnt = 4026531840, kHostNet = 4026531992,
                   kHostIpc = 4026531839, kHostUts = 4026531838, kHostUser = 4026531837;
constexpr const char* kHostCapBnd = "000001fffeffffff";  // this machine's root: no SYS_RESOURCE
constexpr const char* kAllCaps = "000001ffffffffff";

// The host's mount table: the root file system (254:0), /run on its own tmpfs (0:25), /proc,
// /sys, /dev.
constexpr const char* kHostMountinfo =
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    "23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
    "24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,mode=755\n"
    "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "30 27 0:25 / /run rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,mode=755\n";

struct Mount {
  std::string device;  // "254:0"
  std::string root;
  std::string mount_point;
  std::string options;        // "rw", "ro,relatime"
  std::string fs_type;        // "ext4"
  std::string source;         // "/dev/vda"
  std::string optional = "";  // "shared:7", or ""
};

// A bind of the host's root file system (254:0): its directory ROOT at AT.
Mount host_bind(const std::string& root, const std::string& at, bool read_only,
                const std::string& optional = "") {
  return {"254:0", root, at, read_only ? "ro" : "rw", "ext4", "/dev/vda", optional};
}

// One process as /proc shows it; the defaults are a hardened container: no capabilities,
// seccomp filter, no_new_privs, uid 1000 in a user namespace that maps root to 100000, private
// namespaces, read-only root, masked /proc.
struct FakeProcess {
  std::string comm = "app";
  uint64_t host_uid = 101000;  // uid 1000 inside
  std::string cap_eff = "0000000000000000";
  std::string cap_bnd = "0000000000000000";
  int seccomp = 2;
  int no_new_privs = 1;
  std::string nspid;  // "" = "<pid> 1"
  std::map<std::string, uint64_t> ns = {{"pid", 4026532001}, {"mnt", 4026532002},
                                        {"net", 4026532003}, {"ipc", 4026532004},
                                        {"uts", 4026532005}, {"user", 4026532006}};
  std::string uid_map = "         0     100000      65536\n";
  std::vector<Mount> mounts = {
      Mount{"254:0", "/var/lib/bh/rootfs", "/", "ro,relatime", "ext4", "/dev/vda"},
      Mount{"0:50", "/", "/proc", "rw", "proc", "proc"},
      Mount{"0:51", "/", "/dev", "rw", "tmpfs", "tmpfs"},
      Mount{"0:6", "/null", "/proc/kcore", "ro", "devtmpfs", "devtmpfs"},
      Mount{"0:6", "/null", "/proc/keys", "ro", "devtmpfs", "devtmpfs"},
      Mount{"0:6", "/null", "/dev/null", "rw", "devtmpfs", "devtmpfs"},
      Mount{"0:52", "/", "/sys", "ro", "sysfs", "sysfs"},
  };
  std::string cgroup = "0::/\n";
  bool zombie = false;
  bool kernel_thread = false;

  void remove_mount(const std::string& mount_point) {
    std::erase_if(mounts, [&](const Mount& m) { return m.mount_point == mount_point; });
  }
  Mount& mount(const std::string& mount_point) {
    for (Mount& m : mounts)
      if (m.mount_point == mount_point) return m;
    throw std::runtime_error("no mount " + mount_point);
  }
  void share_host(const std::string& kind) {
    static const std::map<std::string, uint64_t> host = {{"pid", kHostPid}, {"mnt", kHostMnt},
                                                         {"net", kHostNet}, {"ipc", kHostIpc},
                                                         {"uts", kHostUts}, {"user", kHostUser}};
    ns[kind] = host.at(kind);
  }
};

FakeProcess host_process() {
  FakeProcess p;
  p.comm = "init";
  p.host_uid = 0;
  p.cap_eff = kHostCapBnd;
  p.cap_bnd = kHostCapBnd;
  p.seccomp = 0;
  p.no_new_privs = 0;
  for (const char* kind : {"pid", "mnt", "net", "ipc", "uts", "user"}) p.share_host(kind);
  p.uid_map = "         0          0 4294967295\n";
  p.mounts.clear();
  return p;
}

class FakeProc {
 public:
  FakeProc() {
    char pattern[] = "/tmp/bh-fakeproc-XXXXXX";
    root_ = ::mkdtemp(pattern);
    fs::create_directories(state_dir());
  }
  ~FakeProc() { fs::remove_all(root_); }

  std::string proc() const { return root_ + "/proc"; }
  std::string state_dir() const { return root_ + "/state"; }

  // `with_ns` false: the process has no ns directory (it vanished after its status was read).
  void add(int pid, const FakeProcess& p, bool with_ns = true, const std::string& dir_name = "") {
    std::string dir = proc() + "/" + (dir_name.empty() ? std::to_string(pid) : dir_name);
    fs::create_directories(dir);
    std::string nspid = p.nspid.empty() ? std::to_string(pid) + "\t1" : p.nspid;
    write(dir + "/status",
          "Name:\t" + p.comm + "\nState:\t" + (p.zombie ? "Z (zombie)" : "S (sleeping)") +
              "\nPid:\t" + std::to_string(pid) + "\nNSpid:\t" + nspid + "\nUid:\t" +
              std::to_string(p.host_uid) + "\t" + std::to_string(p.host_uid) + "\t" +
              std::to_string(p.host_uid) + "\t" + std::to_string(p.host_uid) +
              "\nCapInh:\t0000000000000000\nCapPrm:\t" + p.cap_eff + "\nCapEff:\t" + p.cap_eff +
              "\nCapBnd:\t" + p.cap_bnd + "\nCapAmb:\t0000000000000000\nNoNewPrivs:\t" +
              std::to_string(p.no_new_privs) + "\nSeccomp:\t" + std::to_string(p.seccomp) + "\n");
    write(dir + "/stat", std::to_string(pid) + " (" + p.comm + ") S 1 1 1 0 -1 " +
                             (p.kernel_thread ? "2129984" : "4194560") +
                             " 0 0 0 0 0 0 0 0 20 0 1 0 " + std::to_string(1000 + pid) +
                             " 1000 100\n");
    if (with_ns) {
      fs::create_directories(dir + "/ns");
      for (const auto& [kind, inode] : p.ns)
        fs::create_symlink(kind + ":[" + std::to_string(inode) + "]", dir + "/ns/" + kind);
    }
    std::string mountinfo;
    int id = 100;
    for (const Mount& m : p.mounts)
      mountinfo += std::to_string(id++) + " 99 " + m.device + " " + m.root + " " + m.mount_point +
                   " " + m.options + (m.optional.empty() ? "" : " " + m.optional) + " - " +
                   m.fs_type + " " + m.source + " rw\n";
    write(dir + "/mountinfo", pid == 1 ? kHostMountinfo : mountinfo);
    write(dir + "/uid_map", p.uid_map);
    write(dir + "/cgroup", p.cgroup);
  }
  void add_host_init() { add(1, host_process()); }

  void add_record(const std::string& id, const std::string& name, int pid, uint64_t pid_ns,
                  uint64_t mnt_ns) {
    runtime::ContainerRecord record;
    record.id = id;
    record.name = name;
    record.pid = pid;
    record.pid_start_time = static_cast<uint64_t>(1000 + pid);
    record.monitor_pid = pid - 1;
    record.namespaces = {{"pid", pid_ns}, {"mnt", mnt_ns}};
    record.rootfs = "builtin:busybox";
    record.created = "2026-11-30T07:56:01Z";
    record.spec = nlohmann::json::object();
    record.status = "running";
    fs::create_directories(state_dir() + "/" + id);
    write(state_dir() + "/" + id + "/state.json", runtime::record_to_json(record).dump());
  }

  HostScan scan() const { return scan_host({.proc_root = proc(), .state_root = state_dir()}); }

  static void write(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
  }

 private:
  std::string root_;
};

const std::string kContainerId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::vector<Finding> findings_of(const HostScan& scan) {
  std::vector<Finding> all;
  for (const Workload& workload : scan.workloads) {
    std::vector<Finding> found = evaluate_checks(workload);
    all.insert(all.end(), found.begin(), found.end());
  }
  return all;
}

std::string describe(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings)
    out += "  " + f.check_id + " " + f.object + ": " + f.message + "\n";
  return out;
}

bool has_check(const std::vector<Finding>& findings, const std::string& id) {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return f.check_id == id; });
}

// ---- Every Host check: positive and minimal negative ----

struct CheckCase {
  std::string check_id;
  std::function<void(FakeProcess&)> positive;
  std::function<void(FakeProcess&)> negative;  // the minimal fix of the positive
};

void with_caps(FakeProcess& p, const std::string& mask) {
  p.cap_eff = mask;
  p.cap_bnd = mask;
}

std::string mask_of(std::initializer_list<int> caps) {
  uint64_t mask = 0;
  for (int cap : caps) mask |= uint64_t{1} << cap;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(mask));
  return text;
}

CheckCase cap_case(const std::string& id, int cap) {
  return {id, [cap](FakeProcess& p) { with_caps(p, mask_of({cap})); },
          [](FakeProcess& p) { with_caps(p, mask_of({})); }};
}

std::vector<CheckCase> check_cases() {
  return {
      {"BH-PRIVILEGED",
       [](FakeProcess& p) {
         with_caps(p, kHostCapBnd);
         p.seccomp = 0;
         p.remove_mount("/proc/kcore");
         p.remove_mount("/proc/keys");
       },
       [](FakeProcess& p) {  // the same, but /proc stays masked
         with_caps(p, kHostCapBnd);
         p.seccomp = 0;
       }},
      {"BH-RUNTIME-SOCKET",
       [](FakeProcess& p) {
         p.mounts.push_back(
             Mount{"0:25", "/docker.sock", "/var/run/docker.sock", "rw", "tmpfs", "tmpfs"});
       },
       [](FakeProcess& p) {
         p.mounts.push_back(
             Mount{"0:25", "/app/app.sock", "/var/run/app.sock", "rw", "tmpfs", "tmpfs"});
       }},
      {"BH-MOUNT-HOST-ROOT-RW",
       [](FakeProcess& p) { p.mounts.push_back(host_bind("/", "/host", false)); },
       [](FakeProcess& p) { p.mounts.push_back(host_bind("/", "/host", true)); }},
      {"BH-MOUNT-HOST-ROOT",
       [](FakeProcess& p) { p.mounts.push_back(host_bind("/", "/host", true)); },
       [](FakeProcess& p) { p.mounts.push_back(host_bind("/srv/data", "/host", true)); }},
      {"BH-MOUNT-SENSITIVE-RW",
       [](FakeProcess& p) { p.mounts.push_back(host_bind("/etc", "/host-etc", false)); },
       [](FakeProcess& p) { p.mounts.push_back(host_bind("/etc", "/host-etc", true)); }},
      {"BH-MOUNT-SENSITIVE",
       [](FakeProcess& p) { p.mounts.push_back(host_bind("/root/.ssh", "/keys", true)); },
       [](FakeProcess& p) { p.mounts.push_back(host_bind("/srv/keys", "/keys", true)); }},
      {"BH-MOUNT-PROPAGATION-SHARED",
       [](FakeProcess& p) {
         p.mounts.push_back(host_bind("/srv/data", "/data", true, "shared:7"));
       },
       [](FakeProcess& p) {
         p.mounts.push_back(host_bind("/srv/data", "/data", true, "master:7"));
       }},
      {"BH-CAP-ALL", [](FakeProcess& p) { with_caps(p, kAllCaps); },
       [](FakeProcess& p) {
         with_caps(p, mask_of({0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31}));
       }},
      cap_case("BH-CAP-SYSADMIN", 21),
      cap_case("BH-CAP-SYSPTRACE", 19),
      cap_case("BH-CAP-SYSMODULE", 16),
      cap_case("BH-CAP-SYSRAWIO", 17),
      cap_case("BH-CAP-DACREADSEARCH", 2),
      cap_case("BH-CAP-BPF", 39),
      cap_case("BH-CAP-NETADMIN", 12),
      cap_case("BH-CAP-PERFMON", 38),
      {"BH-CAP-ADDED-OTHER", [](FakeProcess& p) { with_caps(p, mask_of({25 /*SYS_TIME*/})); },
       [](FakeProcess& p) { with_caps(p, mask_of({0 /*CHOWN*/})); }},
      {"BH-CAP-NOT-DROPPED", [](FakeProcess& p) { with_caps(p, mask_of({0 /*CHOWN*/})); },
       [](FakeProcess& p) { with_caps(p, mask_of({10 /*NET_BIND_SERVICE*/})); }},
      {"BH-NO-NEW-PRIVS", [](FakeProcess& p) { p.no_new_privs = 0; },
       [](FakeProcess& p) { p.no_new_privs = 1; }},
      {"BH-SECCOMP-UNCONFINED", [](FakeProcess& p) { p.seccomp = 0; },
       [](FakeProcess& p) { p.seccomp = 2; }},
      {"BH-HOST-PID",
       [](FakeProcess& p) {
         p.share_host("pid");
         p.nspid = "4242";  // in the host's pid namespace: one level only
         // `docker run --pid=host`: the runtime's cgroup claims it (an unclaimed process in
         // the host's pid namespace is a host service, not a container).
         p.cgroup = "0::/system.slice/docker-" + kContainerId + ".scope\n";
       },
       [](FakeProcess&) {}},
      {"BH-HOST-IPC", [](FakeProcess& p) { p.share_host("ipc"); }, [](FakeProcess&) {}},
      {"BH-HOST-NETWORK", [](FakeProcess& p) { p.share_host("net"); }, [](FakeProcess&) {}},
      {"BH-HOST-UTS", [](FakeProcess& p) { p.share_host("uts"); }, [](FakeProcess&) {}},
      {"BH-HOST-USERNS",
       [](FakeProcess& p) {
         p.share_host("user");
         p.uid_map = "0 0 4294967295\n";
         p.host_uid = 1000;
       },
       [](FakeProcess&) {}},
      {"BH-RUN-AS-ROOT",
       [](FakeProcess& p) {  // uid 0 with no user namespace
         p.share_host("user");
         p.uid_map = "0 0 4294967295\n";
         p.host_uid = 0;
       },
       [](FakeProcess& p) {  // uid 0, but root is uid 100000 on the host
         p.host_uid = 100000;
       }},
      {"BH-ROOTFS-WRITABLE", [](FakeProcess& p) { p.mount("/").options = "rw,relatime"; },
       [](FakeProcess& p) { p.mount("/").options = "ro,relatime"; }},
      {"BH-PROC-UNMASKED",
       [](FakeProcess& p) {
         p.remove_mount("/proc/kcore");
         p.remove_mount("/proc/keys");
       },
       [](FakeProcess& p) { p.remove_mount("/proc/kcore"); }},
  };
}

std::vector<Finding> scan_one(const std::function<void(FakeProcess&)>& change,
                              std::string* object = nullptr) {
  FakeProc proc;
  proc.add_host_init();
  FakeProcess container;
  change(container);
  proc.add(4242, container);
  HostScan scan = proc.scan();
  EXPECT_EQ(scan.workloads.size(), 1u);
  if (object != nullptr && !scan.workloads.empty()) *object = scan.workloads[0].object;
  return findings_of(scan);
}

TEST(AuditHostScan, BaselineHardenedContainerHasNoFindings) {
  std::string object;
  std::vector<Finding> findings = scan_one([](FakeProcess&) {}, &object);
  EXPECT_EQ(object, "process 4242 (app)");
  EXPECT_TRUE(findings.empty()) << describe(findings);
}

TEST(AuditHostScan, EveryHostCheckHasAPositiveAndANegativeTree) {
  std::vector<CheckCase> cases = check_cases();
  std::set<std::string> covered;
  for (const CheckCase& c : cases) {
    SCOPED_TRACE(c.check_id);
    covered.insert(c.check_id);
    std::vector<Finding> positive = scan_one(c.positive);
    EXPECT_TRUE(has_check(positive, c.check_id)) << "positive tree:\n" << describe(positive);
    for (const Finding& f : positive) {
      EXPECT_EQ(f.format, InputFormat::Host);
      EXPECT_EQ(f.where.line, 0);
      // Claimed by a runtime's cgroup (BH-HOST-PID's tree) or not.
      EXPECT_TRUE(f.object == "process 4242 (app)" || f.object == "container 0123456789ab")
          << f.object;
    }
    std::vector<Finding> negative = scan_one(c.negative);
    EXPECT_FALSE(has_check(negative, c.check_id)) << "negative tree:\n" << describe(negative);
  }
  for (const Check& check : catalogue()) {
    if (check_applies_to(check, InputFormat::Host)) {
      EXPECT_TRUE(covered.count(check.id)) << check.id << " applies to Host but has no tree";
    }
  }
}

TEST(AuditHostScan, PrivilegedReportsOnlyPrivileged) {
  std::vector<Finding> findings = scan_one(check_cases()[0].positive);
  EXPECT_TRUE(has_check(findings, "BH-PRIVILEGED")) << describe(findings);
  EXPECT_FALSE(has_check(findings, "BH-CAP-SYSADMIN")) << describe(findings);
  EXPECT_FALSE(has_check(findings, "BH-CAP-ALL")) << describe(findings);
}

TEST(AuditHostScan, UserNamespaceMappingRootToRootCountsAsHostUserNamespace) {
  std::vector<Finding> findings = scan_one([](FakeProcess& p) {
    p.uid_map = "0 0 65536\n";  // a private user namespace, but root is root
    p.host_uid = 0;
  });
  EXPECT_TRUE(has_check(findings, "BH-HOST-USERNS")) << describe(findings);
  EXPECT_TRUE(has_check(findings, "BH-RUN-AS-ROOT")) << describe(findings);
}

TEST(AuditHostScan, HostMountDetails) {
  FakeProc proc;
  proc.add_host_init();
  FakeProcess container;
  // Hidden by the next mount on the same point: not reported.
  container.mounts.push_back(host_bind("/etc", "/data", false));
  container.mounts.push_back(host_bind("/srv/my\\040data/../data/", "/data", false, "shared:3"));
  container.mounts.push_back(
      Mount{"0:25", "/docker.sock", "/var/run/docker.sock", "ro", "tmpfs", "tmpfs"});
  // The runtime's own files and pseudo file systems are not host mounts.
  container.mounts.push_back(
      host_bind("/var/lib/docker/containers/abc/resolv.conf", "/etc/resolv.conf", false));
  container.mounts.push_back(Mount{"0:22", "/", "/sys", "ro", "sysfs", "sysfs"});
  proc.add(4242, container);
  HostScan scan = proc.scan();
  ASSERT_EQ(scan.workloads.size(), 1u);
  const Workload& w = scan.workloads[0];
  ASSERT_EQ(w.host_mounts.size(), 2u);
  EXPECT_EQ(w.host_mounts[0].source, "/srv/data");
  EXPECT_EQ(w.host_mounts[0].destination, "/data");
  EXPECT_FALSE(w.host_mounts[0].read_only);
  EXPECT_EQ(w.host_mounts[0].propagation, "shared");
  EXPECT_EQ(w.host_mounts[1].source, "/run/docker.sock");
  EXPECT_TRUE(w.host_mounts[1].read_only);
  ASSERT_EQ(w.volumes.size(), 1u);
  EXPECT_EQ(w.volumes[0].destination, "/etc/resolv.conf");
}

TEST(AuditHostScan, RootlessRuntimeSocketIsAHostMountButItsStorageIsAVolume) {
  FakeProc proc;
  proc.add_host_init();
  FakeProcess container;
  container.mounts.push_back(
      Mount{"0:25", "/user/1000/docker.sock", "/var/run/docker.sock", "rw", "tmpfs", "tmpfs"});
  container.mounts.push_back(Mount{"0:25", "/user/1000/containers/overlay-containers/x/hosts",
                                   "/etc/hosts", "rw", "tmpfs", "tmpfs"});
  container.mounts.push_back(host_bind("/home/ann/.local/share/containers/storage/volumes/db/_data",
                                       "/var/lib/db", false));
  proc.add(4242, container);
  HostScan scan = proc.scan();
  ASSERT_EQ(scan.workloads.size(), 1u);
  const Workload& w = scan.workloads[0];
  ASSERT_EQ(w.host_mounts.size(), 1u);
  EXPECT_EQ(w.host_mounts[0].source, "/run/user/1000/docker.sock");
  EXPECT_EQ(w.volumes.size(), 2u);
  std::vector<Finding> findings = findings_of(scan);
  EXPECT_TRUE(has_check(findings, "BH-RUNTIME-SOCKET")) << describe(findings);
  EXPECT_FALSE(has_check(findings, "BH-MOUNT-SENSITIVE-RW")) << describe(findings);
}

// ---- Grouping and naming ----

TEST(AuditHostScan, ProcessesOfOneContainerAreOneWorkloadNamedByItsRecord) {
  FakeProc proc;
  proc.add_host_init();
  proc.add(50, host_process());  // another host process: not a container
  FakeProcess init;
  init.comm = "sh";
  FakeProcess child = init;
  child.comm = "worker";
  child.nspid = "201\t7";
  child.cap_eff = mask_of({21});  // a child with SYS_ADMIN: the container holds it
  child.seccomp = 0;
  child.no_new_privs = 0;
  proc.add(200, init);
  proc.add(201, child);
  proc.add_record(kContainerId, "web", 200, init.ns.at("pid"), init.ns.at("mnt"));
  HostScan scan = proc.scan();
  ASSERT_EQ(scan.workloads.size(), 1u);
  const Workload& w = scan.workloads[0];
  EXPECT_EQ(w.object, "container web (0123456789ab)");
  EXPECT_EQ(w.format, InputFormat::Host);
  ASSERT_TRUE(w.capabilities.effective_set);
  EXPECT_TRUE(w.capabilities.effective_set->value.has(21));
  ASSERT_TRUE(w.seccomp);
  EXPECT_EQ(w.seccomp->value, "unconfined");
  ASSERT_TRUE(w.no_new_privileges);
  EXPECT_FALSE(w.no_new_privileges->value);
  std::vector<Finding> findings = findings_of(scan);
  EXPECT_TRUE(has_check(findings, "BH-CAP-SYSADMIN")) << describe(findings);
  for (const Finding& f : findings) EXPECT_EQ(f.object, "container web (0123456789ab)");
}

TEST(AuditHostScan, StaleRecordDoesNotNameAStranger) {
  FakeProc proc;
  proc.add_host_init();
  FakeProcess stranger;
  proc.add(300, stranger);
  // A record whose init (pid 299) is gone, but whose pid namespace inode was reused.
  proc.add_record(kContainerId, "old", 299, stranger.ns.at("pid"), stranger.ns.at("mnt"));
  HostScan scan = proc.scan();
  ASSERT_EQ(scan.workloads.size(), 1u);
  EXPECT_EQ(scan.workloads[0].object, "process 300 (app)");
}

TEST(AuditHostScan, TwoContainersAreTwoWorkloads) {
  FakeProc proc;
  proc.add_host_init();
  FakeProcess a, b;
  b.ns["pid"] = 4026532101;
  b.ns["mnt"] = 4026532102;
  b.cgroup =
      "12:pids:/docker/" + kContainerId + "\n0::/system.slice/docker-" + kContainerId + ".scope\n";
  proc.add(400, a);
  proc.add(500, b);
  HostScan scan = proc.scan();
  ASSERT_EQ(scan.workloads.size(), 2u);
  EXPECT_EQ(scan.workloads[0].object, "process 400 (app)");
  EXPECT_EQ(scan.workloads[1].object, "container 0123456789ab");
}

TEST(AuditHostScan, HostProcessesAreNotContainers) {
  FakeProc proc;
  proc.add_host_init();
  proc.add(2, host_process());
  FakeProcess kernel_thread = host_process();  // kdevtmpfs runs in a mount namespace of its own
  kernel_thread.ns["mnt"] = 4026532600;
  kernel_thread.comm = "kdevtmpfs";
  kernel_thread.kernel_thread = true;
  proc.add(25, kernel_thread);
  // A service with a private /tmp (systemd PrivateTmp): the host's pids, a mount namespace of
  // its own, no runtime claims it: a host process, said in a note, not a container.
  FakeProcess own_mounts = host_process();
  own_mounts.ns["mnt"] = 4026532500;
  own_mounts.comm = "daemon";
  proc.add(3, own_mounts);
  HostScan scan = proc.scan();
  EXPECT_TRUE(scan.workloads.empty()) << scan.workloads.front().object;
  EXPECT_TRUE(std::any_of(scan.notes.begin(), scan.notes.end(), [](const std::string& note) {
    return note.find("private mount namespace") != std::string::npos &&
           note.find('3') != std::string::npos;
  }));
}

// ---- Races and fallbacks ----

TEST(AuditHostScan, VanishedProcessesAreSkippedWithANote) {
  FakeProc proc;
  proc.add_host_init();
  FakeProcess container;
  proc.add(600, container);
  fs::create_directories(proc.proc() + "/601");  // listed, then gone before its status was read
  proc.add(602, container, /*with_ns=*/false);   // gone between status and namespaces
  FakeProcess zombie = container;
  zombie.zombie = true;
  proc.add(603, zombie, /*with_ns=*/false);  // a zombie holds nothing: skipped silently
  HostScan scan = proc.scan();
  ASSERT_EQ(scan.workloads.size(), 1u);
  EXPECT_EQ(scan.workloads[0].object, "process 600 (app)");
  std::string notes;
  for (const std::string& note : scan.notes) notes += note + "\n";
  EXPECT_NE(notes.find("exited during the scan"), std::string::npos) << notes;
  EXPECT_NE(notes.find("601"), std::string::npos) << notes;
  EXPECT_NE(notes.find("602"), std::string::npos) << notes;
  EXPECT_EQ(notes.find("603"), std::string::npos) << notes;
}

TEST(AuditHostScan, UnreadablePid1NamespacesFallBackToSelf) {
  FakeProc proc;
  FakeProcess init = host_process();
  proc.add(1, init, /*with_ns=*/false);  // as on a sandbox that denies /proc/1/ns
  proc.add(77, init, true, "self");      // /proc/self: the scanner, in the host's namespaces
  FakeProcess container;
  proc.add(800, container);
  HostScan scan = proc.scan();
  ASSERT_EQ(scan.workloads.size(), 1u);
  EXPECT_EQ(scan.workloads[0].object, "process 800 (app)");
  bool noted = std::any_of(scan.notes.begin(), scan.notes.end(), [](const std::string& n) {
    return n.find("PID 1") != std::string::npos && n.find("this process") != std::string::npos;
  });
  EXPECT_TRUE(noted);
}

TEST(AuditHostScan, NoReadableHostNamespacesIsAnError) {
  FakeProc proc;
  proc.add(1, host_process(), /*with_ns=*/false);
  EXPECT_THROW(proc.scan(), SystemError);
}

// ---- The parsers ----

TEST(AuditHostScanParsers, Mountinfo) {
  auto entries = parse_mountinfo(
      "36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 shared:2 - ext3 /dev/root "
      "rw,errors=continue\n"
      "40 35 0:5 / /proc ro - proc proc rw\n",
      "mountinfo");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].mount_id, 36);
  EXPECT_EQ(entries[0].major, 98u);
  EXPECT_EQ(entries[0].root, "/mnt1");
  EXPECT_EQ(entries[0].mount_point, "/mnt/with space");
  EXPECT_EQ(entries[0].fs_type, "ext3");
  EXPECT_EQ(entries[0].source, "/dev/root");
  EXPECT_EQ(entries[0].propagation(), "shared");
  EXPECT_FALSE(entries[0].read_only());
  EXPECT_TRUE(entries[1].read_only());
  EXPECT_EQ(entries[1].propagation(), "private");
  try {
    parse_mountinfo("1 2 3\n", "mi");
    FAIL() << "no error";
  } catch (const Error& e) {
    ASSERT_TRUE(e.where());
    EXPECT_EQ(e.where()->line, 1);
  }
}

TEST(AuditHostScanParsers, IdMapsLinksAndPaths) {
  auto map = parse_id_map("0 100000 65536\n", "uid_map");
  EXPECT_EQ(map_to_outside(map, 0), 100000u);
  EXPECT_EQ(map_to_inside(map, 101000), 1000u);
  EXPECT_EQ(map_to_inside(map, 5), std::nullopt);
  EXPECT_FALSE(is_identity_map(map));
  EXPECT_TRUE(is_identity_map(parse_id_map("         0          0 4294967295\n", "m")));
  EXPECT_THROW(parse_id_map("0 x 1\n", "m"), Error);
  EXPECT_EQ(namespace_inode_from_link("pid:[4026531836]"), 4026531836u);
  EXPECT_EQ(namespace_inode_from_link("garbage"), std::nullopt);
  EXPECT_EQ(normalise_host_path("/var//run/./x/../docker.sock/"), "/var/run/docker.sock");
  EXPECT_EQ(normalise_host_path("/"), "/");
}

TEST(AuditHostScan, ScansTheRealProc) {
  // Whatever runs here, the real /proc must scan without an error (races are notes).
  HostScan scan = scan_host({.proc_root = "/proc", .state_root = "/nonexistent-bulkhead-state"});
  for (const Workload& w : scan.workloads) EXPECT_EQ(w.format, InputFormat::Host);
}

}  // namespace
}  // namespace bulkhead::audit
