// AppArmor profiles and SELinux labels for the container's process (OCI
// process.apparmorProfile / process.selinuxLabel). Both are written through /proc just before
// execve and take effect at exec. A label asked for on a kernel without that LSM is an error:
// silently running unconfined would be a weaker container than the spec asked for.
#pragma once

#include <string>

namespace bulkhead::mac {

// AppArmor is built in, enabled, and its securityfs interface is mounted.
bool apparmor_enabled();
// SELinux is active: selinuxfs is mounted at /sys/fs/selinux and its enforce file is readable.
bool selinux_enabled();

// Throws Error when a profile or label ("" = none) is requested but its LSM is not active.
void check_label_support(const std::string& apparmor_profile, const std::string& selinux_label);

// In the container, right before execve: asks the kernel to switch to `apparmor_profile` and/or
// `selinux_label` at exec ("" = leave unchanged). Throws SystemError when the kernel refuses.
void apply_exec_labels(const std::string& apparmor_profile, const std::string& selinux_label);

}  // namespace bulkhead::mac
