// Linux capability names and sets. The runtime, audit and seccomp (Docker's conditional
// profile groups) all speak in these names.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bulkhead::caps {

constexpr int kLastCap = 40;  // CAP_CHECKPOINT_RESTORE, Linux 5.9+

class CapSet {
 public:
  CapSet() = default;
  static CapSet all();

  void add(int cap) { bits_.set(static_cast<size_t>(cap)); }
  void remove(int cap) { bits_.reset(static_cast<size_t>(cap)); }
  bool has(int cap) const { return bits_.test(static_cast<size_t>(cap)); }
  bool empty() const { return bits_.none(); }
  uint64_t mask() const { return bits_.to_ullong(); }
  // Canonical names ("CAP_CHOWN", …) in number order.
  std::vector<std::string> names() const;
  bool operator==(const CapSet&) const = default;

 private:
  std::bitset<kLastCap + 1> bits_;
};

// "CAP_SYS_ADMIN", "SYS_ADMIN", "sys_admin" -> 21. nullopt for unknown names.
std::optional<int> cap_from_name(std::string_view name);
std::string cap_name(int cap);  // "CAP_SYS_ADMIN"

// Parses a comma-separated list; "ALL" means every capability. Throws Error naming the
// unknown entry.
CapSet parse_cap_list(std::string_view list);

// Bulkhead's default for a container: Docker's default set without NET_RAW (raw packets:
// spoofing, ARP/ICMP tricks), MKNOD (device nodes), AUDIT_WRITE (forging audit records) and
// SETFCAP (granting file capabilities), which ordinary services do not need.
CapSet default_container_caps();

}  // namespace bulkhead::caps
