// `bulkhead seccomp check PROFILE SYSCALL [ARG…]`: what the compiled program does with one
// call, which rule of the profile decided it, and what it cost. The program runs in the
// emulator and its answer is held against evaluate(), the profile's reference semantics.
#include <iostream>
#include <memory>

#include "base/error.h"
#include "base/strings.h"
#include "cli/seccomp_common.h"
#include "seccomp/compiler.h"
#include "seccomp/explain.h"
#include "seccomp/program.h"

namespace bulkhead::cli {

namespace {

using seccomp::Arch;

constexpr int kCompilerBugStatus = 3;

struct CheckArgs {
  std::string profile;
  std::string syscall;
  std::vector<std::string> args;
  std::string tree = "uniform";
  bool json = false;
  FilterFlags flags;
};

// The architecture whose archMap entry lists `arch` as a sub-architecture: a 32-bit process
// runs inside a container whose native architecture is the 64-bit one.
Arch native_for(Arch arch) {
  switch (arch) {
    case Arch::X86:
    case Arch::X32:
      return Arch::X86_64;
    case Arch::Arm:
      return Arch::AArch64;
    default:
      return arch;
  }
}

uint32_t syscall_number(const std::string& text, Arch arch) {
  const auto& table = seccomp::SyscallTable::of(arch);
  const auto& info = seccomp::arch_info(arch);
  if (auto n = parse_uint64(text)) {
    if (*n > UINT32_MAX) throw Error("syscall number " + text + " is out of range");
    uint32_t nr = static_cast<uint32_t>(*n);
    // x32 numbers carry bit 30; accept them with or without it.
    if (info.nr_base != 0 && nr < info.nr_base) nr += info.nr_base;
    return nr;
  }
  if (auto nr = table.number(text)) return *nr;
  if (seccomp::syscall_name_known(text))
    throw Error("syscall \"" + text + "\" does not exist on " + std::string(info.name) +
                " (use its number to check it anyway)");
  throw Error("unknown syscall \"" + text + "\"");
}

std::string call_text(const std::string& name, uint32_t nr, const std::vector<uint64_t>& args,
                      Arch arch) {
  std::vector<std::string> shown;
  for (uint64_t a : args) shown.push_back(a < 4096 ? std::to_string(a) : hex(a));
  std::string nr_text = arch == Arch::X32 ? hex(nr) : std::to_string(nr);
  return (name.empty() ? "syscall " + nr_text : name) + "(" + join(shown, ", ") + ") [" +
         std::string(seccomp::arch_info(arch).name) + " nr " + nr_text + "]";
}

void run_check(const CheckArgs& args, int& exit_status) {
  seccomp::ResolveOptions options = resolve_options(args.flags);
  // --arch names the calling process's architecture here.
  Arch call_arch = options.only_arches.empty() ? options.native.value_or(seccomp::native_arch())
                                               : options.only_arches.front();
  if (!args.flags.arch.empty()) options.native = native_for(call_arch);
  const auto& info = seccomp::arch_info(call_arch);

  uint32_t nr = syscall_number(args.syscall, call_arch);
  if (args.args.size() > 6) throw Error("a syscall has at most 6 arguments");
  std::vector<uint64_t> values;
  seccomp::SyscallCall call{info.audit_arch, nr, {}};
  for (size_t i = 0; i < args.args.size(); ++i) {
    auto v = parse_uint64(args.args[i]);
    if (!v)
      throw Error("argument " + std::to_string(i) + ": \"" + args.args[i] +
                  "\" is not a number (decimal, 0x-hex or 0-octal)");
    // 32-bit ABIs pass 32-bit arguments: the kernel zero-extends them into seccomp_data.
    if (!info.wide_args) *v &= 0xffffffffu;
    values.push_back(*v);
    call.args[i] = *v;
  }

  auto resolved = load_and_resolve(args.profile, options);
  seccomp::Program program =
      seccomp::compile(resolved.filter, {.weighting = tree_weighting(args.tree)});

  seccomp::SeccompInput input;
  input.nr = nr;
  input.arch = info.audit_arch;
  input.args = call.args;
  seccomp::RunResult result = seccomp::run(program.insns, input);
  seccomp::Verdict verdict = seccomp::evaluate(resolved.filter, call);
  seccomp::Action emulated = seccomp::Action::from_ret(result.ret);
  bool agree = result.ret == verdict.action.ret();

  std::string name(seccomp::SyscallTable::of(call_arch).name(nr));
  std::string explanation =
      seccomp::explain_verdict(resolved.profile, resolved.filter, call, verdict);
  if (args.json) {
    nlohmann::json out = {{"action", verdict.action.str()},
                          {"ret", verdict.action.ret()},
                          {"arch", info.name},
                          {"syscall", name},
                          {"nr", nr},
                          {"args", values},
                          {"decided_by", seccomp::explain_verdict_json(
                                             resolved.profile, resolved.filter, call, verdict)},
                          {"executed", result.executed},
                          {"program_length", program.insns.size()},
                          {"loaded_args", result.loaded_args},
                          {"emulator", {{"action", emulated.str()}, {"ret", result.ret}}},
                          {"agree", agree}};
    write_stdout(out.dump(2) + "\n");
  } else {
    std::string text = verdict.action.str() + "\n";
    text += "  call:       " + call_text(name, nr, values, call_arch) + "\n";
    text += "  decided by: " + explanation + "\n";
    text += "  executed:   " + std::to_string(result.executed) + " of " +
            std::to_string(program.insns.size()) + " BPF instructions" +
            (result.loaded_args ? " (arguments inspected)" : "") + "\n";
    write_stdout(text);
  }
  if (!agree) {
    std::cerr << "bulkhead: the compiled program and the profile disagree, which is a bug in "
                 "Bulkhead's compiler; please report it with this command line\n"
              << "  emulated program: " << emulated.str() << " (ret " << hex(result.ret) << ")\n"
              << "  profile semantics: " << verdict.action.str() << " — " << explanation << "\n";
    exit_status = kCompilerBugStatus;
  }
}

}  // namespace

void register_seccomp_check(CLI::App& seccomp, int& exit_status) {
  auto args = std::make_shared<CheckArgs>();
  auto* cmd = seccomp.add_subcommand(
      "check", "Show what a profile does with one syscall, and which rule decides it");
  cmd->add_option("PROFILE", args->profile, kProfileHelp)->required();
  cmd->add_option("SYSCALL", args->syscall, "Syscall name or number")->required();
  cmd->add_option("ARG", args->args, "Arguments, in order (decimal or 0x-hex; missing ones are 0)");
  cmd->add_flag("--json", args->json, "Print the result as JSON");
  add_tree_flag(*cmd, args->tree);
  add_filter_flags(*cmd, args->flags,
                   "Architecture of the calling process (x86_64, x86, x32, aarch64, arm); the "
                   "filter is compiled for the native arch whose sub-architectures include it "
                   "(x86_64 for x86 and x32)");
  cmd->callback([args, &exit_status] { run_check(*args, exit_status); });
}

}  // namespace bulkhead::cli
