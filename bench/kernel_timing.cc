#include "kernel_timing.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "base/error.h"
#include "base/unique_fd.h"

namespace bulkhead::bench {

namespace {

constexpr size_t kMaxSyscalls = 8;

// What a child sends back through its pipe: plain bytes, written once.
struct ChildReport {
  enum class Status : int { Ok, AffinityFailed, NoNewPrivsFailed, SeccompFailed, UnexpectedResult };
  Status status = Status::Ok;
  int syscall_index = -1;  // for UnexpectedResult
  long result = 0;
  int err = 0;
  std::array<double, kMaxSyscalls> ns{};
};

long invoke(const TimedSyscall& call) {
  const auto& a = call.args;
  return syscall(call.nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

bool matches(const ExpectedResult& expected, long result, int err) {
  switch (expected.kind) {
    case ExpectedResult::Kind::Success:
      return result != -1;
    case ExpectedResult::Kind::Errno:
      return result == -1 && err == expected.err;
    case ExpectedResult::Kind::AnyFailure:
      return result == -1;
  }
  return false;
}

void write_report(int fd, const ChildReport& report) {
  const auto* bytes = reinterpret_cast<const char*>(&report);
  size_t done = 0;
  while (done < sizeof report) {
    ssize_t n = write(fd, bytes + done, sizeof report - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent sees a short report and says so
    done += static_cast<size_t>(n);
  }
}

[[noreturn]] void finish(int fd, ChildReport& report, ChildReport::Status status, int exit_code) {
  report.status = status;
  write_report(fd, report);
  _exit(exit_code);
}

// Runs in the forked child and never returns. The parent is single-threaded, so the child
// may use the heap and the standard library freely.
[[noreturn]] void child_main(const TimingPlan& plan, const FilterVariant& variant, int report_fd) {
  ChildReport report;
  if (plan.cpu >= 0) {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(plan.cpu, &cpus);
    if (sched_setaffinity(0, sizeof cpus, &cpus) != 0) {
      report.err = errno;
      finish(report_fd, report, ChildReport::Status::AffinityFailed, 2);
    }
  }
  // Both for symmetry with the filtered children and because seccomp(2) needs it unprivileged.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    report.err = errno;
    finish(report_fd, report, ChildReport::Status::NoNewPrivsFailed, 2);
  }
  if (variant.program) {
    struct sock_fprog prog {};
    prog.len = static_cast<unsigned short>(variant.program->insns.size());
    prog.filter = const_cast<struct sock_filter*>(variant.program->insns.data());
    for (int copy = 0; copy < variant.copies; ++copy) {
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        report.err = errno;
        finish(report_fd, report, ChildReport::Status::SeccompFailed, 3);
      }
    }
  }
  for (size_t i = 0; i < plan.syscalls.size(); ++i) {
    const TimedSyscall& call = plan.syscalls[i];
    errno = 0;
    long result = invoke(call);
    int err = errno;
    if (!matches(variant.expected[i], result, err)) {
      report.syscall_index = static_cast<int>(i);
      report.result = result;
      report.err = err;
      finish(report_fd, report, ChildReport::Status::UnexpectedResult, 4);
    }
    for (size_t n = 0; n < plan.warmup; ++n) invoke(call);
    size_t per_batch = plan.calls / plan.batches;
    double fastest = 0;
    for (size_t batch = 0; batch < plan.batches; ++batch) {
      auto start = std::chrono::steady_clock::now();
      for (size_t n = 0; n < per_batch; ++n) invoke(call);
      auto elapsed = std::chrono::steady_clock::now() - start;
      double ns = std::chrono::duration<double, std::nano>(elapsed).count() /
                  static_cast<double>(per_batch);
      if (batch == 0 || ns < fastest) fastest = ns;
    }
    report.ns[i] = fastest;
  }
  finish(report_fd, report, ChildReport::Status::Ok, 0);
}

std::string describe_failure(const TimingPlan& plan, const FilterVariant& variant,
                             const ChildReport& report) {
  std::string where = "timing child for '" + variant.label + "'";
  switch (report.status) {
    case ChildReport::Status::Ok:
      return where + ": no failure";
    case ChildReport::Status::AffinityFailed:
      return where + ": sched_setaffinity(CPU " + std::to_string(plan.cpu) +
             "): " + std::strerror(report.err);
    case ChildReport::Status::NoNewPrivsFailed:
      return where + ": prctl(PR_SET_NO_NEW_PRIVS): " + std::strerror(report.err);
    case ChildReport::Status::SeccompFailed:
      return where + ": seccomp(SECCOMP_SET_MODE_FILTER): " + std::strerror(report.err);
    case ChildReport::Status::UnexpectedResult: {
      auto index = static_cast<size_t>(report.syscall_index);
      return where + ": " + plan.syscalls[index].label + " returned " +
             std::to_string(report.result) +
             (report.result == -1 ? std::string(" (") + std::strerror(report.err) + ")" : "") +
             ", expected " + variant.expected[index].str();
    }
  }
  return where + ": unknown failure";
}

ChildReport run_child(const TimingPlan& plan, const FilterVariant& variant) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  std::fflush(nullptr);  // nothing buffered may be written twice
  pid_t pid = fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    read_end.reset();
    child_main(plan, variant, write_end.get());
  }
  write_end.reset();

  ChildReport report;
  auto* bytes = reinterpret_cast<char*>(&report);
  size_t got = 0;
  while (got < sizeof report) {
    ssize_t n = read(read_end.get(), bytes + got, sizeof report - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("reading the timing child's report");
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw_errno("waitpid");
  }
  if (WIFSIGNALED(status))
    throw Error("timing child for '" + variant.label + "' was killed by signal " +
                std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) +
                "); did the filter kill it?");
  if (got != sizeof report)
    throw Error("timing child for '" + variant.label + "' exited (status " +
                std::to_string(WEXITSTATUS(status)) + ") without a complete report");
  if (report.status != ChildReport::Status::Ok)
    throw Error(describe_failure(plan, variant, report));
  return report;
}

}  // namespace

std::string ExpectedResult::str() const {
  switch (kind) {
    case Kind::Success:
      return "success";
    case Kind::Errno:
      return "-1 with errno " + std::to_string(err) + " (" + std::strerror(err) + ")";
    case Kind::AnyFailure:
      return "-1";
  }
  return "?";
}

TimingSamples measure(const TimingPlan& plan) {
  if (plan.syscalls.size() > kMaxSyscalls)
    throw Error("at most " + std::to_string(kMaxSyscalls) + " syscalls can be timed per run");
  if (plan.rounds < 1 || plan.batches == 0 || plan.calls < plan.batches)
    throw Error("timing needs at least one round and one call per batch");
  for (const auto& v : plan.variants) {
    if (v.expected.size() != plan.syscalls.size())
      throw Error("variant '" + v.label + "' needs one expected result per timed syscall");
    if (v.copies < 1) throw Error("variant '" + v.label + "' must load its filter at least once");
  }

  TimingSamples samples;
  samples.ns.assign(plan.variants.size(), std::vector<std::vector<double>>(plan.syscalls.size()));
  size_t count = plan.variants.size();
  for (int round = 0; round < plan.rounds; ++round) {
    // Rotating the order keeps any variant from always running first (cold) or last.
    for (size_t step = 0; step < count; ++step) {
      size_t v = (step + static_cast<size_t>(round)) % count;
      ChildReport report = run_child(plan, plan.variants[v]);
      for (size_t s = 0; s < plan.syscalls.size(); ++s) samples.ns[v][s].push_back(report.ns[s]);
    }
  }
  return samples;
}

}  // namespace bulkhead::bench
