// The live audit with real containers started by `bulkhead run` (as root, on the real kernel):
// `bulkhead audit --host` finds a deliberately weakened container's SYS_ADMIN, disabled seccomp
// and writable host root, and nothing of the kind in a hardened one; `bulkhead inspect`, run
// inside each of them, reports what that container may do. Other tests run containers at the
// same time, so every assertion looks only at this test's own container names.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "audit/checks.h"
#include "audit/host_scan.h"
#include "base/unique_fd.h"
#include "integration/container_harness.h"

namespace bulkhead::testing {
namespace {

constexpr const char* kImage = "builtin:busybox";

// `bulkhead run --name NAME FLAGS… builtin:busybox sleep 3600` in the background, up and running
// once constructed (its record says "running"); killed and reaped when destroyed.
class SleepingContainer {
 public:
  SleepingContainer(const ContainerContext& context, std::string name,
                    const std::vector<std::string>& flags)
      : context_(context), name_(std::move(name)) {
    std::vector<std::string> args = {"run", "--name", name_};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {kImage, "sleep", "3600"});
    run_ = context.start(args);
    poll_until([&] {
      if (run_->exited()) return true;
      nlohmann::json records =
          nlohmann::json::parse(context_.bulkhead({"ps", "--json"}).out, nullptr, false);
      if (!records.is_array()) return false;
      for (const auto& record : records)
        if (record.value("name", "") == name_ && record.value("status", "") == "running" &&
            record.contains("namespaces") && record["namespaces"].contains("pid")) {
          id_ = record.value("id", "");
          return true;
        }
      return false;
    });
    if (id_.empty())
      error_ = "container " + name_ +
               " did not start: " + (run_->exited() ? run_->wait().err : run_->errors_so_far());
  }
  SleepingContainer(const SleepingContainer&) = delete;
  SleepingContainer& operator=(const SleepingContainer&) = delete;
  ~SleepingContainer() {
    if (!run_->exited()) context_.bulkhead({"kill", name_, "KILL"});
    poll_until([&] { return run_->exited(); }, 60);
  }

  bool running() const { return !id_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  // The object the host scan names it by: "container NAME (ID-PREFIX)".
  std::string object() const { return "container " + name_ + " (" + id_.substr(0, 12) + ")"; }

 private:
  const ContainerContext& context_;
  std::string name_;
  std::string id_;
  std::string error_;
  std::unique_ptr<BackgroundProcess> run_;
};

// A Unix socket listening at PATH (it never accepts: connect() succeeds through the backlog),
// standing in for a container runtime's socket.
class ListeningSocket {
 public:
  explicit ListeningSocket(const std::string& path) : path_(path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    fd_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd_ || ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_.get(), 16) != 0)
      throw std::runtime_error("listening on " + path + ": " + std::strerror(errno));
  }
  ~ListeningSocket() { ::unlink(path_.c_str()); }

 private:
  std::string path_;
  UniqueFd fd_;
};

// The flags of the deliberately weakened container: SYS_ADMIN, no seccomp and the host's / at
// /host, writable (which the runtime floor refuses unless allowed).
const std::vector<std::string> kWeakened = {
    "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined",
    "-v",        "/:/host",   "--allow",        "BH-MOUNT-HOST-ROOT-RW"};
const std::vector<std::string> kHardened = {"--cap-drop", "ALL", "--read-only"};
// What the weakened container must show and the hardened one must not.
const std::vector<std::string> kWeakChecks = {"BH-CAP-SYSADMIN", "BH-SECCOMP-UNCONFINED",
                                              "BH-MOUNT-HOST-ROOT-RW"};

class AuditLive : public ::testing::Test {
 protected:
  void SetUp() override {
    BULKHEAD_REQUIRE_CONTAINERS();
    context_ = std::make_unique<ContainerContext>(Privilege::Root);
    suffix_ = std::to_string(::getpid());
  }
  void TearDown() override {
    if (context_) {
      EXPECT_EQ(context_->leftover_state(), std::vector<std::string>{});
    }
  }

  std::string name(const std::string& role) const { return "audit-live-" + role + "-" + suffix_; }

  std::unique_ptr<ContainerContext> context_;
  std::string suffix_;
};

std::vector<std::string> checks_of(const std::vector<audit::Finding>& findings,
                                   const std::string& object) {
  std::vector<std::string> ids;
  for (const audit::Finding& f : findings)
    if (f.object == object) ids.push_back(f.check_id);
  return ids;
}

std::vector<std::string> checks_of(const nlohmann::json& report, const std::string& object) {
  std::vector<std::string> ids;
  for (const auto& f : report.value("findings", nlohmann::json::array()))
    if (f.value("object", "") == object) ids.push_back(f.value("check", ""));
  return ids;
}

bool has(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += id + " ";
  return out;
}

TEST_F(AuditLive, HostScanTellsTheWeakenedContainerFromTheHardenedOne) {
  SleepingContainer hardened(*context_, name("hard"), kHardened);
  ASSERT_TRUE(hardened.running()) << hardened.error();
  SleepingContainer weakened(*context_, name("weak"), kWeakened);
  ASSERT_TRUE(weakened.running()) << weakened.error();

  // The library, as the CLI calls it.
  audit::HostScan scan =
      audit::scan_host({.proc_root = "/proc", .state_root = context_->state_dir()});
  std::vector<audit::Finding> findings;
  bool saw_hardened = false, saw_weakened = false;
  for (const audit::Workload& workload : scan.workloads) {
    saw_hardened = saw_hardened || workload.object == hardened.object();
    saw_weakened = saw_weakened || workload.object == weakened.object();
    std::vector<audit::Finding> found = audit::evaluate_checks(workload);
    findings.insert(findings.end(), found.begin(), found.end());
  }
  ASSERT_TRUE(saw_hardened) << "no workload " << hardened.object();
  ASSERT_TRUE(saw_weakened) << "no workload " << weakened.object();
  std::vector<std::string> weak_ids = checks_of(findings, weakened.object());
  std::vector<std::string> hard_ids = checks_of(findings, hardened.object());
  for (const std::string& id : kWeakChecks) {
    EXPECT_TRUE(has(weak_ids, id)) << id << " missing; weakened has: " << joined(weak_ids);
    EXPECT_FALSE(has(hard_ids, id)) << id << " on the hardened container: " << joined(hard_ids);
  }
  EXPECT_FALSE(has(hard_ids, "BH-ROOTFS-WRITABLE")) << joined(hard_ids);
  EXPECT_TRUE(has(weak_ids, "BH-ROOTFS-WRITABLE")) << joined(weak_ids);

  // The CLI: `bulkhead audit --host -o json` (records found through BULKHEAD_STATE_DIR).
  CommandResult cli = context_->bulkhead({"audit", "--host", "-o", "json"});
  ASSERT_EQ(cli.status, 0) << cli.err;
  nlohmann::json report = nlohmann::json::parse(cli.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << cli.out;
  weak_ids = checks_of(report, weakened.object());
  hard_ids = checks_of(report, hardened.object());
  for (const std::string& id : kWeakChecks) {
    EXPECT_TRUE(has(weak_ids, id))
        << id << " missing from the CLI report; weakened has: " << joined(weak_ids);
    EXPECT_FALSE(has(hard_ids, id)) << id << " on the hardened container: " << joined(hard_ids);
  }
  for (const auto& f : report["findings"]) {
    if (f.value("object", "") == weakened.object() &&
        f.value("check", "") == "BH-MOUNT-HOST-ROOT-RW") {
      EXPECT_NE(f.value("message", "").find("/host"), std::string::npos) << f.dump();
    }
  }
}

class AuditLiveInspect : public AuditLive {
 protected:
  // `bulkhead inspect ARGS…` in a fresh container started with FLAGS, with this build's
  // (static) binary mounted read-only at /bulkhead.
  CommandResult inspect(const std::string& role, const std::vector<std::string>& flags,
                        const std::vector<std::string>& inspect_args) {
    std::vector<std::string> args = {
        "run", "--rm", "--name", name(role), "-v", std::string(BULKHEAD_BINARY) + ":/bulkhead:ro"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {kImage, "/bulkhead", "inspect"});
    args.insert(args.end(), inspect_args.begin(), inspect_args.end());
    return context_->bulkhead(args);
  }
  nlohmann::json inspect_json(const std::string& role, const std::vector<std::string>& flags) {
    CommandResult r = inspect(role, flags, {"-o", "json"});
    EXPECT_EQ(r.status, 0) << r.err << r.out;
    nlohmann::json report = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(report.is_object())
        << "not JSON (is " BULKHEAD_BINARY " static?): " << r.out << r.err;
    return report.is_object() ? report : nlohmann::json::object();
  }
};

std::string probe_result(const nlohmann::json& report, const std::string& call) {
  for (const auto& probe : report["syscalls"]["probes"])
    if (probe.value("name", "") == call) return probe.value("result", "");
  return "(not probed)";
}

std::vector<std::string> strings(const nlohmann::json& array) {
  std::vector<std::string> out;
  for (const auto& item : array) out.push_back(item.get<std::string>());
  return out;
}

TEST_F(AuditLiveInspect, HardenedContainerBlocksTheDangerousCalls) {
  nlohmann::json report = inspect_json("inspect-hard", kHardened);
  ASSERT_TRUE(report.contains("syscalls")) << report.dump(2);
  for (const char* call : {"mount", "umount2", "bpf", "kexec_load", "init_module", "unshare",
                           "setns", "open_by_handle_at", "keyctl"}) {
    std::string result = probe_result(report, call);
    EXPECT_TRUE(result.starts_with("blocked")) << call << ": " << result << "\n" << report.dump(2);
  }
  // ptrace: blocked, or (like Docker's default profile on kernels since 4.8) let through to a
  // process that lacks CAP_SYS_PTRACE, and said so.
  for (const auto& probe : report["syscalls"]["probes"]) {
    if (probe.value("name", "") != "ptrace") continue;
    std::string result = probe.value("result", "");
    EXPECT_TRUE(result.starts_with("blocked") ||
                probe.value("detail", "").find("without CAP_SYS_PTRACE") != std::string::npos)
        << probe.dump();
  }
  EXPECT_EQ(strings(report["capabilities"]["effective"]), std::vector<std::string>{});
  EXPECT_EQ(strings(report["capabilities"]["bounding"]), std::vector<std::string>{});
  EXPECT_EQ(report["no_new_privs"], true);
  EXPECT_EQ(report["seccomp"]["mode"], "filter");
  EXPECT_EQ(report["root_filesystem"]["read_only"], true);
  EXPECT_EQ(report["user_namespace"]["verdict"],
            "root here is root on the host (no user namespace)");
  for (const auto& socket : report["runtime_sockets"]["sockets"])
    EXPECT_FALSE(socket.value("reachable", true)) << socket.dump();
  // The binary's own read-only bind is a host mount, and not writable.
  bool saw_binary = false;
  for (const auto& mount : report["host_mounts"]["mounts"]) {
    if (mount.value("destination", "") == "/bulkhead") saw_binary = true;
    EXPECT_FALSE(mount.value("writable", true)) << mount.dump();
  }
  EXPECT_TRUE(saw_binary) << report["host_mounts"].dump(2);
}

TEST_F(AuditLiveInspect, WeakenedContainerShowsWhatItMayDo) {
  std::string socket_dir = context_->host_dir();
  std::string socket_path = socket_dir + "/docker.sock";
  ListeningSocket runtime_socket(socket_path);
  std::vector<std::string> flags = kWeakened;
  flags.insert(flags.end(),
               {"-v", socket_path + ":/var/run/docker.sock", "--allow", "BH-RUNTIME-SOCKET"});
  nlohmann::json report = inspect_json("inspect-weak", flags);
  ASSERT_TRUE(report.contains("capabilities")) << report.dump(2);

  std::vector<std::string> effective = strings(report["capabilities"]["effective"]);
  EXPECT_TRUE(has(effective, "CAP_SYS_ADMIN")) << joined(effective);
  EXPECT_EQ(report["seccomp"]["mode"], "disabled");
  // Without seccomp, mount reaches the kernel (which rejects the NULL target, harmlessly).
  EXPECT_EQ(probe_result(report, "mount"), "allowed") << report["syscalls"].dump(2);

  bool host_writable = false;
  for (const auto& mount : report["host_mounts"]["mounts"])
    if (mount.value("destination", "") == "/host") host_writable = mount.value("writable", false);
  EXPECT_TRUE(host_writable) << report["host_mounts"].dump(2);

  bool reachable = false;
  for (const auto& socket : report["runtime_sockets"]["sockets"]) {
    std::string path = socket.value("path", "");
    if ((path == "/var/run/docker.sock" || path == "/run/docker.sock") &&
        socket.value("reachable", false))
      reachable = true;
  }
  EXPECT_TRUE(reachable) << report["runtime_sockets"].dump(2);
  EXPECT_NE(report["runtime_sockets"]["verdict"].get<std::string>().find("REACHABLE"),
            std::string::npos);
}

TEST_F(AuditLiveInspect, TextReportHasOneVerdictLinePerArea) {
  CommandResult r = inspect("inspect-text", kHardened, {});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* area :
       {"User namespace", "Capabilities", "Seccomp", "Dangerous calls", "no_new_privs", "LSM",
        "Runtime sockets", "Host mounts", "Root filesystem"})
    EXPECT_NE(("\n" + r.out).find(std::string("\n") + area + " "), std::string::npos)
        << area << " missing:\n"
        << r.out;
  EXPECT_NE(r.out.find("Root filesystem   read-only"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace bulkhead::testing
