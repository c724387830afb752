// Architectures a filter can cover, and their syscall tables. Name <-> number tables come from
// libseccomp's resolver so they follow the kernel without hand-written lists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bulkhead::seccomp {

enum class Arch { X86_64, X86, X32, AArch64, Arm };

struct ArchInfo {
  Arch arch;
  std::string_view name;       // "x86_64": what our CLI prints and accepts
  std::string_view scmp_name;  // "SCMP_ARCH_X86_64": what profiles use
  std::string_view go_name;    // "amd64": what Docker's includes/excludes.arches use
  uint32_t audit_arch;         // seccomp_data.arch
  uint32_t scmp_token;         // libseccomp's SCMP_ARCH_* value
  // x32 shares AUDIT_ARCH_X86_64 and marks its syscall numbers with bit 30.
  uint32_t nr_base;
  // 32-bit ABIs use only the low 32 bits of each argument, so only those are compared. The
  // high word in seccomp_data is not reliably zero: `int $0x80` from a 64-bit process hands
  // seccomp whole 64-bit registers.
  bool wide_args;
};

const std::vector<Arch>& supported_arches();
const ArchInfo& arch_info(Arch arch);
// Accepts our names, SCMP_ARCH_* and Go names (x86_64/amd64, x86/i386/386, x32, aarch64/arm64,
// arm).
std::optional<Arch> parse_arch(std::string_view name);
// True for every SCMP_ARCH_* libseccomp knows, including ones we do not compile for (s390x, …).
bool is_known_scmp_arch(std::string_view name);
// Go name for an SCMP_ARCH_* string ("SCMP_ARCH_S390X" -> "s390x"), empty when unknown.
std::string go_arch_name(std::string_view scmp_name);
Arch native_arch();

constexpr uint32_t kX32SyscallBit = 0x40000000;

class SyscallTable {
 public:
  static const SyscallTable& of(Arch arch);

  std::optional<uint32_t> number(std::string_view name) const;
  // Empty when the number is not a syscall of this arch.
  std::string_view name(uint32_t nr) const;
  // Sorted by number.
  const std::vector<std::pair<uint32_t, std::string>>& entries() const { return entries_; }
  uint32_t max_number() const { return entries_.empty() ? 0 : entries_.back().first; }

 private:
  explicit SyscallTable(Arch arch);
  std::vector<std::pair<uint32_t, std::string>> entries_;
  std::unordered_map<std::string, uint32_t> by_name_;
  std::unordered_map<uint32_t, std::string_view> by_number_;
};

// True when libseccomp knows `name` on any architecture, including ones we do not compile for.
bool syscall_name_known(std::string_view name);
// Every syscall name known on any supported arch, sorted.
const std::vector<std::string>& all_syscall_names();

}  // namespace bulkhead::seccomp
