// `bulkhead seccomp diff A B`: which syscalls, per architecture and per argument value, the two
// profiles treat differently. Exit status as diff(1): 0 identical, 1 different.
#include <memory>

#include "cli/seccomp_common.h"
#include "seccomp/diff.h"

namespace bulkhead::cli {

namespace {

constexpr int kDifferentStatus = 1;

struct DiffArgs {
  std::string a;
  std::string b;
  FilterFlags flags;
};

void run_diff(const DiffArgs& args, int& exit_status) {
  seccomp::ResolveOptions options = resolve_options(args.flags);
  auto a = load_and_resolve(args.a, options);
  auto b = load_and_resolve(args.b, options);
  seccomp::FilterDiff diff = seccomp::diff_filters(a.filter, b.filter);
  if (diff.empty()) return;
  write_stdout("--- A: " + a.filter.source + "\n+++ B: " + b.filter.source + "\n" +
               seccomp::format_diff(diff));
  exit_status = kDifferentStatus;
}

}  // namespace

void register_seccomp_diff(CLI::App& seccomp, int& exit_status) {
  auto args = std::make_shared<DiffArgs>();
  auto* cmd = seccomp.add_subcommand(
      "diff", "List the syscalls (per arch, per argument value) two profiles treat differently");
  cmd->add_option("A", args->a, kProfileHelp)->required();
  cmd->add_option("B", args->b, "The profile to compare with (same forms as A)")->required();
  add_filter_flags(*cmd, args->flags,
                   "Native architecture for both profiles (x86_64, x86, x32, aarch64, arm)");
  cmd->callback([args, &exit_status] { run_diff(*args, exit_status); });
}

}  // namespace bulkhead::cli
