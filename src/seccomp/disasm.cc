#include "seccomp/disasm.h"

#include <linux/seccomp.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>

#include "base/strings.h"
#include "seccomp/action.h"
#include "seccomp/arch.h"

namespace bulkhead::seccomp {

namespace {

constexpr uint32_t kNrOffset = offsetof(struct seccomp_data, nr);
constexpr uint32_t kArchOffset = offsetof(struct seccomp_data, arch);
constexpr uint32_t kIpOffset = offsetof(struct seccomp_data, instruction_pointer);
constexpr uint32_t kArgsOffset = offsetof(struct seccomp_data, args);
constexpr uint32_t kDataSize = sizeof(struct seccomp_data);

// What a register or scratch slot holds, as far as the listing cares.
enum class Kind { Unknown, Nr, Arch, IpLo, IpHi, ArgLo, ArgHi };

struct Value {
  Kind kind = Kind::Unknown;
  unsigned arg = 0;  // for ArgLo/ArgHi
  bool operator==(const Value&) const = default;
};

// Every architecture we compile for is little-endian, so the low word of a 64-bit field sits
// at the lower offset.
Value value_at_offset(uint32_t offset) {
  if (offset == kNrOffset) return {Kind::Nr, 0};
  if (offset == kArchOffset) return {Kind::Arch, 0};
  if (offset == kIpOffset) return {Kind::IpLo, 0};
  if (offset == kIpOffset + 4) return {Kind::IpHi, 0};
  if (offset >= kArgsOffset && offset < kDataSize && offset % 4 == 0) {
    unsigned word = (offset - kArgsOffset) / 4;
    return {word % 2 == 0 ? Kind::ArgLo : Kind::ArgHi, word / 2};
  }
  return {};
}

std::string field_name(uint32_t offset) {
  Value v = value_at_offset(offset);
  switch (v.kind) {
    case Kind::Nr:
      return "nr";
    case Kind::Arch:
      return "arch";
    case Kind::IpLo:
      return "ip.lo";
    case Kind::IpHi:
      return "ip.hi";
    case Kind::ArgLo:
      return "arg" + std::to_string(v.arg) + ".lo";
    case Kind::ArgHi:
      return "arg" + std::to_string(v.arg) + ".hi";
    case Kind::Unknown:
      break;
  }
  return std::to_string(offset);
}

// One way of reaching an instruction, as far as the input is concerned: the architecture a
// taken `jeq` on arch established (if any) and the range nr lies in after the comparisons on it.
struct Context {
  std::optional<uint32_t> audit_arch;
  uint64_t nr_lo = 0;
  uint64_t nr_hi = UINT32_MAX;
  bool operator==(const Context&) const = default;
};

// Enough to keep every architecture's path apart in a shared tail; beyond it, paths of one
// architecture merge into one range.
constexpr size_t kMaxContexts = 16;

// What is known on entry to an instruction, merged over every path that reaches it.
struct Facts {
  bool reachable = false;
  Value a;
  Value x;
  std::array<Value, BPF_MEMWORDS> mem{};
  std::vector<Context> contexts;
};

Facts entry_facts() {
  Facts f;
  f.reachable = true;
  f.contexts.push_back(Context{});
  return f;
}

// Merges contexts of one architecture whose ranges touch; when there are still too many, each
// architecture keeps one range, and then nothing is known about the architecture either.
void normalize(std::vector<Context>& contexts) {
  auto by_arch_then_range = [](const Context& l, const Context& r) {
    if (l.audit_arch != r.audit_arch) return l.audit_arch < r.audit_arch;
    return l.nr_lo < r.nr_lo;
  };
  auto coalesce = [&](bool whole_arch) {
    std::sort(contexts.begin(), contexts.end(), by_arch_then_range);
    std::vector<Context> out;
    for (const auto& c : contexts) {
      if (!out.empty() && out.back().audit_arch == c.audit_arch &&
          (whole_arch || c.nr_lo <= out.back().nr_hi + 1)) {
        out.back().nr_lo = std::min(out.back().nr_lo, c.nr_lo);
        out.back().nr_hi = std::max(out.back().nr_hi, c.nr_hi);
      } else {
        out.push_back(c);
      }
    }
    contexts = std::move(out);
  };
  coalesce(false);
  if (contexts.size() > kMaxContexts) coalesce(true);
  if (contexts.size() > kMaxContexts) contexts = {Context{}};
}

void merge_into(Facts& into, const Facts& from) {
  if (!from.reachable) return;
  if (!into.reachable) {
    into = from;
    return;
  }
  auto meet = [](Value& mine, const Value& theirs) {
    if (!(mine == theirs)) mine = Value{};
  };
  meet(into.a, from.a);
  meet(into.x, from.x);
  for (size_t i = 0; i < into.mem.size(); ++i) meet(into.mem[i], from.mem[i]);
  into.contexts.insert(into.contexts.end(), from.contexts.begin(), from.contexts.end());
  normalize(into.contexts);
}

// Keeps the part of each context where nr lies in [lo, hi]; unreachable when nothing is left.
void narrow_nr(Facts& facts, uint64_t lo, uint64_t hi) {
  std::vector<Context> kept;
  for (auto c : facts.contexts) {
    c.nr_lo = std::max(c.nr_lo, lo);
    c.nr_hi = std::min(c.nr_hi, hi);
    if (c.nr_lo <= c.nr_hi) kept.push_back(c);
  }
  facts.contexts = std::move(kept);
  if (facts.contexts.empty()) facts.reachable = false;
}

// Removes the single number k from every context (the fall-through of `jeq nr, k`).
void exclude_nr(Facts& facts, uint64_t k) {
  std::vector<Context> kept;
  for (const auto& c : facts.contexts) {
    if (k < c.nr_lo || k > c.nr_hi) {
      kept.push_back(c);
      continue;
    }
    if (k > c.nr_lo) kept.push_back(Context{c.audit_arch, c.nr_lo, k - 1});
    if (k < c.nr_hi) kept.push_back(Context{c.audit_arch, k + 1, c.nr_hi});
  }
  facts.contexts = std::move(kept);
  if (facts.contexts.empty()) facts.reachable = false;
  normalize(facts.contexts);
}

// Facts on the taken and the fall-through edge of a conditional jump `A <op> #k`.
std::pair<Facts, Facts> branch_facts(const Facts& in, uint16_t op, uint32_t k) {
  Facts taken = in;
  Facts not_taken = in;
  if (in.a.kind == Kind::Arch && op == BPF_JEQ) {
    // Taken: the arch is k (contexts that established another arch cannot get here).
    std::vector<Context> kept;
    for (auto c : in.contexts) {
      if (c.audit_arch && *c.audit_arch != k) continue;
      c.audit_arch = k;
      kept.push_back(c);
    }
    taken.contexts = std::move(kept);
    taken.reachable = !taken.contexts.empty();
    std::erase_if(not_taken.contexts, [&](const Context& c) { return c.audit_arch == k; });
    not_taken.reachable = !not_taken.contexts.empty();
    normalize(taken.contexts);
  }
  if (in.a.kind == Kind::Nr) {
    switch (op) {
      case BPF_JEQ:
        narrow_nr(taken, k, k);
        exclude_nr(not_taken, k);
        break;
      case BPF_JGT:
        narrow_nr(taken, uint64_t{k} + 1, UINT32_MAX);
        narrow_nr(not_taken, 0, k);
        break;
      case BPF_JGE:
        narrow_nr(taken, k, UINT32_MAX);
        if (k == 0)
          not_taken.reachable = false;
        else
          narrow_nr(not_taken, 0, uint64_t{k} - 1);
        break;
      default:
        break;  // jset splits no range
    }
  }
  return {taken, not_taken};
}

// Facts after an instruction that falls through to the next one.
Facts straight_line(const Facts& in, const Insn& insn) {
  Facts out = in;
  switch (BPF_CLASS(insn.code)) {
    case BPF_LD:
      if (BPF_MODE(insn.code) == BPF_ABS)
        out.a = value_at_offset(insn.k);
      else if (BPF_MODE(insn.code) == BPF_MEM)
        out.a = in.mem[insn.k % BPF_MEMWORDS];
      else
        out.a = Value{};
      break;
    case BPF_LDX:
      out.x = BPF_MODE(insn.code) == BPF_MEM ? in.mem[insn.k % BPF_MEMWORDS] : Value{};
      break;
    case BPF_ST:
      out.mem[insn.k % BPF_MEMWORDS] = in.a;
      break;
    case BPF_STX:
      out.mem[insn.k % BPF_MEMWORDS] = in.x;
      break;
    case BPF_ALU:
      out.a = Value{};
      break;
    case BPF_MISC:
      if (BPF_MISCOP(insn.code) == BPF_TAX)
        out.x = in.a;
      else
        out.a = in.x;
      break;
    default:
      break;
  }
  return out;
}

std::vector<Arch> arches_with_audit(uint32_t audit_arch) {
  std::vector<Arch> out;
  for (Arch arch : supported_arches())
    if (arch_info(arch).audit_arch == audit_arch) out.push_back(arch);
  return out;
}

// The syscall `nr` names on the architecture identified by `audit_arch` (x86_64 and x32 share
// one audit arch; bit 30 of the number tells them apart).
std::string syscall_name(uint32_t audit_arch, uint32_t nr) {
  for (Arch arch : arches_with_audit(audit_arch)) {
    bool x32_nr = (nr & kX32SyscallBit) != 0;
    if (audit_arch == arch_info(Arch::X86_64).audit_arch && x32_nr != (arch == Arch::X32)) continue;
    return std::string(SyscallTable::of(arch).name(nr));
  }
  return "";
}

std::string number(uint32_t k) {
  return k < 0x10000 ? std::to_string(k) : hex(k);
}

// The names `nr` has on the architectures of `contexts` ("clone3", or "a/b" when they differ).
// Contexts whose range holds `nr` are asked first; the comparison is about them.
std::string syscall_names(const std::vector<Context>& contexts, uint32_t nr) {
  auto collect = [&](bool only_holding) {
    std::vector<std::string> names;
    for (const auto& c : contexts) {
      if (!c.audit_arch) continue;
      if (only_holding && (nr < c.nr_lo || nr > c.nr_hi)) continue;
      std::string name = syscall_name(*c.audit_arch, nr);
      if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end())
        names.push_back(name);
    }
    return names;
  };
  auto names = collect(true);
  if (names.empty()) names = collect(false);
  return join(names, "/");
}

bool x86_64_context(const std::vector<Context>& contexts) {
  return std::any_of(contexts.begin(), contexts.end(), [](const Context& c) {
    return c.audit_arch == arch_info(Arch::X86_64).audit_arch;
  });
}

// The operand of a comparison or ALU op with a constant, and what the constant means.
std::string constant_operand(const Facts& facts, uint16_t op, uint32_t k) {
  bool mask_like = op == BPF_JSET || op == BPF_AND || op == BPF_OR || op == BPF_XOR;
  std::string text = "#" + (mask_like ? hex(k) : number(k));
  if (!facts.reachable) return text;
  if (facts.a.kind == Kind::Arch) {
    auto arches = arches_with_audit(k);
    text = "#" + hex(k);
    if (!arches.empty())
      text += " (" + std::string(arch_info(arches.front()).name) + ")";
    else
      text += " (unknown arch)";
  } else if (facts.a.kind == Kind::Nr) {
    if (k == kX32SyscallBit && x86_64_context(facts.contexts)) {
      text += " (x32 syscall bit)";
    } else if (!mask_like) {
      std::string names = syscall_names(facts.contexts, k);
      if (!names.empty()) text += " (" + names + ")";
    }
  }
  return text;
}

// For an argument load: the syscall(s) whose arguments these are, when nr is pinned down.
std::string argument_owner(const Facts& facts) {
  std::vector<std::string> names;
  for (const auto& c : facts.contexts) {
    if (!c.audit_arch || c.nr_lo != c.nr_hi) return "";
    std::string name = syscall_name(*c.audit_arch, static_cast<uint32_t>(c.nr_lo));
    if (name.empty()) return "";
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return join(names, "/");
}

std::string ret_operand(uint32_t k) {
  Action action = Action::from_ret(k);
  if (action.ret() == k) return action.str();
  // The kernel treats an action it does not know as KILL_PROCESS.
  return "#" + hex(k) + " (unknown action: KILL_PROCESS)";
}

std::string_view alu_name(uint16_t op) {
  switch (op) {
    case BPF_ADD:
      return "add";
    case BPF_SUB:
      return "sub";
    case BPF_MUL:
      return "mul";
    case BPF_DIV:
      return "div";
    case BPF_OR:
      return "or";
    case BPF_AND:
      return "and";
    case BPF_LSH:
      return "lsh";
    case BPF_RSH:
      return "rsh";
    case BPF_NEG:
      return "neg";
    case BPF_MOD:
      return "mod";
    case BPF_XOR:
      return "xor";
  }
  return "alu?";
}

std::string_view jump_name(uint16_t op) {
  switch (op) {
    case BPF_JA:
      return "ja";
    case BPF_JEQ:
      return "jeq";
    case BPF_JGT:
      return "jgt";
    case BPF_JGE:
      return "jge";
    case BPF_JSET:
      return "jset";
  }
  return "j?";
}

std::string pad(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

std::string disassemble(const Program& program) {
  const auto& insns = program.insns;
  const size_t n = insns.size();

  // Jump targets, for labels. A zero offset is the fall-through and needs none.
  std::vector<bool> labelled(n, false);
  auto mark = [&](size_t pc, uint64_t offset) {
    uint64_t target = pc + 1 + offset;
    if (offset != 0 && target < n) labelled[target] = true;
  };
  for (size_t pc = 0; pc < n; ++pc) {
    const Insn& i = insns[pc];
    if (BPF_CLASS(i.code) != BPF_JMP) continue;
    if (BPF_OP(i.code) == BPF_JA) {
      mark(pc, i.k);
    } else {
      mark(pc, i.jt);
      mark(pc, i.jf);
    }
  }
  auto target = [&](size_t pc, uint64_t offset) -> std::string {
    if (offset == 0) return "next";
    uint64_t t = pc + 1 + offset;
    return "L" + std::to_string(t) + (t < n ? "" : " (out of range)");
  };

  std::vector<Facts> facts(n);
  if (n > 0) facts[0] = entry_facts();
  auto flow = [&](size_t pc, uint64_t offset, const Facts& out) {
    uint64_t t = pc + 1 + offset;
    if (t < n) merge_into(facts[t], out);
  };

  const size_t index_width = std::max<size_t>(3, std::to_string(n).size());
  const size_t label_width = std::max<size_t>(5, std::to_string(n).size() + 3);
  std::string out;
  for (size_t pc = 0; pc < n; ++pc) {
    const Insn& i = insns[pc];
    const Facts& in = facts[pc];
    std::string text;   // mnemonic and operand
    std::string jumps;  // where a conditional jump goes
    std::string note;   // what the instruction is about
    const uint16_t op = BPF_OP(i.code);
    const bool from_x = BPF_SRC(i.code) == BPF_X;

    switch (BPF_CLASS(i.code)) {
      case BPF_LD:
        switch (BPF_MODE(i.code)) {
          case BPF_ABS: {
            text = "ld [" + field_name(i.k) + "]";
            Value v = value_at_offset(i.k);
            bool arg_word = v.kind == Kind::ArgLo || v.kind == Kind::ArgHi;
            if (arg_word && in.reachable) note = argument_owner(in);
            break;
          }
          case BPF_IMM:
            text = "ld #" + hex(i.k);
            break;
          case BPF_MEM:
            text = "ld M[" + std::to_string(i.k) + "]";
            break;
          case BPF_LEN:
            text = "ld len";
            break;
          default:
            text = "ld ? (mode " + hex(BPF_MODE(i.code)) + ")";
            break;
        }
        break;
      case BPF_LDX:
        switch (BPF_MODE(i.code)) {
          case BPF_IMM:
            text = "ldx #" + hex(i.k);
            break;
          case BPF_MEM:
            text = "ldx M[" + std::to_string(i.k) + "]";
            break;
          case BPF_LEN:
            text = "ldx len";
            break;
          default:
            text = "ldx ? (mode " + hex(BPF_MODE(i.code)) + ")";
            break;
        }
        break;
      case BPF_ST:
        text = "st M[" + std::to_string(i.k) + "]";
        break;
      case BPF_STX:
        text = "stx M[" + std::to_string(i.k) + "]";
        break;
      case BPF_ALU:
        text = std::string(alu_name(op));
        if (op != BPF_NEG) text += from_x ? " x" : " " + constant_operand(in, op, i.k);
        break;
      case BPF_JMP:
        if (op == BPF_JA) {
          text = "ja " + target(pc, i.k);
        } else {
          text = std::string(jump_name(op)) + (from_x ? " x" : " " + constant_operand(in, op, i.k));
          jumps = pad("jt " + target(pc, i.jt), 9) + " jf " + target(pc, i.jf);
        }
        break;
      case BPF_RET:
        if (BPF_RVAL(i.code) == BPF_A)
          text = "ret A";
        else if (BPF_RVAL(i.code) == BPF_X)
          text = "ret X";
        else
          text = "ret " + ret_operand(i.k);
        break;
      case BPF_MISC:
        text = BPF_MISCOP(i.code) == BPF_TAX ? "tax" : "txa";
        break;
    }

    std::string label = labelled[pc] ? "L" + std::to_string(pc) + ":" : "";
    std::string index = std::to_string(pc);
    std::string line =
        pad(label, label_width) + std::string(index_width - index.size(), ' ') + index + "  ";
    if (jumps.empty()) {
      line += text;
    } else {
      line += pad(text, 36) + " " + jumps;
    }
    if (!note.empty()) line += "  ; " + note;
    if (!in.reachable) line += "  ; unreachable";
    out += line + "\n";

    // Propagate what we know to the successors.
    if (!in.reachable) continue;
    switch (BPF_CLASS(i.code)) {
      case BPF_RET:
        break;
      case BPF_JMP:
        if (op == BPF_JA) {
          flow(pc, i.k, in);
        } else if (from_x) {
          flow(pc, i.jt, in);
          flow(pc, i.jf, in);
        } else {
          auto [taken, not_taken] = branch_facts(in, op, i.k);
          flow(pc, i.jt, taken);
          flow(pc, i.jf, not_taken);
        }
        break;
      default:
        flow(pc, 0, straight_line(in, i));
        break;
    }
  }
  return out;
}

}  // namespace bulkhead::seccomp
