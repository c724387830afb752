#include "cli/run_flags.h"

namespace bulkhead::cli {

void add_docker_run_flags(CLI::App& cmd, spec::RunFlags& flags) {
  // Docker's -h is --hostname.
  cmd.set_help_flag("--help", "Print this help message and exit");

  // A list flag takes one value per occurrence (`--cap-add A --cap-add B` or `--cap-add A,B`),
  // never the arguments that follow it, which may be ROOTFS and the command.
  auto list = [&](const std::string& names, std::vector<std::string>& values,
                  const std::string& help) {
    cmd.add_option(names, values, help)->allow_extra_args(false)->take_all();
  };
  auto text = [&](const std::string& names, std::string& value, const std::string& help) {
    cmd.add_option(names, value, help)->take_last();
  };

  list("--cap-add", flags.cap_add, "Add Linux capabilities (comma list, ALL)");
  list("--cap-drop", flags.cap_drop, "Drop Linux capabilities (comma list, ALL)");
  list("--security-opt", flags.security_opt,
       "Security options: no-new-privileges[=true|false], seccomp=FILE|unconfined, "
       "apparmor=PROFILE|unconfined, label=disable|user:U|role:R|type:T|level:L, "
       "landlock=FILE|unconfined");
  cmd.add_flag("--privileged", flags.privileged,
               "Give the container every capability and no seccomp filter (dangerous)");
  text("-u,--user", flags.user, "UID[:GID], numeric");
  list("--group-add", flags.group_add, "Additional group (numeric GID)");
  cmd.add_flag("--read-only", flags.read_only, "Mount the root filesystem read-only");
  list("-v,--volume", flags.volumes, "Bind mount /HOST/PATH:/CONTAINER/PATH[:ro,…]");
  list("--tmpfs", flags.tmpfs, "Mount a tmpfs: /PATH[:OPTIONS]");
  list("-e,--env", flags.env, "Set an environment variable: NAME=VALUE or NAME");
  list("--env-file", flags.env_files, "Read environment variables from a file");
  text("-w,--workdir", flags.workdir, "Working directory inside the container");
  text("-h,--hostname", flags.hostname, "Container host name");
  text("--network,--net", flags.network, "none (default: loopback only) or host");
  text("--pid", flags.pid, "host: share the host's PID namespace");
  text("-m,--memory", flags.memory, "Memory limit (512m, 1g, …)");
  text("--pids-limit", flags.pids_limit, "Maximum number of processes (-1: unlimited)");
  text("--cpus", flags.cpus, "Number of CPUs (1.5)");
  list("--ulimit", flags.ulimits, "Resource limit NAME=SOFT[:HARD] (nofile=1024:2048)");
  cmd.add_flag("-i,--interactive", flags.interactive, "Keep standard input open");
  cmd.add_flag("-t,--tty", flags.tty, "Allocate a pseudo-terminal");
  cmd.add_flag("--rm", flags.rm, "Remove the container when it exits");
  text("--name", flags.name, "Container name");
  cmd.add_flag("--init", flags.init, "Run an init process as PID 1 that reaps zombies");
  text("--userns", flags.userns, "auto: a private user namespace; host (default)");

  cmd.add_option("ROOTFS", flags.rootfs, "Root filesystem: a directory")->required();
  cmd.footer("Arguments after ROOTFS are the command and its arguments (default: /bin/sh).");
  // Everything after ROOTFS from the first non-option on is the command, untouched.
  cmd.prefix_command();
  cmd.parse_complete_callback([&cmd, &flags] {
    flags.command = cmd.remaining();
    // Unknown options land in the same list, ahead of the command: refuse them rather than
    // run them as a command.
    if (!flags.command.empty()) {
      const std::string& first = flags.command.front();
      if (first.size() > 1 && first.front() == '-')
        throw CLI::ExtrasError(cmd.get_name(), std::vector<std::string>{first});
    }
  });
}

}  // namespace bulkhead::cli
