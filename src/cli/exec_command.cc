// `bulkhead exec`: run a command inside a running container, with the container's hardening.
#include "cli/exec_command.h"

#include <memory>

#include "base/error.h"
#include "base/strings.h"
#include "runtime/exec.h"

namespace bulkhead::cli {

namespace {

struct ExecCommand {
  std::string container;
  std::vector<std::string> command;
  bool interactive = false;
  bool tty = false;
  std::string user;
  std::vector<std::string> env;
  std::string workdir;
};

spec::User parse_user(const std::string& text) {
  std::vector<std::string> parts = split(text, ':');
  auto uid = parse_uint64(parts[0]);
  std::optional<uint64_t> gid = parts.size() > 1 ? parse_uint64(parts[1]) : uid;
  if (parts.size() > 2 || !uid || !gid || *uid > UINT32_MAX || *gid > UINT32_MAX) {
    throw Error("--user: expected UID[:GID] as numbers, got '" + text + "'");
  }
  spec::User user;
  user.uid = static_cast<uint32_t>(*uid);
  user.gid = static_cast<uint32_t>(*gid);
  return user;
}

}  // namespace

void register_exec_command(CLI::App& app, int& exit_status) {
  auto command = std::make_shared<ExecCommand>();
  CLI::App* exec = app.add_subcommand(
      "exec", "Run a command in a running container, under the container's hardening");
  exec->add_flag("-i,--interactive", command->interactive, "Keep stdin open");
  exec->add_flag("-t,--tty", command->tty, "Allocate a pseudo-terminal");
  exec->add_option("-u,--user", command->user, "UID[:GID] to run as (numbers)");
  exec->add_option("-e,--env", command->env, "Set an environment variable (KEY=VALUE)");
  exec->add_option("-w,--workdir", command->workdir, "Working directory inside the container");
  exec->add_option("container", command->container, "Container name or id (prefix)")->required();
  exec->footer("Arguments after the container are the command and its arguments.");
  // Everything after the container name is the command, untouched (its own flags included).
  exec->prefix_command();
  exec->callback([exec, command, &exit_status] {
    command->command = exec->remaining();
    if (command->command.empty()) throw CLI::ValidationError("exec", "a command is required");
    runtime::ExecOptions options;
    options.args = command->command;
    options.interactive = command->interactive;
    options.tty = command->tty;
    if (!command->user.empty()) options.user = parse_user(command->user);
    for (const std::string& entry : command->env) {
      if (entry.find('=') == std::string::npos)
        throw Error("--env: expected KEY=VALUE, got '" + entry + "'");
      options.env.push_back(entry);
    }
    options.cwd = command->workdir;
    exit_status = runtime::exec_in_container(command->container, options);
  });
}

}  // namespace bulkhead::cli
