#include "runtime/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"

namespace bulkhead::runtime {

namespace {

// Every container cgroup sits in one directory of this name below the caller's cgroup, so the
// caller's own cgroup is not crowded and an administrator sees at once what belongs to Bulkhead.
constexpr const char* kParentName = "bulkhead";
// Processes need a moment to exit after SIGKILL; removal waits up to attempts × interval.
constexpr int kRemoveAttempts = 300;
constexpr auto kRemoveInterval = std::chrono::milliseconds(10);
constexpr int kKillRounds = 50;
constexpr uint64_t kDefaultCpuPeriod = 100000;  // µs, the kernel's default
constexpr int64_t kMinCpuShares = 2;
constexpr int64_t kMaxCpuShares = 262144;
// A v1 "unlimited" memory limit reads back as PAGE_COUNTER_MAX pages: far above this.
constexpr uint64_t kUnlimitedMemoryFloor = uint64_t{1} << 62;

// The controllers a v1 mount's super options can name (the rest are mount flags).
const std::set<std::string, std::less<>> kV1Controllers = {
    "cpuset",  "cpu",        "cpuacct",  "blkio",   "io",   "memory", "devices", "freezer",
    "net_cls", "perf_event", "net_prio", "hugetlb", "pids", "rdma",   "misc"};

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mountinfo(std::string_view field) {
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && octal(field[i + 1]) && octal(field[i + 2]) &&
        octal(field[i + 3])) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                               (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (start < line.size()) {
    size_t end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    if (end > start) fields.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return fields;
}

std::vector<std::string> controller_list(std::string_view comma_separated) {
  std::vector<std::string> out;
  for (auto& item : split(comma_separated, ',')) {
    if (kV1Controllers.contains(item)) out.push_back(item);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<int64_t> parse_int64(std::string_view text) {
  text = trim(text);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<uint64_t> parse_decimal(std::string_view text) {
  text = trim(text);
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

void write_cgroup_file(const std::string& path, std::string_view value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw_errno("cannot open " + path);
  while (true) {
    ssize_t n = ::write(fd.get(), value.data(), value.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("cannot write '" + std::string(value) + "' to " + path);
    if (static_cast<size_t>(n) != value.size())
      throw Error("short write of '" + std::string(value) + "' to " + path);
    return;
  }
}

std::set<std::string> read_word_set(const std::string& path) {
  std::set<std::string> words;
  for (auto word : split_spaces(trim(read_file(path)))) {
    std::string w(trim(word));
    if (!w.empty()) words.insert(w);
  }
  return words;
}

std::vector<pid_t> read_procs(const std::string& dir) {
  std::vector<pid_t> pids;
  for (const auto& line : split(read_file(dir + "/cgroup.procs"), '\n')) {
    if (auto pid = parse_int64(line); pid && *pid > 0) pids.push_back(static_cast<pid_t>(*pid));
  }
  return pids;
}

bool writable(const std::string& dir, std::string& why_not) {
  if (::access(dir.c_str(), W_OK) == 0) return true;
  why_not = dir + " is not writable (" + std::strerror(errno) + ")";
  return false;
}

// mkdir that accepts an existing directory.
void ensure_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    throw_errno("cannot create cgroup " + path);
}

void create_leaf(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0) {
    if (errno == EEXIST)
      throw Error("cgroup " + path + " already exists: another container has this id");
    throw_errno("cannot create cgroup " + path);
  }
}

// Enables `controller` for the children of `dir` unless it already is.
void enable_for_children(const std::string& dir, const std::string& controller) {
  if (read_word_set(dir + "/cgroup.subtree_control").contains(controller)) return;
  write_cgroup_file(dir + "/cgroup.subtree_control", "+" + controller);
}

// What the limits that need `controller` are called in the spec, for error messages.
std::string limit_description(const std::string& controller, const spec::Resources& r) {
  std::vector<std::string> fields;
  if (controller == "memory") {
    if (r.memory_limit) fields.push_back("linux.resources.memory.limit");
    if (r.memory_swap) fields.push_back("linux.resources.memory.swap");
  } else if (controller == "pids") {
    fields.push_back("linux.resources.pids.limit");
  } else if (controller == "cpu") {
    if (r.cpu_quota) fields.push_back("linux.resources.cpu.quota");
    if (r.cpu_period) fields.push_back("linux.resources.cpu.period");
    if (r.cpu_shares) fields.push_back("linux.resources.cpu.shares");
  }
  return "the " + controller + " limit (" + bulkhead::join(fields, ", ") + ")";
}

const ProcCgroup* find_unified(const std::vector<ProcCgroup>& own) {
  for (const auto& entry : own)
    if (entry.unified) return &entry;
  return nullptr;
}

const ProcCgroup* find_v1(const std::vector<ProcCgroup>& own,
                          const std::vector<std::string>& controllers) {
  for (const auto& entry : own)
    if (!entry.unified && entry.controllers == controllers) return &entry;
  return nullptr;
}

// Where a container's cgroup may go in a hierarchy, best first: below the caller's own cgroup
// (it stays within the caller's limits and accounting, and a delegated subtree suffices), then
// the hierarchy's root (where a root-owned runtime goes when its own cgroup cannot pass
// controllers down, e.g. a systemd session scope that holds processes).
std::vector<std::string> base_candidates(const CgroupMount& mount, const std::string& own_path) {
  std::vector<std::string> bases = {cgroup_directory(mount, own_path)};
  if (bases.front() != mount.mount_point) bases.push_back(mount.mount_point);
  return bases;
}

std::string joined_or(const std::set<std::string>& words, const std::string& none) {
  return words.empty() ? none
                       : bulkhead::join(std::vector<std::string>(words.begin(), words.end()), " ");
}

bool contains_pid(const std::vector<pid_t>& pids, pid_t pid) {
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

// SIGKILLs everything in the cgroup. Without cgroup.kill (v1, kernels before 5.14) the pids
// are read and signalled through pidfds, and a pid is signalled only if it is still in the
// cgroup after its pidfd was opened: a pid reused by an unrelated process is never hit.
void kill_all(const std::string& dir) {
  if (::access((dir + "/cgroup.kill").c_str(), F_OK) == 0) {
    write_cgroup_file(dir + "/cgroup.kill", "1");
    return;
  }
  for (int round = 0; round < kKillRounds; ++round) {
    auto pids = read_procs(dir);
    if (pids.empty()) return;
    std::vector<std::pair<pid_t, UniqueFd>> opened;
    for (pid_t pid : pids) {
      UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
      if (pidfd) opened.emplace_back(pid, std::move(pidfd));
    }
    auto still_there = read_procs(dir);
    for (auto& [pid, pidfd] : opened) {
      if (!contains_pid(still_there, pid)) continue;
      if (::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0) != 0 && errno != ESRCH)
        throw_errno("cannot kill process " + std::to_string(pid) + " in cgroup " + dir);
    }
    std::this_thread::sleep_for(kRemoveInterval);
  }
}

void remove_directory_when_empty(const std::string& dir) {
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY || attempt + 1 >= kRemoveAttempts)
      throw_errno("cannot remove cgroup " + dir);
    // Killed processes are still exiting; a process that forked meanwhile is killed again.
    if (attempt % 20 == 19) kill_all(dir);
    std::this_thread::sleep_for(kRemoveInterval);
  }
}

}  // namespace

// ---- parsing ----

const CgroupMount* CgroupMounts::v1_for(std::string_view controller) const {
  for (const auto& mount : v1) {
    if (std::find(mount.controllers.begin(), mount.controllers.end(), controller) !=
        mount.controllers.end())
      return &mount;
  }
  return nullptr;
}

CgroupMounts parse_cgroup_mounts(std::string_view mountinfo) {
  CgroupMounts mounts;
  for (const auto& line : split(mountinfo, '\n')) {
    auto fields = split_spaces(line);
    // id parent major:minor root mount-point options [optional…] - fstype source super-options
    auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 5 || dash == fields.end() || fields.end() - dash < 4) continue;
    std::string_view fstype = dash[1];
    CgroupMount mount{unescape_mountinfo(fields[4]), unescape_mountinfo(fields[3]), {}};
    if (fstype == "cgroup2") {
      // Hybrid hosts may mount v2 more than once; the canonical place wins.
      if (!mounts.unified || (mount.mount_point == "/sys/fs/cgroup" &&
                              mounts.unified->mount_point != "/sys/fs/cgroup"))
        mounts.unified = std::move(mount);
    } else if (fstype == "cgroup") {
      mount.controllers = controller_list(dash[3]);
      if (mount.controllers.empty()) continue;  // name=systemd and the like
      bool seen = std::any_of(mounts.v1.begin(), mounts.v1.end(), [&](const CgroupMount& m) {
        return m.controllers == mount.controllers;
      });
      if (!seen) mounts.v1.push_back(std::move(mount));  // a bind mount of the same hierarchy
    }
  }
  return mounts;
}

std::vector<ProcCgroup> parse_proc_cgroup(std::string_view text) {
  std::vector<ProcCgroup> entries;
  for (const auto& line : split(text, '\n')) {
    size_t first = line.find(':');
    if (first == std::string::npos) continue;
    size_t second = line.find(':', first + 1);
    if (second == std::string::npos) continue;
    std::string_view id = std::string_view(line).substr(0, first);
    std::string_view controllers = std::string_view(line).substr(first + 1, second - first - 1);
    ProcCgroup entry;
    entry.unified = id == "0" && controllers.empty();
    entry.controllers = controller_list(controllers);
    entry.path = line.substr(second + 1);
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string cgroup_directory(const CgroupMount& mount, const std::string& proc_path) {
  std::string root = mount.root;
  if (root.size() > 1 && root.back() == '/') root.pop_back();
  std::string below;
  if (root == "/") {
    below = proc_path == "/" ? "" : proc_path;
  } else if (proc_path.starts_with(root) &&
             (proc_path.size() == root.size() || proc_path[root.size()] == '/')) {
    below = proc_path.substr(root.size());
  }
  return mount.mount_point + below;
}

std::vector<std::string> controllers_for(const spec::Resources& r) {
  std::vector<std::string> out;
  if (r.memory_limit || r.memory_swap) out.push_back("memory");
  if (r.pids_limit) out.push_back("pids");
  if (r.cpu_quota || r.cpu_period || r.cpu_shares) out.push_back("cpu");
  return out;
}

uint64_t cpu_shares_to_weight(uint64_t shares) {
  if (shares < kMinCpuShares) shares = kMinCpuShares;
  if (shares > kMaxCpuShares) shares = kMaxCpuShares;
  return 1 + ((shares - 2) * 9999) / 262142;
}

std::vector<CgroupWrite> limit_writes(CgroupVersion version, std::string_view controller,
                                      const spec::Resources& r) {
  const bool v2 = version == CgroupVersion::V2;
  std::vector<CgroupWrite> writes;
  auto bad = [](const std::string& field, const std::string& message) {
    return Error("linux.resources." + field + ": " + message);
  };
  if (controller == "memory") {
    if (r.memory_limit && *r.memory_limit <= 0 && *r.memory_limit != -1)
      throw bad("memory.limit", "must be a positive number of bytes or -1 (unlimited), not " +
                                    std::to_string(*r.memory_limit));
    if (r.memory_swap && *r.memory_swap != -1) {
      if (*r.memory_swap <= 0)
        throw bad("memory.swap", "must be a positive number of bytes or -1 (unlimited), not " +
                                     std::to_string(*r.memory_swap));
      // The spec's swap is memory plus swap, so it only means something next to a limit.
      if (!r.memory_limit || *r.memory_limit == -1)
        throw bad("memory.swap", "is memory plus swap and needs memory.limit to be set");
      if (*r.memory_swap < *r.memory_limit)
        throw bad("memory.swap", "(memory plus swap, " + std::to_string(*r.memory_swap) +
                                     ") is below memory.limit (" + std::to_string(*r.memory_limit) +
                                     ")");
    }
    if (r.memory_limit) {
      bool unlimited = *r.memory_limit == -1;
      writes.push_back({v2 ? "memory.max" : "memory.limit_in_bytes",
                        unlimited ? (v2 ? "max" : "-1") : std::to_string(*r.memory_limit)});
    }
    if (r.memory_swap) {
      bool unlimited = *r.memory_swap == -1;
      if (v2) {
        writes.push_back({"memory.swap.max",
                          unlimited ? "max" : std::to_string(*r.memory_swap - *r.memory_limit)});
      } else {
        writes.push_back(
            {"memory.memsw.limit_in_bytes", unlimited ? "-1" : std::to_string(*r.memory_swap)});
      }
    }
  } else if (controller == "pids") {
    if (r.pids_limit) {
      if (*r.pids_limit < -1)
        throw bad("pids.limit",
                  "must be 0 or more, or -1 (unlimited), not " + std::to_string(*r.pids_limit));
      writes.push_back({"pids.max", *r.pids_limit == -1 ? "max" : std::to_string(*r.pids_limit)});
    }
  } else if (controller == "cpu") {
    if (r.cpu_quota && *r.cpu_quota <= 0 && *r.cpu_quota != -1)
      throw bad("cpu.quota", "must be a positive number of microseconds or -1 (unlimited), not " +
                                 std::to_string(*r.cpu_quota));
    if (r.cpu_period && *r.cpu_period == 0)
      throw bad("cpu.period", "must be a positive number of microseconds");
    if (r.cpu_shares && (*r.cpu_shares < static_cast<uint64_t>(kMinCpuShares) ||
                         *r.cpu_shares > static_cast<uint64_t>(kMaxCpuShares)))
      throw bad("cpu.shares", "must be between 2 and 262144, not " + std::to_string(*r.cpu_shares));
    if (v2) {
      if (r.cpu_quota || r.cpu_period) {
        std::string quota =
            r.cpu_quota && *r.cpu_quota != -1 ? std::to_string(*r.cpu_quota) : "max";
        writes.push_back(
            {"cpu.max", quota + " " + std::to_string(r.cpu_period.value_or(kDefaultCpuPeriod))});
      }
      if (r.cpu_shares)
        writes.push_back({"cpu.weight", std::to_string(cpu_shares_to_weight(*r.cpu_shares))});
    } else {
      // The period first: the kernel checks a quota against the period in force.
      if (r.cpu_period) writes.push_back({"cpu.cfs_period_us", std::to_string(*r.cpu_period)});
      if (r.cpu_quota) writes.push_back({"cpu.cfs_quota_us", std::to_string(*r.cpu_quota)});
      if (r.cpu_shares) writes.push_back({"cpu.shares", std::to_string(*r.cpu_shares)});
    }
  } else {
    throw Error("no cgroup limits are known for the controller '" + std::string(controller) + "'");
  }
  return writes;
}

bool cgroup_value_matches(std::string_view file, std::string_view written,
                          std::string_view read_back, uint64_t page_size) {
  written = trim(written);
  read_back = trim(read_back);
  if (file.starts_with("memory.")) {
    if (written == "max" || written == "-1") {
      if (read_back == "max") return true;
      auto value = parse_decimal(read_back);
      return value && *value >= kUnlimitedMemoryFloor;
    }
    auto want = parse_decimal(written);
    auto got = parse_decimal(read_back);
    if (!want || !got || page_size == 0) return false;
    return *got == *want / page_size * page_size;
  }
  return written == read_back;
}

// ---- Cgroup ----

Cgroup Cgroup::create(const std::string& id, const spec::Resources& resources) {
  if (id.empty() || id.find('/') != std::string::npos || id == "." || id == "..")
    throw Error("'" + id + "' cannot name a cgroup");
  const std::vector<std::string> needed = controllers_for(resources);
  // Check every value before anything is made.
  for (const auto& controller : needed) {
    limit_writes(CgroupVersion::V1, controller, resources);
    limit_writes(CgroupVersion::V2, controller, resources);
  }

  const CgroupMounts mounts = parse_cgroup_mounts(read_file("/proc/self/mountinfo"));
  const std::vector<ProcCgroup> own = parse_proc_cgroup(read_file("/proc/self/cgroup"));

  Cgroup cgroup;  // owns each directory as soon as it exists, so a throw removes it again
  struct Placement {
    std::string dir;
    CgroupVersion version;
  };
  std::map<std::string, Placement> placed;                // controller → where its limits go
  std::map<std::string, std::vector<std::string>> found;  // controller → why not there

  auto note_all = [&](const std::vector<std::string>& controllers, const std::string& what) {
    for (const auto& c : controllers)
      if (!placed.contains(c)) found[c].push_back(what);
  };

  // cgroup v2: the whole container in one cgroup, with every controller v2 offers.
  if (!mounts.unified) {
    note_all(needed, "no cgroup v2 is mounted");
  } else {
    const ProcCgroup* self = find_unified(own);
    const auto bases = base_candidates(*mounts.unified, self ? self->path : "/");
    const auto offered_at_root = read_word_set(mounts.unified->mount_point + "/cgroup.controllers");
    for (size_t i = 0; i < bases.size(); ++i) {
      const std::string& base = bases[i];
      const bool last = i + 1 == bases.size();
      std::string why_not;
      if (!writable(base, why_not)) {
        note_all(needed, "cgroup v2: " + why_not);
        continue;
      }
      const auto offered = read_word_set(base + "/cgroup.controllers");
      std::vector<std::string> use;
      for (const auto& c : needed) {
        if (offered.contains(c)) {
          use.push_back(c);
        } else {
          found[c].push_back("cgroup v2 at " + base + " offers " +
                             joined_or(offered, "no controllers"));
        }
      }
      // Controllers reach a child only through every parent's cgroup.subtree_control; the
      // kernel refuses to enable one where the parent itself holds processes (except the
      // root), which leaves that controller to v1 or to the error below.
      auto enable = [&](const std::string& dir) {
        std::vector<std::string> enabled;
        for (const auto& c : use) {
          try {
            enable_for_children(dir, c);
            enabled.push_back(c);
          } catch (const Error& e) {
            found[c].push_back("cgroup v2: " + std::string(e.what()));
          }
        }
        use = std::move(enabled);
      };
      enable(base);
      const bool complete = std::all_of(needed.begin(), needed.end(), [&](const std::string& c) {
        return !offered_at_root.contains(c) || std::find(use.begin(), use.end(), c) != use.end();
      });
      if (!complete && !last) continue;  // the hierarchy's root can give more
      const std::string parent = base + "/" + kParentName;
      const std::string leaf = parent + "/" + id;
      try {
        ensure_directory(parent);
        enable(parent);
        create_leaf(leaf);
        cgroup.dirs_.push_back({leaf, parent, /*unified=*/true});
        for (const auto& c : use) placed[c] = {leaf, CgroupVersion::V2};
        break;
      } catch (const SystemError& e) {
        // Without limits that need it the v2 cgroup is a convenience, so this is not an error.
        note_all(needed, "cgroup v2: " + std::string(e.what()));
      }
    }
  }

  // cgroup v1 for what v2 cannot take. Controllers co-mounted in one hierarchy (cpu,cpuacct)
  // share one directory.
  std::map<std::string, std::string> made_in_mount;  // mount point → leaf
  std::vector<std::string> missing;
  for (const auto& c : needed) {
    if (placed.contains(c)) continue;
    const CgroupMount* mount = mounts.v1_for(c);
    if (!mount) {
      found[c].push_back("no cgroup v1 hierarchy has it");
      missing.push_back(c);
      continue;
    }
    if (auto it = made_in_mount.find(mount->mount_point); it != made_in_mount.end()) {
      placed[c] = {it->second, CgroupVersion::V1};
      continue;
    }
    const ProcCgroup* self = find_v1(own, mount->controllers);
    for (const auto& base : base_candidates(*mount, self ? self->path : "/")) {
      std::string why_not;
      if (!writable(base, why_not)) {
        found[c].push_back("cgroup v1 " + c + " hierarchy: " + why_not);
        continue;
      }
      const std::string parent = base + "/" + kParentName;
      const std::string leaf = parent + "/" + id;
      try {
        ensure_directory(parent);
      } catch (const SystemError& e) {
        found[c].push_back("cgroup v1 " + c + " hierarchy: " + e.what());
        continue;
      }
      create_leaf(leaf);
      cgroup.dirs_.push_back({leaf, parent});
      made_in_mount[mount->mount_point] = leaf;
      placed[c] = {leaf, CgroupVersion::V1};
      break;
    }
    if (!placed.contains(c)) missing.push_back(c);
  }

  if (!missing.empty()) {
    std::vector<std::string> problems;
    for (const auto& c : missing) {
      problems.push_back("cannot apply " + limit_description(c, resources) +
                         ": no writable cgroup hierarchy offers the " + c + " controller (" +
                         bulkhead::join(found[c], "; ") + ")");
    }
    throw Error(bulkhead::join(problems, "; "));
  }

  const uint64_t page_size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  for (const auto& c : needed) {
    const Placement& where = placed.at(c);
    for (const auto& write : limit_writes(where.version, c, resources)) {
      const std::string path = where.dir + "/" + write.file;
      try {
        if (::access(path.c_str(), F_OK) != 0)
          throw Error(path + " does not exist (the kernel does not offer this limit here; " +
                      "swap limits need swap accounting)");
        write_cgroup_file(path, write.value);
        const std::string read_back(trim(read_file(path)));
        if (!cgroup_value_matches(write.file, write.value, read_back, page_size))
          throw Error("wrote '" + write.value + "' to " + path + " but the kernel reports '" +
                      read_back + "'");
      } catch (const Error& e) {
        throw Error("cannot apply " + limit_description(c, resources) + ": " + e.what());
      }
    }
  }
  return cgroup;
}

Cgroup::Cgroup(Cgroup&& other) noexcept : dirs_(std::exchange(other.dirs_, {})) {}

Cgroup& Cgroup::operator=(Cgroup&& other) noexcept {
  if (this != &other) {
    try {
      remove();
    } catch (...) {
      // Nothing can report it here; remove() is there for callers who need to know.
    }
    dirs_ = std::exchange(other.dirs_, {});
  }
  return *this;
}

Cgroup::~Cgroup() {
  try {
    remove();
  } catch (...) {
    // A destructor cannot report it; callers who need to know call remove() first.
  }
}

void Cgroup::add_process(pid_t pid, bool born_in_unified) {
  for (const auto& dir : dirs_) {
    if (dir.unified && born_in_unified) continue;
    write_cgroup_file(dir.path + "/cgroup.procs", std::to_string(pid));
  }
}

std::optional<std::string> Cgroup::unified_path() const {
  for (const auto& dir : dirs_)
    if (dir.unified) return dir.path;
  return std::nullopt;
}

std::vector<std::string> Cgroup::paths() const {
  std::vector<std::string> out;
  for (const auto& dir : dirs_) out.push_back(dir.path);
  return out;
}

void Cgroup::join(const std::vector<std::string>& paths, pid_t pid) {
  for (const auto& path : paths) {
    if (!path.starts_with("/")) throw Error("cgroup path '" + path + "' is not absolute");
    write_cgroup_file(path + "/cgroup.procs", std::to_string(pid));
  }
}

void Cgroup::remove() {
  std::optional<Error> first_error;
  for (const auto& dir : dirs_) {
    try {
      if (::access(dir.path.c_str(), F_OK) == 0) kill_all(dir.path);
    } catch (const Error& e) {
      if (!first_error) first_error = e;
    }
  }
  std::vector<Dir> left;
  for (auto& dir : dirs_) {
    try {
      remove_directory_when_empty(dir.path);
    } catch (const Error& e) {
      if (!first_error) first_error = e;
      left.push_back(std::move(dir));
      continue;
    }
    // Other containers' cgroups may still be in the parent: then it stays.
    ::rmdir(dir.parent.c_str());
  }
  dirs_ = std::move(left);
  if (first_error) throw *first_error;
}

}  // namespace bulkhead::runtime
