#include "mac/labels.h"

#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"

namespace bulkhead::mac {

namespace {

constexpr unsigned long kSelinuxMagic = 0xf97cff8cUL;  // SELINUX_MAGIC, selinuxfs

bool exists(const char* path) {
  return ::access(path, F_OK) == 0;
}

// The whole value in one write(2): the kernel parses each write as one complete command.
void write_attr(const std::string& path, std::string_view value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path);
  ssize_t n = ::write(fd.get(), value.data(), value.size());
  if (n < 0) throw_errno("write \"" + std::string(value) + "\" to " + path);
  if (static_cast<size_t>(n) != value.size())
    throw Error("short write of \"" + std::string(value) + "\" to " + path);
}

}  // namespace

bool apparmor_enabled() {
  std::string enabled;
  try {
    enabled = read_file("/sys/module/apparmor/parameters/enabled");
  } catch (const Error&) {
    return false;  // no AppArmor in this kernel
  }
  return trim(enabled) == "Y" && exists("/sys/kernel/security/apparmor");
}

bool selinux_enabled() {
  struct statfs fs {};
  if (::statfs("/sys/fs/selinux", &fs) != 0 ||
      static_cast<unsigned long>(fs.f_type) != kSelinuxMagic)
    return false;
  UniqueFd enforce(::open("/sys/fs/selinux/enforce", O_RDONLY | O_CLOEXEC));
  return enforce.valid();
}

void check_label_support(const std::string& apparmor_profile, const std::string& selinux_label) {
  if (!apparmor_profile.empty() && !apparmor_enabled())
    throw Error("the spec asks for AppArmor profile \"" + apparmor_profile +
                "\" (process.apparmorProfile), but AppArmor is not enabled on this kernel; "
                "remove the profile or run on a host with AppArmor");
  if (!selinux_label.empty() && !selinux_enabled())
    throw Error("the spec asks for SELinux label \"" + selinux_label +
                "\" (process.selinuxLabel), but SELinux is not enabled on this kernel "
                "(no selinuxfs at /sys/fs/selinux); remove the label or run on a host with "
                "SELinux");
}

void apply_exec_labels(const std::string& apparmor_profile, const std::string& selinux_label) {
  if (!apparmor_profile.empty()) {
    // Kernels with LSM stacking (5.1+) have an AppArmor-specific file; the shared one is the
    // fallback for older kernels.
    std::string command = "exec " + apparmor_profile;
    const char* stacked = "/proc/self/attr/apparmor/exec";
    write_attr(exists(stacked) ? stacked : "/proc/self/attr/exec", command);
  }
  if (!selinux_label.empty()) write_attr("/proc/self/attr/exec", selinux_label);
}

}  // namespace bulkhead::mac
