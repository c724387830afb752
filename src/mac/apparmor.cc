#include "mac/apparmor.h"

#include <algorithm>

#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::mac {

namespace {

constexpr uint64_t kReadRights = kFsReadFile | kFsReadDir;
constexpr uint64_t kWriteRights = kFsWriteFile | kFsTruncate | kFsRemoveDir | kFsRemoveFile |
                                  kFsMakeChar | kFsMakeDir | kFsMakeReg | kFsMakeSock |
                                  kFsMakeFifo | kFsMakeBlock | kFsMakeSym;

bool plain_name(const std::string& name) {
  if (name.empty() || name.size() > 200) return false;
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("._:+-").find(c) != std::string_view::npos;
  });
}

// A path as AppArmor pattern text: glob characters and quotes escaped, quoted when it holds
// characters that would otherwise end or split the rule.
std::string pattern_text(std::string_view path) {
  std::string out;
  bool quote = false;
  for (char c : path) {
    if (std::string_view("*?[]{}^\\\"@").find(c) != std::string_view::npos) {
      out += '\\';
    } else if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '#') {
      quote = true;
    }
    out += c;
  }
  return quote ? "\"" + out + "\"" : out;
}

// The path and everything beneath it, whether it names a file or a directory (AppArmor writes
// directories with a trailing slash, and "dir/**" does not match "dir/" itself).
std::string tree_pattern(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  std::string escaped = pattern_text(path);
  bool quoted = escaped.front() == '"';
  if (quoted) escaped = escaped.substr(1, escaped.size() - 2);
  std::string glob = path == "/" ? escaped + "{,**}" : escaped + "{,/,/**}";
  return quoted ? "\"" + glob + "\"" : glob;
}

// AppArmor file permissions for Landlock rights. Locking (k) goes with read or write and mmap
// for execution (m) with execute, because Landlock mediates neither: the AppArmor profile should
// not be stricter than the policy in ways the policy's author cannot see.
std::string file_permissions(uint64_t access) {
  std::string perms;
  if (access & kReadRights) perms += "r";
  if (access & kWriteRights) perms += "w";
  if (access & (kReadRights | kWriteRights)) perms += "k";
  if (access & (kFsRefer | kFsMakeReg)) perms += "l";
  if (access & kFsExecute) perms += "mix";
  return perms;
}

std::string port_list(const std::vector<uint16_t>& ports) {
  if (ports.empty()) return "none";
  std::vector<std::string> parts;
  for (uint16_t port : ports) parts.push_back(std::to_string(port));
  return join(parts, ", ");
}

}  // namespace

std::string render_apparmor_profile(const LandlockPolicy& policy, const std::string& profile_name) {
  if (!plain_name(profile_name))
    throw Error("invalid AppArmor profile name \"" + profile_name +
                "\": use letters, digits and . _ : + - (starting with a letter or digit)");
  const std::string& name = profile_name;
  std::string out;
  out += "# AppArmor profile \"" + name + "\", rendered by bulkhead from the Landlock policy " +
         policy.source + ".\n";
  out += "# It grants the same paths as the policy. Landlock stays the primary control: it also\n";
  out += "# restricts TCP ports, which AppArmor cannot.\n";
  out += "abi <abi/3.0>,\n\n";
  out += "include <tunables/global>\n\n";
  out += "profile " + name + " flags=(attach_disconnected,mediate_deleted) {\n";
  out += "  include <abstractions/base>\n\n";
  out +=
      "  # The runtime's capability sets decide capabilities; the profile does not narrow them.\n";
  out += "  capability,\n\n";

  out += "  # Files: one line per path of each Landlock rule; nothing else is granted.\n";
  for (const auto& rule : policy.paths) {
    std::string perms = file_permissions(rule.access);
    std::string origin = rule.where.str();
    out += "  # " + join(access_names(rule.access), ", ") + " (" + origin + ")\n";
    if (perms.empty()) {
      out += "  #   (no file permission AppArmor can express)\n";
      continue;
    }
    for (const auto& path : rule.paths) out += "  " + tree_pattern(path) + " " + perms + ",\n";
  }
  out += "\n";

  if (!policy.restrict_network) {
    out += "  # The policy does not restrict the network.\n";
    out += "  network,\n";
  } else {
    out += "  # Landlock allows TCP bind to ports: " + port_list(policy.bind_ports) +
           "; connect to ports: " + port_list(policy.connect_ports) + ".\n";
    out += "  # AppArmor cannot match ports: it only allows the socket types, the ports are\n";
    out += "  # enforced by Landlock alone.\n";
    if (!policy.bind_ports.empty() || !policy.connect_ports.empty()) {
      out += "  network inet stream,\n";
      out += "  network inet6 stream,\n";
    } else {
      out += "  # No TCP port is allowed, so no TCP socket is either.\n";
    }
    out += "  # Landlock does not restrict UDP, unix or netlink sockets.\n";
    out += "  network inet dgram,\n";
    out += "  network inet6 dgram,\n";
    out += "  network netlink raw,\n";
  }
  out += "  unix,\n\n";

  out += "  # Signals between the container's own processes, and from the host.\n";
  out += "  signal (send, receive) peer=" + name + ",\n";
  out += "  signal (receive) peer=unconfined,\n";
  out += "  # ps works inside the container and from the host; tracing does not.\n";
  out += "  ptrace (read, readby) peer=" + name + ",\n";
  out += "  ptrace (readby) peer=unconfined,\n";
  out += "  deny ptrace (trace),\n\n";

  out += "  # Never, whatever the policy grants: changing the mount table, and the kernel\n";
  out += "  # interfaces that reach the host.\n";
  out += "  deny mount,\n";
  out += "  deny umount,\n";
  out += "  deny pivot_root,\n";
  out += "  deny @{PROC}/sysrq-trigger rwklx,\n";
  out += "  deny @{PROC}/kcore rwklx,\n";
  out += "  deny @{PROC}/sys/** wkl,\n";
  out += "  deny /sys/firmware/** rwklx,\n";
  out += "  deny /sys/kernel/security/** rwklx,\n";
  out += "  deny /sys/kernel/debug/** rwklx,\n";
  out += "  deny /sys/fs/cgroup/** wkl,\n";
  out += "  deny /sys/power/** wkl,\n";
  out += "}\n";
  return out;
}

}  // namespace bulkhead::mac
