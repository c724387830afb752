#include "runtime/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <memory>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"

namespace bulkhead::runtime {

namespace {

constexpr int kRecordVersion = 1;
constexpr size_t kIdLength = 64;
constexpr size_t kShortIdLength = 12;
constexpr size_t kMaxNameLength = 128;
constexpr const char* kRecordFileName = "state.json";
constexpr const char* kNamesDirName = "names";
constexpr const char* kLockFileName = ".lock";
// /proc/<pid>/stat: fields after the command's closing parenthesis start at field 3 (state).
constexpr size_t kStatStateIndex = 0;
constexpr size_t kStatStartTimeIndex = 22 - 3;

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Makes `path` (one level) with mode 0700 unless it exists, then insists that it is a real
// directory, owned by the caller and not writable by anyone else: records say which pids to
// signal, so whoever can write them could make `bulkhead kill` hit any process.
void ensure_private_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
    throw_errno("cannot create state directory " + path);
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) throw_errno("cannot look at state directory " + path);
  if (!S_ISDIR(info.st_mode))
    throw Error("state directory " + path + " is not a directory (a symlink is not accepted)");
  if (info.st_uid != ::geteuid())
    throw Error("state directory " + path + " is owned by uid " + std::to_string(info.st_uid) +
                ", not by you (uid " + std::to_string(::geteuid()) + "): refusing to use it");
  if (info.st_mode & (S_IWGRP | S_IWOTH))
    throw Error("state directory " + path +
                " is writable by group or others: refusing to use it (chmod 700 it)");
}

// Holds the state directory's lock for the lifetime of the object.
class StateLock {
 public:
  explicit StateLock(const std::string& dir) {
    std::string path = dir + "/" + kLockFileName;
    fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd_) throw_errno("cannot open " + path);
    while (::flock(fd_.get(), LOCK_EX) != 0) {
      if (errno != EINTR) throw_errno("cannot lock " + path);
    }
  }

 private:
  UniqueFd fd_;
};

void unlink_if_present(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno("cannot remove " + path);
}

std::optional<std::string> read_link(const std::string& path) {
  std::array<char, 256> buf{};
  ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
  if (n < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw_errno("cannot read " + path);
  }
  return std::string(buf.data(), static_cast<size_t>(n));
}

template <typename T>
T field(const nlohmann::json& json, const char* key, const std::string& source) {
  if (!json.contains(key)) throw Error(source + ": the state record has no '" + key + "'");
  try {
    return json.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(source + ": the state record's '" + key + "' has the wrong type");
  }
}

}  // namespace

// ---- records ----

nlohmann::json record_to_json(const ContainerRecord& r) {
  return {
      {"version", kRecordVersion},
      {"id", r.id},
      {"name", r.name},
      {"pid", r.pid},
      {"pid_start_time", r.pid_start_time},
      {"monitor_pid", r.monitor_pid},
      {"monitor_start_time", r.monitor_start_time},
      {"namespaces", r.namespaces},
      {"rootfs", r.rootfs},
      {"created", r.created},
      {"owner_uid", r.owner_uid},
      {"cgroup_paths", r.cgroup_paths},
      {"spec", r.spec},
      {"status", r.status},
  };
}

ContainerRecord record_from_json(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) throw Error(source + ": the state record is not a JSON object");
  int version = field<int>(json, "version", source);
  if (version != kRecordVersion)
    throw Error(source + ": state record version " + std::to_string(version) +
                " is not the one this bulkhead writes (" + std::to_string(kRecordVersion) + ")");
  ContainerRecord r;
  r.id = field<std::string>(json, "id", source);
  r.name = field<std::string>(json, "name", source);
  r.pid = field<pid_t>(json, "pid", source);
  r.pid_start_time = field<uint64_t>(json, "pid_start_time", source);
  r.monitor_pid = field<pid_t>(json, "monitor_pid", source);
  r.monitor_start_time = field<uint64_t>(json, "monitor_start_time", source);
  r.namespaces = field<std::map<std::string, uint64_t>>(json, "namespaces", source);
  r.rootfs = field<std::string>(json, "rootfs", source);
  r.created = field<std::string>(json, "created", source);
  r.owner_uid = field<uint32_t>(json, "owner_uid", source);
  r.cgroup_paths = field<std::vector<std::string>>(json, "cgroup_paths", source);
  if (!json.contains("spec")) throw Error(source + ": the state record has no 'spec'");
  r.spec = json.at("spec");
  r.status = field<std::string>(json, "status", source);
  if (!is_valid_container_id(r.id)) throw Error(source + ": '" + r.id + "' is not a container id");
  return r;
}

// ---- helpers ----

std::string default_state_dir() {
  std::string dir;
  const char* override_dir = std::getenv("BULKHEAD_STATE_DIR");
  const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
  struct stat info {};
  if (override_dir && *override_dir) {
    dir = override_dir;
    if (!dir.starts_with("/"))
      throw Error("BULKHEAD_STATE_DIR must be an absolute path, not '" + dir + "'");
  } else if (::geteuid() == 0) {
    dir = "/run/bulkhead";
  } else if (runtime_dir && runtime_dir[0] == '/' && ::stat(runtime_dir, &info) == 0 &&
             S_ISDIR(info.st_mode) && info.st_uid == ::geteuid()) {
    dir = std::string(runtime_dir) + "/bulkhead";
  } else {
    dir = "/tmp/bulkhead-" + std::to_string(::geteuid());
  }
  ensure_private_directory(dir);
  return dir;
}

std::string generate_container_id() {
  std::array<unsigned char, kIdLength / 2> bytes{};
  size_t filled = 0;
  while (filled < bytes.size()) {
    ssize_t n = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("getrandom");
    filled += static_cast<size_t>(n);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kDigits[b >> 4];
    id += kDigits[b & 0xf];
  }
  return id;
}

std::string default_name(const std::string& id) {
  return "bh-" + id.substr(0, kShortIdLength);
}

bool is_valid_container_name(std::string_view name) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (name.empty() || name.size() > kMaxNameLength || !alnum(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool is_valid_container_id(std::string_view id) {
  return id.size() == kIdLength && is_hex(id);
}

std::string current_time_rfc3339() {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  struct tm utc {};
  ::gmtime_r(&now.tv_sec, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%09ldZ", static_cast<long>(now.tv_nsec));
  return std::string(date) + fraction;
}

std::optional<int64_t> rfc3339_to_unix(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z
  if (text.size() < 20 || text.back() != 'Z') return std::nullopt;
  auto number = [&](size_t at, size_t len) -> std::optional<int> {
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data() + at, text.data() + at + len, value);
    if (ec != std::errc() || ptr != text.data() + at + len) return std::nullopt;
    return value;
  };
  if (text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':')
    return std::nullopt;
  auto year = number(0, 4), month = number(5, 2), day = number(8, 2), hour = number(11, 2),
       minute = number(14, 2), second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  std::string_view rest = text.substr(19, text.size() - 20);
  if (!rest.empty() &&
      (rest[0] != '.' || rest.size() < 2 ||
       !std::all_of(rest.begin() + 1, rest.end(), [](char c) { return c >= '0' && c <= '9'; })))
    return std::nullopt;
  struct tm utc {};
  utc.tm_year = *year - 1900;
  utc.tm_mon = *month - 1;
  utc.tm_mday = *day;
  utc.tm_hour = *hour;
  utc.tm_min = *minute;
  utc.tm_sec = *second;
  return static_cast<int64_t>(::timegm(&utc));
}

uint64_t process_start_time(pid_t pid) {
  if (pid <= 0) return 0;
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT || errno == ESRCH) return 0;
    throw_errno("cannot open " + path);
  }
  char buf[1024];
  ssize_t n;
  do {
    n = ::read(fd.get(), buf, sizeof buf - 1);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == ESRCH) return 0;
    throw_errno("cannot read " + path);
  }
  std::string_view stat(buf, static_cast<size_t>(n));
  // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos) throw Error(path + " has no command field");
  std::vector<std::string> fields = split(trim(stat.substr(close + 1)), ' ');
  if (fields.size() <= kStatStartTimeIndex) throw Error(path + " has too few fields");
  const std::string& state = fields[kStatStateIndex];
  if (state == "Z" || state == "X") return 0;
  uint64_t start = 0;
  const std::string& text = fields[kStatStartTimeIndex];
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), start);
  if (ec != std::errc() || ptr != text.data() + text.size())
    throw Error(path + ": start time '" + text + "' is not a number");
  return start;
}

std::map<std::string, uint64_t> namespace_inodes(pid_t pid) {
  std::string dir =
      pid == 0 ? std::string("/proc/self/ns") : "/proc/" + std::to_string(pid) + "/ns";
  // The names are fixed: listing the directory needs read permission on it, which a process
  // that changed its uid (no longer dumpable) does not have even on itself, while looking up
  // each entry only needs search permission and ptrace access.
  static const char* const kNames[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};
  struct stat dir_info {};
  if (::stat(dir.c_str(), &dir_info) != 0) throw_errno("cannot look at " + dir);
  std::map<std::string, uint64_t> inodes;
  for (const char* name : kNames) {
    struct stat info {};
    std::string path = dir + "/" + name;
    if (::stat(path.c_str(), &info) != 0) {
      if (errno == ENOENT) continue;  // a namespace type this kernel lacks
      throw_errno("cannot look at " + path);
    }
    inodes[name] = info.st_ino;
  }
  if (inodes.empty()) throw Error("cannot read any namespace of " + dir);
  return inodes;
}

// ---- StateStore ----

StateStore::StateStore(std::string dir) : dir_(std::move(dir)) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
  ensure_private_directory(dir_);
}

std::string StateStore::record_dir(const std::string& id) const {
  return dir_ + "/" + id;
}

std::string StateStore::record_file(const std::string& id) const {
  return record_dir(id) + "/" + kRecordFileName;
}

std::string StateStore::name_link(const std::string& name) const {
  return dir_ + "/" + kNamesDirName + "/" + name;
}

std::optional<ContainerRecord> StateStore::load(const std::string& id) const {
  std::string path = record_file(id);
  std::string text;
  try {
    text = read_file(path);
  } catch (const SystemError& e) {
    if (e.code() == ENOENT) return std::nullopt;
    throw;
  }
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) throw Error(path + ": the state record is not valid JSON");
  ContainerRecord record = record_from_json(json, path);
  if (record.id != id) throw Error(path + ": the record's id is " + record.id);
  return record;
}

void StateStore::write_record(const ContainerRecord& record) const {
  std::string path = record_file(record.id);
  std::string temporary = path + ".tmp";
  {
    UniqueFd fd(
        ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw_errno("cannot create " + temporary);
    std::string text = record_to_json(record).dump(2) + "\n";
    std::string_view rest = text;
    while (!rest.empty()) {
      ssize_t n = ::write(fd.get(), rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_errno("cannot write " + temporary);
      rest.remove_prefix(static_cast<size_t>(n));
    }
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0)
    throw_errno("cannot replace " + path + " with " + temporary);
}

void StateStore::remove_unlocked(const std::string& id) {
  std::optional<std::string> name;
  try {
    if (auto record = load(id)) name = record->name;
  } catch (const Error&) {
    // A damaged record is still removed; its name link is found by its target below.
  }
  std::string names = dir_ + "/" + kNamesDirName;
  if (name && is_valid_container_name(*name)) {
    if (read_link(name_link(*name)) == id) unlink_if_present(name_link(*name));
  } else if (UniqueDir handle{::opendir(names.c_str())}) {
    while (struct dirent* entry = ::readdir(handle.get())) {
      std::string entry_name = entry->d_name;
      if (is_valid_container_name(entry_name) && read_link(name_link(entry_name)) == id)
        unlink_if_present(name_link(entry_name));
    }
  }
  unlink_if_present(record_file(id) + ".tmp");
  unlink_if_present(record_file(id));
  if (::rmdir(record_dir(id).c_str()) != 0 && errno != ENOENT)
    throw_errno("cannot remove " + record_dir(id));
}

std::vector<std::string> observed_state_dirs() {
  std::vector<std::string> dirs;
  auto add_if_directory = [&dirs](const std::string& dir) {
    struct stat info {};
    if (::lstat(dir.c_str(), &info) == 0 && S_ISDIR(info.st_mode) &&
        std::find(dirs.begin(), dirs.end(), dir) == dirs.end())
      dirs.push_back(dir);
  };
  auto add_matching = [&](const std::string& parent, std::string_view prefix,
                          const std::string& suffix) {
    UniqueDir handle(::opendir(parent.c_str()));
    if (!handle) return;
    while (struct dirent* entry = ::readdir(handle.get())) {
      std::string_view name = entry->d_name;
      if (name == "." || name == ".." || !name.starts_with(prefix)) continue;
      add_if_directory(parent + "/" + std::string(name) + suffix);
    }
  };
  if (const char* override_dir = std::getenv("BULKHEAD_STATE_DIR");
      override_dir && override_dir[0] == '/')
    add_if_directory(override_dir);
  add_if_directory("/run/bulkhead");
  add_matching("/run/user", "", "/bulkhead");
  add_matching("/tmp", "bulkhead-", "");
  return dirs;
}

std::vector<ContainerRecord> read_records(const std::string& dir) {
  std::vector<ContainerRecord> records;
  UniqueDir handle(::opendir(dir.c_str()));
  if (!handle) return records;
  while (struct dirent* entry = ::readdir(handle.get())) {
    if (!is_valid_container_id(entry->d_name)) continue;
    std::string path = dir + "/" + entry->d_name + "/" + kRecordFileName;
    try {
      records.push_back(record_from_json(nlohmann::json::parse(read_file(path)), path));
    } catch (const std::exception&) {
      // Being written or removed right now: the next look will see it.
    }
  }
  return records;
}

std::vector<std::string> StateStore::record_ids() const {
  UniqueDir handle(::opendir(dir_.c_str()));
  if (!handle) throw_errno("cannot list " + dir_);
  std::vector<std::string> ids;
  while (true) {
    errno = 0;
    struct dirent* entry = ::readdir(handle.get());
    if (!entry) {
      if (errno != 0) throw_errno("cannot list " + dir_);
      break;
    }
    if (is_valid_container_id(entry->d_name)) ids.emplace_back(entry->d_name);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

void StateStore::create(const ContainerRecord& requested) {
  if (!is_valid_container_id(requested.id))
    throw Error("'" + requested.id + "' is not a container id (64 lowercase hex digits)");
  if (!is_valid_container_name(requested.name))
    throw Error("invalid container name '" + requested.name +
                "': use letters, digits, '_', '.' and '-', starting with a letter or digit, at "
                "most 128 characters");
  ContainerRecord record = requested;
  if (record.monitor_start_time == 0)
    record.monitor_start_time = process_start_time(record.monitor_pid);

  StateLock lock(dir_);
  std::string names = dir_ + "/" + kNamesDirName;
  if (::mkdir(names.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("cannot create " + names);
  if (::mkdir(record_dir(record.id).c_str(), 0700) != 0) {
    if (errno == EEXIST) throw Error("a container with id " + record.id + " already exists");
    throw_errno("cannot create " + record_dir(record.id));
  }
  try {
    write_record(record);
    std::string link = name_link(record.name);
    for (int attempt = 0;; ++attempt) {
      if (::symlink(record.id.c_str(), link.c_str()) == 0) break;
      if (errno != EEXIST || attempt > 0) throw_errno("cannot claim the name " + record.name);
      std::optional<std::string> holder = read_link(link);
      std::optional<ContainerRecord> held;
      if (holder && is_valid_container_id(*holder)) held = load(*holder);
      if (held && is_alive(*held))
        throw Error("the name '" + record.name + "' is already in use by container " +
                    held->id.substr(0, kShortIdLength));
      // The holder is gone: its record and its claim go, then the name is claimed again.
      if (holder && is_valid_container_id(*holder)) remove_unlocked(*holder);
      unlink_if_present(link);
    }
  } catch (...) {
    unlink_if_present(record_file(record.id) + ".tmp");
    unlink_if_present(record_file(record.id));
    ::rmdir(record_dir(record.id).c_str());
    throw;
  }
}

void StateStore::update(const ContainerRecord& requested) {
  if (!is_valid_container_id(requested.id))
    throw Error("'" + requested.id + "' is not a container id (64 lowercase hex digits)");
  ContainerRecord record = requested;
  StateLock lock(dir_);
  std::optional<ContainerRecord> current = load(record.id);
  if (!current) throw Error("there is no container " + record.id + " to update");
  if (current->name != record.name)
    throw Error("a container's name cannot change (" + current->name + " → " + record.name + ")");
  if (record.monitor_start_time == 0) {
    record.monitor_start_time = current->monitor_pid == record.monitor_pid
                                    ? current->monitor_start_time
                                    : process_start_time(record.monitor_pid);
  }
  write_record(record);
}

void StateStore::remove(const std::string& id) {
  if (!is_valid_container_id(id)) throw Error("'" + id + "' is not a container id");
  StateLock lock(dir_);
  remove_unlocked(id);
}

std::vector<ContainerRecord> StateStore::list() {
  StateLock lock(dir_);
  std::vector<ContainerRecord> live;
  for (const auto& id : record_ids()) {
    std::optional<ContainerRecord> record = load(id);
    // No record in its directory: a create() that died before writing it (create writes it
    // under the lock we hold, so none is in progress).
    if (record && is_alive(*record)) {
      live.push_back(std::move(*record));
      continue;
    }
    if (record) {
      // The monitor normally removes the cgroups; after it was killed they are left empty.
      // rmdir removes only empty ones, so processes that still run are never disturbed.
      for (const auto& path : record->cgroup_paths) ::rmdir(path.c_str());
    }
    remove_unlocked(id);
  }
  // Claims whose record is gone.
  std::string names = dir_ + "/" + kNamesDirName;
  if (UniqueDir handle{::opendir(names.c_str())}) {
    while (struct dirent* entry = ::readdir(handle.get())) {
      std::string name = entry->d_name;
      if (!is_valid_container_name(name)) continue;
      std::optional<std::string> target = read_link(name_link(name));
      struct stat info {};
      if (!target || !is_valid_container_id(*target) ||
          ::lstat(record_dir(*target).c_str(), &info) != 0)
        unlink_if_present(name_link(name));
    }
  }
  std::sort(live.begin(), live.end(), [](const ContainerRecord& a, const ContainerRecord& b) {
    auto ta = rfc3339_to_unix(a.created), tb = rfc3339_to_unix(b.created);
    if (ta != tb) return ta < tb;
    if (a.created != b.created) return a.created < b.created;
    return a.id < b.id;
  });
  return live;
}

std::optional<ContainerRecord> StateStore::find(const std::string& name_or_id) {
  if (is_valid_container_id(name_or_id)) {
    if (auto record = load(name_or_id)) return record;
  }
  if (is_valid_container_name(name_or_id)) {
    std::optional<std::string> target = read_link(name_link(name_or_id));
    if (target && is_valid_container_id(*target)) {
      if (auto record = load(*target)) return record;
    }
  }
  if (name_or_id.empty() || name_or_id.size() >= kIdLength || !is_hex(name_or_id))
    return std::nullopt;
  std::vector<std::string> matches;
  for (const auto& id : record_ids())
    if (id.starts_with(name_or_id)) matches.push_back(id);
  if (matches.empty()) return std::nullopt;
  if (matches.size() > 1) {
    for (auto& id : matches) id = id.substr(0, kShortIdLength);
    throw Error("'" + name_or_id + "' matches more than one container (" + join(matches, ", ") +
                "): give more of the id");
  }
  return load(matches.front());
}

bool StateStore::is_alive(const ContainerRecord& record) const {
  // Strict: without a recorded start time there is nothing to tell a reused pid from ours.
  if (record.pid > 0)
    return record.pid_start_time != 0 && process_start_time(record.pid) == record.pid_start_time;
  if (record.monitor_pid > 0)
    return record.monitor_start_time != 0 &&
           process_start_time(record.monitor_pid) == record.monitor_start_time;
  return false;
}

}  // namespace bulkhead::runtime
