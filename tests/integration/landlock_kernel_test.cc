// Landlock in the real kernel. A forked child applies a policy the way the runtime does (with
// CAP_SYS_ADMIN, no no_new_privs) and then tries what the policy forbids: reading outside the
// granted trees, writing into a read-only one, smuggling a read-only file into a writable
// directory, executing an unlisted program, TCP to an unlisted port, signalling out of its
// domain. Each attempt must fail, and what the policy grants must keep working. Also: the
// `bulkhead mac` commands, and the rendered AppArmor profile through apparmor_parser.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "mac/labels.h"
#include "mac/landlock.h"

namespace bulkhead::mac {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> landlock_unavailable(int needed_abi) {
  int abi = landlock_abi();
  if (abi >= needed_abi) return std::nullopt;
  return "this kernel's Landlock ABI is " + std::to_string(abi) + "; the test needs ABI " +
         std::to_string(needed_abi);
}

// CI runs on a kernel with Landlock ABI 7: there a skip would hide a broken setup, so it fails.
#define SKIP_UNLESS_LANDLOCK_ABI(abi)                                          \
  if (auto why = landlock_unavailable(abi)) {                                  \
    if (std::getenv("CI")) FAIL() << "kernel test cannot run in CI: " << *why; \
    GTEST_SKIP() << *why;                                                      \
  }

// 0 when the call succeeded, else its errno.
int outcome(long rc) {
  return rc < 0 ? errno : 0;
}

int open_outcome(const std::string& path, int flags, mode_t mode = 0644) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

struct ChildResult {
  nlohmann::json report;  // what the body returned; null when the child exec'd
  int exit_status = -1;
};

// Runs `body` in a forked child, so the Landlock domain never touches the test process. The
// child reports through a pipe (written before exit, closed by a successful exec).
ChildResult in_child(const std::function<nlohmann::json()>& body) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    read_end.reset();
    // restrict_self needs CAP_SYS_ADMIN or no_new_privs: the runtime relies on the former,
    // which root has; anyone else running the tests gets the latter.
    if (::geteuid() != 0) ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    std::string message;
    try {
      message = nlohmann::json{{"report", body()}}.dump();
    } catch (const std::exception& e) {
      message = nlohmann::json{{"error", e.what()}}.dump();
    }
    const char* data = message.data();
    size_t left = message.size();
    while (left > 0) {
      ssize_t n = ::write(write_end.get(), data, left);
      if (n <= 0) ::_exit(2);
      data += n;
      left -= static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  write_end.reset();
  std::string message;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    message.append(buf, static_cast<size_t>(n));
  }
  int wstatus = 0;
  if (::waitpid(pid, &wstatus, 0) < 0) throw_errno("waitpid");
  ChildResult result;
  result.exit_status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  if (message.empty()) return result;
  nlohmann::json parsed = nlohmann::json::parse(message);
  if (parsed.contains("error")) throw Error("in the child: " + parsed["error"].get<std::string>());
  result.report = parsed["report"];
  return result;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "bulkhead-landlock-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw_errno("mkdtemp");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// ---- Filesystem ---------------------------------------------------------------------------

// The seed's example on directories the test makes: nginx reads www and writes log.
struct NginxTree {
  TempDir root;
  std::string www = root / "www";
  std::string log = root / "log";
  std::string secret = root / "secret";

  NginxTree() {
    fs::create_directories(www + "/css");
    fs::create_directories(log);
    fs::create_directories(secret);
    write_file(www + "/index.html", "hello");
    write_file(www + "/css/site.css", "body{}");
    write_file(secret + "/key", "k");
    write_file(secret + "/public", "p");
  }

  std::string policy_text() const {
    return "version: 1\n"
           "paths:\n"
           "  - path: " +
           www +
           "\n"
           "    access: [read]\n"
           "  - path: " +
           log +
           "\n"
           "    access: [read, write]\n"
           "  - path: " +
           secret +
           "/public\n"  // a single file, not a directory
           "    access: [read]\n";
  }
};

TEST(LandlockKernel, NginxCanOnlyReadWwwAndWriteLog) {
  SKIP_UNLESS_LANDLOCK_ABI(3);
  NginxTree tree;
  LandlockPolicy policy = parse_landlock_policy(tree.policy_text(), "nginx.yaml");
  const std::string& www = tree.www;
  const std::string& log = tree.log;

  nlohmann::json r =
      in_child([&] {
        apply_landlock(policy);
        nlohmann::json report;
        // Granted.
        report["read www file"] = open_outcome(www + "/index.html", O_RDONLY);
        report["read www subdir file"] = open_outcome(www + "/css/site.css", O_RDONLY);
        report["list www"] = open_outcome(www, O_RDONLY | O_DIRECTORY);
        report["read single granted file"] = open_outcome(tree.secret + "/public", O_RDONLY);
        int fd =
            ::open((log + "/access.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        report["create log file"] = fd < 0 ? errno : 0;
        report["append to log"] = fd < 0 ? -1 : outcome(::write(fd, "GET /\n", 6) == 6 ? 0 : -1);
        if (fd >= 0) ::close(fd);
        report["mkdir in log"] = outcome(::mkdir((log + "/old").c_str(), 0755));
        // Rotation moves the log into a subdirectory: a reparenting rename (refer).
        report["rotate log"] =
            outcome(::rename((log + "/access.log").c_str(), (log + "/old/access.log.1").c_str()));
        report["create new log"] = open_outcome(log + "/access.log", O_WRONLY | O_CREAT | O_TRUNC);
        report["truncate log"] = outcome(::truncate((log + "/access.log").c_str(), 0));
        report["remove log"] = outcome(::unlink((log + "/access.log").c_str()));
        // Denied.
        report["read outside"] = open_outcome(tree.secret + "/key", O_RDONLY);
        report["list outside"] = open_outcome(tree.root.path(), O_RDONLY | O_DIRECTORY);
        report["read /etc/passwd"] = open_outcome("/etc/passwd", O_RDONLY);
        report["write www file"] = open_outcome(www + "/index.html", O_WRONLY);
        report["create in www"] = open_outcome(www + "/new.html", O_WRONLY | O_CREAT);
        report["truncate www file"] = outcome(::truncate((www + "/index.html").c_str(), 0));
        report["remove www file"] = outcome(::unlink((www + "/index.html").c_str()));
        report["mkdir in www"] = outcome(::mkdir((www + "/x").c_str(), 0755));
        report["symlink in www"] = outcome(::symlink("/etc/shadow", (www + "/s").c_str()));
        // A hard link or rename of a read-only file into the writable tree would make it writable.
        report["link www file into log"] =
            outcome(::link((www + "/index.html").c_str(), (log + "/index.html").c_str()));
        report["move www file into log"] =
            outcome(::rename((www + "/index.html").c_str(), (log + "/index.html").c_str()));
        report["mknod fifo in log"] = outcome(::mkfifo((log + "/fifo").c_str(), 0600));
        // The program itself must be executable under the policy: /bin is not listed.
        char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
        ::execv("/bin/true", argv);
        report["exec unlisted program"] = errno;
        return report;
      }).report;

  for (const char* granted :
       {"read www file", "read www subdir file", "list www", "read single granted file",
        "create log file", "append to log", "mkdir in log", "rotate log", "create new log",
        "truncate log", "remove log", "mknod fifo in log"})
    EXPECT_EQ(r.value(granted, -1), 0) << granted << ": " << std::strerror(r.value(granted, 0));
  for (const char* denied : {"read outside", "list outside", "read /etc/passwd", "write www file",
                             "create in www", "truncate www file", "remove www file",
                             "mkdir in www", "symlink in www", "exec unlisted program"})
    EXPECT_EQ(r.value(denied, -1), EACCES) << denied << ": " << std::strerror(r.value(denied, 0));
  // Landlock reports a refused reparenting as EXDEV, a missing right on the source as EACCES.
  for (const char* smuggle : {"link www file into log", "move www file into log"}) {
    int err = r.value(smuggle, -1);
    EXPECT_TRUE(err == EXDEV || err == EACCES) << smuggle << ": " << std::strerror(err);
  }

  // What the child did and did not manage, seen from outside the domain.
  EXPECT_EQ(read_file(log + "/old/access.log.1"), "GET /\n");
  EXPECT_EQ(read_file(www + "/index.html"), "hello");
  EXPECT_FALSE(fs::exists(www + "/new.html"));
  EXPECT_FALSE(fs::exists(log + "/index.html"));
}

TEST(LandlockKernel, ListedProgramsRun) {
  SKIP_UNLESS_LANDLOCK_ABI(1);
  std::string text = "version: 1\npaths:\n  - path: [";
  std::string sep;
  for (const char* dir : {"/bin", "/sbin", "/lib", "/lib64", "/usr"}) {
    if (!fs::exists(dir)) continue;
    text += sep + dir;
    sep = ", ";
  }
  text += "]\n    access: [read, execute]\n";
  LandlockPolicy policy = parse_landlock_policy(text, "exec.yaml");
  ChildResult child = in_child([&] {
    apply_landlock(policy);
    char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
    ::execv("/bin/true", argv);
    return nlohmann::json{{"exec", errno}};
  });
  EXPECT_TRUE(child.report.is_null()) << "execv failed: " << child.report.dump();
  EXPECT_EQ(child.exit_status, 0);
}

TEST(LandlockKernel, MissingPathIsAnErrorWithTheRuleLocation) {
  SKIP_UNLESS_LANDLOCK_ABI(1);
  TempDir dir;
  LandlockPolicy policy =
      parse_landlock_policy("version: 1\npaths:\n  - path: [" + dir.path() + ", " + dir.path() +
                                "/missing]\n"
                                "    access: [read]\n",
                            "p.yaml");
  try {
    LandlockRuleset::build(policy);
    FAIL() << "built a ruleset with a missing path";
  } catch (const Error& e) {
    ASSERT_TRUE(e.where().has_value()) << e.what();
    EXPECT_EQ(e.where()->line, 3);
    EXPECT_EQ(e.field(), "paths[0].path[1]");
    EXPECT_NE(e.message().find(dir.path() + "/missing"), std::string::npos) << e.what();
  }
}

// ---- TCP ----------------------------------------------------------------------------------

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

uint16_t local_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) throw_errno("getsockname");
  return ntohs(addr.sin_port);
}

// A listening TCP server on 127.0.0.1 and an ephemeral port.
UniqueFd loopback_server() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  sockaddr_in addr = loopback(0);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw_errno("bind");
  if (::listen(fd.get(), 8) != 0) throw_errno("listen");
  return fd;
}

// A loopback port nothing listens on right now.
uint16_t free_port() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr = loopback(0);
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw_errno("bind");
  return local_port(fd.get());
}

int tcp_outcome(bool do_connect, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  sockaddr_in addr = loopback(port);
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  int err = outcome(do_connect ? ::connect(fd, sa, sizeof addr) : ::bind(fd, sa, sizeof addr));
  ::close(fd);
  return err;
}

struct TcpSetup {
  UniqueFd allowed_server = loopback_server();
  UniqueFd other_server = loopback_server();
  uint16_t allowed_connect = local_port(allowed_server.get());
  uint16_t other_connect = local_port(other_server.get());
  uint16_t allowed_bind = free_port();
  uint16_t other_bind = free_port();

  std::string policy_text(bool best_effort) const {
    return "version: 1\nbest_effort: " + std::string(best_effort ? "true" : "false") +
           "\nnetwork:\n  bind: [" + std::to_string(allowed_bind) + "]\n  connect: [" +
           std::to_string(allowed_connect) + "]\n";
  }

  nlohmann::json probe() const {
    return {{"bind allowed", tcp_outcome(false, allowed_bind)},
            {"bind other", tcp_outcome(false, other_bind)},
            {"bind ephemeral", tcp_outcome(false, 0)},
            {"connect allowed", tcp_outcome(true, allowed_connect)},
            {"connect other", tcp_outcome(true, other_connect)}};
  }
};

TEST(LandlockKernel, TcpOnlyToListedPorts) {
  SKIP_UNLESS_LANDLOCK_ABI(4);
  TcpSetup tcp;
  ASSERT_NE(tcp.allowed_bind, tcp.other_bind);
  LandlockPolicy policy = parse_landlock_policy(tcp.policy_text(false), "tcp.yaml");
  nlohmann::json r = in_child([&] {
                       apply_landlock(policy);
                       return tcp.probe();
                     }).report;
  EXPECT_EQ(r["bind allowed"], 0) << r.dump();
  EXPECT_EQ(r["connect allowed"], 0) << r.dump();
  EXPECT_EQ(r["bind other"], EACCES) << r.dump();
  EXPECT_EQ(r["bind ephemeral"], EACCES) << r.dump();
  EXPECT_EQ(r["connect other"], EACCES) << r.dump();
}

// ---- ABI levels ---------------------------------------------------------------------------

TEST(LandlockKernel, BestEffortDropsWhatALowerAbiLacks) {
  SKIP_UNLESS_LANDLOCK_ABI(4);
  TcpSetup tcp;
  LandlockPolicy strict = parse_landlock_policy(tcp.policy_text(false), "tcp.yaml");
  EXPECT_THROW(LandlockRuleset::build(strict, 3), Error);

  LandlockPolicy lenient = parse_landlock_policy(tcp.policy_text(true), "tcp.yaml");
  nlohmann::json r = in_child([&] {
                       // As on a kernel with ABI 3: no TCP rules, filesystem rights up to truncate.
                       LandlockRuleset ruleset = LandlockRuleset::build(lenient, 3);
                       nlohmann::json report = tcp.probe();
                       report["handled_fs"] = ruleset.handled_fs();
                       report["handled_net"] = ruleset.handled_net();
                       ruleset.restrict_self();
                       report["after"] = tcp.probe();
                       report["read /etc/passwd"] = open_outcome("/etc/passwd", O_RDONLY);
                       return report;
                     }).report;
  EXPECT_EQ(r["handled_fs"], fs_rights_for_abi(3));
  EXPECT_EQ(r["handled_net"], 0);
  EXPECT_EQ(r["after"]["connect other"], 0) << r.dump();  // TCP left alone, as ABI 3 must
  EXPECT_EQ(r["read /etc/passwd"], EACCES) << r.dump();   // the filesystem is still confined
}

TEST(LandlockKernel, RulesetHandlesEverythingTheAbiKnows) {
  SKIP_UNLESS_LANDLOCK_ABI(1);
  LandlockPolicy policy = parse_landlock_policy("version: 1\n", "p.yaml");
  int abi = std::min(landlock_abi(), kMaxKnownAbi);
  for (int level = 1; level <= abi; ++level) {
    LandlockRuleset ruleset = LandlockRuleset::build(policy, level);
    EXPECT_EQ(ruleset.abi(), level);
    EXPECT_EQ(ruleset.handled_fs(), fs_rights_for_abi(level)) << "ABI " << level;
    EXPECT_EQ(ruleset.handled_net(), 0u);  // no network section: TCP is not restricted
  }
}

// ---- Scopes (ABI 6) -----------------------------------------------------------------------

TEST(LandlockKernel, ScopesStopSignalsAndAbstractSocketsLeavingTheDomain) {
  SKIP_UNLESS_LANDLOCK_ABI(6);
  // An abstract unix socket outside the domain (Linux names it by a leading NUL).
  UniqueFd server(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(server.valid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string name = "bulkhead-landlock-test-" + std::to_string(::getpid());
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  socklen_t addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  ASSERT_EQ(::bind(server.get(), reinterpret_cast<sockaddr*>(&addr), addr_len), 0);
  ASSERT_EQ(::listen(server.get(), 4), 0);

  auto probe = [&] {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int connect_err = outcome(::connect(fd, reinterpret_cast<sockaddr*>(&addr), addr_len));
    ::close(fd);
    return nlohmann::json{{"signal parent", outcome(::kill(::getppid(), 0))},
                          {"signal self", outcome(::kill(::getpid(), 0))},
                          {"connect abstract", connect_err}};
  };
  LandlockPolicy unscoped = parse_landlock_policy("version: 1\n", "p.yaml");
  nlohmann::json before = in_child([&] {
                            apply_landlock(unscoped);
                            return probe();
                          }).report;
  EXPECT_EQ(before["signal parent"], 0) << before.dump();
  EXPECT_EQ(before["connect abstract"], 0) << before.dump();

  LandlockPolicy scoped =
      parse_landlock_policy("version: 1\nscope: [abstract_unix_socket, signal]\n", "p.yaml");
  nlohmann::json after = in_child([&] {
                           apply_landlock(scoped);
                           return probe();
                         }).report;
  EXPECT_EQ(after["signal parent"], EPERM) << after.dump();
  EXPECT_EQ(after["signal self"], 0) << after.dump();
  EXPECT_EQ(after["connect abstract"], EPERM) << after.dump();
}

// ---- AppArmor and SELinux labels ---------------------------------------------------------

TEST(MacLabels, RequestedLabelsNeedTheirLsm) {
  EXPECT_NO_THROW(check_label_support("", ""));
  EXPECT_NO_THROW(apply_exec_labels("", ""));  // nothing requested: nothing written
  if (apparmor_enabled()) {
    EXPECT_NO_THROW(check_label_support("docker-default", ""));
  } else {
    try {
      check_label_support("docker-default", "");
      FAIL() << "an AppArmor profile was accepted on a kernel without AppArmor";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("AppArmor is not enabled"), std::string::npos)
          << e.what();
    }
  }
  if (selinux_enabled()) {
    EXPECT_NO_THROW(check_label_support("", "system_u:system_r:container_t:s0"));
  } else {
    try {
      check_label_support("", "system_u:system_r:container_t:s0");
      FAIL() << "an SELinux label was accepted on a kernel without SELinux";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("SELinux is not enabled"), std::string::npos)
          << e.what();
    }
  }
}

TEST(MacLabels, WritingALabelTheKernelCannotTakeFails) {
  // Without the LSM the kernel refuses the write (EINVAL or ENOENT, depending on which LSMs
  // are built in): the runtime must get an error, never a silently unconfined process.
  if (apparmor_enabled()) GTEST_SKIP() << "AppArmor is enabled: the write would succeed";
  EXPECT_THROW(in_child([] {
                 apply_exec_labels("bulkhead-no-such-profile", "");
                 return nlohmann::json();
               }),
               Error);
}

// ---- The CLI ------------------------------------------------------------------------------

struct CliResult {
  int status = -1;
  std::string out;
  std::string err;
};

std::string read_memfd(int fd) {
  std::string data;
  char buf[8192];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) data.append(buf, static_cast<size_t>(n));
  return data;
}

// Runs a program with stdout and stderr in memory files (no pipe can fill up and stall it).
CliResult run(const std::vector<std::string>& argv) {
  UniqueFd out(::memfd_create("stdout", MFD_CLOEXEC));
  UniqueFd err(::memfd_create("stderr", MFD_CLOEXEC));
  if (!out || !err) throw_errno("memfd_create");
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    if (::dup2(out.get(), 1) < 0 || ::dup2(err.get(), 2) < 0) ::_exit(126);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int wstatus = 0;
  if (::waitpid(pid, &wstatus, 0) < 0) throw_errno("waitpid");
  CliResult result;
  result.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  result.out = read_memfd(out.get());
  result.err = read_memfd(err.get());
  return result;
}

CliResult bulkhead(std::vector<std::string> args) {
  args.insert(args.begin(), BULKHEAD_BINARY);
  return run(args);
}

constexpr const char* kNginxPolicy = R"(version: 1
paths:
  - path: /var/www/html
    access: [read]
  - path: /var/log/nginx
    access: [read, write]
  - path: [/bin, /lib, /usr]
    access: [read, execute]
network:
  bind: [80]
  connect: [443, 5432]
)";

TEST(MacCli, Status) {
  CliResult r = bulkhead({"mac", "status"});
  ASSERT_EQ(r.status, 0) << r.err;
  int abi = landlock_abi();
  EXPECT_NE(r.out.find(abi ? "landlock: ABI " + std::to_string(abi) : "landlock: not available"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("apparmor: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("selinux: "), std::string::npos) << r.out;
  CliResult json = bulkhead({"mac", "status", "--json"});
  ASSERT_EQ(json.status, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["landlock_abi"], abi);
}

TEST(MacCli, LandlockCheck) {
  SKIP_UNLESS_LANDLOCK_ABI(4);
  TempDir dir;
  write_file(dir / "nginx.yaml", kNginxPolicy);
  CliResult ok = bulkhead({"mac", "landlock", "check", dir / "nginx.yaml"});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find("/var/log/nginx: read, write"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("tcp: bind 80; connect 443, 5432"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("required ABI: 4"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("verdict: enforced in full"), std::string::npos) << ok.out;

  CliResult low = bulkhead({"mac", "landlock", "check", dir / "nginx.yaml", "--kernel-abi", "3"});
  EXPECT_EQ(low.status, 1) << low.out << low.err;
  EXPECT_NE(low.out.find("beyond the kernel: TCP port rules (ABI 4)"), std::string::npos)
      << low.out;
  EXPECT_NE(low.out.find("verdict: refused"), std::string::npos) << low.out;

  write_file(dir / "lenient.yaml", std::string(kNginxPolicy) + "best_effort: true\n");
  CliResult lenient =
      bulkhead({"mac", "landlock", "check", dir / "lenient.yaml", "--kernel-abi", "3"});
  EXPECT_EQ(lenient.status, 0) << lenient.err;
  EXPECT_NE(lenient.out.find("verdict: enforced in part"), std::string::npos) << lenient.out;

  CliResult json = bulkhead({"mac", "landlock", "check", dir / "nginx.yaml", "--json"});
  ASSERT_EQ(json.status, 0) << json.err;
  nlohmann::json parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["required_abi"], 4);
  EXPECT_EQ(parsed["policy"], landlock_policy_to_json(parse_landlock_policy(kNginxPolicy, "x")));
}

TEST(MacCli, BadPolicyNamesFileLineColumnAndField) {
  TempDir dir;
  write_file(dir / "bad.yaml", "version: 1\npaths:\n  - path: /a\n    access: [read, exec]\n");
  CliResult r = bulkhead({"mac", "landlock", "check", dir / "bad.yaml"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(dir / "bad.yaml:4:20: paths[0].access[1]: unknown access right \"exec\""),
            std::string::npos)
      << r.err;
  CliResult render = bulkhead({"mac", "apparmor", dir / "bad.yaml"});
  EXPECT_EQ(render.status, 1);
  EXPECT_NE(render.err.find("bad.yaml:4:20"), std::string::npos) << render.err;
}

std::optional<std::string> find_apparmor_parser() {
  for (const char* path : {"/usr/sbin/apparmor_parser", "/sbin/apparmor_parser"})
    if (::access(path, X_OK) == 0) return path;
  return std::nullopt;
}

TEST(MacCli, RenderedAppArmorProfileCompiles) {
  auto parser = find_apparmor_parser();
  if (!parser) {
    const char* why = "apparmor_parser is not installed (Debian package apparmor)";
    if (std::getenv("CI")) FAIL() << why;
    GTEST_SKIP() << why;
  }
  TempDir dir;
  write_file(dir / "nginx.yaml", std::string(kNginxPolicy) + "scope: [signal]\n");
  // Paths AppArmor needs escaped or quoted, and every kind of right.
  write_file(dir / "odd.yaml",
             "version: 1\npaths:\n"
             "  - path: [\"/srv/a b,c\", \"/srv/x*y{z}\", /, \"/srv/@{HOME}\"]\n"
             "    access: [read_file, refer, ioctl_dev, make_char]\n"
             "  - path: /opt/app\n    access: [execute, write]\n"
             "network:\n");
  for (const char* file : {"nginx.yaml", "odd.yaml"}) {
    SCOPED_TRACE(file);
    std::string profile_path = dir / (std::string(file) + ".apparmor");
    CliResult r = bulkhead({"mac", "apparmor", dir / file, "-o", profile_path});
    ASSERT_EQ(r.status, 0) << r.err;
    std::string profile = read_file(profile_path);
    EXPECT_NE(profile.find("profile bulkhead-" + fs::path(file).stem().string() + " "),
              std::string::npos)
        << profile;
    // -Q: compile without loading into the kernel (this kernel has no AppArmor); -K: no cache.
    CliResult check = run({*parser, "-QK", "-q", profile_path});
    EXPECT_EQ(check.status, 0) << check.err << "\n" << profile;
  }
  CliResult named = bulkhead({"mac", "apparmor", dir / "nginx.yaml", "--name", "web"});
  ASSERT_EQ(named.status, 0) << named.err;
  EXPECT_NE(named.out.find("profile web flags="), std::string::npos) << named.out;
  CliResult bad_name = bulkhead({"mac", "apparmor", dir / "nginx.yaml", "--name", "a b"});
  EXPECT_EQ(bad_name.status, 1);
  EXPECT_NE(bad_name.err.find("invalid AppArmor profile name"), std::string::npos) << bad_name.err;
}

}  // namespace
}  // namespace bulkhead::mac
