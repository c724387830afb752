#include "cli/seccomp_common.h"

#include <algorithm>
#include <iostream>

#include "base/error.h"
#include "base/strings.h"
#include "caps/capabilities.h"
#include "seccomp/arch.h"
#include "seccomp/default_profile.h"

namespace bulkhead::cli {

namespace {

CLI::Validator arch_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (seccomp::parse_arch(value)) return "";
        return "unknown architecture \"" + value + "\" (expected x86_64, x86, x32, aarch64 or arm)";
      },
      "ARCH");
}

CLI::Validator kernel_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (seccomp::KernelVersion::parse(value)) return "";
        return "invalid kernel version \"" + value + "\" (expected X.Y, e.g. 5.15)";
      },
      "X.Y");
}

CLI::Validator caps_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        try {
          caps::parse_cap_list(value);
          return "";
        } catch (const Error& e) {
          return e.what();
        }
      },
      "LIST");
}

}  // namespace

void add_filter_flags(CLI::App& command, FilterFlags& flags, const std::string& arch_help) {
  auto* arch = command.add_option("--arch", flags.arch, arch_help)->check(arch_validator());
  command
      .add_option("--arches", flags.arches,
                  "Compile exactly these architectures (comma-separated); the first is native")
      ->delimiter(',')
      ->check(arch_validator())
      ->excludes(arch);
  flags.caps_option =
      command
          .add_option("--caps", flags.caps,
                      "Capabilities the container holds, for Docker's conditional rules "
                      "(comma-separated, ALL for every one; default: Bulkhead's default set)")
          ->check(caps_validator());
  command
      .add_option("--kernel", flags.kernel,
                  "Kernel version X.Y for minKernel conditions (default: the running kernel)")
      ->check(kernel_validator());
  command.add_flag("--ignore-unknown", flags.ignore_unknown,
                   "Skip syscall names no architecture knows, with a warning, instead of failing");
  command
      .add_option("--unknown-syscalls", flags.unknown_syscalls,
                  "Numbers above the highest one the profile names: enosys (ERRNO(ENOSYS), so libc "
                  "falls back) or default (the profile's defaultAction)")
      ->capture_default_str()
      ->check(CLI::IsMember({"enosys", "default"}));
}

seccomp::ResolveOptions resolve_options(const FilterFlags& flags) {
  seccomp::ResolveOptions options;
  if (!flags.arch.empty()) options.native = seccomp::parse_arch(flags.arch);
  for (const auto& name : flags.arches) {
    auto arch = seccomp::parse_arch(name);
    if (!arch) throw Error("--arches: unknown architecture \"" + name + "\"");
    if (std::find(options.only_arches.begin(), options.only_arches.end(), *arch) ==
        options.only_arches.end())
      options.only_arches.push_back(*arch);
  }
  if (!options.only_arches.empty()) options.native = options.only_arches.front();
  if (flags.caps_option && flags.caps_option->count() > 0)
    options.caps = caps::parse_cap_list(flags.caps);
  if (!flags.kernel.empty()) {
    auto kernel = seccomp::KernelVersion::parse(flags.kernel);
    if (!kernel) throw Error("--kernel: invalid kernel version \"" + flags.kernel + "\"");
    options.kernel = *kernel;
  }
  options.ignore_unknown = flags.ignore_unknown;
  options.unknown_syscalls = flags.unknown_syscalls == "default" ? seccomp::UnknownSyscalls::Default
                                                                 : seccomp::UnknownSyscalls::Enosys;
  return options;
}

ResolvedProfile load_and_resolve(const std::string& profile,
                                 const seccomp::ResolveOptions& options) {
  ResolvedProfile out{seccomp::load_profile(profile), {}};
  out.filter = seccomp::resolve(out.profile, options);
  print_warnings(out.filter);
  return out;
}

void print_warnings(const seccomp::Filter& filter) {
  for (const auto& warning : filter.warnings)
    std::cerr << "bulkhead: warning: " << filter.source << ": " << warning << "\n";
}

void add_tree_flag(CLI::App& command, std::string& tree) {
  command
      .add_option("--tree", tree,
                  "Decision tree shape: uniform (fewest instructions on average over all "
                  "numbers) or frequency (weighted by how often workloads call each syscall)")
      ->capture_default_str()
      ->check(CLI::IsMember({"uniform", "frequency"}));
}

seccomp::TreeWeighting tree_weighting(const std::string& tree) {
  return tree == "frequency" ? seccomp::TreeWeighting::Frequency : seccomp::TreeWeighting::Uniform;
}

void write_stdout(std::string_view data) {
  std::cout.flush();  // keep order with anything printed through iostreams
  write_file("-", data);
}

}  // namespace bulkhead::cli
