// The seccomp benchmark (issue 2, section 6): Bulkhead's compiler side by side with
// libseccomp 2.5 at SCMP_FLTATR_CTL_OPTIMIZE=2, on the built-in default profile and on
// Podman's, for x86_64 alone and for x86_64+x86+x32.
//
// Static figures (program length, instructions executed per call, what the kernel's action
// cache can cache) come from the BPF emulator in the library, which counts the classic BPF
// instructions the kernel executes for a call. Nanoseconds per call come from the running kernel,
// in forked children (bench/kernel_timing.h).
//
// Prints Markdown for docs/BENCHMARKS.md. Exits non-zero only on errors (a profile that does
// not load, a program that disagrees with the model, a timing child that fails), never
// because of what the figures are.

#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/strings.h"
#include "kernel_timing.h"
#include "seccomp/compiler.h"
#include "seccomp/default_profile.h"
#include "seccomp/filter.h"
#include "seccomp/program.h"
#include "seccomp/reference.h"
#include "seccomp/stats.h"

namespace bulkhead::bench {

namespace {

using seccomp::Arch;
using seccomp::Filter;
using seccomp::Program;

// ---------------------------------------------------------------------------------------------
// What is compared.

enum class Compiler { BulkheadUniform, BulkheadFrequency, Libseccomp };
constexpr std::array kCompilers = {Compiler::BulkheadUniform, Compiler::BulkheadFrequency,
                                   Compiler::Libseccomp};

std::string compiler_label(Compiler compiler) {
  switch (compiler) {
    case Compiler::BulkheadUniform:
      return "bulkhead (uniform)";
    case Compiler::BulkheadFrequency:
      return "bulkhead (frequency)";
    case Compiler::Libseccomp:
      return "libseccomp -O2";
  }
  return "?";
}

Program build(const Filter& filter, Compiler compiler) {
  switch (compiler) {
    case Compiler::BulkheadUniform:
      return seccomp::compile(filter, {seccomp::TreeWeighting::Uniform});
    case Compiler::BulkheadFrequency:
      return seccomp::compile(filter, {seccomp::TreeWeighting::Frequency});
    case Compiler::Libseccomp:
      return seccomp::compile_with_libseccomp(filter, 2);
  }
  throw Error("unknown compiler");
}

// The flags glibc's fork() passes to clone.
constexpr uint64_t kForkCloneFlags = CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD;

// A call on x86_64 whose instruction count the tables show.
struct Probe {
  std::string label;
  std::string syscall;
  std::array<uint64_t, 6> args{};
};

// The hot argument-checked calls the target names (indices into probes()): the forms
// a working container makes all the time, and the forms the default profile denies (Podman's
// allows them).
constexpr std::array<size_t, 2> kHotAllowedProbes = {0, 2};
constexpr std::array<size_t, 2> kHotDeniedProbes = {1, 3};

std::vector<Probe> probes() {
  return {
      {"clone(fork flags)", "clone", {kForkCloneFlags}},
      {"clone(CLONE_NEWUSER)", "clone", {CLONE_NEWUSER | SIGCHLD}},
      {"socket(AF_INET)", "socket", {AF_INET, SOCK_STREAM, 0}},
      {"socket(AF_VSOCK)", "socket", {AF_VSOCK, SOCK_STREAM, 0}},
      {"personality(0xffffffff)", "personality", {0xffffffff}},
      {"mount", "mount", {}},
      {"acct", "acct", {}},
  };
}

// Arguments a real program typically passes, for the frequency-weighted mean: with zero
// arguments clone and socket would look like other calls.
std::array<uint64_t, 6> typical_args(std::string_view name) {
  if (name == "clone") return {kForkCloneFlags};
  if (name == "socket") return {AF_INET, SOCK_STREAM, 0};
  if (name == "personality") return {0xffffffff};
  return {};
}

uint32_t x86_64_audit() {
  return seccomp::arch_info(Arch::X86_64).audit_arch;
}

uint32_t x86_64_number(const std::string& name) {
  auto nr = seccomp::SyscallTable::of(Arch::X86_64).number(name);
  if (!nr) throw Error("no x86_64 number for " + name);
  return *nr;
}

// ---------------------------------------------------------------------------------------------
// Static figures.

struct Figures {
  seccomp::ProgramStats stats;         // length, per-arch mean/max, action-cache coverage
  std::vector<size_t> probe_executed;  // per probe, x86_64
  double weighted_mean = 0;            // x86_64, by syscall_frequency_weights()

  const seccomp::CostSummary* summary(Arch arch) const {
    const seccomp::ArchStats* a = stats.find(arch);
    return a ? &a->summary : nullptr;
  }
};

Figures measure_static(const Filter& filter, const Program& program) {
  Figures figures;
  figures.stats = seccomp::compute_stats(filter, program);
  for (const auto& probe : probes()) {
    seccomp::SeccompInput input{x86_64_number(probe.syscall), x86_64_audit(), 0, probe.args};
    figures.probe_executed.push_back(seccomp::run(program.insns, input).executed);
  }
  double weighted = 0, weight_sum = 0;
  const auto& table = seccomp::SyscallTable::of(Arch::X86_64);
  for (const auto& [name, weight] : seccomp::syscall_frequency_weights()) {
    auto nr = table.number(name);
    if (!nr) continue;
    seccomp::SeccompInput input{*nr, x86_64_audit(), 0, typical_args(name)};
    weighted += weight * static_cast<double>(seccomp::run(program.insns, input).executed);
    weight_sum += weight;
  }
  if (weight_sum > 0) figures.weighted_mean = weighted / weight_sum;
  return figures;
}

// The figures are only worth printing for programs that do what the profile says. Bulkhead's
// programs must agree with the model on every number of every arch (zero arguments) and on
// the probes: a disagreement is an error. libseccomp's are checked on the probes, and where
// they disagree that is one of its documented divergences (docs/VERIFICATION.md): printed as
// a finding next to the figures, since they then describe a program weaker than the profile.
void check_against_model(const Filter& filter, const Program& program, Compiler compiler,
                         const std::string& case_label, std::vector<std::string>& errors,
                         std::vector<std::string>& findings) {
  auto check = [&](uint32_t audit, uint32_t nr, const std::array<uint64_t, 6>& args,
                   const std::string& what) {
    uint32_t got = seccomp::run(program.insns, {nr, audit, 0, args}).ret;
    seccomp::Action want = seccomp::evaluate(filter, {audit, nr, args}).action;
    if (got != want.ret())
      (compiler == Compiler::Libseccomp ? findings : errors)
          .push_back(case_label + ", " + compiler_label(compiler) + ": " + what + " returns " +
                     seccomp::Action::from_ret(got).str() + ", the profile says " + want.str());
  };
  for (const auto& probe : probes())
    check(x86_64_audit(), x86_64_number(probe.syscall), probe.args, probe.label);
  if (compiler == Compiler::Libseccomp) return;
  for (const auto& af : filter.arches) {
    uint32_t audit = seccomp::arch_info(af.arch).audit_arch;
    for (const auto& [nr, name] : seccomp::SyscallTable::of(af.arch).entries())
      check(audit, nr, {}, std::string(seccomp::arch_info(af.arch).name) + " " + name);
  }
}

// ---------------------------------------------------------------------------------------------
// Markdown output.

class MarkdownTable {
 public:
  explicit MarkdownTable(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  std::string str() const {
    std::vector<size_t> widths(rows_[0].size(), 3);
    for (const auto& row : rows_)
      for (size_t c = 0; c < row.size() && c < widths.size(); ++c)
        widths[c] = std::max(widths[c], display_width(row[c]));
    std::string out;
    auto line = [&](const std::vector<std::string>& row) {
      out += "|";
      for (size_t c = 0; c < widths.size(); ++c) {
        std::string cell = c < row.size() ? row[c] : "";
        out += " " + cell + std::string(widths[c] - display_width(cell), ' ') + " |";
      }
      out += "\n";
    };
    line(rows_[0]);
    out += "|";
    for (size_t w : widths) out += std::string(w + 2, '-') + "|";
    out += "\n";
    for (size_t r = 1; r < rows_.size(); ++r) line(rows_[r]);
    return out;
  }

 private:
  // UTF-8 aware enough for the few non-ASCII characters used here (≤, –, ±, ✓, ✗).
  static size_t display_width(const std::string& text) {
    size_t width = 0;
    for (unsigned char ch : text)
      if ((ch & 0xc0) != 0x80) ++width;
    return width;
  }
  std::vector<std::vector<std::string>> rows_;
};

std::string fixed(double value, int precision) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", precision, value);
  return buffer;
}

std::string percent(size_t part, size_t whole) {
  if (whole == 0) return "–";
  return fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 1) + "% (" +
         std::to_string(part) + "/" + std::to_string(whole) + ")";
}

std::string cacheable(const Figures& figures) {
  const auto& overall = figures.stats.overall;
  return percent(overall.cacheable_allows, overall.unconditional_allows);
}

bool all_cacheable(const Figures& figures) {
  const auto& overall = figures.stats.overall;
  return overall.cacheable_allows == overall.unconditional_allows;
}

std::string met(bool ok) {
  return ok ? "✓ met" : "✗ missed";
}

// ---------------------------------------------------------------------------------------------
// The cases.

struct Case {
  std::string profile_label;
  std::string arches_label;
  Filter filter;
  std::array<Program, kCompilers.size()> programs;
  std::array<Figures, kCompilers.size()> figures;

  const Figures& of(Compiler c) const { return figures[static_cast<size_t>(c)]; }
  const Program& program(Compiler c) const { return programs[static_cast<size_t>(c)]; }
};

struct ArchSet {
  std::string label;
  std::vector<Arch> arches;
};

Case make_case(const seccomp::Profile& profile, const std::string& profile_label,
               const ArchSet& arch_set, std::vector<std::string>& errors,
               std::vector<std::string>& findings) {
  seccomp::ResolveOptions options;
  options.native = Arch::X86_64;
  options.only_arches = arch_set.arches;
  Case c{profile_label, arch_set.label, seccomp::resolve(profile, options), {}, {}};
  for (Compiler compiler : kCompilers) {
    size_t i = static_cast<size_t>(compiler);
    c.programs[i] = build(c.filter, compiler);
    c.figures[i] = measure_static(c.filter, c.programs[i]);
    check_against_model(c.filter, c.programs[i], compiler,
                        profile_label + " (" + arch_set.label + ")", errors, findings);
  }
  return c;
}

std::string mean_max(const Figures& figures, Arch arch) {
  const seccomp::CostSummary* a = figures.summary(arch);
  if (!a) return "–";
  return fixed(a->mean_executed, 1) + " / " + std::to_string(a->max_executed);
}

void print_static_tables(const std::vector<Case>& cases) {
  std::cout << "#### Program length and executed instructions over all syscall numbers\n\n"
               "Executed instructions per call, mean / max over every syscall number of the "
               "arch's table (zero arguments); weighted mean: x86_64, weighted by "
               "`syscall_frequency_weights()` with typical arguments; cacheable: unconditional "
               "allows the kernel's action cache can cache.\n\n";
  MarkdownTable sizes({"profile", "arches", "compiler", "length", "x86_64 mean / max",
                       "x86 mean / max", "x32 mean / max", "weighted mean", "cacheable allows"});
  for (const auto& c : cases) {
    for (Compiler compiler : kCompilers) {
      const Figures& f = c.of(compiler);
      sizes.add({c.profile_label, c.arches_label, compiler_label(compiler),
                 std::to_string(f.stats.length), mean_max(f, Arch::X86_64), mean_max(f, Arch::X86),
                 mean_max(f, Arch::X32), fixed(f.weighted_mean, 1), cacheable(f)});
    }
  }
  std::cout << sizes.str() << "\n";

  std::cout << "#### Executed instructions on selected x86_64 calls\n\n";
  std::vector<std::string> header = {"profile", "arches", "compiler"};
  for (const auto& p : probes()) header.push_back(p.label);
  MarkdownTable hot(header);
  for (const auto& c : cases) {
    for (Compiler compiler : kCompilers) {
      std::vector<std::string> row = {c.profile_label, c.arches_label, compiler_label(compiler)};
      for (size_t n : c.of(compiler).probe_executed) row.push_back(std::to_string(n));
      hot.add(row);
    }
  }
  std::cout << hot.str() << "\n";

  std::cout << "What each profile does with those calls (the benchmark fails unless both "
               "Bulkhead programs return this; where libseccomp's does not, it is listed below "
               "the table):\n\n";
  std::vector<std::string> verdict_header = {"call"};
  std::vector<const Case*> one_per_profile;
  for (const auto& c : cases) {
    bool seen = std::any_of(one_per_profile.begin(), one_per_profile.end(),
                            [&](const Case* o) { return o->profile_label == c.profile_label; });
    if (!seen) {
      one_per_profile.push_back(&c);
      verdict_header.push_back(c.profile_label);
    }
  }
  MarkdownTable verdicts(verdict_header);
  for (const auto& p : probes()) {
    std::vector<std::string> row = {p.label};
    for (const Case* c : one_per_profile)
      row.push_back(seccomp::evaluate(c->filter, {x86_64_audit(), x86_64_number(p.syscall), p.args})
                        .action.str());
    verdicts.add(row);
  }
  std::cout << verdicts.str() << "\n";
}

double ratio(double ours, double theirs) {
  return theirs > 0 ? ours / theirs : 0.0;
}

void print_targets(const std::vector<Case>& cases) {
  std::cout << "#### Targets (issue 2): bulkhead against libseccomp -O2\n\n"
               "Judged on the default compile options (uniform); the frequency column is "
               "for comparison. Hot calls: clone(fork flags) and socket(AF_INET) (allowed), "
               "clone(CLONE_NEWUSER) and socket(AF_VSOCK) (denied by the default profile); "
               "the ratio is the worse of the two calls.\n\n";
  MarkdownTable table({"target", "profile", "arches", "uniform", "frequency", "libseccomp",
                       "uniform / libseccomp", "frequency / libseccomp", "result (uniform)"});
  for (const auto& c : cases) {
    const Figures& u = c.of(Compiler::BulkheadUniform);
    const Figures& f = c.of(Compiler::BulkheadFrequency);
    const Figures& l = c.of(Compiler::Libseccomp);
    auto length_ratio = [&](const Figures& x) {
      return ratio(static_cast<double>(x.stats.length), static_cast<double>(l.stats.length));
    };
    table.add({"length ≤ 1/2", c.profile_label, c.arches_label, std::to_string(u.stats.length),
               std::to_string(f.stats.length), std::to_string(l.stats.length),
               fixed(length_ratio(u), 2), fixed(length_ratio(f), 2), met(length_ratio(u) <= 0.5)});

    auto x64_mean = [](const Figures& x) { return x.summary(Arch::X86_64)->mean_executed; };
    double mean_u = ratio(x64_mean(u), x64_mean(l)), mean_f = ratio(x64_mean(f), x64_mean(l));
    table.add({"x86_64 mean ≤ 3/4", c.profile_label, c.arches_label, fixed(x64_mean(u), 1),
               fixed(x64_mean(f), 1), fixed(x64_mean(l), 1), fixed(mean_u, 2), fixed(mean_f, 2),
               met(mean_u <= 0.75)});

    auto hot_row = [&](const std::string& target, const std::array<size_t, 2>& which) {
      auto counts = [&](const Figures& x) {
        std::vector<std::string> parts;
        for (size_t i : which) parts.push_back(std::to_string(x.probe_executed[i]));
        return join(parts, ", ");
      };
      auto worst = [&](const Figures& x) {
        double w = 0;
        for (size_t i : which)
          w = std::max(w, ratio(static_cast<double>(x.probe_executed[i]),
                                static_cast<double>(l.probe_executed[i])));
        return w;
      };
      table.add({target, c.profile_label, c.arches_label, counts(u), counts(f), counts(l),
                 fixed(worst(u), 2), fixed(worst(f), 2), met(worst(u) <= 0.5)});
    };
    hot_row("clone, socket (fork, AF_INET) ≤ 1/2", kHotAllowedProbes);
    hot_row("clone, socket (NEWUSER, VSOCK) ≤ 1/2", kHotDeniedProbes);

    table.add({"cacheable = 100%", c.profile_label, c.arches_label, cacheable(u), cacheable(f),
               cacheable(l), "", "", met(all_cacheable(u))});
  }
  std::cout << table.str() << "\n";
}

// ---------------------------------------------------------------------------------------------
// Kernel timing.

double quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  double pos = q * static_cast<double>(values.size() - 1);
  size_t below = static_cast<size_t>(std::floor(pos));
  size_t above = std::min(below + 1, values.size() - 1);
  double frac = pos - static_cast<double>(below);
  return values[below] * (1 - frac) + values[above] * frac;
}

double median(const std::vector<double>& values) {
  return quantile(values, 0.5);
}

struct TimingSettings {
  int rounds = 21;
  size_t calls = 100000;
  int stack = 16;  // copies of the filter in the stacked variants; 1 leaves them out
  int cpu = -1;    // CPU the children run on; -1 = no pinning
  // Short batches (about a millisecond) so that some of them fit between the time slices of
  // whatever else runs on the CPU; the fastest one counts.
  size_t batches = 20;
};

std::string ns_cell(const std::vector<double>& ns) {
  double spread = (quantile(ns, 0.75) - quantile(ns, 0.25)) / 2;
  return fixed(median(ns), 1) + " ±" + fixed(spread, 1);
}

void run_kernel_timing(const Case& timed, const TimingSettings& settings) {
  TimingPlan plan;
  plan.rounds = settings.rounds;
  plan.calls = settings.calls;
  plan.warmup = std::max<size_t>(settings.calls / 10, 1000);
  plan.cpu = settings.cpu;
  plan.batches = settings.batches;
  plan.syscalls = {
      {"getppid (allowed)", SYS_getppid, {}},
      {"personality(0xffffffff) (argument-checked, allowed)", SYS_personality, {0xffffffff}},
      {"mount (denied)", SYS_mount, {}},
  };
  // The model's view of each timed call: what the children must see, and the emulator's
  // instruction counts for the table.
  std::vector<seccomp::SyscallCall> model_calls;
  for (const auto& s : plan.syscalls) {
    seccomp::SyscallCall call{x86_64_audit(), static_cast<uint32_t>(s.nr), {}};
    for (size_t i = 0; i < 6; ++i) call.args[i] = s.args[i];
    model_calls.push_back(call);
  }
  std::vector<ExpectedResult> filtered_expectations;
  for (const auto& call : model_calls) {
    seccomp::Action action = seccomp::evaluate(timed.filter, call).action;
    if (action.kind == seccomp::ActionKind::Allow)
      filtered_expectations.push_back({ExpectedResult::Kind::Success});
    else if (action.kind == seccomp::ActionKind::Errno)
      filtered_expectations.push_back({ExpectedResult::Kind::Errno, action.data});
    else
      throw Error("timed call " + std::to_string(call.nr) + " is " + action.str() +
                  " under the profile; only ALLOW and ERRNO calls can be timed");
  }

  // Without a filter mount(NULL, NULL, …) fails in the kernel's own argument checks (EFAULT).
  plan.variants.push_back({"no filter",
                           std::nullopt,
                           {{ExpectedResult::Kind::Success},
                            {ExpectedResult::Kind::Success},
                            {ExpectedResult::Kind::AnyFailure}}});
  auto add_variant = [&](Compiler compiler, int copies) {
    std::string label = compiler_label(compiler);
    if (copies > 1) label += " ×" + std::to_string(copies);
    plan.variants.push_back({label, timed.program(compiler), filtered_expectations, copies});
    return plan.variants.size() - 1;
  };
  const size_t none = 0;
  const size_t uniform = add_variant(Compiler::BulkheadUniform, 1);
  const size_t frequency = add_variant(Compiler::BulkheadFrequency, 1);
  const size_t lib = add_variant(Compiler::Libseccomp, 1);
  const bool stacked = settings.stack > 1;
  const size_t uniform_stacked =
      stacked ? add_variant(Compiler::BulkheadUniform, settings.stack) : 0;
  const size_t lib_stacked = stacked ? add_variant(Compiler::Libseccomp, settings.stack) : 0;

  auto started = std::chrono::steady_clock::now();
  TimingSamples samples = measure(plan);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto med = [&](size_t variant, size_t syscall) { return median(samples.ns[variant][syscall]); };

  std::cout << "#### Nanoseconds per call on this kernel\n\n"
            << timed.profile_label << " profile, " << timed.arches_label << " filter (what a "
            << "runtime loads on an x86_64 host). " << plan.rounds << " rounds; each round "
            << "forks one child per variant, in rotating order; a child sets no_new_privs, loads "
            << "its filter with seccomp(2), checks each call's result against the model, warms "
            << "up, then times " << plan.batches << " batches of " << plan.calls / plan.batches
            << " calls per syscall and keeps its fastest batch"
            << (plan.cpu >= 0 ? "; every child is pinned to CPU " + std::to_string(plan.cpu) : "")
            << ". Cells: median over the rounds "
            << "± half the interquartile range. Executed: instructions the emulator counts for "
               "the call (uniform / frequency / libseccomp). Cached: the kernel's action cache "
               "allows the call without running the filter. Ratio: median of the per-round "
               "ratios bulkhead (uniform) / libseccomp. The denied mount never reaches the "
               "kernel's mount code under a filter, so its no-filter time is not a baseline.\n\n";
  MarkdownTable table({"call", "executed", "cached", "no filter ns", "bulkhead (uniform) ns",
                       "bulkhead (frequency) ns", "libseccomp -O2 ns", "ratio"});
  for (size_t s = 0; s < plan.syscalls.size(); ++s) {
    std::vector<std::string> executed, cached;
    for (Compiler compiler : kCompilers) {
      const Program& program = timed.program(compiler);
      const auto& call = model_calls[s];
      executed.push_back(std::to_string(
          seccomp::run(program.insns, {call.nr, call.audit_arch, 0, call.args}).executed));
      cached.push_back(seccomp::kernel_cacheable(program.insns, call.audit_arch, call.nr) ? "yes"
                                                                                          : "no");
    }
    std::vector<double> paired;
    for (size_t r = 0; r < samples.ns[uniform][s].size(); ++r)
      paired.push_back(ratio(samples.ns[uniform][s][r], samples.ns[lib][s][r]));
    table.add({plan.syscalls[s].label, join(executed, " / "), join(cached, " / "),
               ns_cell(samples.ns[none][s]), ns_cell(samples.ns[uniform][s]),
               ns_cell(samples.ns[frequency][s]), ns_cell(samples.ns[lib][s]),
               fixed(median(paired), 3)});
  }
  std::cout << table.str() << "\n";

  if (stacked) {
    std::string k = std::to_string(settings.stack);
    std::cout << "The same filters loaded " << k << " times over (every copy runs on each call "
              << "the action cache does not hold), which multiplies the filter's own cost by " << k
              << " so it stands out of the syscall's: per filter = (×" << k << " − single) / "
              << settings.stack - 1 << ", from the medians.\n\n";
    MarkdownTable stack_table({"call", "bulkhead (uniform) ×" + k + " ns",
                               "libseccomp -O2 ×" + k + " ns", "per filter: bulkhead ns",
                               "per filter: libseccomp ns", "per-filter ratio"});
    for (size_t s = 0; s < plan.syscalls.size(); ++s) {
      double per_ours = (med(uniform_stacked, s) - med(uniform, s)) / (settings.stack - 1);
      double per_lib = (med(lib_stacked, s) - med(lib, s)) / (settings.stack - 1);
      // A call the action cache holds never runs the filters; below half a nanosecond per
      // filter there is no ratio to speak of either.
      const auto& call = model_calls[s];
      bool cached = seccomp::kernel_cacheable(timed.program(Compiler::BulkheadUniform).insns,
                                              call.audit_arch, call.nr) &&
                    seccomp::kernel_cacheable(timed.program(Compiler::Libseccomp).insns,
                                              call.audit_arch, call.nr);
      std::string per_filter_ratio = cached          ? "– (cached: filters not run)"
                                     : per_lib > 0.5 ? fixed(per_ours / per_lib, 2)
                                                     : "–";
      stack_table.add({plan.syscalls[s].label, ns_cell(samples.ns[uniform_stacked][s]),
                       ns_cell(samples.ns[lib_stacked][s]), fixed(per_ours, 1), fixed(per_lib, 1),
                       per_filter_ratio});
    }
    std::cout << stack_table.str() << "\n";
  }
  std::cerr << "kernel timing took " << fixed(seconds, 1) << " s\n";
}

// ---------------------------------------------------------------------------------------------

std::string machine_description() {
  struct utsname uts {};
  uname(&uts);
  std::string cpu = "unknown CPU";
  try {
    for (const auto& line : split(read_file("/proc/cpuinfo"), '\n')) {
      if (line.rfind("model name", 0) == 0) {
        auto colon = line.find(':');
        if (colon != std::string::npos) cpu = std::string(trim(line.substr(colon + 1)));
        break;
      }
    }
  } catch (const Error&) {
    // The CPU name is decoration; the figures stand without it.
  }
  char date[64];
  std::time_t now = std::time(nullptr);
  struct tm utc {};
  gmtime_r(&now, &utc);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", &utc);
  // Other work on the machine shows in the ns figures; say how busy it was.
  std::string load = "unknown";
  try {
    auto fields = split(read_file("/proc/loadavg"), ' ');
    if (!fields.empty()) load = fields[0];
  } catch (const Error&) {
    // Like the CPU name: context for the reader, not a figure.
  }
  const struct scmp_version* v = seccomp_version();
  return std::string("Machine: ") + cpu + ", nproc " +
         std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + ", kernel " + uts.release + " (" +
         uts.machine + "); libseccomp " + std::to_string(v->major) + "." +
         std::to_string(v->minor) + "." + std::to_string(v->micro) + "; load average " + load +
         " at the start; " + date + ".";
}

int run_bench(int argc, char** argv) {
  CLI::App app{
      "Bulkhead's seccomp compiler against libseccomp: program size, executed "
      "instructions, action-cache coverage and ns per call. Prints Markdown."};
  std::string podman_path = "/usr/share/containers/seccomp.json";
  TimingSettings timing;
  bool no_kernel = false;
  bool quick = false;
  app.add_option("--podman-profile", podman_path, "Podman's seccomp profile")
      ->capture_default_str();
  app.add_option("--rounds", timing.rounds, "timing rounds (one child per variant each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--calls", timing.calls, "timed calls per syscall per child")
      ->capture_default_str()
      ->check(CLI::Range(size_t{5}, size_t{100000000}));
  app.add_option("--batches", timing.batches,
                 "batches per syscall per child; the fastest one counts")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1000}));
  app.add_option("--stack", timing.stack,
                 "copies of the filter in the stacked variants (1: no stacked variants)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  bool no_pin = false;
  app.add_option("--cpu", timing.cpu,
                 "CPU to pin the timing children to (default: the one the bench starts on)");
  app.add_flag("--no-pin", no_pin, "let the scheduler move the timing children");
  app.add_flag("--no-kernel", no_kernel, "skip the ns-per-call measurement");
  app.add_flag("--quick", quick, "5 rounds of 20000 calls: a smoke run, not for the docs");
  CLI11_PARSE(app, argc, argv);
  if (no_pin) {
    timing.cpu = -1;
  } else if (timing.cpu < 0) {
    timing.cpu = sched_getcpu();  // -1 when unknown: then nothing is pinned
  }
  if (quick) {
    timing.rounds = 5;
    timing.calls = 20000;
  }
  if (timing.calls < timing.batches)
    throw Error("--calls must be at least --batches (one call per batch)");

  std::vector<std::string> errors;
  const std::vector<ArchSet> arch_sets = {
      {"x86_64", {Arch::X86_64}},
      {"x86_64+x86+x32", {Arch::X86_64, Arch::X86, Arch::X32}},
  };
  std::vector<std::pair<std::string, seccomp::Profile>> profiles;
  profiles.emplace_back("default", seccomp::default_profile());
  // The default profile with Docker's own socket rule (`arg0 != AF_VSOCK`, 64-bit) in place of
  // ours (deny when the low word is AF_VSOCK, allow otherwise). libseccomp merges ours into an
  // unconditional allow — dropping the family check — so its socket figures on "default" are
  // those of a program that checks nothing; this variant compares programs that both check.
  seccomp::Profile docker_socket = seccomp::default_profile();
  std::erase_if(docker_socket.syscalls, [](const seccomp::SyscallRule& r) {
    return r.names == std::vector<std::string>{"socket"};
  });
  seccomp::SyscallRule socket_rule;
  socket_rule.names = {"socket"};
  socket_rule.action = seccomp::ActionKind::Allow;
  socket_rule.args = {seccomp::ArgCmp{0, seccomp::CmpOp::NotEqual, 40, 0}};
  docker_socket.syscalls.push_back(socket_rule);
  profiles.emplace_back("default, Docker's socket rule", std::move(docker_socket));
  if (access(podman_path.c_str(), R_OK) != 0)
    throw SystemError("Podman's seccomp profile " + podman_path +
                          " (Debian package golang-github-containers-common, which "
                          "scripts/setup.sh installs; or pass --podman-profile)",
                      errno);
  profiles.emplace_back("Podman", seccomp::load_profile(podman_path));

  std::vector<Case> cases;
  std::vector<std::string> findings;
  for (const auto& [label, profile] : profiles)
    for (const auto& arch_set : arch_sets)
      cases.push_back(make_case(profile, label, arch_set, errors, findings));

  // Headings start at level 4 so the output nests under docs/BENCHMARKS.md's sections.
  std::cout << machine_description() << "\n\n";
  print_static_tables(cases);
  if (!findings.empty()) {
    std::cout << "libseccomp's program does not do what the profile says on these probes "
                 "(documented divergences, docs/VERIFICATION.md); its figures for them are "
                 "those of a weaker program:\n\n";
    for (const auto& f : findings) std::cout << "- " << f << "\n";
    std::cout << "\n";
  }
  print_targets(cases);
  std::cout.flush();

  if (!no_kernel && seccomp::native_arch() != Arch::X86_64) {
    // The timed calls are x86_64 syscall numbers checked against the x86_64 model.
    std::cout << "ns per call not measured: the kernel timing needs an x86_64 host.\n";
  } else if (!no_kernel) {
    // The filter Docker-like runtimes load on an x86_64 host: the default profile, all three
    // x86 ABIs.
    const Case* timed = nullptr;
    for (const auto& c : cases)
      if (c.profile_label == "default" && c.arches_label == arch_sets[1].label) timed = &c;
    run_kernel_timing(*timed, timing);
  }

  constexpr size_t kErrorsShown = 20;
  for (size_t i = 0; i < errors.size() && i < kErrorsShown; ++i)
    std::cerr << "error: " << errors[i] << "\n";
  if (errors.size() > kErrorsShown)
    std::cerr << "error: … and " << errors.size() - kErrorsShown << " more disagreements\n";
  return errors.empty() ? 0 : 1;
}

}  // namespace

}  // namespace bulkhead::bench

int main(int argc, char** argv) {
  try {
    return bulkhead::bench::run_bench(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "seccomp_bench: " << e.what() << "\n";
    return 1;
  }
}
