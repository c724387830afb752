#include "caps/capabilities.h"

#include <array>

#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::caps {

namespace {
// Index = capability number, as in <linux/capability.h>.
constexpr std::array<std::string_view, kLastCap + 1> kNames = {"CHOWN",
                                                               "DAC_OVERRIDE",
                                                               "DAC_READ_SEARCH",
                                                               "FOWNER",
                                                               "FSETID",
                                                               "KILL",
                                                               "SETGID",
                                                               "SETUID",
                                                               "SETPCAP",
                                                               "LINUX_IMMUTABLE",
                                                               "NET_BIND_SERVICE",
                                                               "NET_BROADCAST",
                                                               "NET_ADMIN",
                                                               "NET_RAW",
                                                               "IPC_LOCK",
                                                               "IPC_OWNER",
                                                               "SYS_MODULE",
                                                               "SYS_RAWIO",
                                                               "SYS_CHROOT",
                                                               "SYS_PTRACE",
                                                               "SYS_PACCT",
                                                               "SYS_ADMIN",
                                                               "SYS_BOOT",
                                                               "SYS_NICE",
                                                               "SYS_RESOURCE",
                                                               "SYS_TIME",
                                                               "SYS_TTY_CONFIG",
                                                               "MKNOD",
                                                               "LEASE",
                                                               "AUDIT_WRITE",
                                                               "AUDIT_CONTROL",
                                                               "SETFCAP",
                                                               "MAC_OVERRIDE",
                                                               "MAC_ADMIN",
                                                               "SYSLOG",
                                                               "WAKE_ALARM",
                                                               "BLOCK_SUSPEND",
                                                               "AUDIT_READ",
                                                               "PERFMON",
                                                               "BPF",
                                                               "CHECKPOINT_RESTORE"};
}  // namespace

CapSet CapSet::all() {
  CapSet set;
  for (int c = 0; c <= kLastCap; ++c) set.add(c);
  return set;
}

std::vector<std::string> CapSet::names() const {
  std::vector<std::string> out;
  for (int c = 0; c <= kLastCap; ++c)
    if (has(c)) out.push_back(cap_name(c));
  return out;
}

std::optional<int> cap_from_name(std::string_view name) {
  std::string upper = to_upper(trim(name));
  std::string_view bare = upper;
  if (bare.starts_with("CAP_")) bare.remove_prefix(4);
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == bare) return static_cast<int>(i);
  return std::nullopt;
}

std::string cap_name(int cap) {
  if (cap < 0 || cap > kLastCap) return "CAP_" + std::to_string(cap);
  return "CAP_" + std::string(kNames[static_cast<size_t>(cap)]);
}

CapSet parse_cap_list(std::string_view list) {
  CapSet set;
  if (trim(list).empty()) return set;
  for (const auto& item : split(list, ',')) {
    if (to_upper(trim(item)) == "ALL") {
      set = CapSet::all();
      continue;
    }
    auto cap = cap_from_name(item);
    if (!cap) throw Error("unknown capability \"" + std::string(trim(item)) + "\"");
    set.add(*cap);
  }
  return set;
}

CapSet default_container_caps() {
  CapSet set;
  for (auto name : {"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "SETGID", "SETUID", "SETPCAP",
                    "NET_BIND_SERVICE", "SYS_CHROOT", "KILL"})
    set.add(*cap_from_name(name));
  return set;
}

}  // namespace bulkhead::caps
