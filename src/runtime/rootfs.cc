#include "runtime/rootfs.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "base/error.h"
#include "base/strings.h"

#ifndef BULKHEAD_BUILTIN_ROOTFS_DIR
#error "BULKHEAD_BUILTIN_ROOTFS_DIR must be defined by the build (src/runtime/CMakeLists.txt)"
#endif

namespace bulkhead::runtime {

namespace {

constexpr std::string_view kBuiltinPrefix = "builtin:";

std::string builtin_list() {
  std::vector<std::string> names;
  for (const auto& name : builtin_rootfs_names())
    names.push_back(std::string(kBuiltinPrefix) + name);
  return join(names, ", ");
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string canonical_path(const std::string& path, const std::string& what) {
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr),
                                                       &std::free);
  if (!resolved) throw_errno(what + ": cannot resolve " + path);
  return resolved.get();
}

bool is_tar_name(std::string_view path) {
  for (std::string_view suffix : {".tar", ".tar.gz", ".tgz"})
    if (path.ends_with(suffix)) return true;
  return false;
}

std::string resolve_builtin(const std::string& arg) {
  const std::string name = arg.substr(kBuiltinPrefix.size());
  bool known = false;
  for (const auto& builtin : builtin_rootfs_names()) known = known || builtin == name;
  if (!known)
    throw Error("unknown builtin rootfs '" + arg + "'; the builtins are: " + builtin_list());

  const std::string dir = builtin_rootfs_root() + "/" + name;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw Error("rootfs '" + arg + "' has not been built: " + dir +
                " is not a directory (build it with `ninja busybox_rootfs` in the build "
                "directory, or point BULKHEAD_BUILTIN_ROOTFS_DIR at a directory holding '" +
                name + "/')");
  return canonical_path(dir, "rootfs '" + arg + "'");
}

}  // namespace

std::vector<std::string> builtin_rootfs_names() {
  return {"busybox"};
}

std::string builtin_rootfs_root() {
  // An override for installed binaries and for tests; the compiled-in default is the build tree.
  const char* from_env = std::getenv("BULKHEAD_BUILTIN_ROOTFS_DIR");
  if (from_env != nullptr && *from_env != '\0') return from_env;
  return BULKHEAD_BUILTIN_ROOTFS_DIR;
}

std::string resolve_rootfs(const std::string& arg) {
  if (arg.empty())
    throw Error("the rootfs argument is empty: give a directory or " + builtin_list());
  if (arg.starts_with(kBuiltinPrefix)) return resolve_builtin(arg);

  const std::string what = "rootfs '" + arg + "'";
  struct stat st {};
  if (::stat(arg.c_str(), &st) != 0) throw_errno(what);

  if (S_ISDIR(st.st_mode)) {
    // An OCI image layout holds blobs, not a root tree: running it would need unpacking.
    if (exists(arg + "/oci-layout") && exists(arg + "/index.json"))
      throw Error(what +
                  " is an OCI image layout, which is not supported yet: unpack it first (for "
                  "example `umoci unpack`) and give the rootfs directory");
    return canonical_path(arg, what);
  }
  if (S_ISREG(st.st_mode) && is_tar_name(arg))
    throw Error(what +
                " is a tar archive, which is not supported yet: extract it into a directory "
                "and give that directory");
  throw Error(what + " is not a directory (give a root filesystem directory or " + builtin_list() +
              ")");
}

}  // namespace bulkhead::runtime
