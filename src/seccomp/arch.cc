#include "seccomp/arch.h"

#include <linux/audit.h>
#include <seccomp.h>
#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <set>

#include "base/strings.h"

namespace bulkhead::seccomp {

namespace {

const std::array<ArchInfo, 5> kArches = {{
    {Arch::X86_64, "x86_64", "SCMP_ARCH_X86_64", "amd64", AUDIT_ARCH_X86_64, SCMP_ARCH_X86_64, 0,
     true},
    {Arch::X86, "x86", "SCMP_ARCH_X86", "386", AUDIT_ARCH_I386, SCMP_ARCH_X86, 0, false},
    {Arch::X32, "x32", "SCMP_ARCH_X32", "x32", AUDIT_ARCH_X86_64, SCMP_ARCH_X32, kX32SyscallBit,
     true},
    {Arch::AArch64, "aarch64", "SCMP_ARCH_AARCH64", "arm64", AUDIT_ARCH_AARCH64, SCMP_ARCH_AARCH64,
     0, true},
    {Arch::Arm, "arm", "SCMP_ARCH_ARM", "arm", AUDIT_ARCH_ARM, SCMP_ARCH_ARM, 0, false},
}};

// Every architecture name libseccomp 2.5 accepts, with Docker's Go name for it.
const std::array<std::pair<std::string_view, std::string_view>, 23> kScmpArches = {{
    {"SCMP_ARCH_X86", "386"},
    {"SCMP_ARCH_X86_64", "amd64"},
    {"SCMP_ARCH_X32", "x32"},
    {"SCMP_ARCH_ARM", "arm"},
    {"SCMP_ARCH_AARCH64", "arm64"},
    {"SCMP_ARCH_LOONGARCH64", "loong64"},
    {"SCMP_ARCH_M68K", "m68k"},
    {"SCMP_ARCH_MIPS", "mips"},
    {"SCMP_ARCH_MIPS64", "mips64"},
    {"SCMP_ARCH_MIPS64N32", "mips64n32"},
    {"SCMP_ARCH_MIPSEL", "mipsle"},
    {"SCMP_ARCH_MIPSEL64", "mips64le"},
    {"SCMP_ARCH_MIPSEL64N32", "mips64len32"},
    {"SCMP_ARCH_PPC", "ppc"},
    {"SCMP_ARCH_PPC64", "ppc64"},
    {"SCMP_ARCH_PPC64LE", "ppc64le"},
    {"SCMP_ARCH_S390", "s390"},
    {"SCMP_ARCH_S390X", "s390x"},
    {"SCMP_ARCH_PARISC", "parisc"},
    {"SCMP_ARCH_PARISC64", "parisc64"},
    {"SCMP_ARCH_RISCV64", "riscv64"},
    {"SCMP_ARCH_SH", "sh"},
    {"SCMP_ARCH_SHEB", "sheb"},
}};

// Numbers probed when listing a table: every Linux ABI keeps its syscalls below 1024, except
// ARM's private calls at 0xf0000.
constexpr uint32_t kProbeLimit = 1024;
constexpr uint32_t kArmPrivateBase = 0x0f0000;

}  // namespace

const std::vector<Arch>& supported_arches() {
  static const std::vector<Arch> all = {Arch::X86_64, Arch::X86, Arch::X32, Arch::AArch64,
                                        Arch::Arm};
  return all;
}

const ArchInfo& arch_info(Arch arch) {
  return kArches[static_cast<size_t>(arch)];
}

std::optional<Arch> parse_arch(std::string_view name) {
  std::string lower = to_lower(trim(name));
  if (lower == "i386" || lower == "i686") lower = "x86";
  if (lower == "arm64") lower = "aarch64";
  for (const auto& info : kArches) {
    if (lower == info.name || lower == to_lower(info.scmp_name) || lower == info.go_name)
      return info.arch;
  }
  return std::nullopt;
}

bool is_known_scmp_arch(std::string_view name) {
  return std::any_of(kScmpArches.begin(), kScmpArches.end(),
                     [&](const auto& entry) { return entry.first == name; });
}

std::string go_arch_name(std::string_view scmp_name) {
  for (const auto& [scmp, go] : kScmpArches)
    if (scmp == scmp_name) return std::string(go);
  return "";
}

Arch native_arch() {
  struct utsname u {};
  uname(&u);
  if (auto arch = parse_arch(u.machine)) return *arch;
  return Arch::X86_64;
}

SyscallTable::SyscallTable(Arch arch) {
  const auto& info = arch_info(arch);
  auto probe = [&](uint32_t nr) {
    std::unique_ptr<char, decltype(&std::free)> name(
        seccomp_syscall_resolve_num_arch(info.scmp_token, static_cast<int>(nr)), &std::free);
    if (!name) return;
    // Skip aliases whose name resolves to another number. A negative answer is libseccomp's
    // pseudo number for a multiplexed call (x86 socket -> socketcall): the direct number is
    // still this syscall.
    int back = seccomp_syscall_resolve_name_arch(info.scmp_token, name.get());
    if (back >= 0 && static_cast<uint32_t>(back) != nr) return;
    if (by_name_.emplace(name.get(), nr).second) entries_.emplace_back(nr, name.get());
  };
  for (uint32_t nr = 0; nr < kProbeLimit; ++nr) probe(info.nr_base + nr);
  if (arch == Arch::Arm)
    for (uint32_t nr = 0; nr < 16; ++nr) probe(kArmPrivateBase + nr);
  std::sort(entries_.begin(), entries_.end());
  for (const auto& [nr, name] : entries_) by_number_.emplace(nr, name);
}

const SyscallTable& SyscallTable::of(Arch arch) {
  // Built once, immutable afterwards.
  static const std::array<SyscallTable, 5> tables = {
      SyscallTable(Arch::X86_64), SyscallTable(Arch::X86), SyscallTable(Arch::X32),
      SyscallTable(Arch::AArch64), SyscallTable(Arch::Arm)};
  return tables[static_cast<size_t>(arch)];
}

std::optional<uint32_t> SyscallTable::number(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

std::string_view SyscallTable::name(uint32_t nr) const {
  auto it = by_number_.find(nr);
  return it == by_number_.end() ? std::string_view() : it->second;
}

const std::vector<std::string>& all_syscall_names() {
  static const std::vector<std::string> names = [] {
    std::set<std::string> set;
    for (Arch arch : supported_arches())
      for (const auto& [nr, name] : SyscallTable::of(arch).entries()) set.insert(name);
    return std::vector<std::string>(set.begin(), set.end());
  }();
  return names;
}

bool syscall_name_known(std::string_view name) {
  // libseccomp answers with a negative pseudo number for a name that exists on some other
  // architecture (s390_pci_mmio_read on x86_64) and __NR_SCMP_ERROR for a name it never heard of.
  return seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, std::string(name).c_str()) !=
         __NR_SCMP_ERROR;
}

}  // namespace bulkhead::seccomp
