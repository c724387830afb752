// The container's filesystem view: the spec's mounts inside the root filesystem, the minimal
// /dev, pivot_root, then masked and read-only paths. Runs in the child, in its new mount
// namespace.
#pragma once

#include <string>

#include "spec/spec.h"

namespace bulkhead::runtime {

// Everything up to pivot_root, and pivot_root itself. Mount targets are resolved inside the
// root filesystem (openat2 RESOLVE_IN_ROOT), so a symlink in an untrusted image cannot point a
// mount at the host.
void enter_root_filesystem(const spec::Spec& spec);

// After pivot_root: sysctls, masked paths, read-only paths, and a read-only root when asked.
void finish_root_filesystem(const spec::Spec& spec);

// The device nodes every container gets (OCI's default devices).
inline constexpr const char* kDefaultDevices[] = {"null",   "zero",    "full",
                                                  "random", "urandom", "tty"};

}  // namespace bulkhead::runtime
