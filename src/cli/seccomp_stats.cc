// `bulkhead seccomp stats PROFILE`: program length, executed instructions per syscall (mean and
// max over every number of each arch's table) and how many unconditional allows the kernel's
// action cache can cache.
#include <memory>

#include "cli/seccomp_common.h"
#include "seccomp/compiler.h"
#include "seccomp/stats.h"

namespace bulkhead::cli {

namespace {

struct StatsArgs {
  std::string profile;
  std::string tree = "uniform";
  bool json = false;
  FilterFlags flags;
};

void run_stats(const StatsArgs& args) {
  auto resolved = load_and_resolve(args.profile, resolve_options(args.flags));
  seccomp::Program program =
      seccomp::compile(resolved.filter, {.weighting = tree_weighting(args.tree)});
  seccomp::ProgramStats stats = seccomp::compute_stats(resolved.filter, program);
  if (args.json) {
    nlohmann::json out = seccomp::stats_to_json(stats);
    out["profile"] = resolved.filter.source;
    out["tree"] = args.tree;
    write_stdout(out.dump(2) + "\n");
    return;
  }
  write_stdout("profile: " + resolved.filter.source + " (tree: " + args.tree + ")\n" +
               seccomp::format_stats(stats));
}

}  // namespace

void register_seccomp_stats(CLI::App& seccomp, int& exit_status) {
  auto args = std::make_shared<StatsArgs>();
  auto* cmd = seccomp.add_subcommand(
      "stats", "Program length, executed instructions per syscall, kernel action cache coverage");
  cmd->add_option("PROFILE", args->profile, kProfileHelp)->required();
  cmd->add_flag("--json", args->json, "Print the figures as JSON");
  add_tree_flag(*cmd, args->tree);
  add_filter_flags(*cmd, args->flags,
                   "Native architecture (x86_64, x86, x32, aarch64, arm); its sub-architectures "
                   "follow the profile's archMap");
  cmd->callback([args] { run_stats(*args); });
}

}  // namespace bulkhead::cli
