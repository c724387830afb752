// The OCI runtime spec reader and writer: strict reading (errors with file, line, column and
// field), refusal of what Bulkhead cannot enforce, and the round trip through spec_to_json().
#include "spec/spec.h"

#include <gtest/gtest.h>

#include "seccomp/default_profile.h"
#include "seccomp/flatten.h"

namespace bulkhead::spec {
namespace {

const char* kMinimal = R"({
  "ociVersion": "1.0.2",
  "process": {"args": ["/bin/sh"], "cwd": "/"},
  "root": {"path": "rootfs"}
})";

Error parse_error(const std::string& text) {
  try {
    parse_spec(text, "config.json");
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an error for: " << text;
  return Error("none");
}

std::string with_process(const std::string& members) {
  return R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"},
  "process": {"args": ["/bin/sh"], "cwd": "/", )" +
         members + "}}";
}

std::string with_linux(const std::string& members) {
  return R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"},
  "process": {"args": ["/bin/sh"], "cwd": "/"}, "linux": {)" +
         members + "}}";
}

TEST(SpecReader, ReadsAMinimalConfig) {
  Spec s = parse_spec(kMinimal, "config.json");
  EXPECT_EQ(s.oci_version, "1.0.2");
  EXPECT_EQ(s.process.args, std::vector<std::string>{"/bin/sh"});
  EXPECT_EQ(s.root.path, "rootfs");
  EXPECT_FALSE(s.process.capabilities);
  EXPECT_FALSE(s.linux.seccomp);
}

TEST(SpecReader, ReadsAFullConfig) {
  Spec s = parse_spec(R"({
  "ociVersion": "1.1.0",
  "process": {
    "terminal": true, "consoleSize": {"height": 24, "width": 80},
    "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [5, 20]},
    "args": ["sh", "-c", "id"], "env": ["PATH=/bin", "A=b=c"], "cwd": "/work",
    "capabilities": {"bounding": ["CAP_NET_BIND_SERVICE", "chown"], "effective": ["CAP_CHOWN"],
                     "inheritable": [], "permitted": ["CAP_CHOWN"], "ambient": []},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 512}],
    "noNewPrivileges": true, "apparmorProfile": "p", "selinuxLabel": "a:b:c:d",
    "oomScoreAdj": -500
  },
  "root": {"path": "/r", "readonly": true},
  "hostname": "box",
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid"]}],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/x"}, {"type": "user"}],
    "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
    "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
    "sysctl": {"net.ipv4.ip_forward": "0"},
    "resources": {"memory": {"limit": 536870912, "swap": -1}, "pids": {"limit": 64},
                  "cpu": {"quota": 150000, "period": 100000, "shares": 512},
                  "devices": [], "blockIO": {}},
    "cgroupsPath": "/bulkhead/x",
    "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                "architectures": ["SCMP_ARCH_X86_64"],
                "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]},
    "rootfsPropagation": "rprivate",
    "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"], "mountLabel": "m",
    "devices": []
  },
  "annotations": {"run.bulkhead.init": "true"},
  "hooks": {}
})",
                      "config.json");
  EXPECT_TRUE(s.process.terminal);
  ASSERT_TRUE(s.process.console_size);
  EXPECT_EQ(s.process.console_size->width, 80u);
  EXPECT_EQ(s.process.user.uid, 1000u);
  EXPECT_EQ(s.process.user.umask, std::optional<uint32_t>(18));
  EXPECT_EQ(s.process.user.additional_gids, (std::vector<uint32_t>{5, 20}));
  ASSERT_TRUE(s.process.capabilities);
  EXPECT_EQ(s.process.capabilities->bounding.names(),
            (std::vector<std::string>{"CAP_CHOWN", "CAP_NET_BIND_SERVICE"}));
  EXPECT_TRUE(s.process.capabilities->ambient.empty());
  ASSERT_EQ(s.process.rlimits.size(), 1u);
  EXPECT_EQ(s.process.rlimits[0].soft, 512u);
  EXPECT_TRUE(s.process.no_new_privileges);
  EXPECT_EQ(s.process.oom_score_adj, std::optional<int>(-500));
  EXPECT_TRUE(s.root.readonly);
  EXPECT_EQ(s.hostname, "box");
  ASSERT_EQ(s.mounts.size(), 1u);
  EXPECT_TRUE(s.linux.has_namespace(NamespaceType::User));
  EXPECT_FALSE(s.linux.has_namespace(NamespaceType::Ipc));
  ASSERT_NE(s.linux.find_namespace(NamespaceType::Network), nullptr);
  EXPECT_EQ(s.linux.find_namespace(NamespaceType::Network)->path, "/run/netns/x");
  EXPECT_EQ(s.linux.uid_mappings[0].host_id, 1000u);
  ASSERT_TRUE(s.linux.resources);
  EXPECT_EQ(s.linux.resources->memory_limit, std::optional<int64_t>(536870912));
  EXPECT_EQ(s.linux.resources->memory_swap, std::optional<int64_t>(-1));
  EXPECT_EQ(s.linux.resources->pids_limit, std::optional<int64_t>(64));
  EXPECT_EQ(s.linux.resources->cpu_quota, std::optional<int64_t>(150000));
  EXPECT_EQ(s.linux.resources->cpu_shares, std::optional<uint64_t>(512));
  ASSERT_TRUE(s.linux.seccomp);
  EXPECT_EQ(s.linux.seccomp->syscalls.size(), 1u);
  EXPECT_EQ(s.linux.sysctl.at("net.ipv4.ip_forward"), "0");
  EXPECT_EQ(s.annotations.at(kInitAnnotation), "true");
}

TEST(SpecReader, ErrorsNameFileLineColumnAndField) {
  Error e = parse_error(R"({
  "ociVersion": "1.0.2",
  "process": {"args": ["/bin/sh"], "cwd": "/",
              "user": {"uid": "root", "gid": 0}},
  "root": {"path": "rootfs"}
})");
  ASSERT_TRUE(e.where());
  EXPECT_EQ(e.where()->file, "config.json");
  EXPECT_EQ(e.where()->line, 4);
  EXPECT_GT(e.where()->column, 1);
  EXPECT_EQ(e.field(), "process.user.uid");
  EXPECT_NE(std::string(e.what()).find("config.json:4:"), std::string::npos) << e.what();
}

TEST(SpecReader, UnknownFieldsAreErrors) {
  Error e = parse_error(with_process(R"("argz": ["x"])"));
  EXPECT_EQ(e.field(), "process.argz");
  EXPECT_NE(e.message().find("unknown field"), std::string::npos);
  EXPECT_EQ(parse_error(R"({"ociVersion": "1.0.2", "process": {"args": ["a"], "cwd": "/"},
    "root": {"path": "r"}, "extra": 1})")
                .field(),
            "extra");
  EXPECT_EQ(parse_error(with_linux(R"("namespace": [])")).field(), "linux.namespace");
}

TEST(SpecReader, FieldsBulkheadCannotEnforceAreRefused) {
  struct Case {
    std::string text, field;
  };
  std::vector<Case> cases = {
      {R"({"ociVersion": "1.0.2", "process": {"args": ["a"], "cwd": "/"}, "root": {"path": "r"},
          "hooks": {"prestart": [{"path": "/bin/true"}]}})",
       "hooks"},
      {with_linux(R"("devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}])"),
       "linux.devices"},
      {with_linux(R"("intelRdt": {"closID": "x"})"), "linux.intelRdt"},
      {with_linux(R"("personality": {"domain": "LINUX32"})"), "linux.personality"},
      {with_process(R"("ioPriority": {"class": "IOPRIO_CLASS_IDLE", "priority": 0})"),
       "process.ioPriority"},
      {with_process(R"("scheduler": {"policy": "SCHED_IDLE"})"), "process.scheduler"},
      {R"({"ociVersion": "1.0.2", "process": {"args": ["a"], "cwd": "/"}, "root": {"path": "r"},
          "windows": {"layerFolders": ["x"]}})",
       "windows"},
      {with_linux(R"("resources": {"memory": {"reservation": 1024}})"),
       "linux.resources.memory.reservation"},
      {with_linux(R"("resources": {"cpu": {"cpus": "0-1"}})"), "linux.resources.cpu.cpus"},
      {with_linux(R"("resources": {"blockIO": {"weight": 10}})"), "linux.resources.blockIO"},
      {with_linux(R"("resources": {"devices": [{"allow": false, "access": "rwm"}]})"),
       "linux.resources.devices"},
  };
  for (const auto& c : cases) {
    Error e = parse_error(c.text);
    EXPECT_EQ(e.field(), c.field) << e.what();
    EXPECT_NE(e.message().find("not supported"), std::string::npos) << e.what();
  }
}

TEST(SpecReader, ValidatesValues) {
  EXPECT_EQ(parse_error(with_process(R"("capabilities": {"bounding": ["CAP_FLY"]})")).message(),
            "unknown capability \"CAP_FLY\"");
  EXPECT_EQ(parse_error(with_process(R"("capabilities": {"bounding": ["CAP_FLY"]})")).field(),
            "process.capabilities.bounding[0]");
  Error rl =
      parse_error(with_process(R"("rlimits": [{"type": "RLIMIT_FLY", "hard": 1, "soft": 1}])"));
  EXPECT_EQ(rl.field(), "process.rlimits[0].type");
  EXPECT_NE(rl.message().find("RLIMIT_FLY"), std::string::npos);
  EXPECT_EQ(
      parse_error(with_process(R"("rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1, "soft": 2}])"))
          .field(),
      "process.rlimits[0].soft");
  Error ns = parse_error(with_linux(R"("namespaces": [{"type": "pid"}, {"type": "pid"}])"));
  EXPECT_EQ(ns.field(), "linux.namespaces[1].type");
  EXPECT_NE(ns.message().find("twice"), std::string::npos);
  EXPECT_EQ(parse_error(with_linux(R"("namespaces": [{"type": "pidx"}])")).field(),
            "linux.namespaces[0].type");
  EXPECT_EQ(parse_error(with_process(R"("terminal": "yes")")).field(), "process.terminal");
  EXPECT_EQ(parse_error(with_process(R"("oomScoreAdj": 5000)")).field(), "process.oomScoreAdj");
  EXPECT_EQ(parse_error(with_linux(R"("annotations": 1)")).field(), "linux.annotations");
  EXPECT_EQ(parse_error(R"({"ociVersion": "1.0.2", "process": {"args": ["a"], "cwd": "/"},
    "root": {"path": "r"}, "annotations": {"a": 1}})")
                .field(),
            "annotations.a");
  EXPECT_EQ(parse_error(R"({"ociVersion": "2.0.0", "process": {"args": ["a"], "cwd": "/"},
    "root": {"path": "r"}})")
                .field(),
            "ociVersion");
  EXPECT_EQ(parse_error(R"({"ociVersion": "1.0.2", "root": {"path": "r"}})").field(), "process");
  EXPECT_EQ(parse_error(with_process(R"("user": {"uid": -1, "gid": 0})")).field(),
            "process.user.uid");
  EXPECT_EQ(parse_error(with_linux(R"("uidMappings": [{"containerID": 0, "hostID": 1}])")).field(),
            "linux.uidMappings[0].size");
}

TEST(SpecReader, SeccompIsReadWithItsPositionsAndMustBeFlat) {
  Error bad = parse_error(with_linux(R"("seccomp": {"defaultAction": "SCMP_ACT_ERRNO",
    "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALOW"}]})"));
  EXPECT_EQ(bad.field(), "linux.seccomp.syscalls[0].action");
  ASSERT_TRUE(bad.where());
  EXPECT_EQ(bad.where()->line, 3);
  Error cond = parse_error(with_linux(R"("seccomp": {"defaultAction": "SCMP_ACT_ERRNO",
    "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ALLOW",
                  "includes": {"caps": ["CAP_SYS_ADMIN"]}}]})"));
  EXPECT_EQ(cond.field(), "linux.seccomp.syscalls[0].includes");
}

TEST(SpecWriter, WritesOciNames) {
  Spec s = parse_spec(kMinimal, "config.json");
  s.process.capabilities = Capabilities{caps::parse_cap_list("CHOWN"), {}, {}, {}, {}};
  s.linux.uid_mappings = {{0, 1000, 1}};
  s.linux.namespaces = {{NamespaceType::User, ""}, {NamespaceType::Network, "/proc/1/ns/net"}};
  s.linux.resources = Resources{};
  s.linux.resources->pids_limit = 10;
  auto j = spec_to_json(s);
  EXPECT_EQ(j["ociVersion"], "1.0.2");
  EXPECT_EQ(j["process"]["capabilities"]["bounding"], nlohmann::json({"CAP_CHOWN"}));
  EXPECT_EQ(j["process"]["capabilities"]["ambient"], nlohmann::json::array());
  EXPECT_EQ(j["linux"]["uidMappings"][0]["containerID"], 0);
  EXPECT_EQ(j["linux"]["uidMappings"][0]["hostID"], 1000);
  EXPECT_EQ(j["linux"]["namespaces"][1]["type"], "network");
  EXPECT_EQ(j["linux"]["namespaces"][1]["path"], "/proc/1/ns/net");
  EXPECT_EQ(j["linux"]["resources"]["pids"]["limit"], 10);
  EXPECT_FALSE(j["linux"].contains("seccomp"));
}

TEST(SpecWriter, RefusesAnUnflattenedSeccompProfile) {
  Spec s = parse_spec(kMinimal, "config.json");
  s.linux.seccomp = seccomp::default_profile();  // archMap and includes/excludes
  EXPECT_THROW(spec_to_json(s), Error);
}

TEST(SpecWriter, RoundTrips) {
  Spec s = parse_spec(kMinimal, "config.json");
  s.process.terminal = true;
  s.process.console_size = ConsoleSize{40, 120};
  s.process.user = User{1000, 100, 022, {5, 7}};
  s.process.env = {"PATH=/bin", "X=1"};
  s.process.cwd = "/srv";
  s.process.capabilities = Capabilities{caps::parse_cap_list("CHOWN,KILL"),
                                        caps::parse_cap_list("KILL"),
                                        {},
                                        caps::parse_cap_list("KILL"),
                                        {}};
  s.process.rlimits = {{"RLIMIT_NOFILE", 2048, 1024}, {"RLIMIT_CORE", 0, 0}};
  s.process.no_new_privileges = true;
  s.process.apparmor_profile = "bulkhead-default";
  s.process.selinux_label = "system_u:system_r:container_t:s0";
  s.process.oom_score_adj = 100;
  s.root = Root{"/var/lib/r", true};
  s.hostname = "abc";
  s.mounts = {{"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}},
              {"/data", "bind", "/srv/data", {"rbind", "ro"}}};
  s.linux.namespaces = {
      {NamespaceType::Pid, ""}, {NamespaceType::User, ""}, {NamespaceType::Time, ""}};
  s.linux.uid_mappings = {{0, 1000, 1}, {1, 100000, 65536}};
  s.linux.gid_mappings = {{0, 1000, 1}};
  s.linux.sysctl = {{"kernel.msgmax", "8192"}};
  Resources r;
  r.memory_limit = 1 << 30;
  r.memory_swap = -1;
  r.pids_limit = 100;
  r.cpu_quota = 50000;
  r.cpu_period = 100000;
  r.cpu_shares = 1024;
  s.linux.resources = r;
  s.linux.cgroups_path = "/bulkhead/abc";
  seccomp::ResolveOptions options;
  options.native = seccomp::Arch::X86_64;
  s.linux.seccomp = seccomp::flatten(seccomp::default_profile(), options);
  s.linux.rootfs_propagation = "rslave";
  s.linux.masked_paths = {"/proc/kcore"};
  s.linux.readonly_paths = {"/proc/sys"};
  s.linux.mount_label = "system_u:object_r:container_file_t:s0";
  s.annotations = {{kLandlockAnnotation, "{}"}, {"org.example/x", "y"}};

  auto json = spec_to_json(s);
  Spec back = parse_spec(json.dump(2), "written.json");
  EXPECT_EQ(spec_to_json(back), json);
  EXPECT_EQ(back.process.user.additional_gids, s.process.user.additional_gids);
  EXPECT_EQ(back.process.capabilities->bounding, s.process.capabilities->bounding);
  EXPECT_EQ(back.linux.uid_mappings.size(), 2u);
  EXPECT_EQ(back.linux.resources->cpu_period, r.cpu_period);
  ASSERT_TRUE(back.linux.seccomp);
  EXPECT_EQ(back.linux.seccomp->syscalls.size(), s.linux.seccomp->syscalls.size());
  EXPECT_EQ(back.linux.seccomp->architectures, s.linux.seccomp->architectures);
  EXPECT_EQ(back.annotations, s.annotations);
  EXPECT_EQ(back.linux.namespaces.size(), 3u);
  EXPECT_EQ(back.linux.namespaces[2].type, NamespaceType::Time);
}

TEST(SpecNames, NamespaceTypes) {
  for (auto t :
       {NamespaceType::Pid, NamespaceType::Network, NamespaceType::Mount, NamespaceType::Ipc,
        NamespaceType::Uts, NamespaceType::User, NamespaceType::Cgroup, NamespaceType::Time})
    EXPECT_EQ(namespace_type_from_name(namespace_type_name(t)), t);
  EXPECT_EQ(namespace_type_name(NamespaceType::Network), "network");
  EXPECT_FALSE(namespace_type_from_name("net"));
}

}  // namespace
}  // namespace bulkhead::spec
