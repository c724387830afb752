#include "capture/synthetic.h"

#include <arpa/inet.h>

#include <cstdlib>

#include "base/error.h"

namespace bulkhead::capture {

OwnedEvent::OwnedEvent(EventType type, int64_t tid, int64_t pid, int64_t result,
                       uint64_t timestamp_ns) {
  event_.type = type;
  event_.tid = tid;
  event_.pid = pid;
  event_.result = result;
  event_.timestamp_ns = timestamp_ns;
  event_.param_count = static_cast<uint8_t>(event_spec(type).params.size());
  event_.params[0].number = static_cast<uint64_t>(result);
  event_.params[0].present = true;
}

std::size_t OwnedEvent::index_of(std::string_view name) const {
  auto index = param_index(event_.type, name);
  if (!index)
    throw Error("event " + std::string(event_type_name(event_.type)) + " has no param '" +
                std::string(name) + "'");
  return *index;
}

OwnedEvent& OwnedEvent::set(std::string_view name, int64_t number) {
  std::size_t index = index_of(name);
  event_.params[index].number = static_cast<uint64_t>(number);
  event_.params[index].present = true;
  if (index == 0) event_.result = number;
  return *this;
}

OwnedEvent& OwnedEvent::set_bytes(std::string_view name, std::string_view bytes) {
  std::size_t index = index_of(name);
  bytes_[index].assign(bytes);
  has_bytes_[index] = true;
  event_.params[index].present = true;
  return *this;
}

OwnedEvent& OwnedEvent::set_list(std::string_view name, const std::vector<std::string>& items) {
  std::string joined;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) joined.push_back('\0');
    joined.append(items[i]);
  }
  return set_bytes(name, joined);
}

OwnedEvent& OwnedEvent::set_cpu(uint16_t cpu) {
  event_.cpu = cpu;
  return *this;
}

OwnedEvent& OwnedEvent::set_timestamp(uint64_t timestamp_ns) {
  event_.timestamp_ns = timestamp_ns;
  return *this;
}

void OwnedEvent::reset(EventType type, int64_t tid, int64_t pid, int64_t result,
                       uint64_t timestamp_ns) {
  event_.type = type;
  event_.tid = tid;
  event_.pid = pid;
  event_.result = result;
  event_.timestamp_ns = timestamp_ns;
  event_.cpu = 0;
  event_.param_count = static_cast<uint8_t>(event_spec(type).params.size());
  for (std::size_t i = 0; i < kMaxParams; ++i) {
    event_.params[i] = Param{};
    has_bytes_[i] = false;
  }
  event_.params[0].number = static_cast<uint64_t>(result);
  event_.params[0].present = true;
}

const Event& OwnedEvent::event() const {
  // Re-pointed on every call, so copies and moves of this object stay correct.
  for (std::size_t i = 0; i < kMaxParams; ++i)
    if (has_bytes_[i]) event_.params[i].bytes = bytes_[i];
  return event_;
}

}  // namespace bulkhead::capture

// --- SyntheticHost -------------------------------------------------------------------------------

namespace bulkhead::capture {
namespace {

constexpr uint32_t kOCloexec = 02000000, kODirectory = 0200000, kOWronly = 01, kORdwr = 02,
                   kOCreat = 0100, kOTrunc = 01000;
constexpr int64_t kAtFdcwd = -100;
constexpr uint64_t kExeFromMemfd = 4;
constexpr uint64_t kCloneThreadFlags =
    0x3d0f00;  // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID

std::string comm_of(const std::string& exepath) {
  std::size_t slash = exepath.rfind('/');
  std::string name = slash == std::string::npos ? exepath : exepath.substr(slash + 1);
  if (name.size() > 15) name.resize(15);  // the kernel's TASK_COMM_LEN
  return name;
}

// "10.0.0.1" / "::1" / "/path" (AF_UNIX) -> an address.
SocketAddress address_of(const std::string& ip, uint16_t port) {
  SocketAddress address;
  address.port = port;
  if (!ip.empty() && ip.front() == '/') {
    address.family = kAfUnix;
    address.unix_path = ip;
  } else if (::inet_pton(AF_INET, ip.c_str(), address.ip.data()) == 1) {
    address.family = kAfInet;
  } else if (::inet_pton(AF_INET6, ip.c_str(), address.ip.data()) == 1) {
    address.family = kAfInet6;
  } else {
    throw Error("synthetic host: not an IP address: " + ip);
  }
  return address;
}

}  // namespace

SyntheticHost::SyntheticHost(EventSink sink, uint64_t start_ns)
    : sink_(std::move(sink)), now_(start_ns), scratch_(EventType::execve, 0, 0, 0) {}

void SyntheticHost::add_container(ContainerInfo container) {
  containers_.push_back(std::move(container));
}

SyntheticHost::Process& SyntheticHost::process(int64_t pid) {
  auto it = processes_.find(pid);
  if (it != processes_.end()) return it->second;
  auto thread = threads_.find(pid);
  if (thread != threads_.end()) {
    it = processes_.find(thread->second);
    if (it != processes_.end()) return it->second;
  }
  throw Error("synthetic host: no process " + std::to_string(pid));
}

const std::string& SyntheticHost::container_of(int64_t pid) const {
  static const std::string kHost;
  auto it = processes_.find(pid);
  return it == processes_.end() ? kHost : it->second.container_id;
}

int64_t SyntheticHost::add_process(int64_t parent, const std::string& exepath,
                                   const std::vector<std::string>& args,
                                   const std::string& container_id, uint32_t uid, uint32_t tty) {
  Process p;
  p.pid = p.tid = next_pid_++;
  p.ppid = parent;
  p.exepath = exepath;
  p.exe = exepath;
  p.comm = comm_of(exepath);
  p.args = args;
  p.container_id = container_id;
  p.uid = p.gid = uid;
  p.tty = tty;
  if (uid != 0) p.cap_effective = p.cap_permitted = 0;
  if (!container_id.empty()) {
    p.cap_effective = p.cap_permitted = 0xa80425fb;  // Docker's default set
    p.local_ip = "172.17.0." + std::to_string(2 + containers_.size() % 200);
  }
  p.fds = std::make_shared<std::map<int64_t, Fd>>();
  for (int64_t fd = 0; fd < 3; ++fd)
    (*p.fds)[fd] = Fd{FdType::File, tty ? "/dev/pts/0" : "/dev/null", kORdwr};
  int64_t pid = p.pid;
  processes_.emplace(pid, std::move(p));
  return pid;
}

void SyntheticHost::snapshot(ThreadTable& table) const {
  for (const ContainerInfo& container : containers_) table.add_container(container);
  for (const auto& [pid, p] : processes_) {
    ThreadInfo info;
    info.tid = info.pid = pid;
    info.ppid = p.ppid;
    info.comm = p.comm;
    info.exe = p.exe;
    info.exepath = p.exepath;
    info.args = p.args;
    info.cwd = p.cwd;
    info.uid = p.uid;
    info.gid = p.gid;
    info.tty = p.tty;
    info.cap_effective = p.cap_effective;
    info.cap_permitted = p.cap_permitted;
    info.container_id = p.container_id;
    info.start_ns = info.exec_ns = info.last_seen_ns = now_;
    info.fd_table = std::make_shared<FdTable>();
    for (const auto& [number, fd] : *p.fds) {
      FdInfo entry;
      entry.type = fd.type;
      entry.name = fd.name;
      entry.open_flags = fd.flags;
      info.fd_table->fds[number] = std::move(entry);
    }
    table.insert(std::move(info));
  }
}

OwnedEvent& SyntheticHost::begin(EventType type, const Process& caller, int64_t result) {
  // Time moves by a deterministic, irregular step (0.2 to 5 µs).
  now_ += 200 + (emitted_ * 2654435761u) % 4800;
  scratch_.reset(type, caller.tid, caller.pid, result, now_);
  scratch_.set_cpu(static_cast<uint16_t>((caller.pid + emitted_ / 64) % 2));
  return scratch_;
}

void SyntheticHost::emit() {
  ++emitted_;
  sink_(scratch_.event());
}

int64_t SyntheticHost::lowest_free_fd(const Process& p) const {
  int64_t fd = 0;
  for (const auto& [number, info] : *p.fds) {
    if (number != fd) break;
    ++fd;
  }
  return fd;
}

int64_t SyntheticHost::add_fd(Process& p, Fd fd, int64_t at) {
  int64_t number = at >= 0 ? at : lowest_free_fd(p);
  (*p.fds)[number] = std::move(fd);
  return number;
}

std::string SyntheticHost::resolve(const Process& p, const std::string& path) const {
  return resolve_path(p.cwd, path);
}

void SyntheticHost::set_clone_params(OwnedEvent& event, const Process& p, uint64_t flags) {
  event.set_bytes("exe", p.exe)
      .set_list("args", p.args)
      .set("tid", p.tid)
      .set("pid", p.pid)
      .set("ptid", p.ppid)
      .set_bytes("cwd", p.cwd)
      .set_bytes("comm", p.comm)
      .set("flags", static_cast<int64_t>(flags))
      .set("uid", p.uid)
      .set("gid", p.gid);
}

void SyntheticHost::set_exec_params(OwnedEvent& event, const Process& p) {
  event.set_bytes("exe", p.exe)
      .set_list("args", p.args)
      .set("tid", p.tid)
      .set("pid", p.pid)
      .set("ptid", p.ppid)
      .set_bytes("cwd", p.cwd)
      .set_bytes("comm", p.comm)
      .set_list("env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                        p.uid == 0 ? "HOME=/root" : "HOME=/home/user"})
      .set("tty", p.tty)
      .set("uid", p.uid)
      .set("gid", p.gid)
      .set("loginuid", p.tty ? int64_t{1000} : int64_t{UINT32_MAX})
      .set("flags", p.from_memfd ? static_cast<int64_t>(kExeFromMemfd) : 0)
      .set("cap_inheritable", 0)
      .set("cap_permitted", static_cast<int64_t>(p.cap_permitted))
      .set("cap_effective", static_cast<int64_t>(p.cap_effective))
      .set_bytes("trusted_exepath", p.exepath);
}

int64_t SyntheticHost::fork(int64_t parent_pid, EventType via, uint64_t clone_flags) {
  Process& parent = process(parent_pid);
  Process child = parent;
  child.pid = child.tid = next_pid_++;
  child.ppid = parent.pid;
  child.fds = std::make_shared<std::map<int64_t, Fd>>(*parent.fds);
  uint64_t flags = via == EventType::vfork ? 0x4111 : clone_flags;  // CLONE_VM|CLONE_VFORK|SIGCHLD
  OwnedEvent& event = begin(via, parent, child.pid);
  set_clone_params(event, parent, flags);
  emit();
  int64_t pid = child.pid;
  processes_.emplace(pid, std::move(child));
  Process& created = processes_.at(pid);
  OwnedEvent& child_event = begin(via, created, 0);
  set_clone_params(child_event, created, flags);
  child_event.set("vtid", created.container_id.empty() ? pid : 1 + pid % 50)
      .set("vpid", created.container_id.empty() ? pid : 1 + pid % 50);
  emit();
  return pid;
}

int64_t SyntheticHost::spawn_thread(int64_t process_pid) {
  Process& p = process(process_pid);
  int64_t tid = next_pid_++;
  OwnedEvent& event = begin(EventType::clone, p, tid);
  set_clone_params(event, p, kCloneThreadFlags);
  emit();
  threads_[tid] = p.pid;
  Process thread_view = p;
  thread_view.tid = tid;
  OwnedEvent& child = begin(EventType::clone, thread_view, 0);
  set_clone_params(child, thread_view, kCloneThreadFlags);
  emit();
  return tid;
}

int64_t SyntheticHost::spawn(int64_t parent, const std::string& exepath,
                             const std::vector<std::string>& args, EventType via) {
  int64_t pid = fork(parent, via);
  exec(pid, exepath, args);
  return pid;
}

void SyntheticHost::exec(int64_t pid, const std::string& exepath,
                         const std::vector<std::string>& args, int64_t result) {
  Process& p = process(pid);
  if (result == 0) {
    p.exepath = exepath;
    p.exe = exepath;
    p.comm = comm_of(exepath);
    p.args = args;
    p.from_memfd = false;
    std::erase_if(*p.fds, [](const auto& entry) { return entry.second.flags & kOCloexec; });
  }
  OwnedEvent& event = begin(EventType::execve, p, result);
  if (result == 0) {
    set_exec_params(event, p);
  } else {
    event.set_bytes("exe", exepath).set_list("args", args);
  }
  emit();
}

void SyntheticHost::execveat(int64_t pid, int64_t dirfd, const std::string& pathname,
                             const std::vector<std::string>& args) {
  Process& p = process(pid);
  auto fd = p.fds->find(dirfd);
  bool memfd = fd != p.fds->end() && fd->second.type == FdType::Memfd;
  std::string exepath = memfd                ? "/" + fd->second.name + " (deleted)"
                        : fd != p.fds->end() ? fd->second.name
                                             : resolve(p, pathname);
  p.exepath = exepath;
  p.exe = args.empty() ? exepath : args[0];
  p.comm = memfd ? std::to_string(dirfd) : comm_of(exepath);
  p.args.assign(args.size() > 1 ? args.begin() + 1 : args.end(), args.end());
  p.from_memfd = memfd;
  std::erase_if(*p.fds, [](const auto& entry) { return entry.second.flags & kOCloexec; });
  OwnedEvent& event = begin(EventType::execveat, p, 0);
  set_exec_params(event, p);
  event.set("dirfd", dirfd).set_bytes("pathname", pathname);
  emit();
}

void SyntheticHost::exit(int64_t pid, int64_t status) {
  Process& p = process(pid);
  OwnedEvent& event = begin(EventType::procexit, p, status);
  event.set("ret", status >> 8).set("sig", 0).set("core", 0).set("reaper_tid", 1);
  emit();
  std::erase_if(threads_, [pid](const auto& entry) { return entry.second == pid; });
  processes_.erase(pid);
}

int64_t SyntheticHost::open(int64_t pid, const std::string& path, uint32_t flags, uint32_t mode,
                            EventType via, int64_t dirfd, int64_t result) {
  Process& p = process(pid);
  std::string base = p.cwd;
  if (dirfd != kAtFdcwd) {
    auto it = p.fds->find(dirfd);
    if (it != p.fds->end()) base = it->second.name;
  }
  int64_t fd = result;
  if (result >= 0) {
    Fd entry{(flags & kODirectory) ? FdType::Directory : FdType::File, resolve_path(base, path),
             flags};
    fd = add_fd(p, std::move(entry));
  }
  OwnedEvent& event = begin(via, p, fd);
  event.set_bytes("name", path).set("flags", flags).set("mode", mode);
  if (via != EventType::open) event.set("dirfd", dirfd);
  if (via == EventType::openat2) event.set("resolve", 0);
  if (fd >= 0)
    event.set("dev", 0x803).set("ino", 100000 + (std::hash<std::string>{}(path) % 900000));
  emit();
  return fd;
}

int64_t SyntheticHost::creat(int64_t pid, const std::string& path, uint32_t mode) {
  Process& p = process(pid);
  int64_t fd = add_fd(p, Fd{FdType::File, resolve(p, path), kOWronly | kOCreat | kOTrunc});
  begin(EventType::creat, p, fd)
      .set_bytes("name", path)
      .set("mode", mode)
      .set("dev", 0x803)
      .set("ino", 4242);
  emit();
  return fd;
}

void SyntheticHost::close(int64_t pid, int64_t fd) {
  Process& p = process(pid);
  int64_t result = p.fds->erase(fd) ? 0 : -9;  // EBADF
  begin(EventType::close, p, result).set("fd", fd);
  emit();
}

void SyntheticHost::read(int64_t pid, int64_t fd, uint64_t size, std::string_view data) {
  Process& p = process(pid);
  OwnedEvent& event = begin(EventType::read, p, static_cast<int64_t>(size));
  event.set("fd", fd).set("size", static_cast<int64_t>(size));
  if (!data.empty()) event.set_bytes("data", data);
  emit();
}

void SyntheticHost::write(int64_t pid, int64_t fd, uint64_t size, std::string_view data) {
  Process& p = process(pid);
  OwnedEvent& event = begin(EventType::write, p, static_cast<int64_t>(size));
  event.set("fd", fd).set("size", static_cast<int64_t>(size));
  if (!data.empty()) event.set_bytes("data", data);
  emit();
}

int64_t SyntheticHost::dup(int64_t pid, int64_t fd, EventType via, int64_t newfd, uint32_t flags) {
  Process& p = process(pid);
  auto it = p.fds->find(fd);
  Fd copy = it != p.fds->end() ? it->second : Fd{};
  copy.flags = (copy.flags & ~kOCloexec) | (flags & kOCloexec);
  int64_t result = add_fd(p, std::move(copy), via == EventType::dup ? -1 : newfd);
  OwnedEvent& event = begin(via, p, result);
  event.set("oldfd", fd);
  if (via != EventType::dup) event.set("newfd", result);
  if (via == EventType::dup3) event.set("flags", flags);
  emit();
  return result;
}

int64_t SyntheticHost::fcntl_dupfd(int64_t pid, int64_t fd, bool cloexec) {
  Process& p = process(pid);
  auto it = p.fds->find(fd);
  Fd copy = it != p.fds->end() ? it->second : Fd{};
  copy.flags = cloexec ? (copy.flags | kOCloexec) : (copy.flags & ~kOCloexec);
  int64_t result = add_fd(p, std::move(copy));
  begin(EventType::fcntl, p, result).set("fd", fd).set("cmd", cloexec ? 1030 : 0);
  emit();
  return result;
}

std::pair<int64_t, int64_t> SyntheticHost::pipe(int64_t pid, EventType via, uint32_t flags) {
  Process& p = process(pid);
  int64_t fd1 = add_fd(p, Fd{FdType::Pipe, "", flags & kOCloexec});
  int64_t fd2 = add_fd(p, Fd{FdType::Pipe, "", flags & kOCloexec});
  OwnedEvent& event = begin(via, p, 0);
  event.set("fd1", fd1).set("fd2", fd2).set("ino", 90000 + fd1);
  if (via == EventType::pipe2) event.set("flags", flags);
  emit();
  return {fd1, fd2};
}

int64_t SyntheticHost::memfd_create(int64_t pid, const std::string& name, uint32_t flags) {
  Process& p = process(pid);
  int64_t fd = add_fd(p, Fd{FdType::Memfd, "memfd:" + name, (flags & 1) ? kOCloexec : 0});
  begin(EventType::memfd_create, p, fd).set_bytes("name", name).set("flags", flags);
  emit();
  return fd;
}

void SyntheticHost::chmod(int64_t pid, const std::string& path, uint32_t mode, EventType via,
                          int64_t fd) {
  Process& p = process(pid);
  OwnedEvent& event = begin(via, p, 0);
  event.set("mode", mode);
  if (via == EventType::fchmod) {
    event.set("fd", fd);
  } else {
    event.set_bytes("filename", path);
    if (via == EventType::fchmodat) event.set("dirfd", fd);
  }
  emit();
}

void SyntheticHost::unlink(int64_t pid, const std::string& path, EventType via, uint32_t flags) {
  Process& p = process(pid);
  OwnedEvent& event = begin(via, p, 0);
  if (via == EventType::unlink) {
    event.set_bytes("path", path);
  } else {
    event.set("dirfd", kAtFdcwd).set_bytes("name", path).set("flags", flags);
  }
  emit();
}

void SyntheticHost::rename(int64_t pid, const std::string& from, const std::string& to,
                           EventType via, uint32_t flags) {
  Process& p = process(pid);
  OwnedEvent& event = begin(via, p, 0);
  event.set_bytes("oldpath", from).set_bytes("newpath", to);
  if (via != EventType::rename) event.set("olddirfd", kAtFdcwd).set("newdirfd", kAtFdcwd);
  if (via == EventType::renameat2) event.set("flags", flags);
  emit();
}

void SyntheticHost::link(int64_t pid, const std::string& target, const std::string& path,
                         bool symbolic, bool at_variant) {
  Process& p = process(pid);
  if (symbolic) {
    OwnedEvent& event = begin(at_variant ? EventType::symlinkat : EventType::symlink, p, 0);
    event.set_bytes("target", target).set_bytes("linkpath", path);
    if (at_variant) event.set("linkdirfd", kAtFdcwd);
  } else {
    OwnedEvent& event = begin(at_variant ? EventType::linkat : EventType::link, p, 0);
    event.set_bytes("oldpath", target).set_bytes("newpath", path);
    if (at_variant) event.set("olddir", kAtFdcwd).set("newdir", kAtFdcwd).set("flags", 0);
  }
  emit();
}

void SyntheticHost::mkdir(int64_t pid, const std::string& path, uint32_t mode, bool at_variant) {
  Process& p = process(pid);
  OwnedEvent& event = begin(at_variant ? EventType::mkdirat : EventType::mkdir, p, 0);
  event.set_bytes("path", path).set("mode", mode);
  if (at_variant) event.set("dirfd", kAtFdcwd);
  emit();
}

void SyntheticHost::chdir(int64_t pid, const std::string& path) {
  Process& p = process(pid);
  p.cwd = resolve(p, path);
  begin(EventType::chdir, p, 0).set_bytes("path", path);
  emit();
}

void SyntheticHost::fchdir(int64_t pid, int64_t fd) {
  Process& p = process(pid);
  auto it = p.fds->find(fd);
  if (it != p.fds->end()) p.cwd = it->second.name;
  begin(EventType::fchdir, p, it != p.fds->end() ? 0 : -9).set("fd", fd);
  emit();
}

int64_t SyntheticHost::socket(int64_t pid, uint32_t domain, uint32_t type, uint32_t proto) {
  Process& p = process(pid);
  FdType fd_type = domain == kAfInet    ? FdType::Ipv4Socket
                   : domain == kAfInet6 ? FdType::Ipv6Socket
                   : domain == kAfUnix  ? FdType::UnixSocket
                                        : FdType::Netlink;
  int64_t fd = add_fd(p, Fd{fd_type, "", type & kOCloexec});
  begin(EventType::socket, p, fd).set("domain", domain).set("type", type).set("proto", proto);
  emit();
  return fd;
}

std::pair<int64_t, int64_t> SyntheticHost::socketpair(int64_t pid) {
  Process& p = process(pid);
  int64_t fd1 = add_fd(p, Fd{FdType::UnixSocket, "", kOCloexec});
  int64_t fd2 = add_fd(p, Fd{FdType::UnixSocket, "", kOCloexec});
  begin(EventType::socketpair, p, 0)
      .set("fd1", fd1)
      .set("fd2", fd2)
      .set("source", 0xffff8880aa000000 + fd1)
      .set("peer", 0xffff8880aa000000 + fd2)
      .set("domain", kAfUnix)
      .set("type", 1 | kOCloexec)
      .set("proto", 0);
  emit();
  return {fd1, fd2};
}

void SyntheticHost::connect(int64_t pid, int64_t fd, const std::string& ip, uint16_t port,
                            int64_t result) {
  Process& p = process(pid);
  SocketAddress remote = address_of(ip, port);
  SocketTuple tuple;
  tuple.family = remote.family;
  if (remote.family == kAfUnix) {
    tuple.unix_path = remote.unix_path;
  } else {
    SocketAddress local = address_of(remote.family == kAfInet ? p.local_ip : "fd00::1", 0);
    tuple.source_ip = local.ip;
    tuple.source_port = static_cast<uint16_t>(32768 + (now_ / 1000) % 28000);
    tuple.destination_ip = remote.ip;
    tuple.destination_port = port;
  }
  if (result == 0) {
    auto it = p.fds->find(fd);
    if (it != p.fds->end()) it->second.name = format_socket_tuple(tuple);
  }
  begin(EventType::connect, p, result)
      .set_bytes("tuple", encode_socket_tuple(tuple))
      .set("fd", fd)
      .set_bytes("addr", encode_socket_address(remote));
  emit();
}

void SyntheticHost::bind(int64_t pid, int64_t fd, const std::string& ip, uint16_t port) {
  Process& p = process(pid);
  SocketAddress address = address_of(ip, port);
  auto it = p.fds->find(fd);
  if (it != p.fds->end()) it->second.name = format_socket_address(address);
  begin(EventType::bind, p, 0).set_bytes("addr", encode_socket_address(address)).set("fd", fd);
  emit();
}

void SyntheticHost::listen(int64_t pid, int64_t fd, int backlog) {
  Process& p = process(pid);
  begin(EventType::listen, p, 0).set("fd", fd).set("backlog", backlog);
  emit();
}

int64_t SyntheticHost::accept(int64_t pid, int64_t listen_fd, const std::string& peer_ip,
                              uint16_t peer_port, EventType via) {
  Process& p = process(pid);
  SocketAddress peer = address_of(peer_ip, peer_port);
  SocketTuple tuple;
  tuple.family = peer.family;
  tuple.source_ip = peer.ip;
  tuple.source_port = peer_port;
  SocketAddress local = address_of(peer.family == kAfInet ? p.local_ip : "fd00::1", 80);
  tuple.destination_ip = local.ip;
  tuple.destination_port = 80;
  auto listener = p.fds->find(listen_fd);
  if (listener != p.fds->end()) {
    std::size_t colon = listener->second.name.rfind(':');
    if (colon != std::string::npos)
      tuple.destination_port =
          static_cast<uint16_t>(std::atoi(listener->second.name.c_str() + colon + 1));
  }
  int64_t fd = add_fd(p, Fd{peer.family == kAfInet ? FdType::Ipv4Socket : FdType::Ipv6Socket,
                            format_socket_tuple(tuple), kOCloexec});
  OwnedEvent& event = begin(via, p, fd);
  event.set_bytes("tuple", encode_socket_tuple(tuple))
      .set("queuepct", 0)
      .set("queuelen", 0)
      .set("queuemax", 511);
  if (via == EventType::accept4) event.set("flags", kOCloexec | 04000);
  emit();
  return fd;
}

void SyntheticHost::send(int64_t pid, int64_t fd, uint64_t size, EventType via) {
  Process& p = process(pid);
  begin(via, p, static_cast<int64_t>(size)).set("fd", fd).set("size", static_cast<int64_t>(size));
  emit();
}

void SyntheticHost::receive(int64_t pid, int64_t fd, uint64_t size, EventType via) {
  Process& p = process(pid);
  begin(via, p, static_cast<int64_t>(size)).set("fd", fd).set("size", static_cast<int64_t>(size));
  emit();
}

void SyntheticHost::setuid(int64_t pid, uint32_t uid, EventType via) {
  Process& p = process(pid);
  p.uid = uid;
  if (uid != 0) p.cap_effective = 0;
  OwnedEvent& event = begin(via, p, 0);
  if (via == EventType::setuid) {
    event.set("uid", uid);
  } else {
    event.set("ruid", uid).set("euid", uid);
    if (via == EventType::setresuid) event.set("suid", uid);
  }
  emit();
}

void SyntheticHost::setgid(int64_t pid, uint32_t gid, EventType via) {
  Process& p = process(pid);
  p.gid = gid;
  OwnedEvent& event = begin(via, p, 0);
  if (via == EventType::setgid) {
    event.set("gid", gid);
  } else {
    event.set("rgid", gid).set("egid", gid);
    if (via == EventType::setresgid) event.set("sgid", gid);
  }
  emit();
}

void SyntheticHost::capset(int64_t pid, uint64_t effective, uint64_t permitted) {
  Process& p = process(pid);
  p.cap_effective = effective;
  p.cap_permitted = permitted;
  begin(EventType::capset, p, 0)
      .set("cap_inheritable", 0)
      .set("cap_permitted", static_cast<int64_t>(permitted))
      .set("cap_effective", static_cast<int64_t>(effective));
  emit();
}

void SyntheticHost::ptrace(int64_t pid, uint64_t request, int64_t target) {
  Process& p = process(pid);
  begin(EventType::ptrace, p, 0)
      .set("addr", 0)
      .set("data", 0)
      .set("request", static_cast<int64_t>(request))
      .set("pid", target);
  emit();
}

void SyntheticHost::mount(int64_t pid, const std::string& dev, const std::string& dir,
                          const std::string& type, uint64_t flags, int64_t result) {
  Process& p = process(pid);
  begin(EventType::mount, p, result)
      .set_bytes("dev", dev)
      .set_bytes("dir", dir)
      .set_bytes("type", type)
      .set("flags", static_cast<int64_t>(flags));
  emit();
}

void SyntheticHost::umount(int64_t pid, const std::string& dir, uint64_t flags) {
  Process& p = process(pid);
  begin(EventType::umount2, p, 0).set_bytes("name", dir).set("flags", static_cast<int64_t>(flags));
  emit();
}

void SyntheticHost::unshare(int64_t pid, uint64_t flags, int64_t result) {
  Process& p = process(pid);
  begin(EventType::unshare, p, result).set("flags", static_cast<int64_t>(flags));
  emit();
}

void SyntheticHost::setns(int64_t pid, int64_t fd, uint64_t nstype, int64_t result) {
  Process& p = process(pid);
  begin(EventType::setns, p, result).set("fd", fd).set("nstype", static_cast<int64_t>(nstype));
  emit();
}

void SyntheticHost::init_module(int64_t pid, uint64_t length, const std::string& args) {
  Process& p = process(pid);
  begin(EventType::init_module, p, 0)
      .set("length", static_cast<int64_t>(length))
      .set_bytes("uargs", args);
  emit();
}

void SyntheticHost::finit_module(int64_t pid, int64_t fd, const std::string& args) {
  Process& p = process(pid);
  begin(EventType::finit_module, p, 0).set("fd", fd).set_bytes("uargs", args).set("flags", 0);
  emit();
}

int64_t SyntheticHost::bpf(int64_t pid, uint64_t cmd) {
  Process& p = process(pid);
  int64_t fd = add_fd(p, Fd{FdType::Bpf, "", kOCloexec});
  begin(EventType::bpf, p, fd).set("cmd", static_cast<int64_t>(cmd));
  emit();
  return fd;
}

int64_t SyntheticHost::userfaultfd(int64_t pid) {
  Process& p = process(pid);
  int64_t fd = add_fd(p, Fd{FdType::UserFaultFd, "", kOCloexec});
  begin(EventType::userfaultfd, p, fd).set("flags", kOCloexec);
  emit();
  return fd;
}

void SyntheticHost::kill(int64_t pid, int64_t target, int signal, bool thread_directed) {
  Process& p = process(pid);
  OwnedEvent& event = begin(thread_directed ? EventType::tgkill : EventType::kill, p, 0);
  event.set("pid", target).set("sig", signal);
  if (thread_directed) event.set("tid", target);
  emit();
}

void SyntheticHost::prctl(int64_t pid, uint64_t option, const std::string& arg) {
  Process& p = process(pid);
  if (option == 15) p.comm = arg.substr(0, 15);  // PR_SET_NAME
  begin(EventType::prctl, p, 0)
      .set("option", static_cast<int64_t>(option))
      .set_bytes("arg2_str", arg)
      .set("arg2_int", 0);
  emit();
}

}  // namespace bulkhead::capture
