// Turns the ROOTFS argument of `bulkhead run` into the directory the container's root is made
// from.
#pragma once

#include <string>
#include <vector>

namespace bulkhead::runtime {

// The builtin rootfs names, without the "builtin:" prefix ("busybox").
std::vector<std::string> builtin_rootfs_names();

// The directory that holds the builtin rootfs trees (one subdirectory per name): the environment
// variable BULKHEAD_BUILTIN_ROOTFS_DIR when set and non-empty, else the build's rootfs/ directory
// (compiled in), where the busybox_rootfs target puts them.
std::string builtin_rootfs_root();

// "builtin:NAME" → the builtin tree's directory; a directory → its canonical absolute path.
// Throws Error for an unknown builtin, a builtin that has not been built, a path that is not a
// directory, and for tar archives and OCI image layouts (not supported yet); SystemError when the
// path cannot be looked at (missing, no permission).
std::string resolve_rootfs(const std::string& arg);

}  // namespace bulkhead::runtime
