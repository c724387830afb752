#include "audit/checks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "audit/catalogue.h"
#include "caps/capabilities.h"

namespace bulkhead::audit {
namespace {

using enum InputFormat;

SourceLocation at(int line, int column = 1) {
  return SourceLocation{"input", line, column};
}

template <class T>
Located<T> located(T value, int line) {
  return Located<T>{std::move(value), at(line)};
}

bool uses_exact_set(InputFormat format) {
  return format == OciConfig || format == Host;
}

// A workload that passes every check: what a careful user writes in each format. Each test
// changes one thing in it.
Workload hardened(InputFormat format) {
  Workload w;
  w.format = format;
  w.object = "object under test";
  w.where = at(1);
  if (uses_exact_set(format))
    w.capabilities.effective_set = located(caps::CapSet{}, 2);
  else
    w.capabilities.dropped.push_back(located<std::string>("ALL", 2));
  w.no_new_privileges = located(true, 3);
  w.seccomp = located<std::string>("runtime/default", 4);
  w.user = located<std::string>("1000:1000", 5);
  if (format == Kubernetes) w.run_as_non_root = located(true, 6);
  w.read_only_rootfs = located(true, 7);
  w.memory_limit = located<std::string>("512m", 8);
  w.pids_limit = located<std::string>("100", 9);
  return w;
}

void grant(Workload& w, const std::string& cap) {
  if (uses_exact_set(w.format)) {
    if (cap == "ALL")
      w.capabilities.effective_set->value = caps::CapSet::all();
    else
      w.capabilities.effective_set->value.add(*caps::cap_from_name(cap));
  } else {
    w.capabilities.added.push_back(located(cap, 20));
  }
}

HostMount host_mount(std::string source, bool read_only, std::string propagation = "") {
  return HostMount{source, "/mnt" + (source == "/" ? std::string() : source), read_only,
                   std::move(propagation), at(30, 5)};
}

std::vector<Finding> of_check(const std::vector<Finding>& findings, std::string_view id) {
  std::vector<Finding> result;
  std::copy_if(findings.begin(), findings.end(), std::back_inserter(result),
               [&](const Finding& f) { return f.check_id == id; });
  return result;
}

bool fires(const Workload& w, std::string_view id) {
  return !of_check(evaluate_checks(w), id).empty();
}

std::string describe(const std::vector<Finding>& findings) {
  std::string text;
  for (const auto& f : findings) text += "  " + f.check_id + ": " + f.message + "\n";
  return text;
}

// ---------------------------------------------------------------------------------------------
// One positive and one negative case per check and format
// ---------------------------------------------------------------------------------------------

using Mutation = std::function<void(Workload&)>;

struct Case {
  std::string check_id;
  std::vector<InputFormat> formats;
  Mutation positive;  // must make the check fire on the hardened workload
  Mutation negative;  // the minimal fix (or near miss): must not make it fire
};

const std::vector<InputFormat> kRuntime = {DockerRun, Compose, Kubernetes, OciConfig, Host};
const std::vector<InputFormat> kFiles = {DockerRun, Compose, Kubernetes, OciConfig};

Mutation grant_cap(std::string cap) {
  return [cap](Workload& w) { grant(w, cap); };
}
Mutation add_mount(std::string source, bool read_only, std::string propagation = "") {
  return [=](Workload& w) { w.host_mounts.push_back(host_mount(source, read_only, propagation)); };
}

const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = {
      {"BH-PRIVILEGED", kRuntime, [](Workload& w) { w.privileged = located(true, 10); },
       [](Workload& w) { w.privileged = located(false, 10); }},
      {"BH-RUNTIME-SOCKET", kRuntime, add_mount("/var/run/docker.sock", true),
       add_mount("/var/run/app.sock", true)},
      {"BH-MOUNT-HOST-ROOT-RW", kRuntime, add_mount("/", false), add_mount("/", true)},
      {"BH-MOUNT-HOST-ROOT", kRuntime, add_mount("/", true), add_mount("/srv", true)},
      {"BH-MOUNT-SENSITIVE-RW", kRuntime, add_mount("/etc", false), add_mount("/etc", true)},
      {"BH-MOUNT-SENSITIVE", kRuntime, add_mount("/etc", true), add_mount("/etcetera", true)},
      {"BH-MOUNT-PROPAGATION-SHARED", kRuntime,
       [](Workload& w) {
         w.host_mounts.push_back(
             host_mount("/srv/data", false, w.format == Kubernetes ? "Bidirectional" : "rshared"));
       },
       [](Workload& w) {
         w.host_mounts.push_back(
             host_mount("/srv/data", false, w.format == Kubernetes ? "HostToContainer" : "rslave"));
       }},
      {"BH-CAP-ALL", kRuntime, grant_cap("ALL"),
       [](Workload& w) {
         if (uses_exact_set(w.format)) {
           auto set = caps::CapSet::all();
           set.remove(*caps::cap_from_name("SYS_ADMIN"));
           w.capabilities.effective_set->value = set;
         } else {
           grant(w, "SYS_ADMIN");
         }
       }},
      {"BH-CAP-SYSADMIN", kRuntime, grant_cap("SYS_ADMIN"), grant_cap("NET_BIND_SERVICE")},
      {"BH-CAP-SYSPTRACE", kRuntime, grant_cap("SYS_PTRACE"), grant_cap("NET_BIND_SERVICE")},
      {"BH-CAP-SYSMODULE", kRuntime, grant_cap("SYS_MODULE"), grant_cap("NET_BIND_SERVICE")},
      {"BH-CAP-SYSRAWIO", kRuntime, grant_cap("SYS_RAWIO"), grant_cap("NET_BIND_SERVICE")},
      {"BH-CAP-DACREADSEARCH", kRuntime, grant_cap("DAC_READ_SEARCH"), grant_cap("DAC_OVERRIDE")},
      {"BH-CAP-BPF", kRuntime, grant_cap("BPF"), grant_cap("NET_BIND_SERVICE")},
      {"BH-CAP-NETADMIN", kRuntime, grant_cap("NET_ADMIN"), grant_cap("NET_BIND_SERVICE")},
      {"BH-CAP-PERFMON", kRuntime, grant_cap("PERFMON"), grant_cap("NET_BIND_SERVICE")},
      {"BH-CAP-ADDED-OTHER", kRuntime, grant_cap("SYS_TIME"), grant_cap("CHOWN")},
      {"BH-CAP-NOT-DROPPED", kRuntime,
       [](Workload& w) {
         if (uses_exact_set(w.format))
           grant(w, "CHOWN");
         else
           w.capabilities.dropped = {located<std::string>("NET_RAW", 2)};
       },
       [](Workload& w) {
         if (uses_exact_set(w.format))
           grant(w, "NET_BIND_SERVICE");
         else
           w.capabilities.dropped = {located<std::string>("NET_RAW", 2),
                                     located<std::string>("ALL", 2)};
       }},
      {"BH-NO-NEW-PRIVS", kRuntime, [](Workload& w) { w.no_new_privileges = located(false, 3); },
       [](Workload& w) { w.no_new_privileges = located(true, 3); }},
      {"BH-SECCOMP-UNCONFINED", kRuntime,
       [](Workload& w) { w.seccomp = located<std::string>("unconfined", 4); },
       [](Workload& w) { w.seccomp = located<std::string>("localhost/profile.json", 4); }},
      {"BH-SECCOMP-MISSING",
       {Kubernetes, OciConfig},
       [](Workload& w) { w.seccomp.reset(); },
       [](Workload& w) { w.seccomp = located<std::string>("runtime/default", 4); }},
      {"BH-APPARMOR-UNCONFINED", kFiles,
       [](Workload& w) { w.apparmor = located<std::string>("unconfined", 11); },
       [](Workload& w) { w.apparmor = located<std::string>("runtime/default", 11); }},
      {"BH-SELINUX-DISABLED", kFiles,
       [](Workload& w) { w.selinux = located<std::string>("disable", 12); },
       [](Workload& w) { w.selinux = located<std::string>("type:container_t", 12); }},
      {"BH-HOST-PID", kRuntime, [](Workload& w) { w.host_namespaces.pid = located(true, 13); },
       [](Workload& w) { w.host_namespaces.pid = located(false, 13); }},
      {"BH-HOST-IPC", kRuntime, [](Workload& w) { w.host_namespaces.ipc = located(true, 13); },
       [](Workload& w) { w.host_namespaces.ipc = located(false, 13); }},
      {"BH-HOST-NETWORK", kRuntime,
       [](Workload& w) { w.host_namespaces.network = located(true, 13); },
       [](Workload& w) { w.host_namespaces.network = located(false, 13); }},
      {"BH-HOST-UTS",
       {DockerRun, Compose, OciConfig, Host},
       [](Workload& w) { w.host_namespaces.uts = located(true, 13); },
       [](Workload& w) { w.host_namespaces.uts = located(false, 13); }},
      {"BH-HOST-USERNS", kRuntime, [](Workload& w) { w.host_namespaces.user = located(true, 13); },
       [](Workload& w) { w.host_namespaces.user = located(false, 13); }},
      {"BH-RUN-AS-ROOT", kRuntime,
       [](Workload& w) {
         if (w.format == Kubernetes) {
           w.run_as_non_root = located(false, 6);
           w.user.reset();
         } else {
           w.user = located<std::string>("0", 5);
           if (uses_exact_set(w.format)) w.host_namespaces.user = located(true, 13);
         }
       },
       [](Workload& w) {
         if (w.format == Kubernetes) {
           w.run_as_non_root = located(false, 6);
           w.user = located<std::string>("1000", 5);
         } else if (uses_exact_set(w.format)) {
           w.user = located<std::string>("0", 5);  // root, but mapped by a user namespace
           w.host_namespaces.user = located(false, 13);
         } else {
           w.user = located<std::string>("1000", 5);
         }
       }},
      {"BH-ROOTFS-WRITABLE", kRuntime, [](Workload& w) { w.read_only_rootfs = located(false, 7); },
       [](Workload& w) { w.read_only_rootfs = located(true, 7); }},
      {"BH-NO-MEMORY-LIMIT", kFiles, [](Workload& w) { w.memory_limit.reset(); },
       [](Workload& w) { w.memory_limit = located<std::string>("1Gi", 8); }},
      {"BH-NO-PIDS-LIMIT",
       {DockerRun, Compose, OciConfig},
       [](Workload& w) { w.pids_limit.reset(); },
       [](Workload& w) { w.pids_limit = located<std::string>("4096", 9); }},
      {"BH-DEVICE", kFiles,
       [](Workload& w) {
         w.devices.push_back(Device{"/dev/fuse", "", at(14)});
       },
       [](Workload& w) { w.devices.clear(); }},
      {"BH-PROC-UNMASKED", kRuntime, [](Workload& w) { w.proc_unmasked = located(true, 15); },
       [](Workload& w) { w.proc_unmasked = located(false, 15); }},
      {"BH-SYSCTL-UNSAFE", kFiles,
       [](Workload& w) {
         w.sysctls.push_back(Sysctl{"kernel.core_pattern", "|/tmp/x", at(16)});
       },
       [](Workload& w) {
         w.sysctls.push_back(Sysctl{"net.ipv4.ip_unprivileged_port_start", "0", at(16)});
       }},
  };
  return cases;
}

TEST(AuditChecksCatalogue, EveryCheckAndFormatHasACase) {
  for (const Check& check : catalogue()) {
    for (InputFormat format : check.applies_to) {
      if (format == Dockerfile) continue;  // audit_dockerfile's business, tested with it
      bool covered = std::any_of(all_cases().begin(), all_cases().end(), [&](const Case& c) {
        return c.check_id == check.id &&
               std::find(c.formats.begin(), c.formats.end(), format) != c.formats.end();
      });
      EXPECT_TRUE(covered) << check.id << " has no test case for format "
                           << input_format_name(format);
    }
  }
}

TEST(AuditChecksCatalogue, CasesNameOnlyKnownChecksAndFormats) {
  for (const Case& c : all_cases()) {
    const Check* check = find_check(c.check_id);
    ASSERT_NE(check, nullptr) << c.check_id;
    for (InputFormat format : c.formats)
      EXPECT_TRUE(check_applies_to(*check, format))
          << c.check_id << " " << input_format_name(format);
  }
}

TEST(AuditChecksCatalogue, EveryCheckIsDocumented) {
  const std::regex id_pattern("^BH-[A-Z0-9-]+$");
  std::set<std::string> ids;
  for (const Check& check : catalogue()) {
    EXPECT_TRUE(std::regex_match(check.id, id_pattern)) << check.id;
    EXPECT_TRUE(ids.insert(check.id).second) << "duplicate " << check.id;
    EXPECT_FALSE(check.title.empty()) << check.id;
    EXPECT_FALSE(check.rationale.empty()) << check.id;
    EXPECT_FALSE(check.remediation.empty()) << check.id;
    EXPECT_FALSE(check.applies_to.empty()) << check.id;
    for (const Reference& ref : check.references) {
      EXPECT_FALSE(ref.id.empty()) << check.id;
      EXPECT_TRUE(ref.scheme == "CIS-Docker" || ref.scheme == "PSS" || ref.scheme == "Trivy" ||
                  ref.scheme == "Checkov" || ref.scheme == "Hadolint")
          << check.id << " " << ref.scheme;
    }
    EXPECT_EQ(find_check(check.id), &check);
  }
  EXPECT_TRUE(std::is_sorted(catalogue().begin(), catalogue().end(),
                             [](const Check& a, const Check& b) { return a.id < b.id; }));
  EXPECT_EQ(find_check("BH-NO-SUCH-CHECK"), nullptr);
}

TEST(AuditChecks, HardenedWorkloadHasNoFindings) {
  for (InputFormat format : kRuntime) {
    auto findings = evaluate_checks(hardened(format));
    EXPECT_TRUE(findings.empty()) << input_format_name(format) << ":\n" << describe(findings);
  }
}

TEST(AuditChecks, EveryCaseFiresAndItsNegativeDoesNot) {
  for (const Case& c : all_cases()) {
    for (InputFormat format : c.formats) {
      SCOPED_TRACE(c.check_id + " / " + std::string(input_format_name(format)));
      Workload positive = hardened(format);
      c.positive(positive);
      auto findings = of_check(evaluate_checks(positive), c.check_id);
      ASSERT_FALSE(findings.empty()) << describe(evaluate_checks(positive));
      const Check* check = find_check(c.check_id);
      for (const Finding& f : findings) {
        EXPECT_EQ(f.severity, check->severity);
        EXPECT_EQ(f.format, format);
        EXPECT_EQ(f.object, "object under test");
        EXPECT_GT(f.where.line, 0);
        EXPECT_FALSE(f.message.empty());
      }

      Workload negative = hardened(format);
      c.negative(negative);
      auto wrong = of_check(evaluate_checks(negative), c.check_id);
      EXPECT_TRUE(wrong.empty()) << describe(wrong);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Capabilities
// ---------------------------------------------------------------------------------------------

TEST(AuditChecksCaps, NamesAreNormalised) {
  for (std::string name : {"CAP_SYS_ADMIN", "sys_admin", "cap_sys_admin", " SYS_ADMIN "}) {
    Workload w = hardened(DockerRun);
    w.capabilities.added.push_back(located(name, 20));
    auto findings = of_check(evaluate_checks(w), "BH-CAP-SYSADMIN");
    ASSERT_EQ(findings.size(), 1u) << name;
    EXPECT_EQ(findings[0].message, "capability SYS_ADMIN added");
    EXPECT_EQ(findings[0].where.line, 20);
    EXPECT_FALSE(fires(w, "BH-CAP-ADDED-OTHER")) << name;
  }
  Workload w = hardened(Compose);
  w.capabilities.dropped = {located<std::string>("all", 2)};
  EXPECT_FALSE(fires(w, "BH-CAP-NOT-DROPPED")) << "lower-case all";
  w.capabilities.added.push_back(located<std::string>("cap_all", 20));
  EXPECT_TRUE(fires(w, "BH-CAP-ALL"));
}

TEST(AuditChecksCaps, DropAllWithAddedCapabilityReportsOnlyTheAddition) {
  Workload w = hardened(Kubernetes);
  w.capabilities.added.push_back(located<std::string>("NET_ADMIN", 20));
  auto findings = evaluate_checks(w);
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_EQ(findings[0].check_id, "BH-CAP-NETADMIN");
}

TEST(AuditChecksCaps, NotDroppedPointsToObjectOrToTheDropList) {
  Workload w = hardened(DockerRun);
  w.capabilities.dropped.clear();
  auto findings = of_check(evaluate_checks(w), "BH-CAP-NOT-DROPPED");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].where.line, 1);  // nothing written: the object's line

  w.capabilities.dropped = {located<std::string>("NET_RAW", 2)};
  findings = of_check(evaluate_checks(w), "BH-CAP-NOT-DROPPED");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].where.line, 2);
}

TEST(AuditChecksCaps, AllAddedIsOneFinding) {
  Workload w = hardened(DockerRun);
  w.capabilities.dropped.clear();
  w.capabilities.added = {located<std::string>("ALL", 20), located<std::string>("SYS_ADMIN", 21)};
  auto findings = evaluate_checks(w);
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_EQ(findings[0].check_id, "BH-CAP-ALL");
  EXPECT_EQ(findings[0].severity, Severity::Critical);
}

TEST(AuditChecksCaps, PrivilegedSuppressesCapabilityFindings) {
  for (InputFormat format : kRuntime) {
    Workload w = hardened(format);
    w.privileged = located(true, 10);
    grant(w, "SYS_ADMIN");
    grant(w, "SYS_TIME");
    if (uses_exact_set(format))
      w.capabilities.effective_set->value = caps::CapSet::all();
    else
      w.capabilities.dropped.clear();
    auto findings = evaluate_checks(w);
    ASSERT_EQ(findings.size(), 1u) << input_format_name(format) << "\n" << describe(findings);
    EXPECT_EQ(findings[0].check_id, "BH-PRIVILEGED");
    EXPECT_EQ(findings[0].where.line, 10);
  }
}

TEST(AuditChecksCaps, HostFullEffectiveSetIsAllUnlessPrivileged) {
  Workload w = hardened(Host);
  w.capabilities.effective_set->value = caps::CapSet::all();
  auto findings = evaluate_checks(w);
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_EQ(findings[0].check_id, "BH-CAP-ALL");

  // A set from an older kernel (no PERFMON, BPF, CHECKPOINT_RESTORE) is all the same.
  caps::CapSet classic;
  for (int cap = 0; cap <= 37; ++cap) classic.add(cap);
  w.capabilities.effective_set->value = classic;
  EXPECT_TRUE(fires(w, "BH-CAP-ALL"));

  w.privileged = located(true, 0);
  findings = evaluate_checks(w);
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_EQ(findings[0].check_id, "BH-PRIVILEGED");
}

TEST(AuditChecksCaps, ExactSetReportsEachDangerousCapability) {
  Workload w = hardened(OciConfig);
  for (auto name : {"SYS_ADMIN", "SYS_PTRACE", "CHOWN", "SYS_TIME"}) grant(w, name);
  auto findings = evaluate_checks(w);
  std::multiset<std::string> ids;
  for (const auto& f : findings) ids.insert(f.check_id);
  EXPECT_EQ(ids, (std::multiset<std::string>{"BH-CAP-SYSADMIN", "BH-CAP-SYSPTRACE",
                                             "BH-CAP-ADDED-OTHER", "BH-CAP-NOT-DROPPED"}))
      << describe(findings);
  EXPECT_EQ(of_check(findings, "BH-CAP-SYSADMIN")[0].message,
            "capability SYS_ADMIN in the capability set");
}

TEST(AuditChecksCaps, UnknownCapabilityIsReported) {
  Workload w = hardened(Compose);
  w.capabilities.added.push_back(located<std::string>("FLY", 20));
  auto findings = of_check(evaluate_checks(w), "BH-CAP-ADDED-OTHER");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_NE(findings[0].message.find("unknown capability FLY"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Mounts
// ---------------------------------------------------------------------------------------------

std::vector<std::string> mount_checks(const std::string& source, bool read_only,
                                      InputFormat format = DockerRun) {
  Workload w = hardened(format);
  w.host_mounts.push_back(host_mount(source, read_only));
  std::vector<std::string> ids;
  for (const auto& f : evaluate_checks(w)) ids.push_back(f.check_id);
  return ids;
}

using Ids = std::vector<std::string>;

TEST(AuditChecksMounts, RuntimeSocketsUnderRunAndVarRun) {
  for (std::string socket :
       {"/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
        "/var/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/run/crio/crio.sock",
        "/run/podman/podman.sock", "/var/run/podman/podman.sock",
        "/run/user/1000/podman/podman.sock", "/run/user/1000/docker.sock",
        "/var/run/cri-dockerd.sock"}) {
    EXPECT_EQ(mount_checks(socket, false), Ids{"BH-RUNTIME-SOCKET"}) << socket;
    EXPECT_EQ(mount_checks(socket, true), Ids{"BH-RUNTIME-SOCKET"}) << socket << " read-only";
  }
}

TEST(AuditChecksMounts, SocketDirectoriesCount) {
  for (std::string dir :
       {"/var/run", "/run", "/run/containerd", "/var/run/containerd", "/var/run/docker",
        "/run/crio", "/run/user", "/run/user/1000", "/run/user/1000/podman", "/var/run/"}) {
    EXPECT_EQ(mount_checks(dir, true), Ids{"BH-RUNTIME-SOCKET"}) << dir;
  }
  for (std::string other : {"/run/app.sock", "/run/docker.socket", "/run/lock", "/srv/run"})
    EXPECT_EQ(mount_checks(other, false), Ids{}) << other;
}

TEST(AuditChecksMounts, SocketMessageNamesPathsAndMode) {
  Workload w = hardened(DockerRun);
  w.host_mounts.push_back(
      HostMount{"/var/run/docker.sock", "/var/run/docker.sock", false, "", at(4, 12)});
  w.host_mounts.push_back(HostMount{"/run", "/host/run", true, "", at(5, 3)});
  auto findings = evaluate_checks(w);
  ASSERT_EQ(findings.size(), 2u) << describe(findings);
  EXPECT_EQ(findings[0].message,
            "host path /var/run/docker.sock mounted at /var/run/docker.sock (writable)");
  EXPECT_EQ(findings[0].where.line, 4);
  EXPECT_EQ(findings[0].where.column, 12);
  EXPECT_EQ(findings[1].message,
            "host path /run mounted at /host/run (read-only), which contains the runtime socket "
            "/run/docker.sock");
}

TEST(AuditChecksMounts, HostRootReadWriteAndReadOnly) {
  EXPECT_EQ(mount_checks("/", false), Ids{"BH-MOUNT-HOST-ROOT-RW"});
  EXPECT_EQ(mount_checks("/", true), Ids{"BH-MOUNT-HOST-ROOT"});
}

TEST(AuditChecksMounts, SensitivePathsBySegment) {
  for (std::string path :
       {"/etc", "/etc/kubernetes", "/proc", "/sys/fs/cgroup", "/dev", "/boot", "/lib/modules",
        "/usr", "/usr/local/bin", "/var/lib/docker", "/var/lib/docker/volumes/x/_data",
        "/var/lib/containerd", "/var/lib/kubelet", "/var/lib/containers", "/var/log", "/root",
        "/home", "/home/alice", "/home/alice/.ssh", "/home/alice/.ssh/authorized_keys",
        // directories that contain a sensitive path expose it too
        "/var", "/var/lib", "/lib",
        // a script's home directory, as the shell would expand it
        "~/.ssh", "~", "~alice/.aws"}) {
    EXPECT_EQ(mount_checks(path, false), Ids{"BH-MOUNT-SENSITIVE-RW"}) << path;
    EXPECT_EQ(mount_checks(path, true), Ids{"BH-MOUNT-SENSITIVE"}) << path;
  }
  for (std::string path : {"/etcetera", "/srv/etc", "/data", "/opt/app", "/var/lib/app", "/usrdata",
                           "/mnt/home", "/tmp"})
    EXPECT_EQ(mount_checks(path, false), Ids{}) << path;
}

std::string mount_message(const std::string& source, bool read_only = true) {
  Workload w = hardened(Compose);
  w.host_mounts.push_back(HostMount{source, "/data", read_only, "", at(30)});
  auto findings = evaluate_checks(w);
  return findings.size() == 1 ? findings[0].message : "unexpected: " + describe(findings);
}

TEST(AuditChecksMounts, MessagesSayWhatTheMountExposes) {
  EXPECT_EQ(mount_message("/home/alice/.ssh"),
            "host path /home/alice/.ssh mounted at /data (read-only)");
  EXPECT_EQ(mount_message("/home/alice/.ssh/id_ed25519"),
            "host path /home/alice/.ssh/id_ed25519 mounted at /data (read-only), inside "
            "/home/alice/.ssh");
  EXPECT_EQ(mount_message("/var", false),
            "host path /var mounted at /data (writable), which contains /var/lib/docker");
  EXPECT_EQ(mount_message("/run/user/1000/docker.sock"),
            "host path /run/user/1000/docker.sock mounted at /data (read-only)");
  EXPECT_EQ(mount_message("/run/user/1000"),
            "host path /run/user/1000 mounted at /data (read-only), which contains the runtime "
            "socket /run/user/1000/docker.sock");
  EXPECT_EQ(mount_message("/etc/ssl/certs"),
            "host path /etc/ssl/certs mounted at /data (read-only), inside /etc");
}

TEST(AuditChecksMounts, DotSegmentsCannotHideAPath) {
  EXPECT_EQ(mount_checks("/srv/../etc", false), Ids{"BH-MOUNT-SENSITIVE-RW"});
  EXPECT_EQ(mount_checks("/srv/./../var/run/docker.sock", true), Ids{"BH-RUNTIME-SOCKET"});
  EXPECT_EQ(mount_checks("/srv/..", false), Ids{"BH-MOUNT-HOST-ROOT-RW"});
  EXPECT_EQ(mount_checks("/etc/", true), Ids{"BH-MOUNT-SENSITIVE"});
  EXPECT_EQ(mount_checks("//etc//", true), Ids{"BH-MOUNT-SENSITIVE"});
}

TEST(AuditChecksMounts, SharedPropagationSpellings) {
  for (std::string mode : {"shared", "rshared", "Bidirectional", "bidirectional", "RSHARED"}) {
    Workload w = hardened(Kubernetes);
    w.host_mounts.push_back(host_mount("/srv/data", false, mode));
    EXPECT_TRUE(fires(w, "BH-MOUNT-PROPAGATION-SHARED")) << mode;
  }
  for (std::string mode :
       {"", "private", "rprivate", "slave", "rslave", "HostToContainer", "None"}) {
    Workload w = hardened(Kubernetes);
    w.host_mounts.push_back(host_mount("/srv/data", false, mode));
    EXPECT_FALSE(fires(w, "BH-MOUNT-PROPAGATION-SHARED")) << mode;
  }
}

TEST(AuditChecksMounts, PropagationOfVolumesAndRootfs) {
  Workload w = hardened(OciConfig);
  w.volumes.push_back(VolumeMount{"data", "/data", "rshared", at(40)});
  w.rootfs_propagation = located<std::string>("shared", 41);
  auto findings = of_check(evaluate_checks(w), "BH-MOUNT-PROPAGATION-SHARED");
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].where.line, 40);
  EXPECT_EQ(findings[1].where.line, 41);

  w = hardened(OciConfig);
  w.rootfs_propagation = located<std::string>("rslave", 41);
  EXPECT_FALSE(fires(w, "BH-MOUNT-PROPAGATION-SHARED"));
}

// ---------------------------------------------------------------------------------------------
// Users, seccomp, limits, sysctls, applicability
// ---------------------------------------------------------------------------------------------

TEST(AuditChecksUser, RootSpellings) {
  for (std::string user : {"0", "0:0", "root", "root:root", "0:1000", " 0 "}) {
    Workload w = hardened(DockerRun);
    w.user = located(user, 5);
    auto findings = of_check(evaluate_checks(w), "BH-RUN-AS-ROOT");
    ASSERT_EQ(findings.size(), 1u) << user;
    EXPECT_EQ(findings[0].where.line, 5);
  }
  for (std::string user : {"1000", "1000:0", "nobody", "app:app", "65534"}) {
    Workload w = hardened(Compose);
    w.user = located(user, 5);
    EXPECT_FALSE(fires(w, "BH-RUN-AS-ROOT")) << user;
  }
  Workload missing = hardened(DockerRun);
  missing.user.reset();
  auto findings = of_check(evaluate_checks(missing), "BH-RUN-AS-ROOT");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].where.line, 1);
}

TEST(AuditChecksUser, KubernetesRunAsNonRoot) {
  Workload w = hardened(Kubernetes);
  w.user.reset();
  EXPECT_FALSE(fires(w, "BH-RUN-AS-ROOT")) << "runAsNonRoot: true alone is enough";
  w.run_as_non_root.reset();
  EXPECT_TRUE(fires(w, "BH-RUN-AS-ROOT")) << "nothing said";
  w.user = located<std::string>("1000", 5);
  EXPECT_FALSE(fires(w, "BH-RUN-AS-ROOT")) << "runAsUser: 1000";
  w.user = located<std::string>("0", 5);
  EXPECT_TRUE(fires(w, "BH-RUN-AS-ROOT")) << "runAsUser: 0";
}

TEST(AuditChecksUser, UserNamespaceExceptionOnlyForOciAndHost) {
  for (InputFormat format : {OciConfig, Host}) {
    Workload w = hardened(format);
    w.user = located<std::string>("0:0", 5);
    EXPECT_FALSE(fires(w, "BH-RUN-AS-ROOT")) << "root mapped by a user namespace";
    w.host_namespaces.user = located(true, 13);
    EXPECT_TRUE(fires(w, "BH-RUN-AS-ROOT")) << "root in the host user namespace";
    w.user.reset();
    EXPECT_TRUE(fires(w, "BH-RUN-AS-ROOT")) << "no user: uid 0";
  }
  Workload docker = hardened(DockerRun);
  docker.user = located<std::string>("root", 5);
  docker.host_namespaces.user = located(false, 13);
  EXPECT_TRUE(fires(docker, "BH-RUN-AS-ROOT"));
}

TEST(AuditChecksSeccomp, MissingOnlyWhereNoDefaultApplies) {
  for (InputFormat format : kRuntime) {
    Workload w = hardened(format);
    w.seccomp.reset();
    bool expected = format == Kubernetes || format == OciConfig;
    EXPECT_EQ(fires(w, "BH-SECCOMP-MISSING"), expected) << input_format_name(format);
    EXPECT_FALSE(fires(w, "BH-SECCOMP-UNCONFINED"));
  }
  Workload w = hardened(Kubernetes);
  w.seccomp = located<std::string>("Unconfined", 4);
  auto findings = evaluate_checks(w);
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_EQ(findings[0].check_id, "BH-SECCOMP-UNCONFINED");
  EXPECT_EQ(findings[0].where.line, 4);
}

TEST(AuditChecksMac, SelinuxSpellings) {
  for (std::string label : {"disable", "type:spc_t", "spc_t", "system_u:system_r:spc_t:s0"}) {
    Workload w = hardened(Kubernetes);
    w.selinux = located(label, 12);
    EXPECT_TRUE(fires(w, "BH-SELINUX-DISABLED")) << label;
  }
  for (std::string label : {"level:s0:c100,c200", "type:container_t", "user:system_u"}) {
    Workload w = hardened(DockerRun);
    w.selinux = located(label, 12);
    EXPECT_FALSE(fires(w, "BH-SELINUX-DISABLED")) << label;
  }
}

TEST(AuditChecksLimits, UnlimitedValuesCount) {
  Workload w = hardened(DockerRun);
  w.memory_limit = located<std::string>("0", 8);
  w.pids_limit = located<std::string>("-1", 9);
  auto findings = evaluate_checks(w);
  ASSERT_EQ(findings.size(), 2u) << describe(findings);
  EXPECT_EQ(findings[0].check_id, "BH-NO-MEMORY-LIMIT");
  EXPECT_EQ(findings[0].where.line, 8);
  EXPECT_EQ(findings[1].check_id, "BH-NO-PIDS-LIMIT");
  EXPECT_EQ(findings[1].where.line, 9);
}

TEST(AuditChecksSysctls, SafeListAndSlashNames) {
  Workload w = hardened(Kubernetes);
  for (std::string name :
       {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.tcp_keepalive_probes"})
    w.sysctls.push_back(Sysctl{name, "1", at(16)});
  EXPECT_TRUE(evaluate_checks(w).empty());
  w.sysctls.push_back(Sysctl{"net/ipv4/ip_forward", "1", at(17)});
  w.sysctls.push_back(Sysctl{"kernel.shm_rmid_forced_not", "1", at(18)});
  auto findings = of_check(evaluate_checks(w), "BH-SYSCTL-UNSAFE");
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].message, "unsafe sysctl net.ipv4.ip_forward=1");
}

TEST(AuditChecksApplicability, ChecksOnlyForTheirFormats) {
  Workload k8s = hardened(Kubernetes);
  k8s.host_namespaces.uts = located(true, 13);  // Kubernetes has no hostUTS: a reader won't set it
  k8s.pids_limit.reset();                       // nor a per-container pids limit
  EXPECT_TRUE(evaluate_checks(k8s).empty()) << describe(evaluate_checks(k8s));

  Workload host = hardened(Host);
  host.memory_limit.reset();
  host.apparmor = located<std::string>("unconfined", 11);
  host.devices.push_back(Device{"/dev/sda", "", at(14)});
  host.sysctls.push_back(Sysctl{"kernel.core_pattern", "core", at(16)});
  EXPECT_TRUE(evaluate_checks(host).empty()) << describe(evaluate_checks(host));
}

TEST(AuditChecksApplicability, DevicesAndProc) {
  Workload w = hardened(Compose);
  w.devices.push_back(Device{"*", "", at(14)});
  w.devices.push_back(Device{"/dev/sda", "/dev/xvda", at(15)});
  w.proc_unmasked = located(true, 16);
  auto findings = evaluate_checks(w);
  ASSERT_EQ(findings.size(), 3u) << describe(findings);
  EXPECT_EQ(findings[0].message, "every host device passed through");
  EXPECT_EQ(findings[1].message, "host device /dev/sda passed through as /dev/xvda");
  EXPECT_EQ(findings[2].check_id, "BH-PROC-UNMASKED");
}

}  // namespace
}  // namespace bulkhead::audit
