#include "audit/host_scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "caps/capabilities.h"
#include "capture/proc_seed.h"
#include "runtime/state.h"

namespace bulkhead::audit {

// ---- Shared pieces ----

bool MountInfoEntry::read_only() const {
  return std::find(mount_options.begin(), mount_options.end(), "ro") != mount_options.end();
}

std::string MountInfoEntry::propagation() const {
  bool slave = false;
  for (const std::string& field : optional_fields) {
    if (field.starts_with("shared:")) return "shared";
    if (field.starts_with("master:")) slave = true;
  }
  return slave ? "slave" : "private";
}

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_field(std::string_view field) {
  auto is_octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && field.size() - i >= 4 && is_octal(field[i + 1]) &&
        is_octal(field[i + 2]) && is_octal(field[i + 3])) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                               (field[i + 3] - '0'));
      i += 3;
      continue;
    }
    out += field[i];
  }
  return out;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
    size_t end = pos;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
    if (end > pos) words.emplace_back(text.substr(pos, end - pos));
    pos = end;
  }
  return words;
}

}  // namespace

std::vector<MountInfoEntry> parse_mountinfo(std::string_view text, const std::string& source) {
  std::vector<MountInfoEntry> entries;
  int line_number = 0;
  for (const std::string& line : split(text, '\n')) {
    ++line_number;
    if (trim(line).empty()) continue;
    auto bad = [&](const std::string& why) {
      return Error(SourceLocation{source, line_number, 1}, "mountinfo", why);
    };
    std::vector<std::string> words = split_words(line);
    auto separator = std::find(words.begin(), words.end(), "-");
    if (words.size() < 7 || separator == words.end() || separator - words.begin() < 6 ||
        words.end() - separator < 3)
      throw bad(
          "expected 'ID PARENT MAJOR:MINOR ROOT MOUNT-POINT OPTIONS ... - TYPE SOURCE "
          "SUPER-OPTIONS'");
    MountInfoEntry entry;
    auto id = parse_uint64(words[0]);
    auto parent = parse_uint64(words[1]);
    size_t colon = words[2].find(':');
    std::optional<uint64_t> major, minor;
    if (colon != std::string::npos) {
      major = parse_uint64(std::string_view(words[2]).substr(0, colon));
      minor = parse_uint64(std::string_view(words[2]).substr(colon + 1));
    }
    if (!id || !parent || !major || !minor) throw bad("malformed mount id or device number");
    entry.mount_id = static_cast<int>(*id);
    entry.parent_id = static_cast<int>(*parent);
    entry.major = static_cast<unsigned>(*major);
    entry.minor = static_cast<unsigned>(*minor);
    entry.root = unescape_mount_field(words[3]);
    entry.mount_point = unescape_mount_field(words[4]);
    entry.mount_options = split(words[5], ',');
    entry.optional_fields.assign(words.begin() + 6, separator);
    entry.fs_type = unescape_mount_field(*(separator + 1));
    entry.source = unescape_mount_field(*(separator + 2));
    if (separator + 3 != words.end()) entry.super_options = split(*(separator + 3), ',');
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::vector<IdMapping> parse_id_map(std::string_view text, const std::string& source) {
  std::vector<IdMapping> map;
  int line_number = 0;
  for (const std::string& line : split(text, '\n')) {
    ++line_number;
    if (trim(line).empty()) continue;
    std::vector<std::string> words = split_words(line);
    std::optional<uint64_t> inside, outside, count;
    if (words.size() == 3) {
      inside = parse_uint64(words[0]);
      outside = parse_uint64(words[1]);
      count = parse_uint64(words[2]);
    }
    if (!inside || !outside || !count)
      throw Error(SourceLocation{source, line_number, 1}, "id map",
                  "expected 'INSIDE OUTSIDE COUNT', got '" + line + "'");
    map.push_back({*inside, *outside, *count});
  }
  return map;
}

std::optional<uint64_t> map_to_outside(const std::vector<IdMapping>& map, uint64_t inside) {
  for (const IdMapping& range : map)
    if (inside >= range.inside && inside - range.inside < range.count)
      return range.outside + (inside - range.inside);
  return std::nullopt;
}

std::optional<uint64_t> map_to_inside(const std::vector<IdMapping>& map, uint64_t outside) {
  for (const IdMapping& range : map)
    if (outside >= range.outside && outside - range.outside < range.count)
      return range.inside + (outside - range.outside);
  return std::nullopt;
}

bool is_identity_map(const std::vector<IdMapping>& map) {
  constexpr uint64_t kFullRange = 4294967295ULL;  // every uid but (uid_t)-1
  return map.size() == 1 && map[0].inside == 0 && map[0].outside == 0 && map[0].count == kFullRange;
}

std::optional<uint64_t> namespace_inode_from_link(std::string_view link_text) {
  size_t open = link_text.find(":[");
  if (open == std::string_view::npos || open == 0 || !link_text.ends_with("]")) return std::nullopt;
  return parse_uint64(link_text.substr(open + 2, link_text.size() - open - 3));
}

// ---- The scan ----

namespace {

// Namespace kinds compared with the host's. The pid and mount namespaces also group
// processes into containers.
constexpr const char* kNamespaceKinds[] = {"pid", "mnt", "net", "ipc", "uts", "user"};

// Paths every runtime masks in /proc (bind of /dev/null or an empty read-only tmpfs) so that
// kernel memory, key material and scheduler internals stay hidden. A /proc with none of them
// covered is unmasked.
constexpr std::string_view kMaskedProcPaths[] = {
    "/proc/kcore",         "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
    "/proc/latency_stats", "/proc/acpi", "/proc/scsi",       "/proc/asound",
};

// The pseudo filesystems a runtime mounts for every container at their usual places. In a
// namespace the container shares with the host (host network, IPC or cgroup v1 hierarchies)
// the kernel hands out the host's own superblock for these, so they would look like binds of
// host directories; they are the runtime's doing, not the user's, and are skipped.
struct StandardMount {
  std::string_view fs_type;
  std::string_view mount_point;  // also every mount point below it
};
constexpr StandardMount kStandardMounts[] = {
    {"proc", "/proc"},
    {"sysfs", "/sys"},
    {"cgroup", "/sys/fs/cgroup"},
    {"cgroup2", "/sys/fs/cgroup"},
    {"mqueue", "/dev/mqueue"},
    {"devpts", "/dev/pts"},
    {"devpts", "/dev/console"},
    {"securityfs", "/sys/kernel/security"},
};

// Device nodes every container gets; rootless and user-namespaced runtimes bind them from the
// host's /dev (and bind /dev/null over masked paths), which is harmless.
constexpr std::string_view kStandardDevices[] = {
    "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
};

// Files the runtime itself provides from its own data directory.
constexpr std::string_view kRuntimeProvidedFiles[] = {
    "/etc/resolv.conf", "/etc/hostname", "/etc/hosts", "/run/.containerenv", "/dev/termination-log",
};
// Directories where runtimes keep per-container files and named volumes: a bind from here is
// the runtime's volume, not a host path the user chose.
constexpr std::string_view kRuntimeVolumeDirs[] = {
    "/var/lib/docker/containers", "/var/lib/docker/volumes",     "/var/lib/containers/storage",
    "/run/containers/storage",    "/var/run/containers/storage", "/var/lib/kubelet/pods",
};
// Rootless Podman keeps them per user: ~/.local/share/containers/storage and
// /run/user/UID/containers (never the sockets next to it, which stay host paths).
constexpr std::string_view kRootlessVolumeDirs[] = {"/.local/share/containers/storage/",
                                                    "/containers/"};

bool is_at_or_below(std::string_view path, std::string_view dir) {
  if (dir == "/") return true;
  return path == dir ||
         (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

// Everything that can go wrong reading a file under /proc, kept apart from the text so the
// scan can tell "the process exited" from "not allowed".
struct ProcRead {
  std::optional<std::string> text;
  int error = 0;
};

ProcRead read_proc_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return {std::nullopt, errno};
  std::string text;
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return {std::nullopt, errno};
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  return {std::move(text), 0};
}

ProcRead read_proc_link(const std::string& path) {
  char buffer[256];
  ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer);
  if (n < 0) return {std::nullopt, errno};
  return {std::string(buffer, static_cast<size_t>(n)), 0};
}

// A process that exited between listing /proc and reading it: ENOENT for its files, ESRCH
// for a read from a process already being torn down.
bool is_gone(int error) {
  return error == ENOENT || error == ESRCH;
}

}  // namespace

std::string proc_status_field(std::string_view status, std::string_view key) {
  for (const std::string& line : split(status, '\n')) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
        line[key.size()] == ':')
      return std::string(trim(std::string_view(line).substr(key.size() + 1)));
  }
  return "";
}

caps::CapSet cap_set_from_mask(uint64_t mask) {
  caps::CapSet set;
  for (int cap = 0; cap <= caps::kLastCap; ++cap)
    if ((mask >> cap) & 1) set.add(cap);
  return set;
}

bool is_standard_pseudo_mount(const MountInfoEntry& mount) {
  for (const StandardMount& standard : kStandardMounts)
    if (mount.fs_type == standard.fs_type &&
        is_at_or_below(mount.mount_point, standard.mount_point))
      return true;
  return false;
}

namespace {

std::optional<uint64_t> status_hex(std::string_view status, std::string_view key) {
  std::string value = proc_status_field(status, key);
  if (value.empty()) return std::nullopt;
  return parse_uint64("0x" + value);
}

bool includes(const caps::CapSet& set, const caps::CapSet& subset) {
  return (set.mask() & subset.mask()) == subset.mask();
}

struct NamespaceSet {
  std::map<std::string, uint64_t> inodes;  // kind → inode; a kind the kernel lacks is absent
  uint64_t get(const std::string& kind) const {
    auto it = inodes.find(kind);
    return it == inodes.end() ? 0 : it->second;
  }
};

// What one process's status and namespaces say.
struct ProcessSnapshot {
  int64_t pid = 0;
  std::string comm;
  uint64_t uid = 0;  // effective uid, as this (host) process sees it
  caps::CapSet effective, bounding;
  int seccomp_mode = 0;  // 0 off, 1 strict, 2 filter
  bool no_new_privs = false;
  int64_t namespace_pid = 0;  // its pid in its own pid namespace (NSpid's last field)
  NamespaceSet namespaces;
};

// Reads a namespace set; the error of the first link that could not be read otherwise.
struct NamespaceRead {
  NamespaceSet set;
  int error = 0;
  std::string failed_path;
};

NamespaceRead read_namespaces(const std::string& process_dir) {
  NamespaceRead out;
  for (const char* kind : kNamespaceKinds) {
    std::string path = process_dir + "/ns/" + kind;
    ProcRead link = read_proc_link(path);
    if (!link.text) {
      // A kernel built without a namespace kind has no link for it: nothing to compare.
      if (link.error == ENOENT && kind != std::string_view("pid") &&
          kind != std::string_view("mnt"))
        continue;
      out.error = link.error;
      out.failed_path = path;
      return out;
    }
    auto inode = namespace_inode_from_link(*link.text);
    if (!inode) {
      out.error = EINVAL;
      out.failed_path = path;
      return out;
    }
    out.set.inodes[kind] = *inode;
  }
  return out;
}

// The host as PID 1 (or, when PID 1 cannot be looked at, this process) sees it.
struct HostReference {
  NamespaceSet namespaces;
  std::vector<MountInfoEntry> mounts;
  caps::CapSet bounding;         // what a privileged container would hold: the host's bounding set
  bool pid1_unreadable = false;  // this process's namespaces stand in for PID 1's
};

HostReference read_host_reference(const std::string& proc_root, std::vector<std::string>& notes) {
  HostReference host;
  std::string pid1 = proc_root + "/1";
  std::string self = proc_root + "/self";
  NamespaceRead namespaces = read_namespaces(pid1);
  if (namespaces.error != 0) {
    NamespaceRead own = read_namespaces(self);
    if (own.error != 0)
      throw SystemError("reading the host's namespaces (" + namespaces.failed_path + ", then " +
                            own.failed_path + ")",
                        own.error);
    notes.push_back("the namespaces of PID 1 cannot be read (" + namespaces.failed_path + ": " +
                    std::strerror(namespaces.error) +
                    "): compared with this process's namespaces instead, so processes sharing "
                    "this process's namespaces count as the host");
    namespaces = std::move(own);
    host.pid1_unreadable = true;
  }
  host.namespaces = std::move(namespaces.set);

  std::string mounts_source = pid1 + "/mountinfo";
  ProcRead mounts = read_proc_file(mounts_source);
  if (!mounts.text) {
    mounts_source = self + "/mountinfo";
    mounts = read_proc_file(mounts_source);
    if (!mounts.text) throw SystemError("reading " + mounts_source, mounts.error);
    notes.push_back(
        "PID 1's mount table cannot be read: host paths of bind mounts are resolved "
        "with this process's mount table");
  }
  host.mounts = parse_mountinfo(*mounts.text, mounts_source);

  ProcRead status = read_proc_file(pid1 + "/status");
  if (!status.text) status = read_proc_file(self + "/status");
  if (status.text)
    host.bounding = cap_set_from_mask(status_hex(*status.text, "CapBnd").value_or(0));
  if (host.bounding.empty()) host.bounding = caps::CapSet::all();
  return host;
}

// How a process could not be read, collected so the notes name each cause once.
struct Skipped {
  std::vector<int64_t> exited;
  std::map<std::string, std::vector<int64_t>> unreadable;  // reason → pids
};

std::string pid_list(const std::vector<int64_t>& pids) {
  constexpr size_t kMaxListed = 20;
  std::vector<std::string> text;
  for (size_t i = 0; i < pids.size() && i < kMaxListed; ++i)
    text.push_back(std::to_string(pids[i]));
  std::string out = join(text, ", ");
  if (pids.size() > kMaxListed) out += ", … (" + std::to_string(pids.size()) + " in all)";
  return out;
}

// The fields of /proc/<pid>/stat after the command name: [0] is field 3 (state). Empty when
// unreadable.
std::vector<std::string> stat_fields(const std::string& proc_root, int64_t pid) {
  ProcRead stat = read_proc_file(proc_root + "/" + std::to_string(pid) + "/stat");
  if (!stat.text) return {};
  // The command name (field 2) may hold spaces and parentheses: count from its closing one.
  size_t close = stat.text->rfind(')');
  if (close == std::string::npos) return {};
  return split_words(std::string_view(*stat.text).substr(close + 1));
}

// Field 22: the start time in clock ticks after boot; 0 when unreadable.
uint64_t start_time_of(const std::string& proc_root, int64_t pid) {
  constexpr size_t kStartTime = 22 - 3;
  std::vector<std::string> fields = stat_fields(proc_root, pid);
  return fields.size() > kStartTime ? parse_uint64(fields[kStartTime]).value_or(0) : 0;
}

// Field 9 (flags) has PF_KTHREAD for kernel threads (for kernels whose status lacks Kthread:).
bool is_kernel_thread(const std::string& proc_root, int64_t pid) {
  constexpr size_t kFlags = 9 - 3;
  constexpr uint64_t kPfKthread = 0x00200000;
  std::vector<std::string> fields = stat_fields(proc_root, pid);
  return fields.size() > kFlags && (parse_uint64(fields[kFlags]).value_or(0) & kPfKthread) != 0;
}

// nullopt for a process that is gone, a zombie (it holds nothing any more) or unreadable.
std::optional<ProcessSnapshot> read_process(const std::string& proc_root, int64_t pid,
                                            Skipped& skipped) {
  std::string dir = proc_root + "/" + std::to_string(pid);
  ProcRead status = read_proc_file(dir + "/status");
  if (!status.text) {
    if (is_gone(status.error))
      skipped.exited.push_back(pid);
    else
      skipped.unreadable[std::string("status: ") + std::strerror(status.error)].push_back(pid);
    return std::nullopt;
  }
  const std::string& text = *status.text;
  if (proc_status_field(text, "State").starts_with("Z")) return std::nullopt;
  // Kernel threads are no container's, though some (kdevtmpfs) run in a mount namespace of
  // their own.
  if (proc_status_field(text, "Kthread") == "1" || is_kernel_thread(proc_root, pid))
    return std::nullopt;
  ProcessSnapshot process;
  process.pid = pid;
  process.comm = proc_status_field(text, "Name");
  std::vector<std::string> uids = split_words(proc_status_field(text, "Uid"));
  process.uid = uids.size() >= 2 ? parse_uint64(uids[1]).value_or(0) : 0;
  process.effective = cap_set_from_mask(status_hex(text, "CapEff").value_or(0));
  process.bounding = cap_set_from_mask(status_hex(text, "CapBnd").value_or(0));
  process.seccomp_mode =
      static_cast<int>(parse_uint64(proc_status_field(text, "Seccomp")).value_or(0));
  process.no_new_privs = proc_status_field(text, "NoNewPrivs") == "1";
  std::vector<std::string> nspids = split_words(proc_status_field(text, "NSpid"));
  process.namespace_pid =
      nspids.empty() ? pid : static_cast<int64_t>(parse_uint64(nspids.back()).value_or(0));

  NamespaceRead namespaces = read_namespaces(dir);
  if (namespaces.error != 0) {
    if (is_gone(namespaces.error))
      skipped.exited.push_back(pid);
    else
      skipped.unreadable[std::string("namespaces: ") + std::strerror(namespaces.error)].push_back(
          pid);
    return std::nullopt;
  }
  process.namespaces = std::move(namespaces.set);
  return process;
}

std::vector<int64_t> list_pids(const std::string& proc_root) {
  UniqueDir dir(::opendir(proc_root.c_str()));
  if (!dir) throw_errno("listing " + proc_root);
  std::vector<int64_t> pids;
  while (const dirent* entry = ::readdir(dir.get())) {
    std::string_view name = entry->d_name;
    if (name.empty() ||
        !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    if (auto pid = parse_uint64(name)) pids.push_back(static_cast<int64_t>(*pid));
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

// A bind mount's path on the host: the host mount of the same filesystem whose root holds the
// bind's root, plus the rest of the bind's root. nullopt when the filesystem is not mounted on
// the host (the container's own tmpfs, proc or overlay root).
std::optional<std::string> host_path_of(unsigned major, unsigned minor, const std::string& root,
                                        const std::vector<MountInfoEntry>& host_mounts) {
  const MountInfoEntry* best = nullptr;
  for (const MountInfoEntry& host : host_mounts) {
    if (host.major != major || host.minor != minor) continue;
    if (!is_at_or_below(root, host.root)) continue;
    // The most specific root wins; among equal roots the shortest mount point (the one closest
    // to how an administrator names the path, e.g. / rather than a later bind of /).
    if (best == nullptr || host.root.size() > best->root.size() ||
        (host.root.size() == best->root.size() &&
         host.mount_point.size() < best->mount_point.size()))
      best = &host;
  }
  if (best == nullptr) return std::nullopt;
  std::string rest = best->root == "/" ? root : root.substr(best->root.size());
  return normalise_host_path(best->mount_point + "/" + rest);
}

// A runtime's own per-container file or named volume, not a host path the user chose.
bool is_runtime_volume(const std::string& source) {
  for (std::string_view dir : kRuntimeVolumeDirs)
    if (is_at_or_below(source, dir) && source != dir) return true;
  if (source.find(kRootlessVolumeDirs[0]) != std::string::npos) return true;
  // /run/user/UID/containers/...
  if (source.starts_with("/run/user/")) {
    size_t slash = source.find('/', std::string_view("/run/user/").size());
    return slash != std::string::npos &&
           source.compare(slash, kRootlessVolumeDirs[1].size(), kRootlessVolumeDirs[1]) == 0;
  }
  return false;
}

// A deleted bind source shows as "PATH//deleted".
std::string without_deleted_suffix(std::string root) {
  constexpr std::string_view kDeleted = "//deleted";
  if (root.ends_with(kDeleted)) root.resize(root.size() - kDeleted.size());
  return root;
}

// What a container's mount table says about its root filesystem, /proc and host paths.
struct MountFacts {
  bool read_only_root = false;
  std::string root_propagation = "private";
  bool proc_unmasked = false;
  std::vector<HostMount> host_mounts;
  std::vector<VolumeMount> volumes;
};

MountFacts mount_facts(const std::vector<MountInfoEntry>& mounts,
                       const std::vector<MountInfoEntry>& host_mounts) {
  MountFacts facts;
  bool proc_mounted = false;
  bool proc_masked = false;
  for (const MountInfoEntry& mount : mounts) {
    // A mount on a point already mounted hides the earlier one (the host's / bound
    // recursively brings stacked mounts along): only the visible one counts.
    std::erase_if(facts.host_mounts,
                  [&](const HostMount& m) { return m.destination == mount.mount_point; });
    std::erase_if(facts.volumes,
                  [&](const VolumeMount& v) { return v.destination == mount.mount_point; });
    if (mount.mount_point == "/") {
      // Later entries are mounted over earlier ones: the last "/" is what the processes see.
      facts.read_only_root = mount.read_only();
      facts.root_propagation = mount.propagation();
      continue;
    }
    if (mount.mount_point == "/proc" && mount.fs_type == "proc") proc_mounted = true;
    if (std::find(std::begin(kMaskedProcPaths), std::end(kMaskedProcPaths), mount.mount_point) !=
        std::end(kMaskedProcPaths))
      proc_masked = true;
    if (is_standard_pseudo_mount(mount)) continue;
    auto source =
        host_path_of(mount.major, mount.minor, without_deleted_suffix(mount.root), host_mounts);
    if (!source) continue;
    if (std::find(std::begin(kStandardDevices), std::end(kStandardDevices), *source) !=
            std::end(kStandardDevices) ||
        (is_at_or_below(*source, "/dev/pts") &&
         (mount.mount_point == "/dev/console" || is_at_or_below(mount.mount_point, "/dev/pts"))))
      continue;
    bool runtime_volume = is_runtime_volume(*source);
    bool runtime_file =
        std::find(std::begin(kRuntimeProvidedFiles), std::end(kRuntimeProvidedFiles),
                  mount.mount_point) != std::end(kRuntimeProvidedFiles);
    if (runtime_volume || runtime_file) {
      facts.volumes.push_back(VolumeMount{.name = *source,
                                          .destination = mount.mount_point,
                                          .propagation = mount.propagation(),
                                          .where = {}});
      continue;
    }
    facts.host_mounts.push_back(HostMount{.source = *source,
                                          .destination = mount.mount_point,
                                          .read_only = mount.read_only(),
                                          .propagation = mount.propagation(),
                                          .where = {}});
  }
  facts.proc_unmasked = proc_mounted && !proc_masked;
  return facts;
}

// Processes of one (pid, mount) namespace pair.
struct Group {
  uint64_t pid_namespace = 0, mount_namespace = 0;
  std::vector<ProcessSnapshot> processes;  // in pid order
};

// Who made a group: a bulkhead record, another runtime's cgroup, or nobody known.
struct Identity {
  std::string key;  // groups with one key are one container
  std::string object;
};

std::vector<runtime::ContainerRecord> read_bulkhead_records(const HostScanOptions& options) {
  std::vector<std::string> dirs = options.state_root.empty()
                                      ? runtime::observed_state_dirs()
                                      : std::vector<std::string>{options.state_root};
  std::vector<runtime::ContainerRecord> records;
  for (const std::string& dir : dirs) {
    std::vector<runtime::ContainerRecord> found = runtime::read_records(dir);
    records.insert(records.end(), found.begin(), found.end());
  }
  return records;
}

uint64_t record_namespace(const runtime::ContainerRecord& record, const std::string& kind) {
  auto it = record.namespaces.find(kind);
  return it == record.namespaces.end() ? 0 : it->second;
}

// The group's init: pid 1 of its pid namespace when it is in the group (with --pid=host there is
// none), else its first process.
const ProcessSnapshot& init_of(const Group& group) {
  for (const ProcessSnapshot& process : group.processes)
    if (process.namespace_pid == 1) return process;
  return group.processes.front();
}

// A record names a running container only while its init runs: the kernel reuses the inode
// numbers of ended namespaces, so a stale record could otherwise name a stranger.
bool record_is_alive(const runtime::ContainerRecord& record, const std::string& proc_root) {
  if (record.pid <= 0) return false;
  uint64_t started = start_time_of(proc_root, record.pid);
  return started != 0 && (record.pid_start_time == 0 || started == record.pid_start_time);
}

Identity identify(const Group& group, const std::string& proc_root, const HostReference& host,
                  const std::vector<runtime::ContainerRecord>& records) {
  constexpr size_t kShortId = 12;
  uint64_t host_pid = host.namespaces.get("pid");
  uint64_t host_mnt = host.namespaces.get("mnt");
  for (const runtime::ContainerRecord& record : records) {
    if (!record_is_alive(record, proc_root)) continue;
    uint64_t pid_ns = record_namespace(record, "pid");
    uint64_t mnt_ns = record_namespace(record, "mnt");
    bool same =
        (pid_ns != 0 && pid_ns != host_pid && pid_ns == group.pid_namespace) ||
        (mnt_ns != 0 && mnt_ns != host_mnt && mnt_ns == group.mount_namespace) ||
        std::any_of(group.processes.begin(), group.processes.end(), [&](const ProcessSnapshot& p) {
          return record.pid > 0 && p.pid == record.pid;
        });
    if (same)
      return {"bulkhead:" + record.id,
              "container " + record.name + " (" + record.id.substr(0, kShortId) + ")"};
  }
  for (const ProcessSnapshot& process : group.processes) {
    ProcRead cgroup = read_proc_file(proc_root + "/" + std::to_string(process.pid) + "/cgroup");
    if (!cgroup.text) continue;
    if (auto container = capture::container_from_cgroup(*cgroup.text))
      return {"cgroup:" + container->full_id, "container " + container->id};
    break;  // one process's cgroup speaks for the group
  }
  const ProcessSnapshot& init = init_of(group);
  return {"ns:" + std::to_string(group.pid_namespace) + ":" + std::to_string(group.mount_namespace),
          "process " + std::to_string(init.pid) + " (" + init.comm + ")"};
}

// The first readable file `name` of the group's processes, init first.
std::optional<std::pair<std::string, std::string>> read_group_file(const Group& group,
                                                                   const std::string& proc_root,
                                                                   const std::string& name) {
  std::vector<const ProcessSnapshot*> order = {&init_of(group)};
  for (const ProcessSnapshot& process : group.processes)
    if (&process != order.front()) order.push_back(&process);
  for (const ProcessSnapshot* process : order) {
    std::string path = proc_root + "/" + std::to_string(process->pid) + "/" + name;
    ProcRead file = read_proc_file(path);
    if (file.text) return std::make_pair(path, std::move(*file.text));
  }
  return std::nullopt;
}

template <class T>
Located<T> here(T value) {
  return Located<T>{std::move(value), SourceLocation{}};
}

std::optional<Workload> describe_container(const Group& group, const std::string& object,
                                           const std::string& proc_root, const HostReference& host,
                                           std::vector<std::string>& notes) {
  auto mountinfo = read_group_file(group, proc_root, "mountinfo");
  if (!mountinfo) {
    notes.push_back(object + ": exited during the scan (its mount table could not be read)");
    return std::nullopt;
  }
  MountFacts mounts =
      mount_facts(parse_mountinfo(mountinfo->second, mountinfo->first), host.mounts);
  std::vector<IdMapping> uid_map;
  if (auto file = read_group_file(group, proc_root, "uid_map"))
    uid_map = parse_id_map(file->second, file->first);

  Workload workload;
  workload.format = InputFormat::Host;
  workload.object = object;

  // The container's most privileged process decides what it can do: the init may hold
  // capabilities its children dropped (or the other way round, after `exec` of a setuid or
  // file-capability program), and whoever breaks into the container can reach each of its
  // processes (same uid, shared pid namespace). So the union of the effective sets counts,
  // seccomp is off if it is off for any process, and no_new_privs holds only if it holds for all.
  caps::CapSet effective;
  bool any_unconfined = false, all_strict = true, all_no_new_privs = true, any_root = false;
  for (const ProcessSnapshot& process : group.processes) {
    effective = cap_set_from_mask(effective.mask() | process.effective.mask());
    any_unconfined = any_unconfined || process.seccomp_mode == 0;
    all_strict = all_strict && process.seccomp_mode == 1;
    all_no_new_privs = all_no_new_privs && process.no_new_privs;
    // Status shows uids as the host sees them; translate back into the container's view.
    uint64_t uid =
        uid_map.empty() ? process.uid : map_to_inside(uid_map, process.uid).value_or(process.uid);
    any_root = any_root || uid == 0;
  }
  const ProcessSnapshot& init = init_of(group);
  uint64_t init_uid =
      uid_map.empty() ? init.uid : map_to_inside(uid_map, init.uid).value_or(init.uid);

  workload.capabilities.effective_set = here(effective);
  workload.seccomp = here(std::string(any_unconfined ? "unconfined"
                                      : all_strict   ? "strict"
                                                     : "filter"));
  workload.no_new_privileges = here(all_no_new_privs);
  workload.user = here(std::to_string(any_root ? 0 : init_uid));

  auto shares = [&](const std::string& kind) {
    uint64_t mine = init.namespaces.get(kind);
    return here(mine != 0 && mine == host.namespaces.get(kind));
  };
  workload.host_namespaces.pid = shares("pid");
  workload.host_namespaces.ipc = shares("ipc");
  workload.host_namespaces.uts = shares("uts");
  workload.host_namespaces.network = shares("net");
  // A user namespace whose root is root on the host protects nothing: for the checks it is the
  // host's user namespace (root in the container can do what root on the host can, within its
  // capabilities).
  bool root_is_host_root = !uid_map.empty() && map_to_outside(uid_map, 0) == uint64_t{0};
  workload.host_namespaces.user = here(shares("user").value || root_is_host_root);

  workload.read_only_rootfs = here(mounts.read_only_root);
  workload.rootfs_propagation = here(mounts.root_propagation);
  workload.proc_unmasked = here(mounts.proc_unmasked);
  workload.host_mounts = std::move(mounts.host_mounts);
  workload.volumes = std::move(mounts.volumes);
  // Privileged (docker --privileged): everything the host could grant, no seccomp, /proc as the
  // host sees it. Any one missing means someone hardened it, and the individual checks say what
  // is left.
  workload.privileged =
      here(includes(effective, host.bounding) && any_unconfined && mounts.proc_unmasked);
  return workload;
}

}  // namespace

HostScan scan_host(const HostScanOptions& options) {
  HostScan scan;
  HostReference host = read_host_reference(options.proc_root, scan.notes);
  uint64_t host_pid = host.namespaces.get("pid");
  uint64_t host_mnt = host.namespaces.get("mnt");

  Skipped skipped;
  std::map<std::pair<uint64_t, uint64_t>, Group> groups;
  for (int64_t pid : list_pids(options.proc_root)) {
    std::optional<ProcessSnapshot> process = read_process(options.proc_root, pid, skipped);
    if (!process) continue;
    uint64_t pid_ns = process->namespaces.get("pid");
    uint64_t mnt_ns = process->namespaces.get("mnt");
    if (pid_ns == host_pid && mnt_ns == host_mnt) continue;  // the host itself
    Group& group = groups[{pid_ns, mnt_ns}];
    group.pid_namespace = pid_ns;
    group.mount_namespace = mnt_ns;
    group.processes.push_back(std::move(*process));
  }

  std::vector<runtime::ContainerRecord> records =
      groups.empty() ? std::vector<runtime::ContainerRecord>{} : read_bulkhead_records(options);

  // Groups that belong to one container (a process that made itself a mount namespace inside
  // the container) are merged, in order of their first pid.
  std::vector<Group*> ordered;
  for (auto& [key, group] : groups) ordered.push_back(&group);
  std::sort(ordered.begin(), ordered.end(), [](const Group* a, const Group* b) {
    return a->processes.front().pid < b->processes.front().pid;
  });
  std::vector<std::pair<Identity, Group>> containers;
  std::vector<int64_t> host_services;
  for (Group* group : ordered) {
    Identity identity = identify(*group, options.proc_root, host, records);
    // The host's pid namespace with a mount namespace of its own, and no runtime claims it:
    // a host service sandboxed by systemd (PrivateTmp, ProtectSystem) or a tool like unshare,
    // not a container. Reporting it would flag every such daemon as sharing the host's pids.
    if (identity.key.starts_with("ns:") && group->pid_namespace == host_pid) {
      host_services.push_back(init_of(*group).pid);
      continue;
    }
    auto same = std::find_if(containers.begin(), containers.end(),
                             [&](const auto& entry) { return entry.first.key == identity.key; });
    if (same == containers.end()) {
      containers.emplace_back(std::move(identity), std::move(*group));
    } else {
      auto& into = same->second.processes;
      into.insert(into.end(), group->processes.begin(), group->processes.end());
      std::sort(into.begin(), into.end(),
                [](const ProcessSnapshot& a, const ProcessSnapshot& b) { return a.pid < b.pid; });
    }
  }
  for (const auto& [identity, group] : containers) {
    if (auto workload =
            describe_container(group, identity.object, options.proc_root, host, scan.notes))
      scan.workloads.push_back(std::move(*workload));
  }

  if (!host_services.empty())
    scan.notes.push_back(
        "host processes with a private mount namespace that no container runtime claims (not "
        "reported as containers): " +
        pid_list(host_services));
  if (!skipped.exited.empty())
    scan.notes.push_back("processes that exited during the scan (skipped): " +
                         pid_list(skipped.exited));
  for (auto& [reason, pids] : skipped.unreadable) {
    // PID 1's namespaces were already the subject of a note.
    if (host.pid1_unreadable) std::erase(pids, 1);
    if (!pids.empty())
      scan.notes.push_back("processes that could not be read (" + reason + "): " + pid_list(pids));
  }
  return scan;
}

}  // namespace bulkhead::audit
