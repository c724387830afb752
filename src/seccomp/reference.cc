#include "seccomp/reference.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

namespace bulkhead::seccomp {

namespace {

// libseccomp reports failures as negative errno values.
[[noreturn]] void throw_scmp(const std::string& what, int rc) {
  throw Error("libseccomp: " + what + ": " + std::strerror(-rc));
}

void check_scmp(int rc, const std::string& what) {
  if (rc < 0) throw_scmp(what, rc);
}

// Owns one libseccomp filter context.
class ScmpContext {
 public:
  explicit ScmpContext(uint32_t default_action) : ctx_(seccomp_init(default_action)) {
    if (ctx_ == nullptr) throw Error("libseccomp: seccomp_init failed (invalid default action?)");
  }
  ScmpContext(const ScmpContext&) = delete;
  ScmpContext& operator=(const ScmpContext&) = delete;
  ScmpContext(ScmpContext&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}
  ScmpContext& operator=(ScmpContext&&) = delete;
  ~ScmpContext() {
    if (ctx_ != nullptr) seccomp_release(ctx_);
  }

  scmp_filter_ctx get() const { return ctx_; }

  // seccomp_merge() consumes `other` on success; on failure it stays ours to release.
  void merge(ScmpContext& other, std::string_view arch_name) {
    check_scmp(seccomp_merge(ctx_, other.ctx_), "seccomp_merge(" + std::string(arch_name) + ")");
    other.ctx_ = nullptr;
  }

 private:
  scmp_filter_ctx ctx_;
};

enum scmp_compare scmp_op(CmpOp op) {
  switch (op) {
    case CmpOp::NotEqual:
      return SCMP_CMP_NE;
    case CmpOp::Less:
      return SCMP_CMP_LT;
    case CmpOp::LessEqual:
      return SCMP_CMP_LE;
    case CmpOp::Equal:
      return SCMP_CMP_EQ;
    case CmpOp::GreaterEqual:
      return SCMP_CMP_GE;
    case CmpOp::Greater:
      return SCMP_CMP_GT;
    case CmpOp::MaskedEqual:
      return SCMP_CMP_MASKED_EQ;
  }
  throw Error("unknown comparison operator");
}

struct scmp_arg_cmp scmp_arg(const ArgCmp& cmp) {
  struct scmp_arg_cmp out {};
  out.arg = cmp.index;
  out.op = scmp_op(cmp.op);
  // Our MASKED_EQ keeps the mask in `value` and the datum in `value_two`; libseccomp takes
  // (mask, datum) as (datum_a, datum_b). Other operators only read datum_a.
  out.datum_a = cmp.value;
  out.datum_b = cmp.op == CmpOp::MaskedEqual ? cmp.value_two : 0;
  return out;
}

void add_rule(const ScmpContext& ctx, const std::string& arch_name, const std::string& name,
              const ResolvedRule& rule) {
  // By name, so libseccomp resolves (and on x86 multiplexes) it itself. The rule API takes
  // the number in the machine's *native* ABI and translates it to each arch of the context
  // by name; passing the arch's own number gets it translated a second time (x86 read = 3
  // becomes x86 close). Names the native ABI lacks (socketcall, mmap2, send) have negative
  // pseudo numbers natively, which translate back to the right syscall.
  int scmp_nr = seccomp_syscall_resolve_name(name.c_str());
  if (scmp_nr == __NR_SCMP_ERROR)
    throw Error("libseccomp: no number for syscall " + name + " on " + arch_name);
  std::vector<struct scmp_arg_cmp> args;
  args.reserve(rule.args.size());
  for (const auto& cmp : rule.args) args.push_back(scmp_arg(cmp));
  int rc = seccomp_rule_add_array(ctx.get(), rule.action.ret(), scmp_nr,
                                  static_cast<unsigned>(args.size()),
                                  args.empty() ? nullptr : args.data());
  if (rc < 0) {
    std::string what = "seccomp_rule_add(" + arch_name + ", " + name + ", " + rule.action.str();
    for (const auto& cmp : rule.args) what += ", " + cmp.str();
    throw_scmp(what + ")", rc);
  }
}

ScmpContext arch_context(const Filter& filter, const ArchFilter& af, int optimize_level) {
  const auto& info = arch_info(af.arch);
  ScmpContext ctx(filter.default_action.ret());
  std::string arch_name(info.name);
  // One architecture per context: add ours, then drop the native one seccomp_init() put in.
  if (seccomp_arch_exist(ctx.get(), info.scmp_token) != 0) {
    check_scmp(seccomp_arch_add(ctx.get(), info.scmp_token), "seccomp_arch_add(" + arch_name + ")");
    check_scmp(seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE),
               "seccomp_arch_remove(native) for " + arch_name);
  }
  // seccomp_merge() requires identical attributes, so every context gets the same ones.
  check_scmp(seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, filter.bad_arch_action.ret()),
             "seccomp_attr_set(SCMP_FLTATR_ACT_BADARCH)");
  check_scmp(
      seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, static_cast<uint32_t>(optimize_level)),
      "seccomp_attr_set(SCMP_FLTATR_CTL_OPTIMIZE, " + std::to_string(optimize_level) + ")");
  check_scmp(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0),
             "seccomp_attr_set(SCMP_FLTATR_CTL_NNP)");

  for (const auto& [nr, syscall] : af.syscalls) {
    for (const auto& rule : syscall.rules) {
      // libseccomp refuses a rule whose action is the default (EACCES); such a rule never
      // changes the outcome unless it overlaps a rule with another action, which profiles
      // fed to the differential test do not have.
      if (rule.action == filter.default_action) continue;
      // Our socketcall/ipc expansion: libseccomp makes its own from the sub-call's rules.
      if (rule.multiplexed) continue;
      add_rule(ctx, arch_name, syscall.name, rule);
    }
  }
  // x86 sub-calls without an i386 number of their own (accept, send, recv, semop,
  // semtimedop) exist only through the multiplexer: feed their rules by name, and libseccomp
  // multiplexes them itself (the others were fed above with their direct syscall).
  for (const auto& [name, subcall] : af.subcalls) {
    if (SyscallTable::of(af.arch).number(name)) continue;
    for (const auto& rule : subcall.rules)
      if (!(rule.action == filter.default_action)) add_rule(ctx, arch_name, name, rule);
  }
  return ctx;
}

std::string export_bpf(const ScmpContext& ctx) {
  UniqueFd fd(memfd_create("bulkhead-libseccomp-bpf", MFD_CLOEXEC));
  if (!fd) throw_errno("memfd_create");
  check_scmp(seccomp_export_bpf(ctx.get(), fd.get()), "seccomp_export_bpf");
  if (lseek(fd.get(), 0, SEEK_SET) != 0) throw_errno("lseek on the exported BPF");
  std::string bytes;
  char buffer[8192];
  for (;;) {
    ssize_t n = read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("reading the exported BPF");
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  return bytes;
}

}  // namespace

Program compile_with_libseccomp(const Filter& filter, int optimize_level) {
  if (filter.arches.empty()) throw Error("cannot build a libseccomp filter without architectures");
  std::vector<ScmpContext> contexts;
  contexts.reserve(filter.arches.size());
  for (const auto& af : filter.arches) contexts.push_back(arch_context(filter, af, optimize_level));
  for (size_t i = 1; i < contexts.size(); ++i)
    contexts[0].merge(contexts[i], arch_info(filter.arches[i].arch).name);
  return Program::from_bytes(export_bpf(contexts[0]));
}

}  // namespace bulkhead::seccomp
