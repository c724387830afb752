#include "runtime/image_copy.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::runtime {

namespace {

namespace fs = std::filesystem;

constexpr const char* kMarker = ".bulkhead-rootfs";

std::string marker_of(const std::string& dir) {
  try {
    return read_file(dir + "/" + kMarker);
  } catch (const Error&) {
    return "";
  }
}

void copy_tree(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directory(to, ec);
  if (ec) throw SystemError("creating " + to.string(), ec.value());
  // Directories the user cannot read on the host (the image's /root) are copied empty.
  const auto options = fs::directory_options::skip_permission_denied;
  for (auto it = fs::recursive_directory_iterator(from, options);
       it != fs::recursive_directory_iterator(); ++it) {
    const fs::path target = to / it->path().lexically_relative(from);
    struct stat info {};
    if (lstat(it->path().c_str(), &info) != 0) throw_errno("lstat " + it->path().string());
    // Permission bits only: a setuid bit on a copy owned by the user would be meaningless at
    // best.
    mode_t mode = info.st_mode & 01777;
    if (S_ISDIR(info.st_mode)) {
      if (mkdir(target.c_str(), 0700) != 0) throw_errno("mkdir " + target.string());
    } else if (S_ISLNK(info.st_mode)) {
      fs::copy_symlink(it->path(), target, ec);
      if (ec) throw SystemError("copying symlink " + it->path().string(), ec.value());
      continue;
    } else if (S_ISREG(info.st_mode)) {
      fs::copy_file(it->path(), target, ec);
      if (ec == std::errc::permission_denied) {
        // A file the user may not read on the host (the image's /etc/shadow) stays unreadable
        // to them: the copy is empty, with the same mode.
        fs::remove(target, ec);
        write_file(target.string(), "");
      } else if (ec) {
        throw SystemError("copying " + it->path().string(), ec.value());
      }
    } else {
      continue;  // device nodes, sockets, fifos: never in an image we ship
    }
    if (chmod(target.c_str(), mode) != 0) throw_errno("chmod " + target.string());
  }
  // Directories last made 0700 so the copy could be filled; now their real modes.
  for (auto it = fs::recursive_directory_iterator(from, options);
       it != fs::recursive_directory_iterator(); ++it) {
    struct stat info {};
    if (lstat(it->path().c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
      fs::path target = to / it->path().lexically_relative(from);
      if (chmod(target.c_str(), info.st_mode & 01777) != 0) throw_errno("chmod " + target.string());
    }
  }
  struct stat root {};
  if (stat(from.c_str(), &root) == 0) chmod(to.c_str(), root.st_mode & 01777);
}

}  // namespace

std::string user_image_copy(const std::string& image, const std::string& name,
                            const std::string& store_dir) try {
  std::string wanted = marker_of(image);
  if (wanted.empty()) throw Error("image " + image + " has no " + kMarker + " marker");
  std::string images = store_dir + "/images";
  std::string copy = images + "/" + name;
  if (marker_of(copy) == wanted) return copy;
  if (mkdir(images.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("mkdir " + images);
  std::string temporary = copy + ".tmp." + std::to_string(getpid());
  std::error_code ec;
  fs::remove_all(temporary, ec);
  try {
    copy_tree(image, temporary);
  } catch (...) {
    fs::remove_all(temporary, ec);
    throw;
  }
  // Replace an outdated copy; a concurrent start that made the same copy first wins.
  std::string old = copy + ".old." + std::to_string(getpid());
  if (rename(copy.c_str(), old.c_str()) == 0) fs::remove_all(old, ec);
  if (rename(temporary.c_str(), copy.c_str()) != 0) {
    fs::remove_all(temporary, ec);
    if (marker_of(copy) != wanted) throw_errno("installing the image copy " + copy);
  }
  return copy;
} catch (const fs::filesystem_error& e) {
  throw SystemError("copying the image " + image + " for this user", e.code().value());
}

}  // namespace bulkhead::runtime
