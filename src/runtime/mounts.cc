#include "runtime/mounts.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <optional>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"

namespace bulkhead::runtime {

namespace {

struct MountOptions {
  unsigned long flags = 0;
  unsigned long clear = 0;        // flags the options turn off ("rw", "suid", …)
  unsigned long propagation = 0;  // MS_PRIVATE, MS_SLAVE …, with MS_REC for the r-forms
  bool bind = false;
  bool recursive = false;
  std::vector<std::string> data;  // passed to the filesystem ("mode=755", "size=…")
};

MountOptions parse_options(const std::vector<std::string>& options) {
  static const std::map<std::string, std::pair<unsigned long, bool>> kFlags = {
      // option → (flag, set it)
      {"ro", {MS_RDONLY, true}},
      {"rw", {MS_RDONLY, false}},
      {"nosuid", {MS_NOSUID, true}},
      {"suid", {MS_NOSUID, false}},
      {"nodev", {MS_NODEV, true}},
      {"dev", {MS_NODEV, false}},
      {"noexec", {MS_NOEXEC, true}},
      {"exec", {MS_NOEXEC, false}},
      {"sync", {MS_SYNCHRONOUS, true}},
      {"async", {MS_SYNCHRONOUS, false}},
      {"dirsync", {MS_DIRSYNC, true}},
      {"remount", {MS_REMOUNT, true}},
      {"mand", {MS_MANDLOCK, true}},
      {"nomand", {MS_MANDLOCK, false}},
      {"atime", {MS_NOATIME, false}},
      {"noatime", {MS_NOATIME, true}},
      {"diratime", {MS_NODIRATIME, false}},
      {"nodiratime", {MS_NODIRATIME, true}},
      {"relatime", {MS_RELATIME, true}},
      {"norelatime", {MS_RELATIME, false}},
      {"strictatime", {MS_STRICTATIME, true}},
  };
  static const std::map<std::string, unsigned long> kPropagation = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  MountOptions parsed;
  for (const std::string& option : options) {
    if (option == "bind") {
      parsed.bind = true;
    } else if (option == "rbind") {
      parsed.bind = parsed.recursive = true;
    } else if (auto flag = kFlags.find(option); flag != kFlags.end()) {
      if (flag->second.second) {
        parsed.flags |= flag->second.first;
        parsed.clear &= ~flag->second.first;
      } else {
        parsed.flags &= ~flag->second.first;
        parsed.clear |= flag->second.first;
      }
    } else if (auto prop = kPropagation.find(option); prop != kPropagation.end()) {
      parsed.propagation = prop->second;
    } else if (option == "z" || option == "Z" || option == "nocopy") {
      // SELinux relabel and volume-copy hints: meaningless for a host path bind.
    } else {
      parsed.data.push_back(option);
    }
  }
  return parsed;
}

long openat2_syscall(int dirfd, const std::string& path, open_how* how) {
  return syscall(SYS_openat2, dirfd, path.c_str(), how, sizeof(*how));
}

// Opens `path` (absolute in the container) below root_fd, never leaving it.
UniqueFd open_in_root(int root_fd, const std::string& path, uint64_t flags = O_PATH) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd = openat2_syscall(root_fd, path, &how);
  if (fd < 0) return UniqueFd();
  return UniqueFd(static_cast<int>(fd));
}

std::string fd_path(const UniqueFd& fd) {
  return "/proc/self/fd/" + std::to_string(fd.get());
}

// Creates (as needed) and opens the mount point `path` inside the root, each missing
// component made below an already-resolved parent so nothing escapes the root.
UniqueFd make_mount_point(int root_fd, const std::string& path, bool directory) {
  std::vector<std::string> parts;
  for (const std::string& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") throw Error("mount destination " + path + " contains '..'");
    parts.push_back(part);
  }
  std::string prefix;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string parent = prefix.empty() ? "/" : prefix;
    prefix += "/" + parts[i];
    UniqueFd existing = open_in_root(root_fd, prefix);
    if (existing) continue;
    if (errno != ENOENT) throw_errno("resolving mount destination " + path);
    UniqueFd parent_fd = open_in_root(root_fd, parent, O_PATH | O_DIRECTORY);
    if (!parent_fd) throw_errno("opening " + parent + " for mount destination " + path);
    bool last = i + 1 == parts.size();
    if (last && !directory) {
      int fd = openat(parent_fd.get(), parts[i].c_str(),
                      O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0 && errno != EEXIST) throw_errno("creating mount point " + prefix);
      if (fd >= 0) close(fd);
    } else if (mkdirat(parent_fd.get(), parts[i].c_str(), 0755) != 0 && errno != EEXIST) {
      throw_errno("creating mount point " + prefix);
    }
  }
  UniqueFd target = open_in_root(root_fd, path.empty() ? "/" : path);
  if (!target) throw_errno("opening mount point " + path);
  return target;
}

// Flags a remount must keep: in a user namespace the kernel locks nosuid/nodev/noexec/ro and
// the atime mode of mounts inherited from the host, and a remount dropping them fails.
unsigned long locked_flags(const std::string& path) {
  struct statvfs info {};
  if (statvfs(path.c_str(), &info) != 0) throw_errno("statvfs " + path);
  unsigned long flags = 0;
  if (info.f_flag & ST_RDONLY) flags |= MS_RDONLY;
  if (info.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (info.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (info.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (info.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (info.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (info.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

void remount_bind(const std::string& path, unsigned long flags) {
  unsigned long keep = locked_flags(path);
  if (flags & MS_RDONLY) keep |= MS_RDONLY;
  if (mount(nullptr, path.c_str(), nullptr, MS_REMOUNT | MS_BIND | keep | flags, nullptr) != 0) {
    throw_errno("remounting " + path);
  }
}

bool is_directory(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

void bind_mount(const std::string& source, int root_fd, const spec::Mount& m,
                const MountOptions& options) {
  if (source.empty() || source.front() != '/') {
    throw Error("bind mount source for " + m.destination + " must be an absolute host path, got '" +
                source + "'");
  }
  struct stat info {};
  if (stat(source.c_str(), &info) != 0) throw_errno("bind mount source " + source);
  UniqueFd target = make_mount_point(root_fd, m.destination, S_ISDIR(info.st_mode));
  unsigned long flags = MS_BIND | (options.recursive ? MS_REC : 0);
  if (mount(source.c_str(), fd_path(target).c_str(), nullptr, flags, nullptr) != 0) {
    throw_errno("bind mounting " + source + " on " + m.destination);
  }
  // The fd names the directory under the new mount; reopen to reach the mount itself.
  UniqueFd mounted = open_in_root(root_fd, m.destination);
  if (!mounted) throw_errno("reopening " + m.destination);
  unsigned long wanted = options.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
                                          MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
  if (wanted) remount_bind(fd_path(mounted), wanted);
  if (options.propagation &&
      mount(nullptr, fd_path(mounted).c_str(), nullptr, options.propagation, nullptr) != 0) {
    throw_errno("setting propagation of " + m.destination);
  }
}

// Mounts a filesystem instance; returns false only for the cases the caller may fall back on.
bool mount_filesystem(int root_fd, const spec::Mount& m, const MountOptions& options,
                      const std::string& fstype) {
  UniqueFd target = make_mount_point(root_fd, m.destination, true);
  std::string data = join(options.data, ",");
  std::string source = m.source.empty() ? fstype : m.source;
  if (mount(source.c_str(), fd_path(target).c_str(), fstype.c_str(), options.flags,
            data.empty() ? nullptr : data.c_str()) != 0) {
    if (errno == EPERM || errno == EBUSY) return false;
    throw_errno("mounting " + fstype + " on " + m.destination +
                (data.empty() ? "" : " (" + data + ")"));
  }
  return true;
}

void fallback_bind(int root_fd, const spec::Mount& m, const std::string& host_path,
                   const MountOptions& options) {
  spec::Mount bind = m;
  MountOptions bind_options = options;
  bind_options.recursive = true;
  bind_options.flags |= MS_RDONLY;  // a host view stands in for a private one: never writable
  bind_mount(host_path, root_fd, bind, bind_options);
}

void mount_one(int root_fd, const spec::Mount& m) {
  MountOptions options = parse_options(m.options);
  if (m.type == "bind" || options.bind) {
    // A bind mount takes no filesystem data: an option we do not know would otherwise be
    // dropped silently, and the mount would be weaker than the spec asks.
    if (!options.data.empty()) {
      throw Error("mount " + m.destination + ": unsupported bind mount option '" +
                  options.data.front() + "'");
    }
    bind_mount(m.source, root_fd, m, options);
    return;
  }
  if (m.type == "sysfs") {
    // sysfs can only be mounted by the owner of the network namespace: with --network host in
    // a user namespace, a read-only bind of the host's /sys stands in, as rootless runc does.
    if (!mount_filesystem(root_fd, m, options, "sysfs")) fallback_bind(root_fd, m, "/sys", options);
    return;
  }
  if (m.type == "cgroup" || m.type == "cgroup2") {
    // The container's own cgroup namespace root, read-only. On a hybrid host the v2 hierarchy
    // is the only one a namespace can mount.
    MountOptions cgroup_options = options;
    cgroup_options.data.clear();
    if (mount_filesystem(root_fd, m, cgroup_options, "cgroup2")) return;
    std::string host =
        is_directory("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";
    fallback_bind(root_fd, m, host, options);
    return;
  }
  if (!mount_filesystem(root_fd, m, options, m.type)) {
    throw_errno("mounting " + m.type + " on " + m.destination);
  }
  if (options.propagation) {
    UniqueFd mounted = open_in_root(root_fd, m.destination);
    if (!mounted ||
        mount(nullptr, fd_path(mounted).c_str(), nullptr, options.propagation, nullptr) != 0) {
      throw_errno("setting propagation of " + m.destination);
    }
  }
}

// /dev: the host's device nodes bound in (a tmpfs mounted in a user namespace is implicitly
// nodev, so fresh nodes would not work there; binds do, as root and rootless alike).
void populate_dev(int root_fd) {
  UniqueFd dev = make_mount_point(root_fd, "/dev", true);
  for (const char* name : kDefaultDevices) {
    std::string host = std::string("/dev/") + name;
    struct stat info {};
    if (stat(host.c_str(), &info) != 0) continue;  // e.g. /dev/tty without a terminal
    std::string inside = std::string("/dev/") + name;
    UniqueFd target = make_mount_point(root_fd, inside, false);
    if (mount(host.c_str(), fd_path(target).c_str(), nullptr, MS_BIND, nullptr) != 0) {
      throw_errno("binding " + host + " into the container");
    }
  }
  UniqueFd dev_dir = open_in_root(root_fd, "/dev", O_PATH | O_DIRECTORY);
  if (!dev_dir) throw_errno("opening the container's /dev");
  const std::pair<const char*, const char*> links[] = {
      {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
      {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},         {"core", "/proc/kcore"},
  };
  for (const auto& [name, target] : links) {
    if (symlinkat(target, dev_dir.get(), name) != 0 && errno != EEXIST) {
      throw_errno(std::string("creating /dev/") + name);
    }
  }
}

unsigned long root_propagation(const std::string& name) {
  if (name.empty() || name == "private" || name == "rprivate") return MS_PRIVATE | MS_REC;
  if (name == "slave" || name == "rslave") return MS_SLAVE | MS_REC;
  if (name == "shared" || name == "rshared") return MS_SHARED | MS_REC;
  if (name == "unbindable" || name == "runbindable") return MS_UNBINDABLE | MS_REC;
  throw Error("linux.rootfsPropagation: unknown value '" + name + "'");
}

// A writable layer over a shared image: an overlay whose upper layer lives on a tmpfs that
// goes away with the container's mount namespace. Mounted over the image's own path (only in
// this namespace), so the rest of the setup sees one directory. Returns the merged root.
std::string mount_overlay_root(const std::string& image) {
  UniqueFd lower(open(image.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!lower) throw_errno("opening the image " + image);
  // The tmpfs hides the image at its path; the overlay reaches it through the fd.
  if (mount("tmpfs", image.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
    throw_errno("mounting the writable layer's tmpfs");
  }
  for (const char* dir : {"/upper", "/work", "/merged"}) {
    if (mkdir((image + dir).c_str(), 0755) != 0) throw_errno("creating " + image + dir);
  }
  std::string options =
      "lowerdir=" + fd_path(lower) + ",upperdir=" + image + "/upper,workdir=" + image + "/work";
  std::string merged = image + "/merged";
  if (mount("overlay", merged.c_str(), "overlay", 0, options.c_str()) != 0) {
    throw_errno("mounting the overlay over " + image);
  }
  return merged;
}

}  // namespace

void enter_root_filesystem(const spec::Spec& spec) {
  std::string rootfs = spec.root.path;
  // Nothing the container mounts may propagate back to the host.
  if (mount(nullptr, "/", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
    throw_errno("making the host's mounts slaves in the container's namespace");
  }
  auto overlay = spec.annotations.find(spec::kRootOverlayAnnotation);
  if (overlay != spec.annotations.end()) {
    if (overlay->second != "tmpfs") {
      throw Error(std::string("annotation ") + spec::kRootOverlayAnnotation + ": unknown value '" +
                  overlay->second + "' (expected \"tmpfs\")");
    }
    rootfs = mount_overlay_root(rootfs);
  }
  if (mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    throw_errno("bind mounting the root filesystem " + rootfs);
  }
  if (mount(nullptr, rootfs.c_str(), nullptr, root_propagation(spec.linux.rootfs_propagation),
            nullptr) != 0) {
    throw_errno("setting the root filesystem's propagation");
  }
  UniqueFd root(open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw_errno("opening the root filesystem " + rootfs);
  bool dev_mounted = false;
  for (const spec::Mount& m : spec.mounts) {
    if (m.destination.empty() || m.destination.front() != '/') {
      throw Error("mount destination '" + m.destination + "' is not an absolute path");
    }
    mount_one(root.get(), m);
    if (m.destination == "/dev") dev_mounted = true;
  }
  if (dev_mounted) populate_dev(root.get());

  if (fchdir(root.get()) != 0) throw_errno("entering the root filesystem");
  if (syscall(SYS_pivot_root, ".", ".") != 0) throw_errno("pivot_root into " + rootfs);
  // The old root is now stacked under the new one: detach it so the host's tree is gone.
  if (mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
    throw_errno("making the old root a slave");
  }
  if (umount2(".", MNT_DETACH) != 0) throw_errno("detaching the host's root");
  if (chdir("/") != 0) throw_errno("chdir /");
}

void finish_root_filesystem(const spec::Spec& spec) {
  for (const auto& [key, value] : spec.linux.sysctl) {
    std::string path = "/proc/sys/" + key;
    for (char& c : path) {
      if (c == '.') c = '/';
    }
    write_file(path, value);
  }
  for (const std::string& path : spec.linux.masked_paths) {
    struct stat info {};
    if (lstat(path.c_str(), &info) != 0) {
      if (errno == ENOENT) continue;  // nothing there to hide
      throw_errno("looking at masked path " + path);
    }
    int rc = S_ISDIR(info.st_mode)
                 ? mount("tmpfs", path.c_str(), "tmpfs",
                         MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=000")
                 : mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr);
    if (rc != 0) throw_errno("masking " + path);
  }
  for (const std::string& path : spec.linux.readonly_paths) {
    struct stat info {};
    if (lstat(path.c_str(), &info) != 0) {
      if (errno == ENOENT) continue;
      throw_errno("looking at read-only path " + path);
    }
    if (mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      throw_errno("binding read-only path " + path);
    }
    remount_bind(path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  }
  if (spec.root.readonly) remount_bind("/", MS_RDONLY);
}

}  // namespace bulkhead::runtime
