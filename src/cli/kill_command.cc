#include "cli/kill_command.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "cli/seccomp_common.h"
#include "runtime/state.h"

namespace bulkhead::cli {

namespace {

constexpr std::array<std::pair<const char*, int>, 32> kSignalNames = {{
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS},
}};

std::optional<int> parse_small_number(std::string_view text) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// "KILL", "SIGKILL", "kill", "9", "RTMIN+2", "SIGRTMAX-1": what docker kill accepts.
std::optional<int> parse_signal(std::string_view text) {
  if (auto number = parse_small_number(text)) {
    if (*number >= 1 && *number <= SIGRTMAX) return number;
    return std::nullopt;
  }
  std::string name = to_upper(text);
  if (name.starts_with("SIG")) name.erase(0, 3);
  for (const auto& [known, number] : kSignalNames)
    if (name == known) return number;
  for (const auto& [base, number] : {std::pair{"RTMIN", SIGRTMIN}, std::pair{"RTMAX", SIGRTMAX}}) {
    std::string_view rest(name);
    if (!rest.starts_with(base)) continue;
    rest.remove_prefix(std::string_view(base).size());
    if (rest.empty()) return number;
    char sign = rest.front();
    auto offset = parse_small_number(rest.substr(1));
    if ((sign != '+' && sign != '-') || !offset) return std::nullopt;
    int result = sign == '+' ? number + *offset : number - *offset;
    if (result < SIGRTMIN || result > SIGRTMAX) return std::nullopt;
    return result;
  }
  return std::nullopt;
}

struct KillArgs {
  std::string container;
  std::string signal = "KILL";
};

void run_kill(const KillArgs& args) {
  int signal = *parse_signal(args.signal);  // the option's check has accepted it
  runtime::StateStore store(runtime::default_state_dir());
  std::optional<runtime::ContainerRecord> record = store.find(args.container);
  if (!record) throw Error("no such container: " + args.container);
  if (record->pid <= 0) {
    if (store.is_alive(*record))
      throw Error("container " + args.container + " is still being created: try again");
    store.remove(record->id);
    throw Error("container " + args.container +
                " is not running (its bulkhead run has exited); removed its stale record");
  }
  // The pidfd is opened before the start time is checked: if the check passes, the pidfd names
  // the container's init and not a process that reused its pid afterwards.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, record->pid, 0)));
  if ((!pidfd && errno == ESRCH) || !store.is_alive(*record)) {
    store.remove(record->id);
    throw Error("container " + args.container + " is not running (process " +
                std::to_string(record->pid) + " has exited); removed its stale record");
  }
  if (!pidfd) throw_errno("cannot open process " + std::to_string(record->pid));
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), signal, nullptr, 0) != 0)
    throw_errno("cannot send " + args.signal + " to container " + args.container + " (process " +
                std::to_string(record->pid) + ")");
  write_stdout(args.container + "\n");
}

}  // namespace

void register_kill_command(CLI::App& app, int& exit_status) {
  auto args = std::make_shared<KillArgs>();
  auto* cmd = app.add_subcommand("kill", "Send a signal to a container's init process");
  cmd->add_option("NAME", args->container, "Container name, id, or unique id prefix")->required();
  cmd->add_option("SIGNAL", args->signal,
                  "Signal name (KILL, SIGTERM, term, RTMIN+1) or number; default KILL")
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            return parse_signal(value) ? "" : "unknown signal '" + value + "'";
          },
          "SIGNAL"));
  cmd->callback([args] { run_kill(*args); });
}

}  // namespace bulkhead::cli
