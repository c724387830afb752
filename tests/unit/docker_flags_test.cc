// docker run flags → OCI spec: Docker's semantics with Bulkhead's stricter defaults, and an
// Error naming the flag for every value Bulkhead cannot honour.
#include "spec/docker_flags.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "base/strings.h"
#include "mac/landlock.h"
#include "seccomp/default_profile.h"

namespace bulkhead::spec {
namespace {

namespace fs = std::filesystem;

// A file under the test temp dir, removed at the end.
class TempFile {
 public:
  explicit TempFile(std::string_view content) {
    std::string pattern = (fs::temp_directory_path() / "bulkhead-flags-test.XXXXXX").string();
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw_errno("mkstemp");
    ::close(fd);
    path_ = pattern;
    write_file(path_, content);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

RunFlags flags_for(std::vector<std::string> command = {}) {
  RunFlags f;
  f.rootfs = "/var/lib/bulkhead/rootfs";
  f.command = std::move(command);
  return f;
}

HostFacts root_host() {
  HostFacts h;
  h.kernel = {6, 18};
  h.arch = seccomp::Arch::X86_64;
  return h;
}

Error build_error(const RunFlags& flags, const HostFacts& host = root_host()) {
  try {
    build_spec(flags, host);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an error";
  return Error("none");
}

const Mount* find_mount(const Spec& s, const std::string& destination) {
  for (const auto& m : s.mounts)
    if (m.destination == destination) return &m;
  return nullptr;
}

bool has_option(const Mount& m, const std::string& option) {
  return std::find(m.options.begin(), m.options.end(), option) != m.options.end();
}

// The rule a flat profile has for `name`, or nullptr.
const seccomp::SyscallRule* rule_for(const seccomp::Profile& p, const std::string& name) {
  for (const auto& r : p.syscalls)
    if (std::find(r.names.begin(), r.names.end(), name) != r.names.end()) return &r;
  return nullptr;
}

TEST(DockerFlags, SeedCommandGivesExactlyNetBindService) {
  RunFlags f = flags_for({"sh", "-c", "id -u"});
  f.cap_drop = {"ALL"};
  f.cap_add = {"NET_BIND_SERVICE"};
  f.security_opt = {"no-new-privileges"};
  Spec s = build_spec(f, root_host()).spec;
  ASSERT_TRUE(s.process.capabilities);
  const auto want = std::vector<std::string>{"CAP_NET_BIND_SERVICE"};
  EXPECT_EQ(s.process.capabilities->bounding.names(), want);
  EXPECT_EQ(s.process.capabilities->effective.names(), want);
  EXPECT_EQ(s.process.capabilities->permitted.names(), want);
  EXPECT_TRUE(s.process.capabilities->inheritable.empty());
  EXPECT_TRUE(s.process.capabilities->ambient.empty());
  EXPECT_TRUE(s.process.no_new_privileges);
  EXPECT_EQ(s.process.args, (std::vector<std::string>{"sh", "-c", "id -u"}));
  // Flattened for NET_BIND_SERVICE only: no SYS_ADMIN group, clone3 answers ENOSYS.
  ASSERT_TRUE(s.linux.seccomp);
  const auto* clone3 = rule_for(*s.linux.seccomp, "clone3");
  ASSERT_NE(clone3, nullptr);
  EXPECT_EQ(clone3->action, seccomp::ActionKind::Errno);
  EXPECT_EQ(clone3->errno_ret, std::optional<uint16_t>(38));
}

TEST(DockerFlags, Defaults) {
  BuiltSpec built = build_spec(flags_for(), root_host());
  const Spec& s = built.spec;
  EXPECT_TRUE(built.warnings.empty());
  EXPECT_EQ(s.process.args, std::vector<std::string>{"/bin/sh"});
  EXPECT_EQ(s.process.cwd, "/");
  EXPECT_FALSE(s.process.terminal);
  EXPECT_EQ(s.process.env,
            std::vector<std::string>{
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"});
  EXPECT_TRUE(s.process.no_new_privileges);  // stricter than Docker
  EXPECT_EQ(s.process.user.uid, 0u);
  ASSERT_TRUE(s.process.capabilities);
  EXPECT_EQ(s.process.capabilities->bounding, caps::default_container_caps());
  EXPECT_EQ(s.process.capabilities->effective, caps::default_container_caps());
  EXPECT_EQ(s.root.path, "/var/lib/bulkhead/rootfs");
  EXPECT_FALSE(s.root.readonly);
  EXPECT_TRUE(s.process.rlimits.empty());
  EXPECT_FALSE(s.linux.resources);
  EXPECT_TRUE(s.annotations.empty());

  // The default profile, flattened for x86_64: no archMap, no conditions left.
  ASSERT_TRUE(s.linux.seccomp);
  EXPECT_TRUE(s.linux.seccomp->arch_map.empty());
  EXPECT_EQ(s.linux.seccomp->architectures,
            (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  for (const auto& rule : s.linux.seccomp->syscalls) {
    EXPECT_TRUE(rule.includes.empty());
    EXPECT_TRUE(rule.excludes.empty());
  }
  EXPECT_NE(rule_for(*s.linux.seccomp, "chroot"), nullptr);  // SYS_CHROOT is a default cap
  EXPECT_EQ(rule_for(*s.linux.seccomp, "arch_prctl")->action, seccomp::ActionKind::Allow);
  EXPECT_EQ(rule_for(*s.linux.seccomp, "mount")->action, seccomp::ActionKind::Errno);

  for (auto t : {NamespaceType::Pid, NamespaceType::Ipc, NamespaceType::Uts, NamespaceType::Mount,
                 NamespaceType::Cgroup, NamespaceType::Network})
    EXPECT_TRUE(s.linux.has_namespace(t)) << namespace_type_name(t);
  EXPECT_FALSE(s.linux.has_namespace(NamespaceType::User));
  EXPECT_TRUE(s.linux.uid_mappings.empty());

  EXPECT_EQ(s.linux.masked_paths, default_masked_paths());
  EXPECT_EQ(s.linux.readonly_paths, default_readonly_paths());
  EXPECT_NE(std::find(s.linux.masked_paths.begin(), s.linux.masked_paths.end(), "/proc/kcore"),
            s.linux.masked_paths.end());

  std::vector<std::string> destinations;
  for (const auto& m : s.mounts) destinations.push_back(m.destination);
  EXPECT_EQ(destinations, (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/dev/shm",
                                                    "/dev/mqueue", "/sys", "/sys/fs/cgroup"}));
  EXPECT_EQ(find_mount(s, "/proc")->type, "proc");
  EXPECT_TRUE(has_option(*find_mount(s, "/sys"), "ro"));
  EXPECT_TRUE(has_option(*find_mount(s, "/sys/fs/cgroup"), "ro"));
  EXPECT_TRUE(has_option(*find_mount(s, "/dev/pts"), "gid=5"));
  EXPECT_TRUE(has_option(*find_mount(s, "/dev/shm"), "mode=1777"));

  // And the result is a valid config.json.
  Spec back = parse_spec(spec_to_json(s).dump(), "config.json");
  EXPECT_EQ(spec_to_json(back), spec_to_json(s));
}

TEST(DockerFlags, CapabilityArithmeticFollowsDocker) {
  auto caps_of = [](std::vector<std::string> add, std::vector<std::string> drop) {
    RunFlags f = flags_for();
    f.cap_add = std::move(add);
    f.cap_drop = std::move(drop);
    return build_spec(f, root_host()).spec.process.capabilities->bounding;
  };
  auto expected = caps::default_container_caps();
  expected.remove(*caps::cap_from_name("CHOWN"));
  expected.add(*caps::cap_from_name("SYS_PTRACE"));
  EXPECT_EQ(caps_of({"sys_ptrace"}, {"CAP_CHOWN"}), expected);
  EXPECT_EQ(caps_of({"CHOWN,KILL"}, {"all"}), caps::parse_cap_list("CHOWN,KILL"));
  auto all_but_admin = caps::CapSet::all();
  all_but_admin.remove(*caps::cap_from_name("SYS_ADMIN"));
  EXPECT_EQ(caps_of({"ALL"}, {"SYS_ADMIN"}), all_but_admin);
  EXPECT_EQ(caps_of({}, {"ALL"}), caps::CapSet{});
  // Added after dropped: a capability in both lists stays.
  EXPECT_TRUE(caps_of({"KILL"}, {"KILL"}).has(*caps::cap_from_name("KILL")));
}

TEST(DockerFlags, UnknownCapabilityNamesTheFlag) {
  RunFlags f = flags_for();
  f.cap_add = {"NET_ADMIN,FLY"};
  std::string what = build_error(f).what();
  EXPECT_NE(what.find("--cap-add"), std::string::npos) << what;
  EXPECT_NE(what.find("FLY"), std::string::npos) << what;
  f = flags_for();
  f.cap_drop = {"CAP_NOPE"};
  EXPECT_NE(std::string(build_error(f).what()).find("--cap-drop"), std::string::npos);
}

TEST(DockerFlags, NonRootUserGetsOnlyABoundingSet) {
  RunFlags f = flags_for();
  f.user = "1000:1000";
  f.group_add = {"5", "20,21"};
  Spec s = build_spec(f, root_host()).spec;
  EXPECT_EQ(s.process.user.uid, 1000u);
  EXPECT_EQ(s.process.user.gid, 1000u);
  EXPECT_EQ(s.process.user.additional_gids, (std::vector<uint32_t>{5, 20, 21}));
  EXPECT_EQ(s.process.capabilities->bounding, caps::default_container_caps());
  EXPECT_TRUE(s.process.capabilities->effective.empty());
  EXPECT_TRUE(s.process.capabilities->permitted.empty());
  EXPECT_TRUE(s.process.capabilities->ambient.empty());
  f.user = "1000";
  EXPECT_EQ(build_spec(f, root_host()).spec.process.user.gid, 0u);
}

TEST(DockerFlags, UserNamesAreRefused) {
  RunFlags f = flags_for();
  f.user = "nobody";
  Error e = build_error(f);
  EXPECT_NE(std::string(e.what()).find("--user"), std::string::npos);
  EXPECT_NE(e.message().find("name lookup inside the image is not supported"), std::string::npos);
  f.user = "0:wheel";
  EXPECT_NE(build_error(f).message().find("use a number"), std::string::npos);
  f = flags_for();
  f.group_add = {"staff"};
  EXPECT_NE(std::string(build_error(f).what()).find("--group-add"), std::string::npos);
  f = flags_for();
  f.user = "4294967295";
  EXPECT_NE(build_error(f).message().find("out of range"), std::string::npos);
}

TEST(DockerFlags, SecurityOptions) {
  RunFlags f = flags_for();
  for (auto opt : {"no-new-privileges=false", "no-new-privileges:false"}) {
    f.security_opt = {opt};
    EXPECT_FALSE(build_spec(f, root_host()).spec.process.no_new_privileges) << opt;
  }
  f.security_opt = {"no-new-privileges:true"};
  EXPECT_TRUE(build_spec(f, root_host()).spec.process.no_new_privileges);
  f.security_opt = {"no-new-privileges=maybe"};
  EXPECT_NE(std::string(build_error(f).what()).find("--security-opt"), std::string::npos);

  f.security_opt = {"seccomp=unconfined"};
  BuiltSpec unconfined = build_spec(f, root_host());
  EXPECT_FALSE(unconfined.spec.linux.seccomp);
  ASSERT_EQ(unconfined.warnings.size(), 1u);
  EXPECT_NE(unconfined.warnings[0].find("seccomp"), std::string::npos);

  f.security_opt = {"apparmor=bulkhead-default", "label=type:svirt_t", "label:level:s0:c1,c2"};
  Spec s = build_spec(f, root_host()).spec;
  EXPECT_EQ(s.process.apparmor_profile, "bulkhead-default");
  EXPECT_EQ(s.process.selinux_label, "system_u:system_r:svirt_t:s0:c1,c2");
  f.security_opt = {"apparmor=unconfined", "label=disable"};
  s = build_spec(f, root_host()).spec;
  EXPECT_EQ(s.process.apparmor_profile, "");
  EXPECT_EQ(s.process.selinux_label, "");

  for (auto bad :
       {"seccomp", "label=flavour:x", "label=disable,user:x", "selinux=on", "apparmor="}) {
    f.security_opt = {bad};
    EXPECT_NE(std::string(build_error(f).what()).find("--security-opt"), std::string::npos) << bad;
  }
  f.security_opt = {"label=disable", "label=user:u"};
  EXPECT_THROW(build_spec(f, root_host()), Error);
}

TEST(DockerFlags, SeccompFileIsFlattenedForTheContainersCapabilities) {
  TempFile profile(R"({"defaultAction": "SCMP_ACT_ERRNO",
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
    "syscalls": [{"names": ["read", "exit_group"], "action": "SCMP_ACT_ALLOW"},
                 {"names": ["mount"], "action": "SCMP_ACT_ALLOW",
                  "includes": {"caps": ["CAP_SYS_ADMIN"]}}]})");
  RunFlags f = flags_for();
  f.security_opt = {"seccomp=" + profile.path()};
  Spec s = build_spec(f, root_host()).spec;
  ASSERT_TRUE(s.linux.seccomp);
  EXPECT_EQ(s.linux.seccomp->architectures,
            (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}));
  EXPECT_EQ(rule_for(*s.linux.seccomp, "mount")->action, seccomp::ActionKind::Errno);
  f.cap_add = {"SYS_ADMIN"};
  s = build_spec(f, root_host()).spec;
  EXPECT_EQ(rule_for(*s.linux.seccomp, "mount")->action, seccomp::ActionKind::Allow);
  f.security_opt = {"seccomp=/nonexistent/profile.json"};
  EXPECT_THROW(build_spec(f, root_host()), Error);
}

TEST(DockerFlags, LandlockPolicyGoesIntoAnAnnotation) {
  TempFile policy("version: 1\npaths:\n  - path: /usr\n    access: [read, execute]\n");
  RunFlags f = flags_for();
  f.security_opt = {"landlock=" + policy.path()};
  Spec s = build_spec(f, root_host()).spec;
  ASSERT_TRUE(s.annotations.count(kLandlockAnnotation));
  auto back = mac::parse_landlock_policy(s.annotations.at(kLandlockAnnotation), "annotation");
  ASSERT_EQ(back.paths.size(), 1u);
  EXPECT_EQ(back.paths[0].paths, std::vector<std::string>{"/usr"});
  f.security_opt = {"landlock=unconfined"};
  EXPECT_FALSE(build_spec(f, root_host()).spec.annotations.count(kLandlockAnnotation));
}

TEST(DockerFlags, Privileged) {
  RunFlags f = flags_for();
  f.privileged = true;
  BuiltSpec built = build_spec(f, root_host());
  const Spec& s = built.spec;
  EXPECT_EQ(s.process.capabilities->bounding, caps::CapSet::all());
  EXPECT_EQ(s.process.capabilities->effective, caps::CapSet::all());
  EXPECT_EQ(s.process.capabilities->permitted, caps::CapSet::all());
  EXPECT_TRUE(s.process.capabilities->inheritable.empty());
  EXPECT_TRUE(s.process.capabilities->ambient.empty());
  EXPECT_FALSE(s.linux.seccomp);
  EXPECT_TRUE(s.linux.masked_paths.empty());
  EXPECT_TRUE(s.linux.readonly_paths.empty());
  EXPECT_FALSE(has_option(*find_mount(s, "/sys"), "ro"));
  EXPECT_FALSE(s.process.no_new_privileges);
  ASSERT_FALSE(built.warnings.empty());
  EXPECT_NE(built.warnings[0].find("--privileged"), std::string::npos);

  f.security_opt = {"no-new-privileges"};
  EXPECT_TRUE(build_spec(f, root_host()).spec.process.no_new_privileges);
}

TEST(DockerFlags, RootlessMappings) {
  HostFacts host = root_host();
  host.uid = 1000;
  host.gid = 1001;
  Spec s = build_spec(flags_for(), host).spec;
  EXPECT_TRUE(s.linux.has_namespace(NamespaceType::User));
  ASSERT_EQ(s.linux.uid_mappings.size(), 1u);
  EXPECT_EQ(s.linux.uid_mappings[0].container_id, 0u);
  EXPECT_EQ(s.linux.uid_mappings[0].host_id, 1000u);
  EXPECT_EQ(s.linux.uid_mappings[0].size, 1u);
  EXPECT_EQ(s.linux.gid_mappings[0].host_id, 1001u);
  // Only gid 0 exists: devpts cannot be given group 5.
  EXPECT_FALSE(has_option(*find_mount(s, "/dev/pts"), "gid=5"));

  host.subuid = IdRange{100000, 65536};
  host.subgid = IdRange{200000, 65536};
  s = build_spec(flags_for(), host).spec;
  ASSERT_EQ(s.linux.uid_mappings.size(), 2u);
  EXPECT_EQ(s.linux.uid_mappings[1].container_id, 1u);
  EXPECT_EQ(s.linux.uid_mappings[1].host_id, 100000u);
  EXPECT_EQ(s.linux.uid_mappings[1].size, 65536u);
  EXPECT_EQ(s.linux.gid_mappings[1].host_id, 200000u);
  EXPECT_TRUE(has_option(*find_mount(s, "/dev/pts"), "gid=5"));

  // A user that is not mapped cannot run.
  host.subuid.reset();
  host.subgid.reset();
  RunFlags f = flags_for();
  f.user = "1000";
  EXPECT_NE(std::string(build_error(f, host).what()).find("not mapped"), std::string::npos);

  // Rootless with the host network: sysfs cannot be mounted, /sys is bound read-only.
  f = flags_for();
  f.network = "host";
  s = build_spec(f, host).spec;
  EXPECT_FALSE(s.linux.has_namespace(NamespaceType::Network));
  EXPECT_EQ(find_mount(s, "/sys")->type, "bind");
  EXPECT_TRUE(has_option(*find_mount(s, "/sys"), "ro"));
  EXPECT_EQ(find_mount(s, "/sys/fs/cgroup"), nullptr);
}

TEST(DockerFlags, UsernsAutoAsRoot) {
  RunFlags f = flags_for();
  f.userns = "auto";
  Spec s = build_spec(f, root_host()).spec;
  EXPECT_TRUE(s.linux.has_namespace(NamespaceType::User));
  ASSERT_EQ(s.linux.uid_mappings.size(), 1u);
  EXPECT_EQ(s.linux.uid_mappings[0].container_id, 0u);
  EXPECT_EQ(s.linux.uid_mappings[0].host_id, 1000000000u);
  EXPECT_EQ(s.linux.uid_mappings[0].size, 65536u);
  EXPECT_EQ(s.linux.gid_mappings[0].host_id, 1000000000u);
  f.userns = "host";
  EXPECT_FALSE(build_spec(f, root_host()).spec.linux.has_namespace(NamespaceType::User));
  f.userns = "private";
  EXPECT_NE(std::string(build_error(f).what()).find("--userns"), std::string::npos);
}

TEST(DockerFlags, NetworkAndPid) {
  RunFlags f = flags_for();
  f.network = "none";
  EXPECT_TRUE(build_spec(f, root_host()).spec.linux.has_namespace(NamespaceType::Network));
  f.network = "host";
  BuiltSpec host_net = build_spec(f, root_host());
  EXPECT_FALSE(host_net.spec.linux.has_namespace(NamespaceType::Network));
  f.network = "bridge";
  Error e = build_error(f);
  EXPECT_NE(std::string(e.what()).find("--network"), std::string::npos);
  EXPECT_NE(e.message().find("only none and host"), std::string::npos);

  f = flags_for();
  f.pid = "host";
  BuiltSpec host_pid = build_spec(f, root_host());
  EXPECT_FALSE(host_pid.spec.linux.has_namespace(NamespaceType::Pid));
  ASSERT_EQ(host_pid.warnings.size(), 1u);
  EXPECT_NE(host_pid.warnings[0].find("--pid host"), std::string::npos);
  f.pid = "container:abc";
  EXPECT_NE(std::string(build_error(f).what()).find("--pid"), std::string::npos);
}

TEST(DockerFlags, Environment) {
  TempFile env_file("# comment\n\nA=from-file\n  B=two words \nHOME_DIR\nUNSET_ON_HOST\n");
  RunFlags f = flags_for();
  f.tty = true;
  f.hostname = "box";
  f.env_files = {env_file.path()};
  f.env = {"A=from-flag", "C", "EMPTY="};
  HostFacts host = root_host();
  host.environment = {{"C", "host-c"}, {"HOME_DIR", "/home/x"}};
  Spec s = build_spec(f, host).spec;
  EXPECT_TRUE(s.process.terminal);
  EXPECT_EQ(s.hostname, "box");
  EXPECT_EQ(s.process.env, (std::vector<std::string>{
                               "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                               "HOSTNAME=box", "TERM=xterm", "A=from-flag", "B=two words ",
                               "HOME_DIR=/home/x", "C=host-c", "EMPTY="}));

  TempFile bad("A=1\n=oops\n");
  f = flags_for();
  f.env_files = {bad.path()};
  Error e = build_error(f);
  ASSERT_TRUE(e.where());
  EXPECT_EQ(e.where()->file, bad.path());
  EXPECT_EQ(e.where()->line, 2);
  EXPECT_EQ(e.field(), "--env-file");
  f = flags_for();
  f.env = {"BAD NAME=1"};
  EXPECT_NE(std::string(build_error(f).what()).find("--env"), std::string::npos);
  f = flags_for();
  f.env_files = {"/nonexistent/env"};
  EXPECT_THROW(build_spec(f, root_host()), SystemError);
}

TEST(DockerFlags, WorkdirHostnameReadOnlyInit) {
  RunFlags f = flags_for();
  f.workdir = "/srv//app/";
  f.read_only = true;
  f.init = true;
  Spec s = build_spec(f, root_host()).spec;
  EXPECT_EQ(s.process.cwd, "/srv/app");
  EXPECT_TRUE(s.root.readonly);
  EXPECT_EQ(s.annotations.at(kInitAnnotation), "true");
  f.workdir = "relative";
  EXPECT_NE(std::string(build_error(f).what()).find("--workdir"), std::string::npos);
  f = flags_for();
  f.hostname = "bad host";
  EXPECT_NE(std::string(build_error(f).what()).find("--hostname"), std::string::npos);
  f = flags_for();
  f.rootfs = "rootfs";
  EXPECT_THROW(build_spec(f, root_host()), Error);
}

TEST(DockerFlags, Volumes) {
  RunFlags f = flags_for();
  f.volumes = {"/srv/data:/data:ro", "/srv/logs:/var/log:rw,rslave,z", "/tmp/x:/dev/shm"};
  f.tmpfs = {"/run:size=64m,exec", "/tmp"};
  BuiltSpec built = build_spec(f, root_host());
  const Spec& s = built.spec;
  const Mount* data = find_mount(s, "/data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->type, "bind");
  EXPECT_EQ(data->source, "/srv/data");
  EXPECT_EQ(data->options,
            (std::vector<std::string>{"rbind", "ro", "nosuid", "nodev", "rprivate"}));
  EXPECT_EQ(find_mount(s, "/var/log")->options,
            (std::vector<std::string>{"rbind", "nosuid", "nodev", "rslave"}));
  EXPECT_EQ(built.warnings.size(), 1u);  // z: no relabeling
  // A user mount replaces the default one at the same place.
  EXPECT_EQ(find_mount(s, "/dev/shm")->type, "bind");
  EXPECT_EQ(std::count_if(s.mounts.begin(), s.mounts.end(),
                          [](const Mount& m) { return m.destination == "/dev/shm"; }),
            1);
  const Mount* run = find_mount(s, "/run");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->type, "tmpfs");
  EXPECT_EQ(run->options,
            (std::vector<std::string>{"nosuid", "nodev", "noexec", "size=64m", "exec"}));
  EXPECT_EQ(find_mount(s, "/tmp")->options,
            (std::vector<std::string>{"nosuid", "nodev", "noexec"}));

  for (auto bad : {"myvolume:/data", "/a:relative", "/a:/b:rw,ro", "/a:/b:shared", "/a", "/a:/",
                   "/a:/proc/sys", "/a/../b:/c"}) {
    f = flags_for();
    f.volumes = {bad};
    EXPECT_NE(std::string(build_error(f).what()).find("--volume"), std::string::npos) << bad;
  }
  f = flags_for();
  f.volumes = {"myvolume:/data"};
  EXPECT_NE(build_error(f).message().find("named volumes are not supported"), std::string::npos);
  f = flags_for();
  f.volumes = {"/a:/x", "/b:/x/"};
  EXPECT_NE(build_error(f).message().find("duplicate"), std::string::npos);
  f = flags_for();
  f.tmpfs = {"/run:bogus"};
  EXPECT_NE(std::string(build_error(f).what()).find("--tmpfs"), std::string::npos);
}

TEST(DockerFlags, Resources) {
  RunFlags f = flags_for();
  f.memory = "512m";
  f.pids_limit = "100";
  f.cpus = "1.5";
  Spec s = build_spec(f, root_host()).spec;
  ASSERT_TRUE(s.linux.resources);
  EXPECT_EQ(s.linux.resources->memory_limit, std::optional<int64_t>(512LL << 20));
  EXPECT_EQ(s.linux.resources->pids_limit, std::optional<int64_t>(100));
  EXPECT_EQ(s.linux.resources->cpu_quota, std::optional<int64_t>(150000));
  EXPECT_EQ(s.linux.resources->cpu_period, std::optional<uint64_t>(100000));
  f = flags_for();
  f.pids_limit = "-1";
  EXPECT_FALSE(build_spec(f, root_host()).spec.linux.resources);

  EXPECT_EQ(parse_memory_size("1g"), std::optional<int64_t>(1LL << 30));
  EXPECT_EQ(parse_memory_size("64MB"), std::optional<int64_t>(64LL << 20));
  EXPECT_EQ(parse_memory_size("1.5k"), std::optional<int64_t>(1536));
  EXPECT_EQ(parse_memory_size("4096"), std::optional<int64_t>(4096));
  EXPECT_EQ(parse_memory_size("2kib"), std::optional<int64_t>(2048));
  for (auto bad : {"", "m", "12x", "-5m", "1..5m", "99999999999p"})
    EXPECT_FALSE(parse_memory_size(bad)) << bad;

  struct Bad {
    std::string RunFlags::*field;
    std::string value, flag;
  };
  for (const auto& bad : std::vector<Bad>{{&RunFlags::memory, "lots", "--memory"},
                                          {&RunFlags::memory, "0", "--memory"},
                                          {&RunFlags::pids_limit, "ten", "--pids-limit"},
                                          {&RunFlags::pids_limit, "-2", "--pids-limit"},
                                          {&RunFlags::cpus, "0", "--cpus"},
                                          {&RunFlags::cpus, "1.", "--cpus"},
                                          {&RunFlags::cpus, "two", "--cpus"}}) {
    f = flags_for();
    f.*bad.field = bad.value;
    EXPECT_NE(std::string(build_error(f).what()).find(bad.flag), std::string::npos) << bad.value;
  }
}

TEST(DockerFlags, Ulimits) {
  RunFlags f = flags_for();
  f.ulimits = {"nofile=1024:2048", "core=0", "stack=-1"};
  Spec s = build_spec(f, root_host()).spec;
  ASSERT_EQ(s.process.rlimits.size(), 3u);
  EXPECT_EQ(s.process.rlimits[0].type, "RLIMIT_NOFILE");
  EXPECT_EQ(s.process.rlimits[0].soft, 1024u);
  EXPECT_EQ(s.process.rlimits[0].hard, 2048u);
  EXPECT_EQ(s.process.rlimits[1].type, "RLIMIT_CORE");
  EXPECT_EQ(s.process.rlimits[1].hard, 0u);
  EXPECT_EQ(s.process.rlimits[2].soft, UINT64_MAX);
  for (auto bad : {"nofile", "files=1", "nofile=2:1", "nofile=a", "nofile=1:2:3"}) {
    f.ulimits = {bad};
    EXPECT_NE(std::string(build_error(f).what()).find("--ulimit"), std::string::npos) << bad;
  }
  f.ulimits = {"nofile=1", "nofile=2"};
  EXPECT_THROW(build_spec(f, root_host()), Error);
}

}  // namespace
}  // namespace bulkhead::spec

namespace bulkhead::spec {
namespace {

// A caller whose own bounding set lacks SYS_RESOURCE (as root on this kind of machine): ALL and
// --privileged mean what the caller has; naming the missing one is an error, not a failed start.
TEST(DockerFlagsAvailableCaps, AllMeansWhatTheCallerHas) {
  HostFacts host;
  host.kernel = {6, 18};
  host.arch = seccomp::Arch::X86_64;
  host.available_caps = caps::CapSet::all();
  host.available_caps.remove(*caps::cap_from_name("SYS_RESOURCE"));

  RunFlags privileged;
  privileged.rootfs = "/rootfs";
  privileged.privileged = true;
  BuiltSpec built = build_spec(privileged, host);
  ASSERT_TRUE(built.spec.process.capabilities);
  EXPECT_EQ(built.spec.process.capabilities->bounding, host.available_caps);

  RunFlags add_all;
  add_all.rootfs = "/rootfs";
  add_all.cap_add = {"ALL"};
  add_all.cap_drop = {"NET_ADMIN"};
  caps::CapSet expected = host.available_caps;
  expected.remove(*caps::cap_from_name("NET_ADMIN"));
  EXPECT_EQ(build_spec(add_all, host).spec.process.capabilities->bounding, expected);

  RunFlags add_missing;
  add_missing.rootfs = "/rootfs";
  add_missing.cap_add = {"SYS_RESOURCE"};
  try {
    build_spec(add_missing, host);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CAP_SYS_RESOURCE"), std::string::npos) << e.what();
  }
}

// Found by fuzz_docker_flags: an OCI spec is JSON and holds only UTF-8, so a flag value that is
// not must be an Error naming the flag, not an exception from the JSON writer.
TEST(DockerFlagsUtf8, ValuesThatAreNotUtf8AreRefusedByFlag) {
  RunFlags command;
  command.rootfs = "/rootfs";
  command.command = {"echo", "\xff"};
  RunFlags hostname;
  hostname.rootfs = "/rootfs\xc3";
  for (const RunFlags& flags : {command, hostname}) {
    try {
      build_spec(flags, HostFacts{});
      ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace bulkhead::spec
