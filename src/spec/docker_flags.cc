#include "spec/docker_flags.h"

#include <algorithm>
#include <array>
#include <limits>
#include <set>

#include "base/error.h"
#include "base/strings.h"
#include "caps/capabilities.h"
#include "mac/landlock.h"
#include "seccomp/default_profile.h"
#include "seccomp/flatten.h"

namespace bulkhead::spec {

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr uint64_t kRlimInfinity = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kCpuPeriod = 100000;  // µs, Docker's (and the kernel's) default period
constexpr uint32_t kTtyGid = 5;          // the conventional "tty" group devpts uses

[[nodiscard]] Error flag_error(std::string_view flag, const std::string& message) {
  return Error(std::string(flag) + ": " + message);
}

std::string in_quotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// Decimal digits only: "1000" → 1000. A user must not be able to slip a name or "-1" through.
std::optional<uint32_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  // 4294967295 is (uid_t)-1, which the kernel reads as "no change" in set*id calls.
  if (n >= std::numeric_limits<uint32_t>::max()) return std::nullopt;
  return static_cast<uint32_t>(n);
}

std::optional<int64_t> parse_int64(std::string_view text) {
  bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty() || text.size() > 19) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  auto n = parse_uint64(text);
  if (!n || *n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return negative ? -static_cast<int64_t>(*n) : static_cast<int64_t>(*n);
}

// An absolute path without "." / ".." components or repeated slashes, as runc would see it
// after cleaning; ".." is refused rather than resolved, since it can only be a mistake here.
std::string clean_absolute_path(std::string_view flag, std::string_view path,
                                std::string_view what) {
  if (path.empty() || path.front() != '/')
    throw flag_error(flag, std::string(what) + " must be an absolute path, got " + in_quotes(path));
  std::string out;
  for (const auto& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..")
      throw flag_error(flag, std::string(what) + " must not contain \"..\": " + in_quotes(path));
    out += "/" + part;
  }
  return out.empty() ? "/" : out;
}

bool is_under(std::string_view path, std::string_view dir) {
  return path == dir ||
         (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string v = to_lower(text);
  if (v == "true" || v == "1" || v == "t") return true;
  if (v == "false" || v == "0" || v == "f") return false;
  return std::nullopt;
}

// ---- environment ------------------------------------------------------------------------

void set_env(std::vector<std::string>& env, const std::string& entry) {
  std::string key = entry.substr(0, entry.find('='));
  for (auto& existing : env)
    if (existing.substr(0, existing.find('=')) == key) {
      existing = entry;
      return;
    }
  env.push_back(entry);
}

// "KEY=value" as given; "KEY" takes the host's value, or nothing when the host has none.
// `fail` builds the error for a bad entry (the flag, or the file and line).
template <typename Fail>
void add_env_entry(std::vector<std::string>& env, std::string_view entry, const HostFacts& host,
                   Fail fail) {
  auto eq = entry.find('=');
  std::string key(entry.substr(0, eq));
  if (key.empty()) throw fail("empty variable name in " + in_quotes(entry));
  if (key.find_first_of(" \t") != std::string::npos)
    throw fail("variable name " + in_quotes(key) + " contains whitespace");
  if (eq != std::string_view::npos) {
    set_env(env, std::string(entry));
    return;
  }
  auto it = host.environment.find(key);
  if (it != host.environment.end()) set_env(env, key + "=" + it->second);
}

void add_env_file(std::vector<std::string>& env, const std::string& path, const HostFacts& host) {
  std::string text = read_file(path);
  auto lines = split(text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // Docker trims leading whitespace only: a value keeps its trailing spaces.
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    int line_no = static_cast<int>(i + 1);
    add_env_entry(env, std::string_view(line).substr(start), host, [&](const std::string& msg) {
      return Error(SourceLocation{path, line_no, static_cast<int>(start + 1)}, "--env-file", msg);
    });
  }
}

std::vector<std::string> build_env(const RunFlags& flags, const HostFacts& host) {
  std::vector<std::string> env{std::string("PATH=") + kDefaultPath};
  if (!flags.hostname.empty()) env.push_back("HOSTNAME=" + flags.hostname);
  if (flags.tty) env.push_back("TERM=xterm");
  for (const auto& file : flags.env_files) add_env_file(env, file, host);
  for (const auto& entry : flags.env)
    add_env_entry(env, entry, host,
                  [](const std::string& msg) { return flag_error("--env", msg); });
  return env;
}

// ---- capabilities -----------------------------------------------------------------------

// Every name of every occurrence; "ALL" is reported separately.
struct CapList {
  caps::CapSet caps;
  bool all = false;
};

CapList read_cap_flags(std::string_view flag, const std::vector<std::string>& values) {
  CapList out;
  for (const auto& value : values)
    for (const auto& item : split(value, ',')) {
      auto name = trim(item);
      if (name.empty()) continue;
      if (to_upper(name) == "ALL") {
        out.all = true;
        continue;
      }
      auto cap = caps::cap_from_name(name);
      if (!cap) throw flag_error(flag, "unknown capability " + in_quotes(name));
      out.caps.add(*cap);
    }
  return out;
}

caps::CapSet container_caps(const RunFlags& flags, const caps::CapSet& available) {
  // Parse both lists even under --privileged so a typo is still an error.
  CapList add = read_cap_flags("--cap-add", flags.cap_add);
  CapList drop = read_cap_flags("--cap-drop", flags.cap_drop);
  caps::CapSet all;
  for (int c = 0; c <= caps::kLastCap; ++c) {
    if (available.has(c)) all.add(c);
  }
  for (int c = 0; c <= caps::kLastCap; ++c) {
    if (add.caps.has(c) && !available.has(c)) {
      throw flag_error("--cap-add", caps::cap_name(c) +
                                        " is not in bulkhead's own bounding set, so no process "
                                        "it starts can have it");
    }
  }
  if (flags.privileged) return all;
  caps::CapSet result;
  auto minus = [](caps::CapSet set, const caps::CapSet& removed) {
    for (int c = 0; c <= caps::kLastCap; ++c)
      if (removed.has(c)) set.remove(c);
    return set;
  };
  auto plus = [](caps::CapSet set, const caps::CapSet& added) {
    for (int c = 0; c <= caps::kLastCap; ++c)
      if (added.has(c)) set.add(c);
    return set;
  };
  if (add.all) return minus(all, drop.caps);
  if (drop.all) return add.caps;
  // The default set, less anything the caller itself lacks (fewer is only stricter).
  caps::CapSet defaults;
  for (int c = 0; c <= caps::kLastCap; ++c) {
    if (caps::default_container_caps().has(c) && available.has(c)) defaults.add(c);
  }
  return plus(minus(defaults, drop.caps), add.caps);
}

// ---- security options -------------------------------------------------------------------

struct SecurityOpts {
  std::optional<bool> no_new_privileges;
  bool seccomp_unconfined = false;
  std::string seccomp_file;  // "" = the default profile
  std::optional<std::string> apparmor;
  bool label_disable = false;
  std::optional<std::string> label_user, label_role, label_type, label_level;
  std::string landlock_file;  // "" = none
};

SecurityOpts read_security_opts(const std::vector<std::string>& values) {
  constexpr std::string_view kFlag = "--security-opt";
  SecurityOpts out;
  for (const auto& opt : values) {
    // Docker splits at the first "=", and falls back to ":" (the old spelling).
    auto sep = opt.find('=');
    if (sep == std::string::npos) sep = opt.find(':');
    std::string key = opt.substr(0, sep);
    std::optional<std::string> value;
    if (sep != std::string::npos) value = opt.substr(sep + 1);
    auto need_value = [&](std::string_view example) -> const std::string& {
      if (!value || value->empty())
        throw flag_error(kFlag, in_quotes(key) + " needs a value (" + std::string(example) + ")");
      return *value;
    };
    if (key == "no-new-privileges") {
      if (!value) {
        out.no_new_privileges = true;
        continue;
      }
      auto b = parse_bool(*value);
      if (!b)
        throw flag_error(kFlag, "no-new-privileges takes true or false, got " + in_quotes(*value));
      out.no_new_privileges = *b;
    } else if (key == "seccomp") {
      const auto& v = need_value("seccomp=unconfined or seccomp=FILE");
      out.seccomp_unconfined = v == "unconfined";
      out.seccomp_file = out.seccomp_unconfined ? "" : v;
    } else if (key == "apparmor") {
      const auto& v = need_value("apparmor=PROFILE or apparmor=unconfined");
      out.apparmor = v == "unconfined" ? "" : v;
    } else if (key == "label") {
      const auto& v = need_value("label=disable, label=user:USER, label=type:TYPE, …");
      if (v == "disable") {
        out.label_disable = true;
        continue;
      }
      auto colon = v.find(':');
      std::string part = v.substr(0, colon);
      std::string part_value = colon == std::string::npos ? "" : v.substr(colon + 1);
      if (colon == std::string::npos || part_value.empty())
        throw flag_error(kFlag, "label option " + in_quotes(v) +
                                    " needs a value (label=user:USER, role:ROLE, type:TYPE, "
                                    "level:LEVEL or disable)");
      if (part == "user")
        out.label_user = part_value;
      else if (part == "role")
        out.label_role = part_value;
      else if (part == "type")
        out.label_type = part_value;
      else if (part == "level")
        out.label_level = part_value;
      else
        throw flag_error(kFlag, "unknown label option " + in_quotes(v) +
                                    " (expected disable, user:, role:, type: or level:)");
    } else if (key == "landlock") {
      const auto& v = need_value("landlock=FILE or landlock=unconfined");
      out.landlock_file = v == "unconfined" ? "" : v;
    } else {
      throw flag_error(kFlag, "unknown option " + in_quotes(opt) +
                                  " (expected no-new-privileges, seccomp=, apparmor=, label= or "
                                  "landlock=)");
    }
  }
  if (out.label_disable && (out.label_user || out.label_role || out.label_type || out.label_level))
    throw flag_error(kFlag, "label=disable contradicts the other label= options");
  return out;
}

// ---- user and ids -----------------------------------------------------------------------

uint32_t read_id(std::string_view flag, std::string_view text, std::string_view what) {
  if (text.empty()) throw flag_error(flag, "empty " + std::string(what));
  auto id = parse_id(text);
  if (id) return *id;
  bool digits = std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits)
    throw flag_error(flag, std::string(what) + " " + in_quotes(text) + " is out of range");
  throw flag_error(
      flag, in_quotes(text) + ": name lookup inside the image is not supported; use a number");
}

User read_user(const RunFlags& flags) {
  User user;
  if (!flags.user.empty()) {
    auto colon = flags.user.find(':');
    user.uid = read_id("--user", std::string_view(flags.user).substr(0, colon), "uid");
    // Without a group Docker takes the user's primary group from the image's /etc/passwd, or 0
    // when it has no entry; Bulkhead does not look inside the image.
    if (colon != std::string::npos)
      user.gid = read_id("--user", std::string_view(flags.user).substr(colon + 1), "gid");
  }
  for (const auto& value : flags.group_add)
    for (const auto& item : split(value, ',')) {
      uint32_t gid = read_id("--group-add", trim(item), "gid");
      if (std::find(user.additional_gids.begin(), user.additional_gids.end(), gid) ==
          user.additional_gids.end())
        user.additional_gids.push_back(gid);
    }
  return user;
}

bool id_mapped(const std::vector<IdMapping>& mappings, uint32_t id) {
  return std::any_of(mappings.begin(), mappings.end(), [&](const IdMapping& m) {
    return id >= m.container_id && id - m.container_id < m.size;
  });
}

// ---- mounts -----------------------------------------------------------------------------

Mount read_volume(const std::string& spec, std::vector<std::string>& warnings) {
  constexpr std::string_view kFlag = "--volume";
  auto parts = split(spec, ':');
  if (parts.size() < 2 || parts.size() > 3)
    throw flag_error(kFlag, in_quotes(spec) + ": expected /HOST/PATH:/CONTAINER/PATH[:OPTIONS]");
  if (parts[0].empty() || parts[0].front() != '/')
    throw flag_error(
        kFlag, in_quotes(spec) + ": named volumes are not supported; give an absolute host path");
  Mount m;
  m.type = "bind";
  m.source = clean_absolute_path(kFlag, parts[0], "the host path");
  m.destination = clean_absolute_path(kFlag, parts[1], "the container path");
  std::optional<bool> read_only;
  std::string propagation;
  if (parts.size() == 3) {
    for (const auto& raw : split(parts[2], ',')) {
      std::string opt(trim(raw));
      if (opt == "ro" || opt == "rw") {
        if (read_only && *read_only != (opt == "ro"))
          throw flag_error(kFlag, in_quotes(spec) + ": both ro and rw");
        read_only = opt == "ro";
      } else if (opt == "rprivate" || opt == "private" || opt == "rslave" || opt == "slave") {
        if (!propagation.empty() && propagation != opt)
          throw flag_error(kFlag, in_quotes(spec) + ": more than one propagation mode");
        propagation = opt;
      } else if (opt == "z" || opt == "Z") {
        warnings.push_back("--volume " + spec + ": SELinux relabeling (" + opt +
                           ") is not performed");
      } else if (opt == "nocopy") {
        // Only meaningful for named volumes, which are refused above.
      } else {
        throw flag_error(kFlag, in_quotes(spec) + ": unknown option " + in_quotes(opt) +
                                    " (expected ro, rw, z, Z, rprivate, private, rslave, "
                                    "slave or nocopy)");
      }
    }
  }
  m.options = {"rbind"};
  if (read_only.value_or(false)) m.options.push_back("ro");
  m.options.push_back("nosuid");
  m.options.push_back("nodev");
  m.options.push_back(propagation.empty() ? "rprivate" : propagation);
  return m;
}

bool known_tmpfs_option(std::string_view opt) {
  static constexpr std::array<std::string_view, 16> kFlags = {
      "ro",    "rw",      "exec",     "noexec",      "suid",       "nosuid", "dev",   "nodev",
      "atime", "noatime", "relatime", "strictatime", "nodiratime", "sync",   "async", "dirsync"};
  static constexpr std::array<std::string_view, 6> kValued = {
      "size=", "mode=", "uid=", "gid=", "nr_inodes=", "nr_blocks="};
  for (auto f : kFlags)
    if (opt == f) return true;
  for (auto v : kValued)
    if (opt.starts_with(v) && opt.size() > v.size()) return true;
  return false;
}

Mount read_tmpfs(const std::string& spec) {
  constexpr std::string_view kFlag = "--tmpfs";
  auto colon = spec.find(':');
  Mount m;
  m.type = "tmpfs";
  m.source = "tmpfs";
  m.destination = clean_absolute_path(kFlag, spec.substr(0, colon), "the container path");
  m.options = {"nosuid", "nodev", "noexec"};
  if (colon != std::string::npos)
    for (const auto& raw : split(spec.substr(colon + 1), ',')) {
      std::string opt(trim(raw));
      if (!known_tmpfs_option(opt))
        throw flag_error(kFlag, in_quotes(spec) + ": unknown tmpfs option " + in_quotes(opt));
      m.options.push_back(opt);  // later options win, so "exec" undoes the default "noexec"
    }
  return m;
}

std::vector<Mount> default_mounts(bool privileged, bool sysfs_bind, bool tty_gid_mapped) {
  std::vector<std::string> devpts = {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                     "mode=0620"};
  if (tty_gid_mapped) devpts.push_back("gid=" + std::to_string(kTtyGid));
  std::vector<Mount> mounts = {
      {"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
      {"/dev/pts", "devpts", "devpts", devpts},
      {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
      {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
  };
  if (sysfs_bind) {
    // A user namespace that does not own a network namespace may not mount sysfs; rootless
    // runtimes bind the host's /sys read-only instead (its cgroup mounts come along).
    mounts.push_back({"/sys", "bind", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}});
    return mounts;
  }
  std::vector<std::string> sys = {"nosuid", "noexec", "nodev"};
  std::vector<std::string> cgroup = {"nosuid", "noexec", "nodev", "relatime"};
  if (!privileged) {
    sys.push_back("ro");
    cgroup.push_back("ro");
  }
  mounts.push_back({"/sys", "sysfs", "sysfs", sys});
  mounts.push_back({"/sys/fs/cgroup", "cgroup", "cgroup", cgroup});
  return mounts;
}

// ---- namespaces -------------------------------------------------------------------------

void add_user_namespace(Linux& linux, const RunFlags& flags, const HostFacts& host,
                        std::vector<std::string>& warnings) {
  bool rootless = host.uid != 0;
  if (flags.userns != "" && flags.userns != "host" && flags.userns != "auto")
    throw flag_error("--userns", in_quotes(flags.userns) + " is not supported (host or auto)");
  if (rootless && flags.userns == "host")
    warnings.push_back(
        "--userns=host: not possible without root; the container gets a user "
        "namespace");
  if (!rootless && flags.userns != "auto") return;
  linux.namespaces.push_back({NamespaceType::User, ""});
  if (rootless) {
    linux.uid_mappings.push_back({0, host.uid, 1});
    linux.gid_mappings.push_back({0, host.gid, 1});
    if (host.subuid && host.subuid->size > 0)
      linux.uid_mappings.push_back({1, host.subuid->start, host.subuid->size});
    if (host.subgid && host.subgid->size > 0)
      linux.gid_mappings.push_back({1, host.subgid->start, host.subgid->size});
    return;
  }
  if (host.auto_userns_range.size == 0)
    throw flag_error("--userns", "auto: the host has no id range for user namespaces");
  linux.uid_mappings.push_back({0, host.auto_userns_range.start, host.auto_userns_range.size});
  linux.gid_mappings.push_back({0, host.auto_userns_range.start, host.auto_userns_range.size});
}

void add_namespaces(Linux& linux, const RunFlags& flags, const HostFacts& host,
                    std::vector<std::string>& warnings) {
  if (flags.pid == "host")
    warnings.push_back("--pid host: the container sees and can signal every host process");
  else if (!flags.pid.empty())
    throw flag_error("--pid", in_quotes(flags.pid) + " is not supported (only host)");
  else
    linux.namespaces.push_back({NamespaceType::Pid, ""});
  if (flags.network == "host")
    warnings.push_back("--network host: the container shares the host's network stack");
  else if (flags.network.empty() || flags.network == "none")
    linux.namespaces.push_back({NamespaceType::Network, ""});
  else
    throw flag_error("--network",
                     in_quotes(flags.network) + " is not supported: only none and host");
  for (auto type :
       {NamespaceType::Ipc, NamespaceType::Uts, NamespaceType::Mount, NamespaceType::Cgroup})
    linux.namespaces.push_back({type, ""});
  add_user_namespace(linux, flags, host, warnings);
}

// ---- resources and rlimits ----------------------------------------------------------------

// "1.5" → 1500000000 (billionths), Docker's NanoCPUs.
std::optional<uint64_t> parse_nano_cpus(std::string_view text) {
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if ((whole.empty() && frac.empty()) || whole.size() > 6 || frac.size() > 9) return std::nullopt;
  if (dot != std::string_view::npos && frac.empty()) return std::nullopt;
  uint64_t nanos = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    nanos = nanos * 10 + static_cast<uint64_t>(c - '0');
  }
  nanos *= 1000000000ULL;
  uint64_t scale = 100000000ULL;
  for (char c : frac) {
    if (c < '0' || c > '9') return std::nullopt;
    nanos += static_cast<uint64_t>(c - '0') * scale;
    scale /= 10;
  }
  return nanos;
}

std::optional<Resources> build_resources(const RunFlags& flags) {
  Resources res;
  if (!flags.memory.empty()) {
    auto bytes = parse_memory_size(flags.memory);
    if (!bytes || *bytes <= 0)
      throw flag_error("--memory", "invalid size " + in_quotes(flags.memory) +
                                       " (a number with an optional unit b, k, m or g: 512m)");
    res.memory_limit = *bytes;
  }
  if (!flags.pids_limit.empty()) {
    auto n = parse_int64(flags.pids_limit);
    if (!n || *n < -1)
      throw flag_error("--pids-limit", "invalid limit " + in_quotes(flags.pids_limit) +
                                           " (a number of processes; -1 for no limit)");
    if (*n > 0) res.pids_limit = *n;
  }
  if (!flags.cpus.empty()) {
    auto nanos = parse_nano_cpus(flags.cpus);
    // The kernel refuses a quota below 1 ms per period.
    constexpr uint64_t kMinNanos = 10000000;  // 0.01 CPU = 1000 µs per 100000 µs
    if (!nanos || *nanos < kMinNanos)
      throw flag_error("--cpus", "invalid number of CPUs " + in_quotes(flags.cpus) +
                                     " (a decimal number of at least 0.01: 1.5)");
    res.cpu_period = kCpuPeriod;
    res.cpu_quota = static_cast<int64_t>(*nanos * kCpuPeriod / 1000000000ULL);
  }
  if (res.empty()) return std::nullopt;
  return res;
}

std::vector<Rlimit> build_rlimits(const std::vector<std::string>& values) {
  constexpr std::string_view kFlag = "--ulimit";
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kNames = {{
      {"as", "RLIMIT_AS"},
      {"core", "RLIMIT_CORE"},
      {"cpu", "RLIMIT_CPU"},
      {"data", "RLIMIT_DATA"},
      {"fsize", "RLIMIT_FSIZE"},
      {"locks", "RLIMIT_LOCKS"},
      {"memlock", "RLIMIT_MEMLOCK"},
      {"msgqueue", "RLIMIT_MSGQUEUE"},
      {"nice", "RLIMIT_NICE"},
      {"nofile", "RLIMIT_NOFILE"},
      {"nproc", "RLIMIT_NPROC"},
      {"rss", "RLIMIT_RSS"},
      {"rtprio", "RLIMIT_RTPRIO"},
      {"rttime", "RLIMIT_RTTIME"},
      {"sigpending", "RLIMIT_SIGPENDING"},
      {"stack", "RLIMIT_STACK"},
  }};
  std::vector<Rlimit> out;
  for (const auto& value : values) {
    auto eq = value.find('=');
    if (eq == std::string::npos)
      throw flag_error(kFlag, in_quotes(value) + ": expected NAME=SOFT[:HARD] (nofile=1024:2048)");
    std::string name = value.substr(0, eq);
    std::string_view type;
    for (const auto& [n, t] : kNames)
      if (n == name) type = t;
    if (type.empty())
      throw flag_error(kFlag, "unknown limit " + in_quotes(name) +
                                  " (expected nofile, nproc, core, stack, memlock, …)");
    auto limits = split(value.substr(eq + 1), ':');
    auto read_limit = [&](const std::string& text) -> uint64_t {
      auto n = parse_int64(text);
      if (!n || *n < -1)
        throw flag_error(kFlag, in_quotes(value) + ": invalid limit " + in_quotes(text) +
                                    " (a number, or -1 for unlimited)");
      return *n == -1 ? kRlimInfinity : static_cast<uint64_t>(*n);
    };
    if (limits.empty() || limits.size() > 2)
      throw flag_error(kFlag, in_quotes(value) + ": expected NAME=SOFT[:HARD]");
    Rlimit limit{std::string(type), 0, 0};
    limit.soft = read_limit(limits[0]);
    limit.hard = limits.size() == 2 ? read_limit(limits[1]) : limit.soft;
    if (limit.soft > limit.hard)
      throw flag_error(kFlag, in_quotes(value) + ": the soft limit is above the hard limit");
    for (const auto& earlier : out)
      if (earlier.type == limit.type) throw flag_error(kFlag, in_quotes(name) + " is given twice");
    out.push_back(std::move(limit));
  }
  return out;
}

void check_hostname(const std::string& hostname) {
  if (hostname.empty()) return;
  bool ok = hostname.size() <= 64 && hostname.front() != '-' && hostname.front() != '.';
  for (char c : hostname)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.');
  if (!ok)
    throw flag_error("--hostname", "invalid hostname " + in_quotes(hostname) +
                                       " (letters, digits, '-' and '.', at most 64)");
}

}  // namespace

const std::vector<std::string>& default_masked_paths() {
  static const std::vector<std::string> paths = {
      "/proc/asound",     "/proc/acpi",        "/proc/interrupts",
      "/proc/kcore",      "/proc/keys",        "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/proc/scsi",       "/sys/firmware",     "/sys/devices/virtual/powercap"};
  return paths;
}

const std::vector<std::string>& default_readonly_paths() {
  static const std::vector<std::string> paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};
  return paths;
}

std::optional<int64_t> parse_memory_size(std::string_view text) {
  text = trim(text);
  size_t n = 0;
  while (n < text.size() && ((text[n] >= '0' && text[n] <= '9') || text[n] == '.')) ++n;
  std::string_view number = text.substr(0, n);
  std::string unit = to_lower(trim(text.substr(n)));
  if (number.empty() || number.front() == '.' || number.back() == '.' ||
      std::count(number.begin(), number.end(), '.') > 1)
    return std::nullopt;
  // Docker: an optional k/m/g/t/p, then an optional "i", then an optional "b".
  std::string_view u = unit;
  int shift = 0;
  if (!u.empty()) {
    static constexpr std::string_view kPrefixes = "kmgtp";
    auto p = kPrefixes.find(u.front());
    if (p != std::string_view::npos) {
      shift = 10 * static_cast<int>(p + 1);
      u.remove_prefix(1);
      if (u.starts_with("i")) u.remove_prefix(1);
    }
    if (u == "b") u.remove_prefix(1);
    if (!u.empty()) return std::nullopt;
  }
  auto dot = number.find('.');
  auto whole = parse_uint64(number.substr(0, dot));
  if (!whole || *whole >= (1ULL << (63 - shift))) return std::nullopt;
  uint64_t bytes = *whole << shift;
  if (dot != std::string_view::npos) {
    // The fraction of one unit, truncated to whole bytes ("1.5k" = 1536).
    std::string_view frac = number.substr(dot + 1);
    if (frac.size() > 9) return std::nullopt;
    uint64_t digits = 0, scale = 1;
    for (char c : frac) {
      digits = digits * 10 + static_cast<uint64_t>(c - '0');
      scale *= 10;
    }
    bytes += static_cast<uint64_t>((static_cast<unsigned __int128>(digits) << shift) / scale);
  }
  if (bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(bytes);
}

// An OCI spec is JSON, which carries only UTF-8: a value that is not would make a spec no
// runtime can read back, so it is refused here, naming the flag.
void require_utf8(const RunFlags& flags) {
  auto check = [](std::string_view flag, const std::string& value) {
    if (!is_valid_utf8(value)) throw flag_error(flag, "value is not valid UTF-8");
  };
  auto check_all = [&](std::string_view flag, const std::vector<std::string>& values) {
    for (const std::string& value : values) check(flag, value);
  };
  check_all("--cap-add", flags.cap_add);
  check_all("--cap-drop", flags.cap_drop);
  check_all("--security-opt", flags.security_opt);
  check_all("--volume", flags.volumes);
  check_all("--tmpfs", flags.tmpfs);
  check_all("--env", flags.env);
  check_all("--env-file", flags.env_files);
  check_all("--group-add", flags.group_add);
  check_all("--ulimit", flags.ulimits);
  check_all("the command", flags.command);
  for (const auto& [flag, value] :
       {std::pair<std::string_view, const std::string*>{"--user", &flags.user},
        {"--workdir", &flags.workdir},
        {"--hostname", &flags.hostname},
        {"--network", &flags.network},
        {"--pid", &flags.pid},
        {"--memory", &flags.memory},
        {"--pids-limit", &flags.pids_limit},
        {"--cpus", &flags.cpus},
        {"--name", &flags.name},
        {"--userns", &flags.userns},
        {"ROOTFS", &flags.rootfs}}) {
    check(flag, *value);
  }
}

BuiltSpec build_spec(const RunFlags& flags, const HostFacts& host) {
  require_utf8(flags);
  BuiltSpec built;
  Spec& spec = built.spec;
  auto& warnings = built.warnings;

  if (flags.rootfs.empty() || flags.rootfs.front() != '/')
    throw Error("the root filesystem must be an absolute path, got " + in_quotes(flags.rootfs));
  spec.root.path = flags.rootfs;
  spec.root.readonly = flags.read_only;
  check_hostname(flags.hostname);
  spec.hostname = flags.hostname;

  // Process.
  Process& process = spec.process;
  process.terminal = flags.tty;
  process.args = flags.command.empty() ? std::vector<std::string>{"/bin/sh"} : flags.command;
  process.env = build_env(flags, host);
  if (!flags.workdir.empty())
    process.cwd = clean_absolute_path("--workdir", flags.workdir, "the working directory");
  process.user = read_user(flags);

  caps::CapSet caps = container_caps(flags, host.available_caps);
  Capabilities sets;
  sets.bounding = caps;
  if (process.user.uid == 0) {
    sets.effective = caps;
    sets.permitted = caps;
  }
  process.capabilities = sets;

  SecurityOpts security = read_security_opts(flags.security_opt);
  process.no_new_privileges = security.no_new_privileges.value_or(!flags.privileged);
  if (security.apparmor) process.apparmor_profile = *security.apparmor;
  if (security.label_user || security.label_role || security.label_type || security.label_level)
    process.selinux_label = security.label_user.value_or("system_u") + ":" +
                            security.label_role.value_or("system_r") + ":" +
                            security.label_type.value_or("container_t") + ":" +
                            security.label_level.value_or("s0");
  if (flags.privileged)
    warnings.push_back(
        "--privileged: the container gets every capability, no seccomp filter, no masked "
        "paths and a writable /sys; a process in it can take over the host");

  // Seccomp: the profile's conditions are decided for this container's capabilities.
  if (security.seccomp_unconfined) {
    warnings.push_back("seccomp=unconfined: the container runs without a seccomp filter");
  } else if (!flags.privileged || !security.seccomp_file.empty()) {
    seccomp::Profile profile = security.seccomp_file.empty()
                                   ? seccomp::default_profile()
                                   : seccomp::load_profile(security.seccomp_file);
    seccomp::ResolveOptions options;
    options.native = host.arch;
    options.caps = caps;
    options.kernel = host.kernel;
    spec.linux.seccomp = seccomp::flatten(profile, options);
  }

  if (!security.landlock_file.empty())
    spec.annotations[kLandlockAnnotation] =
        mac::landlock_policy_to_json(mac::load_landlock_policy(security.landlock_file)).dump();
  if (flags.init) spec.annotations[kInitAnnotation] = "true";

  // Namespaces and id mappings.
  Linux& linux = spec.linux;
  add_namespaces(linux, flags, host, warnings);
  bool userns = linux.has_namespace(NamespaceType::User);
  if (userns) {
    if (!id_mapped(linux.uid_mappings, process.user.uid))
      throw flag_error("--user", "uid " + std::to_string(process.user.uid) +
                                     " is not mapped in the container's user namespace (only "
                                     "uid 0 is, unless the user has a subordinate id range)");
    for (uint32_t gid : process.user.additional_gids)
      if (!id_mapped(linux.gid_mappings, gid))
        throw flag_error("--group-add", "gid " + std::to_string(gid) +
                                            " is not mapped in the container's user namespace");
    if (!id_mapped(linux.gid_mappings, process.user.gid))
      throw flag_error("--user", "gid " + std::to_string(process.user.gid) +
                                     " is not mapped in the container's user namespace");
  }

  // Mounts: the defaults, then the user's; a user mount on a default's destination replaces it.
  bool sysfs_bind = userns && !linux.has_namespace(NamespaceType::Network);
  bool tty_gid_mapped = !userns || id_mapped(linux.gid_mappings, kTtyGid);
  spec.mounts = default_mounts(flags.privileged, sysfs_bind, tty_gid_mapped);
  std::vector<Mount> user_mounts;
  for (const auto& v : flags.volumes) user_mounts.push_back(read_volume(v, warnings));
  for (const auto& t : flags.tmpfs) user_mounts.push_back(read_tmpfs(t));
  std::set<std::string> destinations;
  for (const auto& m : user_mounts) {
    std::string_view flag = m.type == "tmpfs" ? "--tmpfs" : "--volume";
    if (m.destination == "/")
      throw flag_error(flag, "cannot mount over the container's root; use the ROOTFS argument");
    if (is_under(m.destination, "/proc"))
      throw flag_error(flag, in_quotes(m.destination) +
                                 ": mounting over /proc would undo its masked and read-only "
                                 "paths");
    if (!destinations.insert(m.destination).second)
      throw flag_error(flag, "duplicate mount point " + in_quotes(m.destination));
    std::erase_if(spec.mounts, [&](const Mount& d) { return d.destination == m.destination; });
  }
  spec.mounts.insert(spec.mounts.end(), user_mounts.begin(), user_mounts.end());

  if (!flags.privileged) {
    linux.masked_paths = default_masked_paths();
    linux.readonly_paths = default_readonly_paths();
  }
  linux.resources = build_resources(flags);
  process.rlimits = build_rlimits(flags.ulimits);
  // --env-file contents and host values taken by `-e NAME` were not checked above.
  for (const std::string& entry : spec.process.env) {
    if (!is_valid_utf8(entry)) {
      throw Error("environment variable " + in_quotes(entry.substr(0, entry.find('='))) +
                  " is not valid UTF-8 (from --env-file or the host's environment)");
    }
  }
  return built;
}

}  // namespace bulkhead::spec
