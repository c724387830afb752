#include "seccomp/program.h"

#include <linux/seccomp.h>

#include <cstddef>
#include <cstring>

#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::seccomp {

namespace {

constexpr uint32_t kNrOffset = offsetof(struct seccomp_data, nr);
constexpr uint32_t kArchOffset = offsetof(struct seccomp_data, arch);
constexpr uint32_t kDataSize = sizeof(struct seccomp_data);

uint32_t load_word(const SeccompInput& in, uint32_t offset) {
  struct seccomp_data d {};
  d.nr = static_cast<int>(in.nr);
  d.arch = in.arch;
  d.instruction_pointer = in.instruction_pointer;
  for (size_t i = 0; i < 6; ++i) d.args[i] = in.args[i];
  uint32_t word;
  std::memcpy(&word, reinterpret_cast<const char*>(&d) + offset, sizeof word);
  return word;
}

// The conditional jumps of classic BPF; JA is handled by the callers.
bool jump_taken(uint16_t code, uint32_t a, uint32_t operand) {
  switch (BPF_OP(code)) {
    case BPF_JEQ:
      return a == operand;
    case BPF_JGT:
      return a > operand;
    case BPF_JGE:
      return a >= operand;
    case BPF_JSET:
      return (a & operand) != 0;
  }
  return false;
}

Error insn_error(size_t pc, const std::string& message) {
  return Error("invalid BPF program: instruction " + std::to_string(pc) + ": " + message);
}

}  // namespace

std::string Program::bytes() const {
  return std::string(reinterpret_cast<const char*>(insns.data()), insns.size() * sizeof(Insn));
}

Program Program::from_bytes(std::string_view bytes) {
  if (bytes.size() % sizeof(Insn) != 0)
    throw Error("BPF program size " + std::to_string(bytes.size()) +
                " is not a multiple of 8 bytes (struct sock_filter)");
  Program p;
  p.insns.resize(bytes.size() / sizeof(Insn));
  std::memcpy(p.insns.data(), bytes.data(), bytes.size());
  return p;
}

std::string Program::c_array(std::string_view name) const {
  std::string out = "#include <linux/filter.h>\n\nstruct sock_filter " + std::string(name) + "[" +
                    std::to_string(insns.size()) + "] = {\n";
  for (const auto& i : insns) {
    char line[96];
    snprintf(line, sizeof line, "    {0x%04x, %3u, %3u, 0x%08x},\n", i.code, i.jt, i.jf, i.k);
    out += line;
  }
  return out + "};\n";
}

void validate(std::span<const Insn> program) {
  if (program.empty()) throw Error("invalid BPF program: empty");
  if (program.size() > kMaxInsns)
    throw Error("BPF program has " + std::to_string(program.size()) +
                " instructions; the kernel accepts at most " + std::to_string(kMaxInsns));
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const Insn& i = program[pc];
    switch (BPF_CLASS(i.code)) {
      case BPF_LD:
        if (i.code == (BPF_LD | BPF_W | BPF_ABS)) {
          if (i.k >= kDataSize || (i.k & 3) != 0)
            throw insn_error(
                pc, "load outside seccomp_data or unaligned (offset " + std::to_string(i.k) + ")");
        } else if (i.code != (BPF_LD | BPF_IMM) && i.code != (BPF_LD | BPF_MEM) &&
                   i.code != (BPF_LD | BPF_W | BPF_LEN)) {
          throw insn_error(pc, "load mode not allowed in seccomp");
        }
        if (BPF_MODE(i.code) == BPF_MEM && i.k >= BPF_MEMWORDS)
          throw insn_error(pc, "scratch slot out of range");
        break;
      case BPF_LDX:
        if (i.code != (BPF_LDX | BPF_IMM) && i.code != (BPF_LDX | BPF_MEM) &&
            i.code != (BPF_LDX | BPF_W | BPF_LEN))
          throw insn_error(pc, "ldx mode not allowed in seccomp");
        if (BPF_MODE(i.code) == BPF_MEM && i.k >= BPF_MEMWORDS)
          throw insn_error(pc, "scratch slot out of range");
        break;
      case BPF_ST:
      case BPF_STX:
        if (i.k >= BPF_MEMWORDS) throw insn_error(pc, "scratch slot out of range");
        break;
      case BPF_ALU:
        if ((BPF_OP(i.code) == BPF_DIV || BPF_OP(i.code) == BPF_MOD) && BPF_SRC(i.code) == BPF_K &&
            i.k == 0)
          throw insn_error(pc, "division by zero");
        if ((BPF_OP(i.code) == BPF_LSH || BPF_OP(i.code) == BPF_RSH) && BPF_SRC(i.code) == BPF_K &&
            i.k >= 32)
          throw insn_error(pc, "shift by 32 or more");
        break;
      case BPF_JMP:
        if (BPF_OP(i.code) == BPF_JA) {
          if (i.k >= program.size() - pc - 1) throw insn_error(pc, "jump out of range");
        } else {
          if (pc + 1 + i.jt >= program.size() || pc + 1 + i.jf >= program.size())
            throw insn_error(pc, "jump out of range");
        }
        break;
      case BPF_RET:
      case BPF_MISC:
        break;
    }
  }
  if (BPF_CLASS(program.back().code) != BPF_RET)
    throw Error("invalid BPF program: the last instruction is not a return");
}

RunResult run(std::span<const Insn> program, const SeccompInput& input) {
  RunResult result;
  uint32_t a = 0, x = 0;
  uint32_t mem[BPF_MEMWORDS] = {};
  size_t pc = 0;
  while (pc < program.size()) {
    const Insn& i = program[pc++];
    ++result.executed;
    uint32_t src = BPF_SRC(i.code) == BPF_X ? x : i.k;
    switch (BPF_CLASS(i.code)) {
      case BPF_LD:
        switch (BPF_MODE(i.code)) {
          case BPF_ABS:
            if (i.k != kNrOffset && i.k != kArchOffset) result.loaded_args = true;
            a = load_word(input, i.k);
            break;
          case BPF_IMM:
            a = i.k;
            break;
          case BPF_MEM:
            a = mem[i.k % BPF_MEMWORDS];
            break;
          case BPF_LEN:
            a = kDataSize;
            break;
        }
        break;
      case BPF_LDX:
        switch (BPF_MODE(i.code)) {
          case BPF_IMM:
            x = i.k;
            break;
          case BPF_MEM:
            x = mem[i.k % BPF_MEMWORDS];
            break;
          case BPF_LEN:
            x = kDataSize;
            break;
        }
        break;
      case BPF_ST:
        mem[i.k % BPF_MEMWORDS] = a;
        break;
      case BPF_STX:
        mem[i.k % BPF_MEMWORDS] = x;
        break;
      case BPF_ALU:
        switch (BPF_OP(i.code)) {
          case BPF_ADD:
            a += src;
            break;
          case BPF_SUB:
            a -= src;
            break;
          case BPF_MUL:
            a *= src;
            break;
          case BPF_DIV:
            a = src ? a / src : 0;
            break;
          case BPF_MOD:
            a = src ? a % src : 0;
            break;
          case BPF_AND:
            a &= src;
            break;
          case BPF_OR:
            a |= src;
            break;
          case BPF_XOR:
            a ^= src;
            break;
          case BPF_LSH:
            a = src < 32 ? a << src : 0;
            break;
          case BPF_RSH:
            a = src < 32 ? a >> src : 0;
            break;
          case BPF_NEG:
            a = 0u - a;
            break;
        }
        break;
      case BPF_JMP: {
        if (BPF_OP(i.code) == BPF_JA) {
          pc += i.k;
          continue;
        }
        pc += jump_taken(i.code, a, src) ? i.jt : i.jf;
        break;
      }
      case BPF_RET:
        result.ret = BPF_RVAL(i.code) == BPF_A ? a : i.k;
        return result;
      case BPF_MISC:
        if (BPF_MISCOP(i.code) == BPF_TAX)
          x = a;
        else
          a = x;
        break;
    }
  }
  // Falling off the end cannot happen for a validated program; fail closed if it does.
  result.ret = SECCOMP_RET_KILL_PROCESS;
  return result;
}

bool kernel_cacheable(std::span<const Insn> program, uint32_t arch, uint32_t nr) {
  uint32_t a = 0;
  for (size_t pc = 0; pc < program.size();) {
    const Insn& i = program[pc++];
    switch (i.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (i.k == kNrOffset)
          a = nr;
        else if (i.k == kArchOffset)
          a = arch;
        else
          return false;
        break;
      case BPF_RET | BPF_K:
        return i.k == SECCOMP_RET_ALLOW;
      case BPF_JMP | BPF_JA:
        pc += i.k;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
      case BPF_JMP | BPF_JGE | BPF_K:
      case BPF_JMP | BPF_JGT | BPF_K:
      case BPF_JMP | BPF_JSET | BPF_K: {
        pc += jump_taken(i.code, a, i.k) ? i.jt : i.jf;
        break;
      }
      case BPF_ALU | BPF_AND | BPF_K:
        a &= i.k;
        break;
      default:
        return false;
    }
  }
  return false;
}

}  // namespace bulkhead::seccomp
