#include "capture/proc_seed.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

namespace bulkhead::capture {
namespace {

// Reads a small /proc file; false when it cannot be read (the process may have exited, the
// file may not exist on this kernel, or it is not readable: all mean "unknown" to a seeder).
bool read_proc_file(const std::string& path, std::string& out) {
  out.clear();
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return true;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

std::optional<std::string> read_link(const std::string& path) {
  char buffer[4096];
  ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer);
  if (n < 0) return std::nullopt;
  return std::string(buffer, static_cast<std::size_t>(n));
}

template <typename T>
std::optional<T> parse_number(std::string_view text, int base = 10) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return value;
}

// Numeric directory entries (pids, tids, fds).
std::vector<int64_t> numeric_entries(const std::string& path, bool& opened) {
  std::vector<int64_t> out;
  UniqueDir dir(::opendir(path.c_str()));
  opened = dir != nullptr;
  if (!dir) return out;
  while (dirent* entry = ::readdir(dir.get())) {
    if (auto number = parse_number<int64_t>(entry->d_name);
        number && std::to_string(*number) == entry->d_name)
      out.push_back(*number);
  }
  return out;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// "pid:[4026531836]" -> 4026531836
uint64_t namespace_inode(const std::string& link_path) {
  auto link = read_link(link_path);
  if (!link) return 0;
  std::size_t open = link->find('[');
  if (open == std::string::npos) return 0;
  return parse_number<uint64_t>(std::string_view(*link).substr(open + 1)).value_or(0);
}

struct SocketEntry {
  FdType type = FdType::Unknown;
  SocketTuple tuple{};
  std::string unix_path;
  uint8_t l4proto = 0;
  bool connected = false;
  bool listening = false;
};
using SocketMap = std::unordered_map<uint64_t, SocketEntry>;

// "0100007F:0050": the address as the kernel's 32-bit words printed in host order.
bool parse_hex_endpoint(std::string_view text, uint8_t family, std::array<uint8_t, 16>& ip,
                        uint16_t& port) {
  std::size_t colon = text.find(':');
  std::size_t ip_chars = family == kAfInet ? 8 : 32;
  if (colon != ip_chars) return false;
  for (std::size_t word = 0; word < ip_chars / 8; ++word) {
    auto value = parse_number<uint32_t>(text.substr(word * 8, 8), 16);
    if (!value) return false;
    std::memcpy(ip.data() + word * 4, &*value, 4);  // host order == the kernel's memory order
  }
  auto parsed_port = parse_number<uint16_t>(text.substr(colon + 1), 16);
  if (!parsed_port) return false;
  port = *parsed_port;
  return true;
}

// Calls `row` with the whitespace-separated fields of every line of a /proc/net table after its
// header line. A table that cannot be read has no rows.
template <typename Row>
void for_each_table_row(const std::string& path, Row&& row) {
  std::string text;
  if (!read_proc_file(path, text)) return;
  std::size_t pos = text.find('\n');  // header line
  while (pos != std::string::npos && pos + 1 < text.size()) {
    std::size_t end = text.find('\n', pos + 1);
    std::string_view line(text.data() + pos + 1,
                          (end == std::string::npos ? text.size() : end) - pos - 1);
    pos = end;
    row(words(line));
  }
}

void read_inet_table(const std::string& path, uint8_t family, uint8_t l4proto, SocketMap& sockets) {
  for_each_table_row(path, [&](const std::vector<std::string_view>& fields) {
    if (fields.size() < 10) return;
    SocketEntry entry;
    entry.type = family == kAfInet ? FdType::Ipv4Socket : FdType::Ipv6Socket;
    entry.l4proto = l4proto;
    entry.tuple.family = family;
    if (!parse_hex_endpoint(fields[1], family, entry.tuple.source_ip, entry.tuple.source_port) ||
        !parse_hex_endpoint(fields[2], family, entry.tuple.destination_ip,
                            entry.tuple.destination_port))
      return;
    auto state = parse_number<uint32_t>(fields[3], 16).value_or(0);
    entry.connected = state == 1;                     // TCP_ESTABLISHED
    entry.listening = l4proto == 6 && state == 0x0a;  // TCP_LISTEN
    auto inode = parse_number<uint64_t>(fields[9]);
    if (inode && *inode != 0) sockets.insert_or_assign(*inode, std::move(entry));
  });
}

void read_unix_table(const std::string& path, SocketMap& sockets) {
  for_each_table_row(path, [&](const std::vector<std::string_view>& fields) {
    if (fields.size() < 7) return;
    SocketEntry entry;
    entry.type = FdType::UnixSocket;
    entry.tuple.family = kAfUnix;
    if (fields.size() >= 8) entry.unix_path = fields[7];
    entry.connected = fields[5] == "03";  // SS_CONNECTED
    auto inode = parse_number<uint64_t>(fields[6]);
    if (inode && *inode != 0) sockets.insert_or_assign(*inode, std::move(entry));
  });
}

SocketMap read_socket_tables(const std::string& net_dir) {
  SocketMap sockets;
  read_inet_table(net_dir + "/tcp", kAfInet, 6, sockets);
  read_inet_table(net_dir + "/tcp6", kAfInet6, 6, sockets);
  read_inet_table(net_dir + "/udp", kAfInet, 17, sockets);
  read_inet_table(net_dir + "/udp6", kAfInet6, 17, sockets);
  read_unix_table(net_dir + "/unix", sockets);
  return sockets;
}

FdInfo fd_from_link(std::string_view link, const SocketMap* sockets) {
  FdInfo info;
  auto bracketed = [&](std::string_view prefix) -> std::optional<uint64_t> {
    if (link.substr(0, prefix.size()) != prefix) return std::nullopt;
    return parse_number<uint64_t>(link.substr(prefix.size()));
  };
  if (!link.empty() && link.front() == '/') {
    constexpr std::string_view kDeleted = " (deleted)";
    std::string_view path = link;
    if (path.size() > kDeleted.size() && path.ends_with(kDeleted))
      path.remove_suffix(kDeleted.size());
    if (path.starts_with("/memfd:")) {
      info.type = FdType::Memfd;
      info.name = std::string(path.substr(1));
    } else {
      info.type = FdType::File;
      info.name = std::string(path);
    }
  } else if (auto inode = bracketed("socket:[")) {
    info.type = FdType::Unknown;
    if (sockets != nullptr) {
      if (auto it = sockets->find(*inode); it != sockets->end()) {
        const SocketEntry& entry = it->second;
        info.type = entry.type;
        info.l4proto = entry.l4proto;
        info.tuple = entry.tuple;
        info.connected = entry.connected;
        info.server_role = entry.listening;
        if (entry.type == FdType::UnixSocket) {
          info.name = entry.unix_path;
        } else if (entry.listening) {
          SocketAddress local;
          local.family = entry.tuple.family;
          local.ip = entry.tuple.source_ip;
          local.port = entry.tuple.source_port;
          info.name = format_socket_address(local);
        } else {
          info.name = format_socket_tuple(entry.tuple);
        }
      }
    }
  } else if (bracketed("pipe:[")) {
    info.type = FdType::Pipe;
  } else if (link.starts_with("anon_inode:")) {
    std::string_view kind = link.substr(std::strlen("anon_inode:"));
    if (kind == "[eventpoll]")
      info.type = FdType::EventPoll;
    else if (kind == "[eventfd]")
      info.type = FdType::Event;
    else if (kind == "[signalfd]")
      info.type = FdType::SignalFd;
    else if (kind == "[timerfd]")
      info.type = FdType::TimerFd;
    else if (kind == "inotify")
      info.type = FdType::Inotify;
    else if (kind == "[userfaultfd]")
      info.type = FdType::UserFaultFd;
    else if (kind.starts_with("bpf"))
      info.type = FdType::Bpf;
    info.name = std::string(link);
  } else {
    info.name = std::string(link);
  }
  return info;
}

std::string runtime_of_cgroup_line(std::string_view line) {
  if (line.find("docker") != std::string_view::npos) return "docker";
  if (line.find("libpod") != std::string_view::npos) return "podman";
  if (line.find("crio") != std::string_view::npos) return "cri-o";
  if (line.find("containerd") != std::string_view::npos) return "containerd";
  if (line.find("kubepods") != std::string_view::npos) return "containerd";
  return {};
}

class Seeder {
 public:
  Seeder(ThreadTable& table, const std::string& proc_root, const ContainerIdMapper& mapper)
      : table_(table), root_(proc_root), mapper_(mapper) {
    std::string stat;
    if (read_proc_file(root_ + "/stat", stat)) {
      auto btime = words(status_field_space(stat, "btime"));
      if (!btime.empty()) boot_ns_ = parse_number<uint64_t>(btime[0]).value_or(0) * 1'000'000'000;
    }
    ticks_per_second_ = static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
    if (ticks_per_second_ == 0) ticks_per_second_ = 100;
  }

  void run() {
    bool opened = false;
    auto pids = numeric_entries(root_, opened);
    if (!opened) throw_errno("reading " + root_);
    for (int64_t pid : pids) seed_process(pid);
  }

 private:
  // "btime 1700000000" in /proc/stat (space separated, unlike status's "Key:").
  static std::string_view status_field_space(std::string_view text, std::string_view key) {
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ' ')
        return line.substr(key.size() + 1);
      pos = end + 1;
    }
    return {};
  }

  void seed_process(int64_t pid) {
    std::string process_dir = root_ + "/" + std::to_string(pid);
    bool opened = false;
    auto tids = numeric_entries(process_dir + "/task", opened);
    if (!opened) tids = {pid};  // no task directory (a fake tree or an old kernel)
    // The leader first, so the other threads share its fd table.
    std::sort(tids.begin(), tids.end(),
              [pid](int64_t a, int64_t b) { return (a == pid) != (b == pid) ? a == pid : a < b; });
    std::shared_ptr<FdTable> fds;
    std::string container_id;
    bool container_known = false;
    for (int64_t tid : tids) {
      std::string dir = opened ? process_dir + "/task/" + std::to_string(tid) : process_dir;
      ThreadInfo info;
      if (!read_thread(dir, process_dir, pid, tid, info)) continue;
      if (!fds) fds = read_fds(process_dir, pid);
      info.fd_table = fds;
      if (!container_known) {
        container_id = mapper_ ? mapper_(info, pid) : default_container_id(process_dir);
        container_known = true;
        if (!container_id.empty() && table_.container(container_id) == nullptr) {
          ContainerInfo container;
          container.id = container_id;
          container.runtime = runtime_;
          container.pid_namespace = info.pid_namespace;
          container.mount_namespace = info.mount_namespace;
          table_.add_container(std::move(container));
        }
      }
      info.container_id = container_id;
      table_.insert(std::move(info));
    }
  }

  std::string default_container_id(const std::string& process_dir) {
    runtime_.clear();
    std::string cgroup;
    if (!read_proc_file(process_dir + "/cgroup", cgroup)) return {};
    auto container = container_from_cgroup(cgroup);
    if (!container) return {};
    runtime_ = container->runtime;
    return container->id;
  }

  bool read_thread(const std::string& dir, const std::string& process_dir, int64_t pid, int64_t tid,
                   ThreadInfo& info) {
    std::string status;
    // status is the one file every live thread has: without it the thread is gone.
    if (!read_proc_file(dir + "/status", status)) return false;
    info.tid = tid;
    info.pid = pid;
    info.ppid = parse_number<int64_t>(status_field(status, "PPid")).value_or(0);
    auto ids = [&](std::string_view key) {
      auto values = words(status_field(status, key));
      return values.size() >= 2 ? parse_number<uint32_t>(values[1]).value_or(0) : 0u;
    };
    info.uid = ids("Uid");
    info.gid = ids("Gid");
    auto caps = [&](std::string_view key) {
      return parse_number<uint64_t>(status_field(status, key), 16).value_or(0);
    };
    info.cap_effective = caps("CapEff");
    info.cap_permitted = caps("CapPrm");
    info.cap_inheritable = caps("CapInh");
    auto innermost = [&](std::string_view key) -> int64_t {
      auto values = words(status_field(status, key));
      return values.empty() ? 0 : parse_number<int64_t>(values.back()).value_or(0);
    };
    info.vtid = innermost("NSpid");
    info.vpid = innermost("NStgid");
    info.vpgid = innermost("NSpgid");
    if (info.vtid == 0) info.vtid = tid;
    if (info.vpid == 0) info.vpid = pid;

    std::string text;
    if (read_proc_file(dir + "/comm", text)) {
      if (!text.empty() && text.back() == '\n') text.pop_back();
      info.comm = text;
    } else {
      info.comm = std::string(status_field(status, "Name"));
    }
    if (read_proc_file(process_dir + "/cmdline", text) && !text.empty()) {
      if (text.back() == '\0') text.pop_back();
      std::size_t start = 0;
      bool first = true;
      while (true) {
        std::size_t end = text.find('\0', start);
        std::string item = text.substr(start, end == std::string::npos ? end : end - start);
        if (first)
          info.exe = std::move(item);
        else
          info.args.push_back(std::move(item));
        first = false;
        if (end == std::string::npos) break;
        start = end + 1;
      }
    } else {
      info.exe = info.comm;  // kernel threads have no command line
    }
    if (auto exe = read_link(process_dir + "/exe")) {
      constexpr std::string_view kDeleted = " (deleted)";
      if (exe->ends_with(kDeleted)) exe->resize(exe->size() - kDeleted.size());
      info.exe_from_memfd = exe->starts_with("/memfd:");
      info.exepath = std::move(*exe);
    }
    if (auto cwd = read_link(dir + "/cwd")) info.cwd = std::move(*cwd);
    if (read_proc_file(dir + "/loginuid", text))
      info.loginuid =
          parse_number<uint32_t>(std::string_view(trim_newline(text))).value_or(UINT32_MAX);
    if (read_proc_file(dir + "/stat", text)) {
      // Fields after the command name, which is in parentheses and may contain anything.
      std::size_t close = text.rfind(')');
      if (close != std::string::npos) {
        auto fields = words(std::string_view(text).substr(close + 1));
        // fields[0] is field 3 (state): session is field 6, tty_nr 7, starttime 22.
        if (fields.size() > 19) {
          info.sid = parse_number<int64_t>(fields[3]).value_or(0);
          info.tty = parse_number<uint32_t>(fields[4]).value_or(0);
          uint64_t start_ticks = parse_number<uint64_t>(fields[19]).value_or(0);
          info.start_ns = boot_ns_ + start_ticks * (1'000'000'000 / ticks_per_second_);
          info.exec_ns = info.start_ns;
        }
      }
    }
    info.pid_namespace = namespace_inode(dir + "/ns/pid");
    info.mount_namespace = namespace_inode(dir + "/ns/mnt");
    return true;
  }

  static std::string_view trim_newline(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    return text;
  }

  std::shared_ptr<FdTable> read_fds(const std::string& process_dir, int64_t pid) {
    auto table = std::make_shared<FdTable>();
    bool opened = false;
    auto fds = numeric_entries(process_dir + "/fd", opened);
    const SocketMap* sockets = nullptr;
    std::string text;
    for (int64_t fd : fds) {
      std::string path = process_dir + "/fd/" + std::to_string(fd);
      auto link = read_link(path);
      if (!link) continue;
      if (link->starts_with("socket:") && sockets == nullptr) sockets = &sockets_for(process_dir);
      FdInfo info = fd_from_link(*link, sockets);
      if (read_proc_file(process_dir + "/fdinfo/" + std::to_string(fd), text)) {
        // "flags:\t02100002" (octal)
        info.open_flags = parse_number<uint32_t>(status_field(text, "flags"), 8).value_or(0);
      }
      if (info.type == FdType::File) {
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) info.type = FdType::Directory;
      }
      table->fds.insert_or_assign(fd, std::move(info));
    }
    return table;
  }

  // The socket tables of the process's network namespace, read once per namespace.
  const SocketMap& sockets_for(const std::string& process_dir) {
    uint64_t net = namespace_inode(process_dir + "/ns/net");
    auto it = sockets_by_namespace_.find(net);
    if (it != sockets_by_namespace_.end()) return it->second;
    return sockets_by_namespace_.emplace(net, read_socket_tables(process_dir + "/net"))
        .first->second;
  }

  ThreadTable& table_;
  std::string root_;
  const ContainerIdMapper& mapper_;
  uint64_t boot_ns_ = 0;
  uint64_t ticks_per_second_ = 100;
  std::string runtime_;
  std::unordered_map<uint64_t, SocketMap> sockets_by_namespace_;
};

}  // namespace

std::string_view status_field(std::string_view status, std::string_view key) {
  std::size_t pos = 0;
  while (pos < status.size()) {
    std::size_t end = status.find('\n', pos);
    if (end == std::string_view::npos) end = status.size();
    std::string_view line = status.substr(pos, end - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      line.remove_prefix(key.size() + 1);
      while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) line.remove_prefix(1);
      return line;
    }
    pos = end + 1;
  }
  return {};
}

std::optional<CgroupContainer> container_from_cgroup(std::string_view cgroup_file) {
  auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  std::size_t pos = 0;
  while (pos < cgroup_file.size()) {
    std::size_t end = cgroup_file.find('\n', pos);
    if (end == std::string_view::npos) end = cgroup_file.size();
    std::string_view line = cgroup_file.substr(pos, end - pos);
    pos = end + 1;
    // The path is after the second colon: "4:memory:/docker/<id>".
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) colon = line.find(':', colon + 1);
    if (colon == std::string_view::npos) continue;
    std::string_view path = line.substr(colon + 1);
    std::size_t i = 0;
    while (i < path.size()) {
      if (!is_hex(path[i])) {
        ++i;
        continue;
      }
      std::size_t start = i;
      while (i < path.size() && is_hex(path[i])) ++i;
      bool bounded_before = start == 0 || path[start - 1] == '/' || path[start - 1] == '-';
      bool bounded_after = i == path.size() || path[i] == '/' || path[i] == '.';
      if (i - start == 64 && bounded_before && bounded_after) {
        CgroupContainer container;
        container.full_id = std::string(path.substr(start, 64));
        container.id = container.full_id.substr(0, 12);
        container.runtime = runtime_of_cgroup_line(path);
        return container;
      }
    }
  }
  return std::nullopt;
}

void seed_from_proc(ThreadTable& table, const std::string& proc_root,
                    const ContainerIdMapper& container_id) {
  Seeder(table, proc_root, container_id).run();
}

}  // namespace bulkhead::capture
