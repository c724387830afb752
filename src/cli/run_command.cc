// `bulkhead run [FLAGS] ROOTFS [CMD [ARG…]]`: the flags become an OCI runtime spec (printed by
// --dry-run), the audit's runtime floor decides whether that spec may start
// (docs/AUDIT_POLICY.md), the spec becomes a container.
#include "cli/run_command.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "audit/checks.h"
#include "audit/inputs.h"
#include "audit/policy.h"
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
  std::vector<std::string> allow;  // --allow: check ids the floor lets through
  std::string audit_policy;        // --audit-policy FILE
};

// The runtime floor: the audit's checks on the spec about to start. Prints what starts anyway
// and throws (before anything on the host is touched) when the policy refuses.
void apply_runtime_floor(const spec::Spec& spec, const spec::HostFacts& host,
                         const std::string& name, const audit::FloorPolicy& policy,
                         const std::set<std::string>& allowed) {
  audit::Workload workload = audit::workload_from_spec(
      spec, name.empty() ? "the container" : "container " + name, host.available_caps);
  std::vector<audit::Finding> findings = audit::evaluate_checks(workload);
  std::stable_sort(
      findings.begin(), findings.end(),
      [](const audit::Finding& a, const audit::Finding& b) { return a.severity > b.severity; });
  audit::FloorVerdict verdict = audit::apply_floor(findings, policy, allowed);
  for (const std::string& line : audit::floor_warning_lines(verdict))
    std::cerr << "bulkhead: " << line << "\n";
  if (!verdict.may_start()) throw Error(audit::floor_refusal_message(verdict));
}

}  // namespace

void register_run_command(CLI::App& app, int& exit_status) {
  auto command = std::make_shared<RunCommand>();
  CLI::App* run = app.add_subcommand(
      "run", "Run a command in a new hardened container (docker run's flags; stricter defaults)");
  add_docker_run_flags(*run, command->flags);
  run->add_flag("--dry-run", command->dry_run,
                "Print the OCI runtime spec (config.json) the flags produce; start nothing (the "
                "audit policy still refuses what it would refuse)");
  run->add_option("--allow", command->allow,
                  "Start even though the audit policy enforces this check (id, comma list): "
                  "--allow BH-PRIVILEGED")
      ->allow_extra_args(false)
      ->take_all();
  run->add_option("--audit-policy", command->audit_policy,
                  "Audit policy file (default: /etc/bulkhead/audit-policy.yaml if it exists, "
                  "else the built-in one)")
      ->take_last();
  run->callback([command, &exit_status] {
    spec::RunFlags flags = command->flags;
    // A builtin image is shared by every container: each one writes to a layer of its own.
    bool shared_image = flags.rootfs.rfind("builtin:", 0) == 0;
    std::string image_name = shared_image ? flags.rootfs.substr(8) : "";
    flags.rootfs = runtime::resolve_rootfs(flags.rootfs);
    // The floor's inputs are read before the spec is built, so a bad --allow or policy file
    // is reported as such rather than after the spec's own warnings.
    std::set<std::string> allowed = audit::parse_allowed_checks(command->allow);
    audit::FloorPolicy policy = audit::load_floor_policy(command->audit_policy);
    spec::HostFacts host = runtime::gather_host_facts();
    spec::BuiltSpec built = spec::build_spec(flags, host);
    if (shared_image) built.spec.annotations[spec::kRootOverlayAnnotation] = "tmpfs";
    for (const std::string& warning : built.warnings) {
      std::cerr << "bulkhead: warning: " << warning << "\n";
    }
    // Before anything is made on the host (the image copy, the state record, cgroups, mounts):
    // a refused container leaves nothing behind.
    apply_runtime_floor(built.spec, host, flags.name, policy, allowed);
    if (shared_image && geteuid() != 0 && !command->dry_run) {
      built.spec.root.path =
          runtime::user_image_copy(flags.rootfs, image_name, runtime::default_state_dir());
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
