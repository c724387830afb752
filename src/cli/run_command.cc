// `bulkhead run [FLAGS] ROOTFS [CMD [ARG…]]`: the flags become an OCI runtime spec (printed by
// --dry-run), the spec becomes a container.
#include "cli/run_command.h"

#include <unistd.h>

#include <iostream>
#include <memory>

#include "base/strings.h"
#include "cli/run_flags.h"
#include "runtime/container.h"
#include "runtime/host_facts.h"
#include "runtime/image_copy.h"
#include "runtime/rootfs.h"
#include "runtime/state.h"
#include "spec/docker_flags.h"

namespace bulkhead::cli {

namespace {

struct RunCommand {
  spec::RunFlags flags;
  bool dry_run = false;
  std::string state_dir;
};

}  // namespace

void register_run_command(CLI::App& app, int& exit_status) {
  auto command = std::make_shared<RunCommand>();
  CLI::App* run = app.add_subcommand(
      "run", "Run a command in a new hardened container (docker run's flags; stricter defaults)");
  add_docker_run_flags(*run, command->flags);
  run->add_flag("--dry-run", command->dry_run,
                "Print the OCI runtime spec (config.json) the flags produce; start nothing");
  run->callback([command, &exit_status] {
    spec::RunFlags flags = command->flags;
    // A builtin image is shared by every container: each one writes to a layer of its own.
    bool shared_image = flags.rootfs.rfind("builtin:", 0) == 0;
    std::string image_name = shared_image ? flags.rootfs.substr(8) : "";
    flags.rootfs = runtime::resolve_rootfs(flags.rootfs);
    if (shared_image && geteuid() != 0 && !command->dry_run) {
      flags.rootfs =
          runtime::user_image_copy(flags.rootfs, image_name, runtime::default_state_dir());
    }
    spec::BuiltSpec built = spec::build_spec(flags, runtime::gather_host_facts());
    if (shared_image) built.spec.annotations[spec::kRootOverlayAnnotation] = "tmpfs";
    for (const std::string& warning : built.warnings) {
      std::cerr << "bulkhead: warning: " << warning << "\n";
    }
    if (command->dry_run) {
      write_file("-", spec::spec_to_json(built.spec).dump(2) + "\n");
      exit_status = 0;
      return;
    }
    runtime::RunOptions options;
    options.name = flags.name;
    options.interactive = flags.interactive;
    exit_status = runtime::run_container(built.spec, options);
  });
}

}  // namespace bulkhead::cli
