#include "cli/inspect_command.h"

#include <memory>
#include <string>

#include "audit/inspect.h"
#include "cli/seccomp_common.h"

namespace bulkhead::cli {

namespace {

struct InspectArgs {
  std::string output = "text";
  bool no_probe = false;
};

void run_inspect(const InspectArgs& args) {
  audit::InspectOptions options;
  options.probe_syscalls = !args.no_probe;
  audit::InspectReport report = audit::inspect_self(options);
  if (args.output == "json")
    write_stdout(audit::inspect_to_json(report).dump(2) + "\n");
  else
    write_stdout(audit::render_inspect_text(report));
}

}  // namespace

void register_inspect_command(CLI::App& app, int& exit_status) {
  (void)exit_status;  // inspect reports; it does not judge, so it always succeeds
  auto args = std::make_shared<InspectArgs>();
  auto* cmd = app.add_subcommand(
      "inspect",
      "Run inside a container: report what it may do (user namespace, capabilities, seccomp and "
      "dangerous system calls, no_new_privs, LSMs, runtime sockets, writable host mounts)");
  cmd->add_option("-o,--output", args->output, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_flag("--no-probe", args->no_probe,
                "Do not probe dangerous system calls (they are probed with arguments the kernel "
                "rejects, each in a child process)");
  cmd->footer(
      "Every probe passes arguments the kernel refuses before acting (a NULL path, an unknown "
      "flag, a bad descriptor, a wrong magic number): 'allowed' means the call got past seccomp "
      "and reached the kernel's argument checks, 'blocked' means EPERM/EACCES, 'blocked or not "
      "available' means ENOSYS. Sockets are only connected to, never written.");
  cmd->callback([args] { run_inspect(*args); });
}

}  // namespace bulkhead::cli
