// The OCI config.json reader of the audit (read_oci_config) and the same mapping from the spec
// `bulkhead run` builds (workload_from_spec): what each setting becomes, where it is, which
// configs count as privileged, what is accepted leniently and which errors name their field.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "audit/checks.h"
#include "audit/inputs.h"
#include "audit/policy.h"
#include "base/error.h"
#include "base/strings.h"
#include "spec/docker_flags.h"

namespace bulkhead::audit {
namespace {

// `runc spec` output, trimmed to what the audit reads, one field per line so positions are
// easy to state.
constexpr const char* kRuncSpec = R"({
  "ociVersion": "1.0.2-dev",
  "process": {
    "terminal": true,
    "user": {
      "uid": 0,
      "gid": 0
    },
    "args": ["sh"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "noNewPrivileges": true
  },
  "root": {
    "path": "rootfs",
    "readonly": true
  },
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "ro"]}
  ],
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [
      {"type": "pid"},
      {"type": "network"},
      {"type": "ipc"},
      {"type": "uts"},
      {"type": "mount"}
    ],
    "maskedPaths": ["/proc/kcore", "/sys/firmware"]
  }
}
)";

Workload read_one(const std::string& text, const std::string& file = "/bundle/config.json") {
  std::vector<Workload> workloads = read_oci_config(text, file);
  EXPECT_EQ(workloads.size(), 1u);
  return workloads.empty() ? Workload{} : workloads.front();
}

// kRuncSpec with `from` replaced by `to` (which must occur exactly once).
std::string edited(const std::string& from, const std::string& to) {
  std::string text = kRuncSpec;
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " occurs twice";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::set<std::string> ids(const std::vector<Finding>& findings) {
  std::set<std::string> out;
  for (const Finding& f : findings) out.insert(f.check_id);
  return out;
}

std::string message_of(const std::string& text) {
  try {
    read_oci_config(text, "dir/config.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

caps::CapSet cap_set(std::initializer_list<const char*> names) {
  caps::CapSet set;
  for (const char* name : names) set.add(*caps::cap_from_name(name));
  return set;
}

// ---- Mapping and positions -----------------------------------------------------------------

TEST(AuditOci, MapsARuncSpecWithPositions) {
  Workload w = read_one(kRuncSpec);
  EXPECT_EQ(w.format, InputFormat::OciConfig);
  EXPECT_EQ(w.object, "config.json");
  EXPECT_EQ(w.where.file, "/bundle/config.json");
  EXPECT_EQ(w.where.line, 1);

  ASSERT_TRUE(w.capabilities.effective_set);
  EXPECT_EQ(w.capabilities.effective_set->value,
            cap_set({"AUDIT_WRITE", "KILL", "NET_BIND_SERVICE"}));
  EXPECT_EQ(w.capabilities.effective_set->where.line, 12);  // "bounding"
  EXPECT_EQ(w.capabilities.effective_set->where.column, 7);
  EXPECT_FALSE(w.privileged);

  ASSERT_TRUE(w.no_new_privileges);
  EXPECT_TRUE(w.no_new_privileges->value);
  EXPECT_EQ(w.no_new_privileges->where.line, 15);

  ASSERT_TRUE(w.user);
  EXPECT_EQ(w.user->value, "0:0");
  EXPECT_EQ(w.user->where.line, 6);  // "uid"

  ASSERT_TRUE(w.read_only_rootfs);
  EXPECT_TRUE(w.read_only_rootfs->value);
  EXPECT_EQ(w.read_only_rootfs->where.line, 19);

  EXPECT_FALSE(w.seccomp);  // not set: BH-SECCOMP-MISSING
  EXPECT_TRUE(w.host_mounts.empty());
  ASSERT_EQ(w.volumes.size(), 2u);
  EXPECT_EQ(w.volumes[0].name, "proc");
  EXPECT_EQ(w.volumes[1].destination, "/sys");
  EXPECT_EQ(w.volumes[1].where.line, 23);

  // No user namespace in the list: the host's, located at the list.
  EXPECT_FALSE(w.host_namespaces.pid);
  EXPECT_FALSE(w.host_namespaces.network);
  EXPECT_FALSE(w.host_namespaces.ipc);
  EXPECT_FALSE(w.host_namespaces.uts);
  ASSERT_TRUE(w.host_namespaces.user);
  EXPECT_EQ(w.host_namespaces.user->where.line, 27);  // "namespaces"

  ASSERT_TRUE(w.proc_unmasked);
  EXPECT_FALSE(w.proc_unmasked->value);
  EXPECT_TRUE(w.devices.empty());  // the deny-all device rule passes nothing through
  EXPECT_FALSE(w.memory_limit);
  EXPECT_FALSE(w.pids_limit);
}

TEST(AuditOci, ARuncSpecRaisesWhatItLacks) {
  std::vector<Finding> findings = evaluate_checks(read_one(kRuncSpec));
  EXPECT_EQ(ids(findings), (std::set<std::string>{"BH-CAP-NOT-DROPPED", "BH-HOST-USERNS",
                                                  "BH-RUN-AS-ROOT", "BH-SECCOMP-MISSING",
                                                  "BH-NO-MEMORY-LIMIT", "BH-NO-PIDS-LIMIT"}));
  for (const Finding& f : findings) {
    EXPECT_EQ(f.object, "config.json");
    EXPECT_EQ(f.where.file, "/bundle/config.json");
    EXPECT_GT(f.where.line, 0) << f.check_id;
  }
}

TEST(AuditOci, MissingSettingsPointAtTheirEnclosingObject) {
  // No noNewPrivileges: the spec's default (false) is what runs, said at "process".
  Workload w = read_one(edited(",\n    \"noNewPrivileges\": true", ""));
  ASSERT_TRUE(w.no_new_privileges);
  EXPECT_FALSE(w.no_new_privileges->value);
  EXPECT_EQ(w.no_new_privileges->where.line, 3);
  // No root.readonly: writable, at "root".
  w = read_one(edited(",\n    \"readonly\": true", ""));
  ASSERT_TRUE(w.read_only_rootfs);
  EXPECT_FALSE(w.read_only_rootfs->value);
  EXPECT_EQ(w.read_only_rootfs->where.line, 17);
  // Nothing but a version: everything points at line 1, every namespace is the host's.
  w = read_one("{\"ociVersion\": \"1.0.2\"}");
  ASSERT_TRUE(w.capabilities.effective_set);
  EXPECT_TRUE(w.capabilities.effective_set->value.empty());
  EXPECT_EQ(w.capabilities.effective_set->where.line, 1);
  ASSERT_TRUE(w.host_namespaces.pid);
  EXPECT_EQ(w.host_namespaces.pid->where.line, 1);
  ASSERT_TRUE(w.proc_unmasked);
  EXPECT_TRUE(w.proc_unmasked->value);
  EXPECT_FALSE(w.user);  // no process: the image's user
}

TEST(AuditOci, ObjectIsTheFilesBaseName) {
  EXPECT_EQ(read_one(kRuncSpec, "config.json").object, "config.json");
  EXPECT_EQ(read_one(kRuncSpec, "/var/lib/bundles/web/config.json").object, "config.json");
  EXPECT_EQ(read_one(kRuncSpec, "tests/web.json").object, "web.json");
}

TEST(AuditOci, Mounts) {
  Workload w = read_one(edited(R"({"destination": "/proc", "type": "proc", "source": "proc"},)",
                               R"({"destination": "/var/run/docker.sock", "type": "bind",
     "source": "/var/run/../../run//docker.sock/", "options": ["rbind", "rprivate"]},
    {"destination": "/host", "type": "none", "source": "/", "options": ["rbind", "ro", "rshared"]},
    {"destination": "/data", "source": "/srv/data", "options": ["bind", "ro", "rw"]},
    {"destination": "/cache", "type": "tmpfs", "source": "tmpfs", "options": ["shared"]},)"));
  ASSERT_EQ(w.host_mounts.size(), 3u);
  EXPECT_EQ(w.host_mounts[0].source, "/run/docker.sock");
  EXPECT_EQ(w.host_mounts[0].destination, "/var/run/docker.sock");
  EXPECT_FALSE(w.host_mounts[0].read_only);
  EXPECT_EQ(w.host_mounts[0].propagation, "rprivate");
  EXPECT_EQ(w.host_mounts[0].where.line, 23);  // its "source"
  // A bind given by its options only (type "none"), read-only, shared.
  EXPECT_EQ(w.host_mounts[1].source, "/");
  EXPECT_TRUE(w.host_mounts[1].read_only);
  EXPECT_EQ(w.host_mounts[1].propagation, "rshared");
  // The last of ro and rw wins.
  EXPECT_FALSE(w.host_mounts[2].read_only);
  ASSERT_EQ(w.volumes.size(), 2u);
  EXPECT_EQ(w.volumes[0].name, "tmpfs");
  EXPECT_EQ(w.volumes[0].propagation, "shared");

  std::set<std::string> found = ids(evaluate_checks(w));
  EXPECT_TRUE(found.contains("BH-RUNTIME-SOCKET"));
  EXPECT_TRUE(found.contains("BH-MOUNT-HOST-ROOT"));
  EXPECT_TRUE(found.contains("BH-MOUNT-PROPAGATION-SHARED"));
}

TEST(AuditOci, NamespacesJoinedThroughPid1AreTheHosts) {
  Workload w =
      read_one(edited(R"({"type": "pid"},)", R"({"type": "pid", "path": "/proc/1/ns/pid"},)"));
  ASSERT_TRUE(w.host_namespaces.pid);
  EXPECT_TRUE(w.host_namespaces.pid->value);
  EXPECT_EQ(w.host_namespaces.pid->where.line, 28);
  // Another container's namespace is not the host's.
  w = read_one(
      edited(R"({"type": "network"},)", R"({"type": "network", "path": "/run/netns/web"},)"));
  EXPECT_FALSE(w.host_namespaces.network);
  // Removing a type from the list gives the host's.
  w = read_one(edited("      {\"type\": \"uts\"},\n", ""));
  ASSERT_TRUE(w.host_namespaces.uts);
  EXPECT_TRUE(ids(evaluate_checks(w)).contains("BH-HOST-UTS"));
}

TEST(AuditOci, UserNamespaceAndUser) {
  Workload w = read_one(edited(R"({"type": "mount"})", R"({"type": "mount"}, {"type": "user"})"));
  EXPECT_FALSE(w.host_namespaces.user);
  std::set<std::string> found = ids(evaluate_checks(w));
  EXPECT_FALSE(found.contains("BH-RUN-AS-ROOT"));  // root mapped to a host user
  EXPECT_FALSE(found.contains("BH-HOST-USERNS"));

  w = read_one(edited("\"uid\": 0,\n      \"gid\": 0", "\"uid\": 1000"));
  ASSERT_TRUE(w.user);
  EXPECT_EQ(w.user->value, "1000");
  EXPECT_FALSE(ids(evaluate_checks(w)).contains("BH-RUN-AS-ROOT"));
}

TEST(AuditOci, Seccomp) {
  auto with_seccomp = [](const std::string& seccomp) {
    return read_one(
        edited("\"maskedPaths\"", "\"seccomp\": " + seccomp + ",\n    \"maskedPaths\""));
  };
  Workload w = with_seccomp(R"({"defaultAction": "SCMP_ACT_ALLOW"})");
  ASSERT_TRUE(w.seccomp);
  EXPECT_EQ(w.seccomp->value, "unconfined");
  EXPECT_EQ(w.seccomp->where.line, 34);
  EXPECT_TRUE(ids(evaluate_checks(w)).contains("BH-SECCOMP-UNCONFINED"));
  EXPECT_EQ(with_seccomp(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []})").seccomp->value,
            "unconfined");
  EXPECT_EQ(with_seccomp(R"({"defaultAction": "SCMP_ACT_LOG"})").seccomp->value, "unconfined");
  w = with_seccomp(
      R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]})");
  EXPECT_EQ(w.seccomp->value, "custom");
  std::set<std::string> found = ids(evaluate_checks(w));
  EXPECT_FALSE(found.contains("BH-SECCOMP-UNCONFINED"));
  EXPECT_FALSE(found.contains("BH-SECCOMP-MISSING"));
  EXPECT_EQ(with_seccomp(R"({"defaultAction": "SCMP_ACT_ERRNO"})").seccomp->value, "custom");
  // null is absent.
  EXPECT_FALSE(with_seccomp("null").seccomp);
}

TEST(AuditOci, MandatoryAccessControl) {
  Workload w = read_one(edited("\"cwd\": \"/\",",
                               "\"cwd\": \"/\", \"apparmorProfile\": \"unconfined\", "
                               "\"selinuxLabel\": \"system_u:system_r:spc_t:s0\","));
  ASSERT_TRUE(w.apparmor);
  EXPECT_EQ(w.apparmor->value, "unconfined");
  ASSERT_TRUE(w.selinux);
  EXPECT_EQ(w.selinux->value, "spc_t");
  std::set<std::string> found = ids(evaluate_checks(w));
  EXPECT_TRUE(found.contains("BH-APPARMOR-UNCONFINED"));
  EXPECT_TRUE(found.contains("BH-SELINUX-DISABLED"));

  w = read_one(edited("\"cwd\": \"/\",",
                      "\"cwd\": \"/\", \"apparmorProfile\": \"docker-default\", "
                      "\"selinuxLabel\": \"system_u:system_r:container_t:s0\","));
  EXPECT_EQ(w.apparmor->value, "docker-default");
  EXPECT_EQ(w.selinux->value, "system_u:system_r:container_t:s0");
  found = ids(evaluate_checks(w));
  EXPECT_FALSE(found.contains("BH-APPARMOR-UNCONFINED"));
  EXPECT_FALSE(found.contains("BH-SELINUX-DISABLED"));
}

TEST(AuditOci, ResourcesDevicesSysctlsPropagation) {
  Workload w = read_one(edited(R"("resources": {"devices": [{"allow": false, "access": "rwm"}]},)",
                               R"("resources": {
      "memory": {"limit": 536870912},
      "pids": {"limit": 100},
      "devices": [
        {"allow": false, "access": "rwm"},
        {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
        {"allow": true, "access": "rwm"}
      ]
    },
    "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}],
    "sysctl": {"net.ipv4.ip_forward": "1", "net.ipv4.ping_group_range": "0 0"},
    "rootfsPropagation": "rshared",)"));
  ASSERT_TRUE(w.memory_limit);
  EXPECT_EQ(w.memory_limit->value, "536870912");
  EXPECT_EQ(w.memory_limit->where.line, 27);
  ASSERT_TRUE(w.pids_limit);
  EXPECT_EQ(w.pids_limit->value, "100");
  // /dev/fuse, and the rule that allows every device (what --privileged writes); not /dev/null.
  ASSERT_EQ(w.devices.size(), 2u);
  EXPECT_EQ(w.devices[0].host_path, "/dev/fuse");
  EXPECT_EQ(w.devices[0].where.line, 35);
  EXPECT_EQ(w.devices[1].host_path, "*");
  EXPECT_EQ(w.devices[1].where.line, 32);
  ASSERT_EQ(w.sysctls.size(), 2u);
  ASSERT_TRUE(w.rootfs_propagation);
  EXPECT_EQ(w.rootfs_propagation->value, "rshared");

  std::vector<Finding> findings = evaluate_checks(w);
  std::set<std::string> found = ids(findings);
  EXPECT_FALSE(found.contains("BH-NO-MEMORY-LIMIT"));
  EXPECT_FALSE(found.contains("BH-NO-PIDS-LIMIT"));
  EXPECT_TRUE(found.contains("BH-DEVICE"));
  EXPECT_TRUE(found.contains("BH-MOUNT-PROPAGATION-SHARED"));
  EXPECT_EQ(std::count_if(findings.begin(), findings.end(),
                          [](const Finding& f) { return f.check_id == "BH-SYSCTL-UNSAFE"; }),
            1);  // ip_forward; ping_group_range is in the safe set

  // A limit of -1 or 0 is no limit.
  w = read_one(edited(R"("resources": {)",
                      R"("resources": {"memory": {"limit": -1}, "pids": {"limit": 0},)"));
  EXPECT_FALSE(w.memory_limit);
  EXPECT_FALSE(w.pids_limit);
}

TEST(AuditOci, MaskedPathsAbsentOrEmptyUnmaskProc) {
  Workload w = read_one(
      edited(R"("maskedPaths": ["/proc/kcore", "/sys/firmware"])", R"("maskedPaths": [])"));
  ASSERT_TRUE(w.proc_unmasked);
  EXPECT_TRUE(w.proc_unmasked->value);
  EXPECT_EQ(w.proc_unmasked->where.line, 34);
  EXPECT_TRUE(ids(evaluate_checks(w)).contains("BH-PROC-UNMASKED"));
  w = read_one(edited(R"(,
    "maskedPaths": ["/proc/kcore", "/sys/firmware"])",
                      ""));
  EXPECT_TRUE(w.proc_unmasked->value);
  EXPECT_EQ(w.proc_unmasked->where.line, 25);  // "linux"
}

// ---- Privileged --------------------------------------------------------------------------

std::string bounding_of(const caps::CapSet& set) {
  std::string out;
  for (const std::string& name : set.names()) out += (out.empty() ? "\"" : ", \"") + name + "\"";
  return out;
}

std::string with_bounding(const caps::CapSet& set, const std::string& text = kRuncSpec) {
  std::string from = R"("bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])";
  std::string out = text;
  out.replace(out.find(from), from.size(), "\"bounding\": [" + bounding_of(set) + "]");
  return out;
}

TEST(AuditOci, PrivilegedIsEveryCapabilityWithoutSeccompOrMasks) {
  // docker --privileged: every capability, no seccomp, no masked paths.
  std::string privileged = with_bounding(caps::CapSet::all(), edited(R"(,
    "maskedPaths": ["/proc/kcore", "/sys/firmware"])",
                                                                     ""));
  Workload w = read_one(privileged);
  ASSERT_TRUE(w.privileged);
  EXPECT_TRUE(w.privileged->value);
  EXPECT_EQ(w.privileged->where.line, 12);  // the bounding set
  std::vector<Finding> findings = evaluate_checks(w);
  std::set<std::string> found = ids(findings);
  EXPECT_TRUE(found.contains("BH-PRIVILEGED"));
  EXPECT_FALSE(found.contains("BH-CAP-SYSADMIN"));  // implied, not repeated

  // Either missing protection is enough (the runc spec has no seccomp).
  EXPECT_TRUE(read_one(with_bounding(caps::CapSet::all())).privileged);

  // Every capability, but with a seccomp filter and masked paths: all capabilities, not
  // privileged.
  std::string filtered = with_bounding(
      caps::CapSet::all(),
      edited("\"maskedPaths\"",
             "\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\"},\n    \"maskedPaths\""));
  w = read_one(filtered);
  EXPECT_FALSE(w.privileged);
  EXPECT_TRUE(ids(evaluate_checks(w)).contains("BH-CAP-ALL"));
}

TEST(AuditOci, PrivilegedFromAnOlderKernelLacksTheNewestCapabilities) {
  // A runtime on a kernel before 5.8 knows neither PERFMON, BPF nor CHECKPOINT_RESTORE.
  caps::CapSet set = caps::CapSet::all();
  for (const char* name : {"PERFMON", "BPF", "CHECKPOINT_RESTORE"})
    set.remove(*caps::cap_from_name(name));
  EXPECT_TRUE(read_one(with_bounding(set)).privileged);
  // But a set missing an older capability is not every capability.
  set.remove(*caps::cap_from_name("SYS_ADMIN"));
  EXPECT_FALSE(read_one(with_bounding(set)).privileged);
}

// ---- Leniency and errors -----------------------------------------------------------------

TEST(AuditOci, AcceptsWhatRuntimesWriteAndTheRuntimeRefuses) {
  // hooks, linux.devices, annotations, platform sections, unknown capability names and
  // fields Bulkhead has never heard of: audited or ignored, never refused.
  Workload w = read_one(edited("\"ociVersion\": \"1.0.2-dev\",", R"("ociVersion": "1.2.0",
  "hooks": {"prestart": [{"path": "/usr/bin/nvidia-container-runtime-hook", "args": ["prestart"]}]},
  "annotations": {"io.podman.annotations.autoremove": "TRUE", "org.opencontainers.image.os": "linux"},
  "windows": {"layerFolders": []},
  "vm": {"hypervisor": {"path": "/usr/bin/qemu"}},
  "domainname": "example.org",
  "x-vendor-extension": [1, 2, 3],)"));
  EXPECT_EQ(w.object, "config.json");
  w = read_one(edited(R"("bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])",
                      R"("bounding": ["CAP_KILL", "CAP_FROM_THE_FUTURE"])"));
  EXPECT_EQ(w.capabilities.effective_set->value, cap_set({"KILL"}));
  // Fields the audit does not read may hold anything.
  w = read_one(edited("\"terminal\": true", "\"terminal\": \"yes\", \"rlimits\": 7"));
  EXPECT_TRUE(w.user);
}

TEST(AuditOci, MalformedJsonIsALocatedError) {
  std::string message = message_of("{\n  \"process\": {\n    \"noNewPrivileges\": true,\n  }\n}");
  EXPECT_TRUE(message.starts_with("dir/config.json:4:")) << message;
  EXPECT_NE(message.find("JSON"), std::string::npos) << message;
  EXPECT_TRUE(message_of("").starts_with("dir/config.json:1:1:"));
  // Duplicate keys mean two things at once.
  message = message_of("{\"root\": {\"readonly\": true, \"readonly\": false}}");
  EXPECT_NE(message.find("duplicate"), std::string::npos) << message;
}

TEST(AuditOci, WrongTypesNameTheField) {
  struct Case {
    std::string from, to, expected;
  };
  std::vector<Case> cases = {
      {R"("bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])",
       R"("bounding": "CAP_KILL")", "dir/config.json:12:7: process.capabilities.bounding: "},
      {R"("bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])",
       R"("bounding": ["CAP_KILL", 21])", "process.capabilities.bounding[1]: "},
      {"\"noNewPrivileges\": true", "\"noNewPrivileges\": \"true\"",
       "dir/config.json:15:5: process.noNewPrivileges: "},
      {"\"uid\": 0", "\"uid\": -1", "process.user.uid: "},
      {"\"uid\": 0", "\"uid\": \"root\"", "process.user.uid: "},
      {"\"readonly\": true", "\"readonly\": 1", "root.readonly: "},
      {R"({"type": "pid"},)", R"("pid",)", "linux.namespaces[0]: "},
      {R"({"type": "pid"},)", R"({"type": 1},)", "linux.namespaces[0].type: "},
      {R"({"destination": "/proc", "type": "proc", "source": "proc"})",
       R"({"destination": "/proc", "type": "proc", "source": "proc", "options": "ro"})",
       "mounts[0].options: "},
      {"\"mounts\": [", "\"mounts\": {\"x\": 1}, \"y\": [", "mounts: "},
      {R"("maskedPaths": ["/proc/kcore", "/sys/firmware"])", R"("maskedPaths": "/proc/kcore")",
       "linux.maskedPaths: "},
      {R"("resources": {)", R"("resources": {"memory": {"limit": "1g"},)",
       "linux.resources.memory.limit: "},
      {R"("resources": {)", R"("resources": {"pids": 5,)", "linux.resources.pids: "},
      {R"("resources": {)", R"("sysctl": {"kernel.shmmax": 1}, "resources": {)",
       "linux.sysctl.kernel.shmmax: "},
      {R"("resources": {)", R"("seccomp": [], "resources": {)", "linux.seccomp: "},
      {"\"process\": {", "\"process\": [], \"x\": {", "process: "},
  };
  for (const Case& c : cases) {
    std::string message = message_of(edited(c.from, c.to));
    EXPECT_NE(message.find(c.expected), std::string::npos)
        << c.to << "\n  gives: " << message << "\n  expected: " << c.expected;
  }
  EXPECT_NE(message_of("[1, 2]").find("JSON object"), std::string::npos);
}

// ---- The spec `bulkhead run` builds ------------------------------------------------------

spec::HostFacts root_host() {
  spec::HostFacts host;
  host.arch = seccomp::Arch::X86_64;
  host.kernel = seccomp::KernelVersion{6, 1};
  return host;
}

spec::HostFacts rootless_host() {
  spec::HostFacts host = root_host();
  host.uid = 1000;
  host.gid = 1000;
  host.subuid = spec::IdRange{100000, 65536};
  host.subgid = spec::IdRange{100000, 65536};
  return host;
}

spec::Spec run_spec(std::vector<std::string> args, const spec::HostFacts& host = root_host()) {
  spec::RunFlags flags;
  flags.rootfs = "/images/busybox";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--privileged")
      flags.privileged = true;
    else if (a == "--read-only")
      flags.read_only = true;
    else if (a == "--cap-add")
      flags.cap_add.push_back(args[++i]);
    else if (a == "--cap-drop")
      flags.cap_drop.push_back(args[++i]);
    else if (a == "-v")
      flags.volumes.push_back(args[++i]);
    else if (a == "--security-opt")
      flags.security_opt.push_back(args[++i]);
    else if (a == "--userns")
      flags.userns = args[++i];
    else if (a == "--pid")
      flags.pid = args[++i];
    else if (a == "--network")
      flags.network = args[++i];
    else if (a == "--user")
      flags.user = args[++i];
    else
      ADD_FAILURE() << "unknown test flag " << a;
  }
  return spec::build_spec(flags, host).spec;
}

std::vector<Finding> run_findings(const spec::Spec& spec,
                                  const caps::CapSet& grantable = caps::CapSet::all()) {
  return evaluate_checks(workload_from_spec(spec, "container web", grantable));
}

std::vector<Finding> at_least(const std::vector<Finding>& findings, Severity severity) {
  std::vector<Finding> out;
  std::copy_if(findings.begin(), findings.end(), std::back_inserter(out),
               [&](const Finding& f) { return f.severity >= severity; });
  return out;
}

std::string describe(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) out += "\n  " + describe_floor_finding(f);
  return out;
}

TEST(AuditOciRunSpec, DefaultRunsHaveNoHighFindingAndPassTheFloorSilently) {
  struct Case {
    std::string name;
    spec::Spec spec;
  };
  std::vector<Case> cases = {
      {"root", run_spec({})},
      {"root --userns=auto", run_spec({"--userns", "auto"})},
      {"rootless", run_spec({}, rootless_host())},
      {"root --read-only --user 1000", run_spec({"--read-only", "--user", "1000:1000"})},
  };
  FloorPolicy policy = default_floor_policy();
  for (const Case& c : cases) {
    std::vector<Finding> findings = run_findings(c.spec);
    EXPECT_TRUE(at_least(findings, Severity::High).empty()) << c.name << describe(findings);
    FloorVerdict verdict = apply_floor(findings, policy, {});
    EXPECT_TRUE(verdict.refused.empty()) << c.name << describe(verdict.refused);
    EXPECT_TRUE(verdict.warned.empty()) << c.name << describe(verdict.warned);
    for (const Finding& f : findings) {
      EXPECT_EQ(f.object, "container web");
      EXPECT_EQ(f.format, InputFormat::OciConfig);
      EXPECT_EQ(f.where.line, 0);
    }
  }
  // The user namespace is what separates root in the container from root on the host.
  EXPECT_TRUE(ids(run_findings(run_spec({}))).contains("BH-RUN-AS-ROOT"));
  EXPECT_FALSE(ids(run_findings(run_spec({"--userns", "auto"}))).contains("BH-RUN-AS-ROOT"));
  EXPECT_FALSE(ids(run_findings(run_spec({}, rootless_host()))).contains("BH-HOST-USERNS"));
}

TEST(AuditOciRunSpec, PrivilegedIsRefused) {
  spec::Spec spec = run_spec({"--privileged"});
  Workload w = workload_from_spec(spec, "container web");
  ASSERT_TRUE(w.privileged);
  std::vector<Finding> findings = evaluate_checks(w);
  EXPECT_TRUE(ids(findings).contains("BH-PRIVILEGED")) << describe(findings);
  FloorVerdict verdict = apply_floor(findings, default_floor_policy(), {});
  ASSERT_EQ(verdict.refused.size(), 1u) << describe(verdict.refused);
  EXPECT_EQ(verdict.refused[0].check_id, "BH-PRIVILEGED");
  // Allowed: it starts, and says so.
  verdict = apply_floor(findings, default_floor_policy(), {"BH-PRIVILEGED"});
  EXPECT_TRUE(verdict.may_start());
  ASSERT_EQ(verdict.allowed.size(), 1u);
}

TEST(AuditOciRunSpec, PrivilegedOnAHostWhereRootLacksACapability) {
  // Here root has no CAP_SYS_RESOURCE: --privileged and --cap-add ALL give every other one.
  caps::CapSet grantable = caps::CapSet::all();
  grantable.remove(*caps::cap_from_name("SYS_RESOURCE"));
  spec::HostFacts host = root_host();
  host.available_caps = grantable;
  EXPECT_TRUE(
      ids(run_findings(run_spec({"--privileged"}, host), grantable)).contains("BH-PRIVILEGED"));
  std::vector<Finding> all = run_findings(run_spec({"--cap-add", "ALL"}, host), grantable);
  EXPECT_TRUE(ids(all).contains("BH-CAP-ALL")) << describe(all);
  EXPECT_FALSE(ids(all).contains("BH-PRIVILEGED"));  // seccomp and masks still apply
  // A caller whose bounding set is small does not make a default container look privileged.
  caps::CapSet small = caps::default_container_caps();
  host.available_caps = small;
  std::vector<Finding> findings = run_findings(run_spec({}, host), small);
  EXPECT_TRUE(at_least(findings, Severity::High).empty()) << describe(findings);
}

TEST(AuditOciRunSpec, WeakeningFlagsAreFound) {
  struct Case {
    std::vector<std::string> args;
    std::string check_id;
    FloorAction action;  // under the shipped policy
  };
  std::vector<Case> cases = {
      {{"-v", "/var/run/docker.sock:/var/run/docker.sock"},
       "BH-RUNTIME-SOCKET",
       FloorAction::Enforce},
      {{"-v", "/run/containerd:/run/containerd:ro"}, "BH-RUNTIME-SOCKET", FloorAction::Enforce},
      {{"-v", "/:/host"}, "BH-MOUNT-HOST-ROOT-RW", FloorAction::Enforce},
      {{"-v", "/:/host:ro"}, "BH-MOUNT-HOST-ROOT", FloorAction::Warn},
      {{"-v", "/etc:/host-etc"}, "BH-MOUNT-SENSITIVE-RW", FloorAction::Warn},
      {{"-v", "/etc:/host-etc:ro"}, "BH-MOUNT-SENSITIVE", FloorAction::Warn},
      {{"--cap-add", "SYS_ADMIN"}, "BH-CAP-SYSADMIN", FloorAction::Warn},
      {{"--cap-add", "NET_ADMIN"}, "BH-CAP-NETADMIN", FloorAction::Warn},
      {{"--cap-add", "SYS_TIME"}, "BH-CAP-ADDED-OTHER", FloorAction::Warn},
      {{"--cap-add", "ALL"}, "BH-CAP-ALL", FloorAction::Enforce},
      {{"--security-opt", "seccomp=unconfined"}, "BH-SECCOMP-UNCONFINED", FloorAction::Warn},
      {{"--security-opt", "no-new-privileges=false"}, "BH-NO-NEW-PRIVS", FloorAction::Warn},
      {{"--security-opt", "label=type:spc_t"}, "BH-SELINUX-DISABLED", FloorAction::Warn},
      {{"--pid", "host"}, "BH-HOST-PID", FloorAction::Warn},
      {{"--network", "host"}, "BH-HOST-NETWORK", FloorAction::Warn},
  };
  FloorPolicy policy = default_floor_policy();
  for (const Case& c : cases) {
    std::vector<Finding> findings = run_findings(run_spec(c.args));
    auto it = std::find_if(findings.begin(), findings.end(),
                           [&](const Finding& f) { return f.check_id == c.check_id; });
    ASSERT_NE(it, findings.end()) << join(c.args, " ") << describe(findings);
    EXPECT_EQ(policy.action_for(*it), c.action) << join(c.args, " ");
    EXPECT_FALSE(ids(findings).contains("BH-PRIVILEGED")) << join(c.args, " ");
  }
}

}  // namespace
}  // namespace bulkhead::audit
