#include "capture/thread_table.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>

namespace bulkhead::capture {
namespace {

constexpr int64_t kAtFdcwd = -100;
constexpr uint32_t kOCloexec = 02000000;
constexpr uint32_t kODirectory = 0200000;
constexpr uint32_t kOWronly = 01, kOCreat = 0100, kOTrunc = 01000;
constexpr uint64_t kCloneFiles = 0x00000400;
constexpr uint64_t kCloneThread = 0x00010000;
constexpr uint64_t kCloneParent = 0x00008000;
constexpr uint64_t kExeWritable = 1, kExeUpperLayer = 2, kExeFromMemfd = 4;
constexpr uint64_t kMfdCloexec = 1;
constexpr uint32_t kUnchangedId = UINT32_MAX;  // setreuid(-1, ...) leaves that id alone
constexpr int64_t kEinprogress = 115;
constexpr uint64_t kFDupfd = 0, kFDupfdCloexec = 1030;
constexpr uint64_t kPrSetName = 15;
constexpr uint8_t kIpprotoTcp = 6, kIpprotoUdp = 17, kL4Raw = 255;

// The params the table reads, resolved to indices once per event type: apply() runs for every
// event, and comparing names there would cost more than the rest of the work.
enum class Arg : uint8_t {
  addr,
  arg2_str,
  args,
  cap_effective,
  cap_inheritable,
  cap_permitted,
  cmd,
  comm,
  cwd,
  dirfd,
  domain,
  egid,
  euid,
  exe,
  fd,
  fd1,
  fd2,
  flags,
  gid,
  loginuid,
  name,
  oldfd,
  option,
  path,
  pathname,
  proto,
  ptid,
  trusted_exepath,
  tty,
  tuple,
  type,
  uid,
  vpid,
  vtid,
  count_,
};
constexpr std::string_view kArgNames[] = {"addr",
                                          "arg2_str",
                                          "args",
                                          "cap_effective",
                                          "cap_inheritable",
                                          "cap_permitted",
                                          "cmd",
                                          "comm",
                                          "cwd",
                                          "dirfd",
                                          "domain",
                                          "egid",
                                          "euid",
                                          "exe",
                                          "fd",
                                          "fd1",
                                          "fd2",
                                          "flags",
                                          "gid",
                                          "loginuid",
                                          "name",
                                          "oldfd",
                                          "option",
                                          "path",
                                          "pathname",
                                          "proto",
                                          "ptid",
                                          "trusted_exepath",
                                          "tty",
                                          "tuple",
                                          "type",
                                          "uid",
                                          "vpid",
                                          "vtid"};
static_assert(std::size(kArgNames) == static_cast<std::size_t>(Arg::count_));

struct ArgSlots {
  std::array<std::array<int8_t, static_cast<std::size_t>(Arg::count_)>, kEventTypeCount> slot{};
  ArgSlots() {
    for (std::size_t type = 0; type < kEventTypeCount; ++type)
      for (std::size_t name = 0; name < std::size(kArgNames); ++name) {
        auto index = param_index(static_cast<EventType>(type), kArgNames[name]);
        slot[type][name] = index ? static_cast<int8_t>(*index) : int8_t{-1};
      }
  }
};
const ArgSlots& arg_slots() {
  static const ArgSlots slots;
  return slots;
}

const Param* arg(const Event& event, Arg name) {
  int8_t index =
      arg_slots().slot[static_cast<std::size_t>(event.type)][static_cast<std::size_t>(name)];
  if (index < 0 || index >= event.param_count) return nullptr;
  const Param* param = &event.params[static_cast<std::size_t>(index)];
  return param->present ? param : nullptr;
}
std::optional<int64_t> arg_int(const Event& event, Arg name) {
  const Param* param = arg(event, name);
  if (param == nullptr) return std::nullopt;
  return static_cast<int64_t>(param->number);
}
uint64_t arg_uint(const Event& event, Arg name, uint64_t fallback = 0) {
  const Param* param = arg(event, name);
  return param == nullptr ? fallback : param->number;
}
std::optional<std::string_view> arg_bytes(const Event& event, Arg name) {
  const Param* param = arg(event, name);
  if (param == nullptr) return std::nullopt;
  return param->bytes;
}

std::vector<std::string> split_list(std::string_view list) {
  std::vector<std::string> out;
  // NUL-separated; a trailing NUL does not start another element.
  while (!list.empty()) {
    std::size_t end = list.find('\0');
    out.emplace_back(list.substr(0, end));
    if (end == std::string_view::npos) break;
    list.remove_prefix(end + 1);
  }
  return out;
}

FdType socket_type_for(uint64_t family) {
  switch (family) {
    case kAfInet:
      return FdType::Ipv4Socket;
    case kAfInet6:
      return FdType::Ipv6Socket;
    case kAfUnix:
      return FdType::UnixSocket;
    case 16:
      return FdType::Netlink;  // AF_NETLINK
    default:
      return FdType::Unknown;
  }
}

// The directory a relative path of `thread` starts from: the dirfd's path or the cwd.
std::string_view base_directory(const ThreadTable& table, const ThreadInfo& thread,
                                std::optional<int64_t> dirfd) {
  if (dirfd && *dirfd != kAtFdcwd) {
    if (const FdInfo* fd = table.fd(thread, *dirfd); fd != nullptr && !fd->name.empty())
      return fd->name;
  }
  return thread.cwd.empty() ? std::string_view("/") : std::string_view(thread.cwd);
}

}  // namespace

std::string resolve_path(std::string_view base, std::string_view path) {
  std::string joined;
  if (path.empty() || path.front() != '/') {
    joined.assign(base.empty() ? std::string_view("/") : base);
    joined.push_back('/');
  }
  joined.append(path);
  // Normalize in place into `out`: components separated by single slashes, "." dropped, ".."
  // pops (never above the root).
  std::string out;
  out.reserve(joined.size());
  std::size_t i = 0;
  while (i < joined.size()) {
    while (i < joined.size() && joined[i] == '/') ++i;
    std::size_t end = joined.find('/', i);
    if (end == std::string::npos) end = joined.size();
    std::string_view part(joined.data() + i, end - i);
    i = end;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      std::size_t slash = out.rfind('/');
      out.resize(slash == std::string::npos ? 0 : slash);
      continue;
    }
    out.push_back('/');
    out.append(part);
  }
  if (out.empty()) out = "/";
  return out;
}

char fd_type_char(FdType type) {
  switch (type) {
    case FdType::File:
      return 'f';
    case FdType::Directory:
      return 'd';
    case FdType::Ipv4Socket:
      return '4';
    case FdType::Ipv6Socket:
      return '6';
    case FdType::UnixSocket:
      return 'u';
    case FdType::Pipe:
      return 'p';
    case FdType::Event:
      return 'e';
    case FdType::SignalFd:
      return 's';
    case FdType::EventPoll:
      return 'l';
    case FdType::Inotify:
      return 'i';
    case FdType::TimerFd:
      return 't';
    case FdType::Netlink:
      return 'n';
    case FdType::Bpf:
      return 'b';
    case FdType::UserFaultFd:
      return 'u';
    case FdType::Memfd:
      return 'm';
    case FdType::Unknown:
      break;
  }
  return '?';
}

std::string_view fd_type_name(FdType type) {
  switch (type) {
    case FdType::File:
      return "file";
    case FdType::Directory:
      return "directory";
    case FdType::Ipv4Socket:
      return "ipv4";
    case FdType::Ipv6Socket:
      return "ipv6";
    case FdType::UnixSocket:
      return "unix";
    case FdType::Pipe:
      return "pipe";
    case FdType::Event:
      return "event";
    case FdType::SignalFd:
      return "signalfd";
    case FdType::EventPoll:
      return "eventpoll";
    case FdType::Inotify:
      return "inotify";
    case FdType::TimerFd:
      return "timerfd";
    case FdType::Netlink:
      return "netlink";
    case FdType::Bpf:
      return "bpf";
    case FdType::UserFaultFd:
      return "userfaultfd";
    case FdType::Memfd:
      return "memfd";
    case FdType::Unknown:
      break;
  }
  return "<unknown>";
}

ThreadTable::ThreadTable(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 16)) {}

const ThreadInfo* ThreadTable::find(int64_t tid) const {
  auto it = threads_.find(tid);
  return it == threads_.end() ? nullptr : &it->second;
}

const ThreadInfo* ThreadTable::process_of(const ThreadInfo& thread) const {
  if (thread.tid == thread.pid) return &thread;
  const ThreadInfo* leader = find(thread.pid);
  return leader != nullptr ? leader : &thread;
}

const ThreadInfo* ThreadTable::parent_of(const ThreadInfo& thread) const {
  if (thread.ppid <= 0 || thread.ppid == thread.pid) return nullptr;
  return find(thread.ppid);
}

const FdInfo* ThreadTable::fd(const ThreadInfo& thread, int64_t fd) const {
  if (!thread.fd_table) return nullptr;
  auto it = thread.fd_table->fds.find(fd);
  return it == thread.fd_table->fds.end() ? nullptr : &it->second;
}

void ThreadTable::add_container(ContainerInfo container) {
  std::string id = container.id;
  containers_.insert_or_assign(std::move(id), std::move(container));
}

const ContainerInfo* ThreadTable::container(std::string_view id) const {
  auto it = containers_.find(std::string(id));
  return it == containers_.end() ? nullptr : &it->second;
}

ThreadInfo& ThreadTable::add_thread(ThreadInfo info) {
  if (threads_.contains(info.tid)) remove_thread(info.tid);
  if (!info.fd_table) {
    // Threads share their process's table.
    auto leader = threads_.find(info.pid);
    if (info.tid != info.pid && leader != threads_.end() && leader->second.fd_table)
      info.fd_table = leader->second.fd_table;
    else
      info.fd_table = std::make_shared<FdTable>();
  }
  if (info.tid == info.pid) ++child_processes_[info.ppid];
  int64_t tid = info.tid;
  return threads_.insert_or_assign(tid, std::move(info)).first->second;
}

void ThreadTable::remove_thread(int64_t tid) {
  // Removing a process may free its exited parent, which was kept only for its children.
  while (true) {
    auto it = threads_.find(tid);
    if (it == threads_.end()) return;
    int64_t parent = 0;
    bool leader = it->second.tid == it->second.pid;
    if (leader) parent = it->second.ppid;
    threads_.erase(it);
    if (!leader) return;
    auto count = child_processes_.find(parent);
    if (count == child_processes_.end()) return;
    if (--count->second > 0) return;
    child_processes_.erase(count);
    auto parent_info = threads_.find(parent);
    if (parent_info == threads_.end() || !parent_info->second.exited) return;
    tid = parent;
  }
}

ThreadInfo& ThreadTable::insert(ThreadInfo info) {
  if (threads_.size() >= capacity_) evict_to(capacity_ - capacity_ / 8);
  return add_thread(std::move(info));
}

void ThreadTable::reclaim() {
  // The procexit event has been seen by whoever consumed the previous apply(); now the thread
  // can go, unless it is a process other live processes still name as parent.
  for (int64_t tid : exited_) {
    auto it = threads_.find(tid);
    if (it == threads_.end() || !it->second.exited) continue;
    const ThreadInfo& info = it->second;
    auto children = child_processes_.find(info.pid);
    if (info.tid == info.pid && children != child_processes_.end() && children->second > 0)
      zombies_.push_back(tid);
    else
      remove_thread(tid);
  }
  exited_.clear();
  if (threads_.size() > capacity_) evict_to(capacity_ - capacity_ / 8);
  // Keep the zombie list from growing with entries that cascades already removed.
  if (zombies_.size() > capacity_) {
    std::erase_if(zombies_, [this](int64_t tid) {
      auto it = threads_.find(tid);
      return it == threads_.end() || !it->second.exited;
    });
  }
}

void ThreadTable::evict_to(std::size_t target) {
  // First the oldest exited processes kept for their children, then the least recently seen.
  std::size_t next = 0;
  for (; next < zombies_.size() && threads_.size() > target; ++next) {
    auto it = threads_.find(zombies_[next]);
    if (it != threads_.end() && it->second.exited) {
      // Its children lose their parent (Falco would reparent them to the reaper).
      child_processes_.erase(it->second.pid);
      remove_thread(zombies_[next]);
    }
  }
  zombies_.erase(zombies_.begin(), zombies_.begin() + static_cast<std::ptrdiff_t>(next));
  if (threads_.size() <= target) return;
  std::vector<std::pair<uint64_t, int64_t>> by_age;
  by_age.reserve(threads_.size());
  for (const auto& [tid, info] : threads_) by_age.emplace_back(info.last_seen_ns, tid);
  std::size_t drop = threads_.size() - target;
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                   by_age.end());
  for (std::size_t i = 0; i < drop; ++i) {
    auto it = threads_.find(by_age[i].second);
    if (it == threads_.end()) continue;
    // Evicting directly: the cascade in remove_thread only frees exited parents.
    if (it->second.tid == it->second.pid) {
      auto count = child_processes_.find(it->second.ppid);
      if (count != child_processes_.end() && --count->second == 0) child_processes_.erase(count);
    }
    threads_.erase(it);
  }
}

ThreadInfo& ThreadTable::thread_for(const Event& event) {
  auto it = threads_.find(event.tid);
  if (it != threads_.end()) return it->second;
  // Unknown thread: a thread of a known process inherits the process's state; otherwise start
  // from what the event says.
  ThreadInfo info;
  auto leader = threads_.find(event.pid);
  if (event.pid != event.tid && leader != threads_.end()) {
    info = leader->second;
    info.exited = false;
  }
  info.tid = event.tid;
  info.pid = event.pid;
  info.start_ns = info.start_ns ? info.start_ns : event.timestamp_ns;
  return add_thread(std::move(info));
}

ThreadInfo& ThreadTable::spawn_child(ThreadInfo& parent, int64_t child_tid, uint64_t clone_flags,
                                     uint64_t timestamp_ns) {
  ThreadInfo child = parent;
  child.tid = child_tid;
  if (clone_flags & kCloneThread) {
    child.pid = parent.pid;
    child.ppid = parent.ppid;
  } else {
    child.pid = child_tid;
    child.ppid = (clone_flags & kCloneParent) ? parent.ppid : parent.pid;
  }
  child.vtid = 0;
  child.vpid = 0;
  child.exited = false;
  child.start_ns = timestamp_ns;
  child.last_seen_ns = timestamp_ns;
  if (!(clone_flags & (kCloneFiles | kCloneThread)))
    child.fd_table = std::make_shared<FdTable>(parent.fd_table ? *parent.fd_table : FdTable{});
  // `parent` may be invalidated by the insertion below; nothing reads it afterwards.
  return add_thread(std::move(child));
}

void ThreadTable::on_clone(ThreadInfo& caller, const Event& event) {
  uint64_t flags = arg_uint(event, Arg::flags);
  if (event.result > 0) {
    // The parent's side: the child is the return value.
    auto existing = threads_.find(event.result);
    if (existing != threads_.end() && !existing->second.exited &&
        existing->second.start_ns >= caller.start_ns && existing->second.ppid != 0)
      return;  // the child's own event came first and already made it
    spawn_child(caller, event.result, flags, event.timestamp_ns);
    return;
  }
  if (event.result != 0) return;
  // The child's side. When the parent's event has not been seen, build the child from the
  // parent thread (if known) and the event's own description of the process.
  if (caller.ppid == 0 && caller.comm.empty()) {
    if (auto ptid = arg_int(event, Arg::ptid)) {
      auto parent = threads_.find(*ptid);
      if (parent != threads_.end() && parent->first != caller.tid) {
        int64_t pid = caller.pid, tid = caller.tid;
        ThreadInfo& child = spawn_child(parent->second, tid, flags, event.timestamp_ns);
        child.pid = pid;
        return;
      }
      caller.ppid = *ptid;
    }
    if (auto exe = arg_bytes(event, Arg::exe)) caller.exe = *exe;
    if (auto args = arg_bytes(event, Arg::args)) caller.args = split_list(*args);
    if (auto comm = arg_bytes(event, Arg::comm)) caller.comm = *comm;
    if (auto cwd = arg_bytes(event, Arg::cwd)) caller.cwd = *cwd;
    caller.uid = static_cast<uint32_t>(arg_uint(event, Arg::uid, caller.uid));
    caller.gid = static_cast<uint32_t>(arg_uint(event, Arg::gid, caller.gid));
  }
  if (auto vtid = arg_int(event, Arg::vtid)) caller.vtid = *vtid;
  if (auto vpid = arg_int(event, Arg::vpid)) caller.vpid = *vpid;
}

void ThreadTable::on_exec(ThreadInfo& thread, const Event& event) {
  if (event.result != 0) return;
  if (auto exe = arg_bytes(event, Arg::exe)) thread.exe = *exe;
  if (auto args = arg_bytes(event, Arg::args)) thread.args = split_list(*args);
  if (auto comm = arg_bytes(event, Arg::comm)) thread.comm = *comm;
  if (auto path = arg_bytes(event, Arg::trusted_exepath)) {
    thread.exepath = *path;
  } else if (auto pathname = arg_bytes(event, Arg::pathname); pathname && !pathname->empty()) {
    thread.exepath =
        resolve_path(base_directory(*this, thread, arg_int(event, Arg::dirfd)), *pathname);
  } else {
    thread.exepath = thread.exe;
  }
  if (auto cwd = arg_bytes(event, Arg::cwd); cwd && !cwd->empty()) thread.cwd = *cwd;
  thread.uid = static_cast<uint32_t>(arg_uint(event, Arg::uid, thread.uid));
  thread.gid = static_cast<uint32_t>(arg_uint(event, Arg::gid, thread.gid));
  thread.loginuid = static_cast<uint32_t>(arg_uint(event, Arg::loginuid, thread.loginuid));
  thread.tty = static_cast<uint32_t>(arg_uint(event, Arg::tty, thread.tty));
  thread.cap_inheritable = arg_uint(event, Arg::cap_inheritable, thread.cap_inheritable);
  thread.cap_permitted = arg_uint(event, Arg::cap_permitted, thread.cap_permitted);
  thread.cap_effective = arg_uint(event, Arg::cap_effective, thread.cap_effective);
  uint64_t exe_flags = arg_uint(event, Arg::flags);
  thread.exe_writable = exe_flags & kExeWritable;
  thread.exe_upper_layer = exe_flags & kExeUpperLayer;
  thread.exe_from_memfd = exe_flags & kExeFromMemfd;
  thread.exec_ns = event.timestamp_ns;
  if (auto vtid = arg_int(event, Arg::vtid)) thread.vtid = *vtid;
  // exec gives the process a table of its own (unshared from CLONE_FILES peers) without the
  // close-on-exec descriptors.
  auto table = thread.fd_table;
  if (!table) table = std::make_shared<FdTable>();
  if (table.use_count() > 2) table = std::make_shared<FdTable>(*table);
  std::erase_if(table->fds, [](const auto& entry) { return entry.second.open_flags & kOCloexec; });
  thread.fd_table = table;
}

FdInfo& ThreadTable::socket_fd(ThreadInfo& thread, int64_t fd, uint8_t family) {
  FdInfo& info = thread.fd_table->fds[fd];
  if (info.type == FdType::Unknown || info.type == FdType::File) {
    info.type = socket_type_for(family);
    if (info.l4proto == 0 && family != kAfUnix) info.l4proto = kIpprotoTcp;
  }
  return info;
}

void ThreadTable::set_socket_name(FdInfo& fd, const SocketTuple& tuple, bool server_role) {
  fd.tuple = tuple;
  fd.tuple.unix_path = {};
  fd.server_role = server_role;
  std::string name = format_socket_tuple(tuple);
  fd.name_changed = name != fd.name;
  fd.name = std::move(name);
}

void ThreadTable::mark_name_changed(ThreadInfo& thread, int64_t fd) {
  name_changed_table_ = thread.fd_table;
  name_changed_fd_ = fd;
}

ThreadInfo* ThreadTable::apply(const Event& event) {
  if (!exited_.empty() || threads_.size() > capacity_) reclaim();
  if (name_changed_table_) {
    auto it = name_changed_table_->fds.find(name_changed_fd_);
    if (it != name_changed_table_->fds.end()) it->second.name_changed = false;
    name_changed_table_.reset();
  }
  ThreadInfo* thread = &thread_for(event);
  thread->last_seen_ns = event.timestamp_ns;
  if (!thread->fd_table) thread->fd_table = std::make_shared<FdTable>();
  FdTable& fds = *thread->fd_table;

  auto add_file = [&](int64_t fd, std::optional<int64_t> dirfd, std::string_view name,
                      uint32_t flags) {
    FdInfo info;
    info.type = (flags & kODirectory) ? FdType::Directory : FdType::File;
    info.name = resolve_path(base_directory(*this, *thread, dirfd), name);
    info.open_flags = flags;
    fds.fds.insert_or_assign(fd, std::move(info));
  };
  auto copy_fd = [&](int64_t from, int64_t to, bool cloexec) {
    auto it = fds.fds.find(from);
    FdInfo copy = it != fds.fds.end() ? it->second : FdInfo{};
    copy.open_flags = cloexec ? (copy.open_flags | kOCloexec) : (copy.open_flags & ~kOCloexec);
    copy.name_changed = false;
    fds.fds.insert_or_assign(to, std::move(copy));
  };
  auto add_simple = [&](int64_t fd, FdType type, std::string name, bool cloexec) {
    FdInfo info;
    info.type = type;
    info.name = std::move(name);
    info.open_flags = cloexec ? kOCloexec : 0;
    fds.fds.insert_or_assign(fd, std::move(info));
  };
  const int64_t res = event.result;

  switch (event.type) {
    case EventType::clone:
    case EventType::clone3:
    case EventType::fork:
    case EventType::vfork:
      on_clone(*thread, event);
      thread = &threads_.at(event.tid);  // the child's side may have replaced the entry
      break;
    case EventType::execve:
    case EventType::execveat:
      on_exec(*thread, event);
      break;
    case EventType::procexit:
      thread->exited = true;
      exited_.push_back(thread->tid);
      break;
    case EventType::open:
    case EventType::openat:
    case EventType::openat2:
      if (res >= 0) {
        auto name = arg_bytes(event, Arg::name);
        if (name)
          add_file(res, arg_int(event, Arg::dirfd), *name,
                   static_cast<uint32_t>(arg_uint(event, Arg::flags)));
      }
      break;
    case EventType::creat:
      if (res >= 0) {
        if (auto name = arg_bytes(event, Arg::name))
          add_file(res, std::nullopt, *name, kOWronly | kOCreat | kOTrunc);
      }
      break;
    case EventType::close:
      if (res == 0) {
        if (auto fd = arg_int(event, Arg::fd)) fds.fds.erase(*fd);
      }
      break;
    case EventType::socket:
      if (res >= 0) {
        FdInfo info;
        uint64_t domain = arg_uint(event, Arg::domain);
        info.type = socket_type_for(domain);
        uint64_t type = arg_uint(event, Arg::type);
        uint64_t proto = arg_uint(event, Arg::proto);
        uint64_t base_type = type & 0xf;
        if (domain == kAfInet || domain == kAfInet6) {
          if (base_type == 3)
            info.l4proto = kL4Raw;  // SOCK_RAW
          else if (proto != 0)
            info.l4proto = static_cast<uint8_t>(proto);
          else if (base_type == 1)
            info.l4proto = kIpprotoTcp;  // SOCK_STREAM
          else if (base_type == 2)
            info.l4proto = kIpprotoUdp;  // SOCK_DGRAM
        }
        info.tuple.family = static_cast<uint8_t>(domain);
        if (type & kOCloexec) info.open_flags = kOCloexec;  // SOCK_CLOEXEC == O_CLOEXEC
        fds.fds.insert_or_assign(res, std::move(info));
      }
      break;
    case EventType::connect:
      if (res == 0 || res == -kEinprogress) {
        auto fd = arg_int(event, Arg::fd);
        auto bytes = arg_bytes(event, Arg::tuple);
        std::optional<SocketTuple> tuple;
        if (bytes) tuple = decode_socket_tuple(*bytes);
        if (fd && tuple) {
          FdInfo& info = socket_fd(*thread, *fd, tuple->family);
          set_socket_name(info, *tuple, false);
          info.connected = true;
          if (tuple->family == kAfUnix) info.name = std::string(tuple->unix_path);
          if (info.name_changed) mark_name_changed(*thread, *fd);
        }
      }
      break;
    case EventType::accept:
    case EventType::accept4:
      if (res >= 0) {
        auto bytes = arg_bytes(event, Arg::tuple);
        std::optional<SocketTuple> tuple;
        if (bytes) tuple = decode_socket_tuple(*bytes);
        FdInfo info;
        if (tuple) {
          info.type = socket_type_for(tuple->family);
          if (tuple->family != kAfUnix) info.l4proto = kIpprotoTcp;
          set_socket_name(info, *tuple, true);
          if (tuple->family == kAfUnix) info.name = std::string(tuple->unix_path);
        }
        info.connected = true;
        info.server_role = true;
        info.name_changed = true;
        if (event.type == EventType::accept4 && (arg_uint(event, Arg::flags) & kOCloexec))
          info.open_flags = kOCloexec;
        fds.fds.insert_or_assign(res, std::move(info));
        mark_name_changed(*thread, res);
      }
      break;
    case EventType::bind:
      if (res == 0) {
        auto fd = arg_int(event, Arg::fd);
        auto bytes = arg_bytes(event, Arg::addr);
        std::optional<SocketAddress> address;
        if (bytes) address = decode_socket_address(*bytes);
        if (fd && address) {
          FdInfo& info = socket_fd(*thread, *fd, address->family);
          info.tuple = {};
          info.tuple.family = address->family;
          // A bound socket's local end, where a server's accepted connections arrive.
          info.tuple.destination_ip = address->ip;
          info.tuple.destination_port = address->port;
          info.server_role = true;
          std::string name = format_socket_address(*address);
          info.name_changed = name != info.name;
          info.name = std::move(name);
          if (info.name_changed) mark_name_changed(*thread, *fd);
        }
      }
      break;
    case EventType::listen:
      if (res == 0) {
        if (auto fd = arg_int(event, Arg::fd)) {
          auto it = fds.fds.find(*fd);
          if (it != fds.fds.end()) it->second.server_role = true;
        }
      }
      break;
    case EventType::sendto:
    case EventType::sendmsg:
    case EventType::recvfrom:
    case EventType::recvmsg:
      if (res >= 0) {
        // Unconnected datagram sockets learn their peer from the call.
        auto fd = arg_int(event, Arg::fd);
        auto bytes = arg_bytes(event, Arg::tuple);
        if (fd && bytes && !bytes->empty()) {
          auto it = fds.fds.find(*fd);
          auto tuple = decode_socket_tuple(*bytes);
          if (tuple && tuple->family != kAfUnix && (it == fds.fds.end() || !it->second.connected)) {
            FdInfo& info = socket_fd(*thread, *fd, tuple->family);
            if (info.l4proto == kIpprotoTcp && it == fds.fds.end()) info.l4proto = kIpprotoUdp;
            set_socket_name(info, *tuple, false);
            if (info.name_changed) mark_name_changed(*thread, *fd);
          }
        }
      }
      break;
    case EventType::dup:
      if (res >= 0) {
        if (auto old = arg_int(event, Arg::oldfd)) copy_fd(*old, res, false);
      }
      break;
    case EventType::dup2:
    case EventType::dup3:
      if (res >= 0) {
        auto old = arg_int(event, Arg::oldfd);
        bool cloexec = event.type == EventType::dup3 && (arg_uint(event, Arg::flags) & kOCloexec);
        if (old && *old != res) copy_fd(*old, res, cloexec);
      }
      break;
    case EventType::fcntl:
      if (res >= 0) {
        uint64_t cmd = arg_uint(event, Arg::cmd, UINT64_MAX);
        auto fd = arg_int(event, Arg::fd);
        if (fd && (cmd == kFDupfd || cmd == kFDupfdCloexec))
          copy_fd(*fd, res, cmd == kFDupfdCloexec);
      }
      break;
    case EventType::pipe:
    case EventType::pipe2:
    case EventType::socketpair:
      if (res == 0) {
        auto fd1 = arg_int(event, Arg::fd1);
        auto fd2 = arg_int(event, Arg::fd2);
        bool cloexec;
        FdType type = FdType::Pipe;
        if (event.type == EventType::socketpair) {
          type = socket_type_for(arg_uint(event, Arg::domain, kAfUnix));
          cloexec = arg_uint(event, Arg::type) & kOCloexec;
        } else {
          cloexec = arg_uint(event, Arg::flags) & kOCloexec;
        }
        if (fd1) add_simple(*fd1, type, {}, cloexec);
        if (fd2) add_simple(*fd2, type, {}, cloexec);
      }
      break;
    case EventType::memfd_create:
      if (res >= 0) {
        auto name = arg_bytes(event, Arg::name);
        add_simple(res, FdType::Memfd, "memfd:" + std::string(name.value_or("")),
                   arg_uint(event, Arg::flags) & kMfdCloexec);
      }
      break;
    case EventType::bpf:
      if (res >= 0) add_simple(res, FdType::Bpf, {}, true);  // bpf fds are always O_CLOEXEC
      break;
    case EventType::userfaultfd:
      if (res >= 0)
        add_simple(res, FdType::UserFaultFd, {}, arg_uint(event, Arg::flags) & kOCloexec);
      break;
    case EventType::chdir:
      if (res == 0) {
        if (auto path = arg_bytes(event, Arg::path)) thread->cwd = resolve_path(thread->cwd, *path);
      }
      break;
    case EventType::fchdir:
      if (res == 0) {
        if (auto fd = arg_int(event, Arg::fd)) {
          auto it = fds.fds.find(*fd);
          if (it != fds.fds.end() && !it->second.name.empty()) thread->cwd = it->second.name;
        }
      }
      break;
    case EventType::setuid:
      if (res == 0) thread->uid = static_cast<uint32_t>(arg_uint(event, Arg::uid, thread->uid));
      break;
    case EventType::setgid:
      if (res == 0) thread->gid = static_cast<uint32_t>(arg_uint(event, Arg::gid, thread->gid));
      break;
    case EventType::setreuid:
    case EventType::setresuid:
      if (res == 0) {
        auto euid = static_cast<uint32_t>(arg_uint(event, Arg::euid, kUnchangedId));
        if (euid != kUnchangedId) thread->uid = euid;
      }
      break;
    case EventType::setregid:
    case EventType::setresgid:
      if (res == 0) {
        auto egid = static_cast<uint32_t>(arg_uint(event, Arg::egid, kUnchangedId));
        if (egid != kUnchangedId) thread->gid = egid;
      }
      break;
    case EventType::capset:
      if (res == 0) {
        thread->cap_inheritable = arg_uint(event, Arg::cap_inheritable, thread->cap_inheritable);
        thread->cap_permitted = arg_uint(event, Arg::cap_permitted, thread->cap_permitted);
        thread->cap_effective = arg_uint(event, Arg::cap_effective, thread->cap_effective);
      }
      break;
    case EventType::prctl:
      if (res == 0 && arg_uint(event, Arg::option) == kPrSetName) {
        if (auto name = arg_bytes(event, Arg::arg2_str)) thread->comm = *name;
      }
      break;
    default:
      break;
  }
  return thread;
}

}  // namespace bulkhead::capture
