// A rootless user's own copy of a shared image. builtin:busybox belongs to host root, which a
// rootless container cannot map: its files show up as `nobody`, and the overlay that keeps
// containers from writing to the image cannot copy up a directory of an unmapped owner (EOVERFLOW),
// so not even the image's /tmp would be writable. A copy owned by the user (container root) is
// what rootless Podman does with its image layers, and it is made once per user and image.
#pragma once

#include <string>

namespace bulkhead::runtime {

// The caller's copy of `image` under `store_dir` (made on first use, atomically; remade when
// the image's `.bulkhead-rootfs` marker changes). Regular files, directories and symlinks are
// copied with their permission bits, without set-user/group-ID bits (a file the user cannot
// read on the host is copied empty, a directory they cannot read without its contents); anything
// else is skipped.
std::string user_image_copy(const std::string& image, const std::string& name,
                            const std::string& store_dir);

}  // namespace bulkhead::runtime
