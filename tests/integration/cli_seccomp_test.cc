// The built `bulkhead` binary, run as a user would: `bulkhead seccomp default | bulkhead
// seccomp compile - -o x.bpf`, check, disasm, diff, stats, and the error messages for bad input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "seccomp/compiler.h"
#include "seccomp/default_profile.h"
#include "seccomp/program.h"

namespace bulkhead {
namespace {

struct CliResult {
  int status = -1;  // exit status; 128+N when killed by signal N
  std::string out;
  std::string err;
};

UniqueFd memory_file(const char* name) {
  UniqueFd fd(memfd_create(name, MFD_CLOEXEC));
  if (!fd) throw_errno("memfd_create");
  return fd;
}

std::string read_back(const UniqueFd& fd) {
  std::string data;
  char buf[65536];
  if (lseek(fd.get(), 0, SEEK_SET) < 0) throw_errno("lseek");
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0) throw_errno("read");
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

// Runs argv[0] with the rest as arguments, `input` on stdin, stdout and stderr captured in
// memory files (no pipe can fill up and stall the child). `stdout_fd`, when given, replaces
// the captured stdout.
CliResult run_argv(const std::vector<std::string>& argv, const std::string& input = "",
                   int stdout_fd = -1) {
  UniqueFd in = memory_file("stdin");
  UniqueFd out = memory_file("stdout");
  UniqueFd err = memory_file("stderr");
  if (!input.empty() &&
      write(in.get(), input.data(), input.size()) != static_cast<ssize_t>(input.size()))
    throw_errno("write stdin");
  lseek(in.get(), 0, SEEK_SET);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    int child_out = stdout_fd >= 0 ? stdout_fd : out.get();
    if (dup2(in.get(), 0) < 0 || dup2(child_out, 1) < 0 || dup2(err.get(), 2) < 0) _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  int wstatus = 0;
  if (waitpid(pid, &wstatus, 0) < 0) throw_errno("waitpid");
  CliResult r;
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  r.out = read_back(out);
  r.err = read_back(err);
  return r;
}

CliResult bulkhead(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), BULKHEAD_BINARY);
  return run_argv(args, input);
}

CliResult shell(const std::string& command) {
  return run_argv({"/bin/sh", "-c", command});
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A scratch directory, removed with everything in it when the test ends.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "bulkhead-cli-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw_errno("mkdtemp");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& content) const {
    write_file(file(name), content);
    return file(name);
  }

 private:
  std::filesystem::path path_;
};

const std::string kPodmanProfile = "/usr/share/containers/seccomp.json";

std::string shell_quoted(const std::string& s) {
  return "'" + s + "'";
}

// ---------------------------------------------------------------------------------------------

TEST(CliSeccomp, VersionAndUsageErrors) {
  auto v = bulkhead({"--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_TRUE(v.out.starts_with("bulkhead ")) << v.out;
  EXPECT_EQ(std::count(v.out.begin(), v.out.end(), '\n'), 1) << v.out;
  auto none = bulkhead({"seccomp"});
  EXPECT_EQ(none.status, 2);
  EXPECT_TRUE(none.err.starts_with("bulkhead: ")) << none.err;
  auto missing = bulkhead({"seccomp", "check", "default"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(contains(missing.err, "SYSCALL")) << missing.err;
  auto bad_arch = bulkhead({"seccomp", "compile", "default", "--arch", "vax"});
  EXPECT_EQ(bad_arch.status, 2);
  EXPECT_TRUE(contains(bad_arch.err, "unknown architecture \"vax\"")) << bad_arch.err;
}

TEST(CliSeccomp, DefaultRoundTripsThroughTheProfileReader) {
  auto r = bulkhead({"seccomp", "default"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  seccomp::Profile reread = seccomp::parse_profile(r.out, "<stdout>");
  EXPECT_EQ(seccomp::profile_to_json(reread), seccomp::profile_to_json(seccomp::default_profile()));
  EXPECT_EQ(r.out, seccomp::profile_to_json(seccomp::default_profile()).dump(2) + "\n");
}

TEST(CliSeccomp, DefaultPipesIntoCompile) {
  ScratchDir dir;
  std::string bin = shell_quoted(BULKHEAD_BINARY);
  std::string bpf = dir.file("x.bpf");
  auto r = shell(bin + " seccomp default | " + bin + " seccomp compile - -o " + shell_quoted(bpf));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  seccomp::Program program = seccomp::Program::from_bytes(read_file(bpf));
  EXPECT_NO_THROW(seccomp::validate(program.insns));
  // The same program as compiling the built-in profile directly, to stdout this time.
  auto direct = bulkhead({"seccomp", "compile", "default"});
  ASSERT_EQ(direct.status, 0) << direct.err;
  EXPECT_EQ(direct.out, program.bytes());
  // And what the library compiles for this machine's defaults.
  seccomp::Filter filter = seccomp::resolve(seccomp::default_profile(), {});
  EXPECT_EQ(program.bytes(), seccomp::compile(filter).bytes());
}

TEST(CliSeccomp, CompileRefusesToWriteBinaryToATerminal) {
  UniqueFd master(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  ASSERT_TRUE(master.valid()) << "posix_openpt: " << strerror(errno);
  ASSERT_EQ(grantpt(master.get()), 0);
  ASSERT_EQ(unlockpt(master.get()), 0);
  UniqueFd terminal(open(ptsname(master.get()), O_RDWR | O_NOCTTY | O_CLOEXEC));
  ASSERT_TRUE(terminal.valid()) << "open pty: " << strerror(errno);
  auto r = run_argv({BULKHEAD_BINARY, "seccomp", "compile", "default"}, "", terminal.get());
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "bulkhead: refusing to write binary BPF to a terminal")) << r.err;
}

TEST(CliSeccomp, CompileWritesACArray) {
  auto r = bulkhead({"seccomp", "compile", "default", "--format", "c", "--arches", "x86_64"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "#include <linux/filter.h>"));
  EXPECT_TRUE(contains(r.out, "struct sock_filter bulkhead_seccomp_filter["));
}

struct CheckCase {
  std::vector<std::string> args;
  std::string action_prefix;
};

TEST(CliSeccomp, CheckReportsTheActionOfTheDefaultProfile) {
  const std::vector<CheckCase> cases = {
      {{"default", "mount"}, "ERRNO(1 EPERM)"},
      {{"default", "read"}, "ALLOW"},
      {{"default", "clone", "0x10000000"}, "ERRNO(1 EPERM)"},  // CLONE_NEWUSER
      {{"default", "clone", "0x11"}, "ALLOW"},
      {{"default", "socket", "40"}, "ERRNO(1 EPERM)"},  // AF_VSOCK
      {{"default", "socket", "2"}, "ALLOW"},            // AF_INET
      {{"--arch", "x32", "default", "read"}, "ALLOW"},
      {{"--arch", "x86", "default", "socket", "40"}, "ERRNO(1 EPERM)"},
      {{"default", "kexec_load"}, "ERRNO(1 EPERM)"},
      {{"default", "999"}, "ERRNO(38 ENOSYS)"},  // newer than the profile
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {"seccomp", "check"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto r = bulkhead(argv);
    std::string shown = join(c.args, " ");
    EXPECT_EQ(r.status, 0) << shown << "\n" << r.err;
    EXPECT_EQ(first_line(r.out), c.action_prefix) << shown << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, "decided by: ")) << shown << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, "BPF instructions")) << shown << "\n" << r.out;
  }
}

TEST(CliSeccomp, CheckNamesTheDecidingRule) {
  auto read = bulkhead({"seccomp", "check", "default", "read"});
  ASSERT_EQ(read.status, 0) << read.err;
  EXPECT_TRUE(contains(read.out, "decided by: syscalls[0] (names: ")) << read.out;
  EXPECT_TRUE(contains(read.out, "including read")) << read.out;
  EXPECT_TRUE(contains(read.out, " at builtin:default:")) << read.out;
  auto mount = bulkhead({"seccomp", "check", "default", "mount"});
  EXPECT_TRUE(contains(mount.out, "decided by: defaultAction")) << mount.out;
  auto x32 = bulkhead({"seccomp", "check", "--arch", "x32", "default", "read"});
  EXPECT_TRUE(contains(x32.out, "[x32 nr 0x40000000]")) << x32.out;
  auto unknown = bulkhead({"seccomp", "check", "default", "999"});
  EXPECT_TRUE(contains(unknown.out, "unknown syscall number above the profile (ENOSYS)"))
      << unknown.out;
}

TEST(CliSeccomp, CheckJson) {
  auto r = bulkhead({"seccomp", "check", "--json", "default", "clone", "0x10000000"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["action"], "ERRNO(1 EPERM)");
  EXPECT_EQ(j["syscall"], "clone");
  EXPECT_EQ(j["args"][0], 0x10000000);
  EXPECT_EQ(j["agree"], true);
  EXPECT_EQ(j["loaded_args"], true);
  EXPECT_GT(j["executed"].get<int>(), 0);
  EXPECT_EQ(j["decided_by"]["origin"], "default");
}

TEST(CliSeccomp, CheckRefusesSyscallsTheArchDoesNotHave) {
  auto r = bulkhead({"seccomp", "check", "default", "socketcall"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "bulkhead: syscall \"socketcall\" does not exist on x86_64"))
      << r.err;
  auto x86 = bulkhead({"seccomp", "check", "--arch", "x86", "default", "socketcall", "1"});
  EXPECT_EQ(x86.status, 0) << x86.err;
}

TEST(CliSeccomp, DisasmNamesSyscallsAndLabels) {
  ScratchDir dir;
  std::string bpf = dir.file("x.bpf");
  ASSERT_EQ(bulkhead({"seccomp", "compile", "default", "-o", bpf}).status, 0);
  auto from_file = bulkhead({"seccomp", "disasm", bpf});
  ASSERT_EQ(from_file.status, 0) << from_file.err;
  auto from_stdin = bulkhead({"seccomp", "disasm", "-"}, read_file(bpf));
  ASSERT_EQ(from_stdin.status, 0) << from_stdin.err;
  EXPECT_EQ(from_file.out, from_stdin.out);
  auto from_profile = bulkhead({"seccomp", "disasm", "--profile", "default"});
  ASSERT_EQ(from_profile.status, 0) << from_profile.err;
  EXPECT_EQ(from_file.out, from_profile.out);
  for (const char* part : {"ld [arch]", "jeq #0xc000003e (x86_64)", "ld [nr]", "ret ALLOW",
                           "ret ERRNO(1 EPERM)", "ld [arg0.lo]  ; clone", "L"})
    EXPECT_TRUE(contains(from_file.out, part)) << part << "\n" << from_file.out;
  auto torn = bulkhead({"seccomp", "disasm", "-"}, "1234567");
  EXPECT_EQ(torn.status, 1);
  EXPECT_TRUE(contains(torn.err, "not a multiple of 8")) << torn.err;
}

TEST(CliSeccomp, DiffAgainstPodmanListsDifferences) {
  ASSERT_TRUE(std::filesystem::exists(kPodmanProfile))
      << kPodmanProfile << " is missing: apt-get install golang-github-containers-common";
  auto r = bulkhead({"seccomp", "diff", "default", kPodmanProfile});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(r.out.starts_with("--- A: builtin:default\n+++ B: " + kPodmanProfile + "\n"))
      << r.out;
  // Podman allows mount and unshare without CAP_SYS_ADMIN; it also allows CLONE_NEWUSER.
  EXPECT_TRUE(contains(r.out, "x86_64 mount: A=ERRNO(1 EPERM) B=ALLOW")) << r.out;
  EXPECT_TRUE(contains(r.out, "x86_64 unshare: A=ERRNO(1 EPERM) B=ALLOW")) << r.out;
  EXPECT_TRUE(contains(r.out, "x86_64 clone: arg0=")) << r.out;
  EXPECT_TRUE(contains(r.out, "defaultAction: A=ERRNO(1 EPERM) B=ERRNO(38 ENOSYS)")) << r.out;
}

TEST(CliSeccomp, DiffOfAProfileWithItselfIsEmpty) {
  auto r = bulkhead({"seccomp", "diff", "default", "default"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  ScratchDir dir;
  std::string copy = dir.write("copy.json", bulkhead({"seccomp", "default"}).out);
  auto copied = bulkhead({"seccomp", "diff", "default", copy});
  EXPECT_EQ(copied.status, 0) << copied.out << copied.err;
  EXPECT_EQ(copied.out, "");
}

TEST(CliSeccomp, StatsPrintsTheCacheableCount) {
  auto r = bulkhead({"seccomp", "stats", "default"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "program length: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "kernel action cache: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "unconditionally allowed syscalls cacheable")) << r.out;
  auto j = bulkhead({"seccomp", "stats", "--json", "default"});
  ASSERT_EQ(j.status, 0) << j.err;
  auto stats = nlohmann::json::parse(j.out);
  EXPECT_GT(stats["overall"]["unconditional_allows"].get<int>(), 300);
  EXPECT_EQ(stats["overall"]["cacheable_allows"], stats["overall"]["unconditional_allows"]);
  EXPECT_TRUE(
      contains(r.out, std::to_string(stats["overall"]["cacheable_allows"].get<int>()) + " of " +
                          std::to_string(stats["overall"]["unconditional_allows"].get<int>())))
      << r.out;
}

// ---------------------------------------------------------------------------------------------
// Bad input: FILE:LINE:COL: field: message, exit status 1.

constexpr const char* kHead = "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n";

struct BadInput {
  std::string name;
  std::string body;      // line 4 onwards
  std::string location;  // ":LINE:COL: field: " expected after the file name
  std::string message;
};

TEST(CliSeccomp, BadInputNamesFileLineColumnAndField) {
  ScratchDir dir;
  const std::vector<BadInput> cases = {
      {"malformed", "    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\",}\n  ]\n}\n",
       ":4:", "malformed JSON"},
      {"action", "    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_MAYBE\"}\n  ]\n}\n",
       ":4:25: syscalls[0].action: ", "unknown action \"SCMP_ACT_MAYBE\""},
      {"operator",
       "    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
       "     \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_ALMOST\"}]}\n  ]\n}\n",
       ":5:", "syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ALMOST\""},
      {"index",
       "    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
       "     \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}\n  ]\n}\n",
       ":5:", "syscalls[0].args[0].index: argument index 6 is out of range"},
      {"syscall",
       "    {\"names\": [\"read\", \"frobnicate\", \"write\", \"defenestrate\"],\n"
       "     \"action\": \"SCMP_ACT_ALLOW\"}\n  ]\n}\n",
       ":4:24: ", "unknown syscall \"frobnicate\""},
  };
  for (const auto& c : cases) {
    std::string path = dir.write(c.name + ".json", kHead + c.body);
    for (const char* tool : {"compile", "stats", "check"}) {
      std::vector<std::string> argv = {"seccomp", tool, path};
      if (std::string(tool) == "compile") argv.insert(argv.end(), {"-o", dir.file("out.bpf")});
      if (std::string(tool) == "check") argv.push_back("read");
      auto r = bulkhead(argv);
      EXPECT_EQ(r.status, 1) << c.name << " " << tool;
      EXPECT_TRUE(r.err.starts_with("bulkhead: " + path + c.location))
          << c.name << " " << tool << ": " << r.err;
      EXPECT_TRUE(contains(r.err, c.message)) << c.name << " " << tool << ": " << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
  }
  // The same through stdin names <stdin>.
  auto piped = bulkhead({"seccomp", "compile", "-", "-o", dir.file("out.bpf")},
                        std::string(kHead) + cases[1].body);
  EXPECT_EQ(piped.status, 1);
  EXPECT_TRUE(piped.err.starts_with("bulkhead: <stdin>:4:25: syscalls[0].action: ")) << piped.err;
}

TEST(CliSeccomp, IgnoreUnknownSkipsEveryUnknownNameWithAWarning) {
  ScratchDir dir;
  std::string path =
      dir.write("unknown.json",
                std::string(kHead) +
                    "    {\"names\": [\"read\", \"frobnicate\", \"write\", \"defenestrate\"],\n"
                    "     \"action\": \"SCMP_ACT_ALLOW\"}\n  ]\n}\n");
  auto r = bulkhead({"seccomp", "compile", path, "--ignore-unknown", "-o", dir.file("u.bpf")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "bulkhead: warning: " + path +
                                  ": skipped unknown syscall names: defenestrate, frobnicate"))
      << r.err;
  auto check = bulkhead({"seccomp", "check", path, "write", "--ignore-unknown"});
  EXPECT_EQ(check.status, 0) << check.err;
  EXPECT_EQ(first_line(check.out), "ALLOW");
  EXPECT_TRUE(contains(check.err, "defenestrate, frobnicate")) << check.err;
}

TEST(CliSeccomp, MissingProfileFileIsAnError) {
  auto r = bulkhead({"seccomp", "stats", "/nonexistent/profile.json"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.err.starts_with("bulkhead: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "/nonexistent/profile.json")) << r.err;
}

}  // namespace
}  // namespace bulkhead
