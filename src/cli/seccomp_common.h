// What the `bulkhead seccomp …` tools share: the options that say how a profile is resolved
// (--arch, --arches, --caps, --kernel, --ignore-unknown, --unknown-syscalls), loading a
// profile by name, and printing warnings. Each tool registers itself from its own file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "seccomp/compiler.h"
#include "seccomp/filter.h"
#include "seccomp/profile.h"

namespace bulkhead::cli {

struct FilterFlags {
  std::string arch;
  std::vector<std::string> arches;
  std::string caps;
  CLI::Option* caps_option = nullptr;  // to tell "--caps ''" (no capabilities) from no option
  std::string kernel;
  bool ignore_unknown = false;
  std::string unknown_syscalls = "enosys";
};

// `arch_help` says what --arch means for this tool.
void add_filter_flags(CLI::App& command, FilterFlags& flags, const std::string& arch_help);

// Resolution options from the flags; --arch names the native architecture.
seccomp::ResolveOptions resolve_options(const FilterFlags& flags);

struct ResolvedProfile {
  seccomp::Profile profile;
  seccomp::Filter filter;
};

// Loads PROFILE ("default", "-" for stdin, or a path), resolves it and prints its warnings.
ResolvedProfile load_and_resolve(const std::string& profile,
                                 const seccomp::ResolveOptions& options);

void print_warnings(const seccomp::Filter& filter);

// --tree uniform|frequency
void add_tree_flag(CLI::App& command, std::string& tree);
seccomp::TreeWeighting tree_weighting(const std::string& tree);

// Writes to standard output and fails loudly on a short write (a full disk, a closed pipe).
void write_stdout(std::string_view data);

// The PROFILE positional's help text.
inline constexpr const char* kProfileHelp =
    "Profile: a Docker/OCI seccomp JSON file, '-' for stdin, or 'default' for the built-in one";

// One per tool; `exit_status` is what main() returns when the tool finishes without an error.
void register_seccomp_check(CLI::App& seccomp, int& exit_status);
void register_seccomp_diff(CLI::App& seccomp, int& exit_status);
void register_seccomp_stats(CLI::App& seccomp, int& exit_status);

}  // namespace bulkhead::cli
