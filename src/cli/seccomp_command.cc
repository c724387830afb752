#include "cli/seccomp_command.h"

#include <unistd.h>

#include <iostream>
#include <memory>

#include "base/error.h"
#include "base/strings.h"
#include "cli/seccomp_common.h"
#include "seccomp/compiler.h"
#include "seccomp/default_profile.h"
#include "seccomp/disasm.h"
#include "seccomp/program.h"

namespace bulkhead::cli {

namespace {

constexpr const char* kNativeArchHelp =
    "Native architecture (x86_64, x86, x32, aarch64, arm); its sub-architectures follow the "
    "profile's archMap (default: this machine's)";

void register_default(CLI::App& seccomp) {
  auto* cmd =
      seccomp.add_subcommand("default", "Print the built-in default profile as Docker-format JSON");
  cmd->callback(
      [] { write_stdout(seccomp::profile_to_json(seccomp::default_profile()).dump(2) + "\n"); });
}

struct CompileArgs {
  std::string profile;
  std::string output;
  std::string format = "raw";
  std::string tree = "uniform";
  FilterFlags flags;
};

void run_compile(const CompileArgs& args) {
  auto resolved = load_and_resolve(args.profile, resolve_options(args.flags));
  seccomp::Program program =
      seccomp::compile(resolved.filter, {.weighting = tree_weighting(args.tree)});
  std::string data =
      args.format == "c" ? program.c_array("bulkhead_seccomp_filter") : program.bytes();
  if (!args.output.empty() && args.output != "-") {
    write_file(args.output, data);
    return;
  }
  if (args.format == "raw" && ::isatty(STDOUT_FILENO))
    throw Error(
        "refusing to write binary BPF to a terminal: use -o FILE, redirect the output, "
        "or --format c");
  write_stdout(data);
}

void register_compile(CLI::App& seccomp) {
  auto args = std::make_shared<CompileArgs>();
  auto* cmd = seccomp.add_subcommand(
      "compile", "Compile a profile to a seccomp BPF program (raw struct sock_filter[] or C)");
  cmd->add_option("PROFILE", args->profile, kProfileHelp)->required();
  cmd->add_option("-o,--output", args->output,
                  "Write here ('-' for stdout; stdout is the default when it is not a terminal)");
  cmd->add_option("--format", args->format, "raw (struct sock_filter bytes) or c (a C array)")
      ->capture_default_str()
      ->check(CLI::IsMember({"raw", "c"}));
  add_tree_flag(*cmd, args->tree);
  add_filter_flags(*cmd, args->flags, kNativeArchHelp);
  cmd->callback([args] { run_compile(*args); });
}

struct DisasmArgs {
  std::string file;
  std::string profile;
  std::string tree = "uniform";
  FilterFlags flags;
};

void run_disasm(const DisasmArgs& args) {
  seccomp::Program program;
  if (!args.profile.empty()) {
    auto resolved = load_and_resolve(args.profile, resolve_options(args.flags));
    program = seccomp::compile(resolved.filter, {.weighting = tree_weighting(args.tree)});
  } else {
    program = seccomp::Program::from_bytes(read_file(args.file));
  }
  // A broken program is still worth reading; say what is wrong with it first.
  try {
    seccomp::validate(program.insns);
  } catch (const Error& e) {
    std::cerr << "bulkhead: warning: " << e.what() << "\n";
  }
  write_stdout(seccomp::disassemble(program));
}

void register_disasm(CLI::App& seccomp) {
  auto args = std::make_shared<DisasmArgs>();
  auto* cmd = seccomp.add_subcommand(
      "disasm", "Print a seccomp BPF program readably (labels, syscall and action names)");
  auto* file = cmd->add_option("FILE", args->file, "Raw BPF program ('-' for stdin)");
  auto* profile = cmd->add_option("--profile", args->profile,
                                  "Compile this profile and disassemble the result instead");
  file->excludes(profile);
  add_tree_flag(*cmd, args->tree);
  add_filter_flags(*cmd, args->flags, kNativeArchHelp);
  cmd->callback([args, file, profile] {
    if (file->count() == 0 && profile->count() == 0) throw CLI::RequiredError("FILE or --profile");
    run_disasm(*args);
  });
}

}  // namespace

void register_seccomp_command(CLI::App& app, int& exit_status) {
  auto* seccomp = app.add_subcommand(
      "seccomp", "Seccomp profiles: print, compile, disassemble, check, compare and measure");
  seccomp->require_subcommand(1);
  register_default(*seccomp);
  register_compile(*seccomp);
  register_disasm(*seccomp);
  register_seccomp_check(*seccomp, exit_status);
  register_seccomp_diff(*seccomp, exit_status);
  register_seccomp_stats(*seccomp, exit_status);
}

}  // namespace bulkhead::cli
