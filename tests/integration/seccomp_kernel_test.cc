// The kernel against the emulator: a forked child loads a program our compiler made (with
// no_new_privs, through the raw seccomp(2) call) and makes real syscalls; for every one the
// parent predicts the outcome by running the same program in the emulator on the same
// number, architecture and arguments, and the child's observed result must match.
//
// What a prediction means for a call the filter allows: the call really runs, so the parent
// compares with the same call made in a child without the filter. Every probe is harmless
// even when nothing blocks it (invalid magic for reboot, a missing source for mount, an
// invalid command for bpf and keyctl, …), and each runs in a child of its own.

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/strings.h"
#include "base/unique_fd.h"
#include "seccomp/compiler.h"
#include "seccomp/default_profile.h"
#include "seccomp/filter.h"
#include "seccomp/program.h"
#include "support/random_profile.h"

namespace bulkhead::seccomp {
namespace {

constexpr uint32_t kX86GetpidNr = 20;  // i386 numbers for int $0x80 calls
constexpr uint32_t kX86MountNr = 21;
constexpr uint32_t kX86SocketcallNr = 102;
constexpr uint32_t kX86SocketNr = 359;
constexpr uint32_t kX86_64GetpidNr = SYS_getpid;
constexpr int kAfVsock = 40;  // AF_VSOCK, spelled out: older headers lack it
constexpr unsigned long kPerLinux32 = 0x0008;
constexpr unsigned long kAddrNoRandomize = 0x0040000;

// What the child saw: the call as the filter saw it, and how it ended.
struct Report {
  uint32_t audit_arch = 0;
  uint32_t nr = 0;
  std::array<uint64_t, 6> args{};
  int64_t ret = 0;
  int32_t err = 0;
};

struct Outcome {
  bool killed_by_sigsys = false;
  bool succeeded = false;
  int err = 0;  // when !succeeded and not killed

  bool operator==(const Outcome&) const = default;
  std::string str() const {
    if (killed_by_sigsys) return "killed by SIGSYS";
    if (succeeded) return "success";
    return "errno " + std::to_string(err) + " (" + errno_name(err) + ")";
  }
};

enum class Abi { X86_64, X86, X32 };

struct Probe {
  std::string name;
  Abi abi;
  uint32_t nr;  // the number as the filter sees it (x32 includes bit 30)
  // Arguments, computed in the child before the filter is loaded (fds, pointers).
  std::function<std::array<uint64_t, 6>()> args;
  // What the default profile is meant to do with it: checked against the emulator too, so
  // a profile or compiler change that allows a dangerous call cannot pass unnoticed.
  enum Intent { Allowed, Denied, NoSuchSyscall, Killed } intent;
  bool forks = false;  // clone-like: the new child must leave at once
};

std::array<uint64_t, 6> fixed(std::array<uint64_t, 6> a) {
  return a;
}

long x86_int80(uint32_t nr, const std::array<uint64_t, 6>& a) {
  // The i386 entry from a 64-bit process: seccomp sees AUDIT_ARCH_I386 and 32-bit arguments.
  long ret = nr;
  asm volatile("int $0x80"
               : "+a"(ret)
               : "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
               : "r8", "r9", "r10", "r11", "memory", "cc");
  return static_cast<int32_t>(ret);
}

uint32_t audit_arch_of(Abi abi) {
  return abi == Abi::X86 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
}

// Runs in the child: makes the call and fills the report. Never returns in a clone's child.
Report make_call(const Probe& probe, const std::array<uint64_t, 6>& args) {
  Report r;
  r.audit_arch = audit_arch_of(probe.abi);
  r.nr = probe.nr;
  r.args = args;
  long ret;
  errno = 0;
  if (probe.abi == Abi::X86) {
    ret = x86_int80(probe.nr, args);
    if (ret < 0 && ret >= -4095) {
      errno = static_cast<int>(-ret);
      ret = -1;
    }
  } else {
    ret =
        syscall(static_cast<long>(probe.nr), args[0], args[1], args[2], args[3], args[4], args[5]);
  }
  int err = errno;
  if (probe.forks && ret == 0) _exit(0);  // the clone's child: leave at once
  if (probe.forks && ret > 0) waitpid(static_cast<pid_t>(ret), nullptr, __WALL);
  r.ret = ret;
  r.err = ret < 0 ? err : 0;
  return r;
}

struct ChildResult {
  std::optional<Report> report;
  int status = 0;
};

// Forks a child that (optionally) loads `program` and makes the probe's call.
ChildResult run_probe(const Probe& probe, const Program* program) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  pid_t pid = fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    read_end.reset();
    auto args = probe.args();
    if (program) {
      struct sock_fprog prog {};
      prog.len = static_cast<unsigned short>(program->insns.size());
      prog.filter = const_cast<struct sock_filter*>(program->insns.data());
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(100);
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) _exit(101);
    }
    Report r = make_call(probe, args);
    ssize_t n = write(write_end.get(), &r, sizeof r);
    _exit(n == static_cast<ssize_t>(sizeof r) ? 0 : 102);
  }
  write_end.reset();
  ChildResult result;
  Report r;
  size_t got = 0;
  while (got < sizeof r) {
    ssize_t n = read(read_end.get(), reinterpret_cast<char*>(&r) + got, sizeof r - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got == sizeof r) result.report = r;
  while (waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

Outcome observed(const ChildResult& child) {
  Outcome o;
  if (WIFSIGNALED(child.status)) {
    o.killed_by_sigsys = WTERMSIG(child.status) == SIGSYS;
    if (!o.killed_by_sigsys) o.err = -WTERMSIG(child.status);
    return o;
  }
  if (child.report) {
    o.succeeded = child.report->ret >= 0;
    o.err = child.report->err;
  } else {
    o.err = -1000 - WEXITSTATUS(child.status);  // the child failed before the call
  }
  return o;
}

// The emulator's prediction, given what the same call does when nothing filters it.
Outcome predicted(uint32_t ret, const Outcome& unfiltered) {
  Action action = Action::from_ret(ret);
  switch (action.kind) {
    case ActionKind::Allow:
    case ActionKind::Log:
      return unfiltered;
    case ActionKind::Errno:
      return Outcome{false, false, action.data};
    case ActionKind::Trace:
      return Outcome{false, false, ENOSYS};  // no tracer attached
    case ActionKind::KillProcess:
    case ActionKind::KillThread:
    case ActionKind::Trap:
      return Outcome{true, false, 0};
    case ActionKind::Notify:
      break;
  }
  return Outcome{false, false, -2000};
}

std::optional<std::string> kernel_test_unavailable() {
  if (geteuid() != 0) return "needs root (the baseline calls mount, clone(CLONE_NEWNS), …)";
  if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
    return std::string("the kernel has no seccomp: ") + std::strerror(errno);
  return std::nullopt;
}

Filter default_filter(std::vector<Arch> arches) {
  return resolve(default_profile(), ResolveOptions::for_arches(std::move(arches)));
}

// CI runs as root on a kernel with seccomp: there a skip would hide a broken setup, so it fails.
#define SKIP_UNLESS_KERNEL_TEST_RUNS()                                         \
  if (auto why = kernel_test_unavailable()) {                                  \
    if (std::getenv("CI")) FAIL() << "kernel test cannot run in CI: " << *why; \
    GTEST_SKIP() << *why;                                                      \
  }

std::vector<Probe> default_profile_probes() {
  const uint64_t kNone = 0;
  return {
      // Allowed, decided by the number alone.
      {"getpid", Abi::X86_64, SYS_getpid, [] { return fixed({}); }, Probe::Allowed},
      {"read(pipe)", Abi::X86_64, SYS_read,
       [] {
         int p[2];
         if (pipe(p) != 0 || write(p[1], "x", 1) != 1) _exit(103);
         static char buffer[1];
         return fixed({static_cast<uint64_t>(p[0]), reinterpret_cast<uint64_t>(buffer), 1});
       },
       Probe::Allowed},
      {"openat(/dev/null)", Abi::X86_64, SYS_openat,
       [] {
         static const char path[] = "/dev/null";
         return fixed(
             {static_cast<uint64_t>(AT_FDCWD), reinterpret_cast<uint64_t>(path), O_RDONLY});
       },
       Probe::Allowed},
      // Denied outright (each harmless if it ran).
      {"mount(missing source)", Abi::X86_64, SYS_mount,
       [] {
         static const char source[] = "/nonexistent-bulkhead-source";
         static const char target[] = "/nonexistent-bulkhead-target";
         static const char type[] = "bulkhead-no-such-fs";
         return fixed({reinterpret_cast<uint64_t>(source), reinterpret_cast<uint64_t>(target),
                       reinterpret_cast<uint64_t>(type), 0, 0});
       },
       Probe::Denied},
      {"unshare(CLONE_NEWUSER)", Abi::X86_64, SYS_unshare, [] { return fixed({CLONE_NEWUSER}); },
       Probe::Denied},
      {"keyctl(invalid command)", Abi::X86_64, SYS_keyctl,
       [] {
         return fixed({0x7fffffff, 0, 0, 0, 0});
       },
       Probe::Denied},
      {"bpf(invalid command)", Abi::X86_64, SYS_bpf,
       [] {
         return fixed({0x7fffffff, 0, 0});
       },
       Probe::Denied},
      {"reboot(no magic)", Abi::X86_64, SYS_reboot,
       [] {
         return fixed({0, 0, 0, 0});
       },
       Probe::Denied},
      {"kexec_load(invalid flags)", Abi::X86_64, SYS_kexec_load,
       [] {
         return fixed({0, 0, 0, 0xdead0000});
       },
       Probe::Denied},
      // Decided by arguments.
      {"clone(CLONE_NEWNS|SIGCHLD)", Abi::X86_64, SYS_clone,
       [] {
         return fixed({CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0});
       },
       Probe::Denied, true},
      {"clone(SIGCHLD)", Abi::X86_64, SYS_clone,
       [] {
         return fixed({SIGCHLD, 0, 0, 0, 0});
       },
       Probe::Allowed, true},
      {"socket(AF_VSOCK)", Abi::X86_64, SYS_socket,
       [] {
         return fixed({kAfVsock, SOCK_STREAM | SOCK_CLOEXEC, 0});
       },
       Probe::Denied},
      {"socket(AF_INET)", Abi::X86_64, SYS_socket,
       [] {
         return fixed({AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0});
       },
       Probe::Allowed},
      {"socket(1<<32 | AF_VSOCK)", Abi::X86_64, SYS_socket,
       // The kernel reads the family as an int: Docker's 64-bit `arg0 != 40` would let this
       // through and create an AF_VSOCK socket. The default profile judges the low word.
       [] {
         return fixed({(uint64_t{1} << 32) | kAfVsock, SOCK_STREAM | SOCK_CLOEXEC, 0});
       },
       Probe::Denied},
      {"personality(0xffffffff)", Abi::X86_64, SYS_personality, [] { return fixed({0xffffffff}); },
       Probe::Allowed},
      {"personality(PER_LINUX32|ADDR_NO_RANDOMIZE)", Abi::X86_64, SYS_personality,
       [] { return fixed({kPerLinux32 | kAddrNoRandomize}); }, Probe::Denied},
      // Numbers the profile does not know: ENOSYS, so libc falls back.
      {"clone3", Abi::X86_64, SYS_clone3,
       [] {
         return fixed({0, 0});
       },
       Probe::NoSuchSyscall},
      {"syscall(1000)", Abi::X86_64, 1000, [] { return fixed({}); }, Probe::NoSuchSyscall},
      // The compat ABIs. This kernel may lack x32 (then the call fails with ENOSYS after
      // the filter allowed it, and the prediction says exactly that).
      {"x32 getpid", Abi::X32, kX32SyscallBit | kX86_64GetpidNr, [] { return fixed({}); },
       Probe::Allowed},
      {"x32 syscall(0x40000000|1000)", Abi::X32, kX32SyscallBit | 1000, [] { return fixed({}); },
       Probe::NoSuchSyscall},
      {"i386 getpid (int 0x80)", Abi::X86, kX86GetpidNr, [] { return fixed({}); }, Probe::Allowed},
      {"i386 mount (int 0x80)", Abi::X86, kX86MountNr, [] { return fixed({kNone}); },
       Probe::Denied},
      // socketcall() carries the sub-call's arguments in memory, out of the filter's sight:
      // allowed exactly for the sub-calls the profile allows without argument checks (bind,
      // accept, …), refused for socket(), whose family rule cannot be checked there.
      {"i386 socketcall(SYS_SOCKET, NULL) (int 0x80)", Abi::X86, kX86SocketcallNr,
       [] {
         return fixed({1, 0});
       },
       Probe::Denied},
      {"i386 socketcall(SYS_BIND, NULL) (int 0x80)", Abi::X86, kX86SocketcallNr,
       [] {
         return fixed({2, 0});
       },
       Probe::Allowed},
      // accept has no i386 syscall of its own: socketcall is glibc's only way to it.
      {"i386 socketcall(SYS_ACCEPT, NULL) (int 0x80)", Abi::X86, kX86SocketcallNr,
       [] {
         return fixed({5, 0});
       },
       Probe::Allowed},
      {"i386 syscall(1000) (int 0x80)", Abi::X86, 1000, [] { return fixed({}); },
       Probe::NoSuchSyscall},
      // int $0x80 from a 64-bit process hands seccomp whole 64-bit registers, but the i386
      // socket() only reads the low word: AF_VSOCK. The program must judge the low word.
      {"i386 socket(1<<32 | AF_VSOCK) (int 0x80)", Abi::X86, kX86SocketNr,
       [] {
         return fixed({(uint64_t{1} << 32) | kAfVsock, SOCK_STREAM, 0});
       },
       Probe::Denied},
  };
}

void expect_intent(const Probe& probe, const Action& action, const std::string& where) {
  switch (probe.intent) {
    case Probe::Allowed:
      EXPECT_EQ(action.kind, ActionKind::Allow) << where << ": meant to be allowed";
      break;
    case Probe::Denied:
      EXPECT_EQ(action, Action::errno_(EPERM)) << where << ": meant to be denied with EPERM";
      break;
    case Probe::NoSuchSyscall:
      EXPECT_EQ(action, Action::errno_(ENOSYS)) << where << ": meant to look absent (ENOSYS)";
      break;
    case Probe::Killed:
      EXPECT_EQ(action.kind, ActionKind::KillProcess) << where << ": meant to kill";
      break;
  }
}

// Checks every probe: the kernel's outcome equals the emulator's prediction.
size_t check_probes(const Program& program, const std::vector<Probe>& probes,
                    const std::string& filter_name) {
  size_t checked = 0;
  for (const auto& probe : probes) {
    std::string where = filter_name + ": " + probe.name;
    ChildResult baseline = run_probe(probe, nullptr);
    ChildResult filtered = run_probe(probe, &program);
    // Predict from the call as the filtered child made it (fds and pointers are its own);
    // a child killed before reporting made the call the probe describes.
    Report call = filtered.report ? *filtered.report : Report{};
    if (!filtered.report) {
      call.audit_arch = audit_arch_of(probe.abi);
      call.nr = probe.nr;
      call.args = probe.args();
    }
    SeccompInput input;
    input.arch = call.audit_arch;
    input.nr = call.nr;
    input.args = call.args;
    uint32_t ret = run(program.insns, input).ret;
    Outcome want = predicted(ret, observed(baseline));
    Outcome got = observed(filtered);
    EXPECT_EQ(got, want) << where << ": the emulator says " << Action::from_ret(ret).str()
                         << " (unfiltered: " << observed(baseline).str() << "), so expected "
                         << want.str() << ", the kernel did " << got.str();
    expect_intent(probe, Action::from_ret(ret), where);
    std::printf("[ kernel ] %-55s emulator %-16s unfiltered %-24s filtered %s\n", where.c_str(),
                Action::from_ret(ret).str().c_str(), observed(baseline).str().c_str(),
                got.str().c_str());
    ++checked;
  }
  return checked;
}

TEST(SeccompKernel, DefaultProfileMatchesTheEmulator) {
  SKIP_UNLESS_KERNEL_TEST_RUNS();
  Program program = compile(default_filter({Arch::X86_64, Arch::X86, Arch::X32}));
  auto probes = default_profile_probes();
  size_t checked = check_probes(program, probes, "default x86_64+x86+x32");
  EXPECT_EQ(checked, probes.size());
}

// Without an x32 or i386 part, those ABIs get the bad-arch action: the process is killed.
TEST(SeccompKernel, MissingArchitecturesAreKilled) {
  SKIP_UNLESS_KERNEL_TEST_RUNS();
  Program program = compile(default_filter({Arch::X86_64}));
  std::vector<Probe> probes = {
      {"getpid", Abi::X86_64, SYS_getpid, [] { return fixed({}); }, Probe::Allowed},
      {"x32 getpid", Abi::X32, kX32SyscallBit | kX86_64GetpidNr, [] { return fixed({}); },
       Probe::Killed},
      {"i386 getpid (int 0x80)", Abi::X86, kX86GetpidNr, [] { return fixed({}); }, Probe::Killed},
  };
  check_probes(program, probes, "default x86_64 only");
}

// The kernel's own verifier (seccomp_check_filter, bpf_check_classic) accepts what the
// compiler makes for argument-heavy profiles, not only for the default.
TEST(SeccompKernel, ArgumentHeavyRandomProfilesLoad) {
  SKIP_UNLESS_KERNEL_TEST_RUNS();
  size_t loaded = 0;
  for (uint64_t seed = 0x10ad0000; seed < 0x10ad0000 + 6; ++seed) {
    testing::RandomProfileOptions options;
    options.max_conditional_syscalls = 60;
    options.libseccomp_comparable = seed % 2 == 0;
    auto random = testing::random_profile(seed, options);
    ResolveOptions resolve_options;
    resolve_options.native = Arch::X86_64;
    resolve_options.only_arches = {Arch::X86_64, Arch::X86, Arch::X32};
    Program program;
    try {
      program = compile(resolve(random.profile, resolve_options));
    } catch (const Error& e) {
      // Too many rules for 4096 instructions is a legitimate refusal; try the next seed.
      if (std::string(e.what()).find("4096") != std::string::npos) continue;
      throw;
    }
    size_t argument_loads = 0;
    for (const auto& insn : program.insns)
      if (insn.code == (BPF_LD | BPF_W | BPF_ABS) && insn.k >= 16) ++argument_loads;
    ASSERT_GE(argument_loads, 20u) << "seed " << seed << " is not argument-heavy";

    // The child reports seccomp()'s answer through shared memory: the loaded filter may
    // deny write() and even exit_group(), so the parent ends the child itself.
    void* shared = mmap(nullptr, sizeof(std::atomic<int>) * 2, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(shared, MAP_FAILED);
    auto* cells = static_cast<std::atomic<int>*>(shared);
    for (int i = 0; i < 2; ++i) new (&cells[i]) std::atomic<int>(0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      struct sock_fprog prog {};
      prog.len = static_cast<unsigned short>(program.insns.size());
      prog.filter = program.insns.data();
      int rc = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
                   ? static_cast<int>(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
                   : -1;
      cells[1].store(rc == 0 ? 0 : errno);
      cells[0].store(1);
      for (;;) pause();
    }
    while (cells[0].load() == 0) {
      int status;
      if (waitpid(pid, &status, WNOHANG) == pid) break;  // died before reporting
      sched_yield();
    }
    bool reported = cells[0].load() == 1;
    int err = cells[1].load();
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    munmap(shared, sizeof(std::atomic<int>) * 2);
    ASSERT_TRUE(reported) << "seed " << seed << ": the child died before loading the filter";
    EXPECT_EQ(err, 0) << "seed " << seed << ": the kernel refused a " << program.insns.size()
                      << "-instruction program: " << std::strerror(err) << "\n"
                      << random.json;
    std::printf("[ kernel ] seed %llu: %zu instructions, %zu argument loads: loaded\n",
                static_cast<unsigned long long>(seed), program.insns.size(), argument_loads);
    ++loaded;
  }
  EXPECT_GE(loaded, 3u) << "too few random profiles fitted in 4096 instructions";
}

}  // namespace
}  // namespace bulkhead::seccomp
