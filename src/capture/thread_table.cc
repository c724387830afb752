#include "capture/thread_table.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <stdexcept>
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
[[gnu::always_inline]] inline const ArgSlots& arg_slots() {
  static const ArgSlots slots;
  return slots;
}

[[gnu::always_inline]] inline const Param* arg(const Event& event, Arg name) {
  int8_t index =
      arg_slots().slot[static_cast<std::size_t>(event.type)][static_cast<std::size_t>(name)];
  if (index < 0 || index >= event.param_count) return nullptr;
  const Param* param = &event.params[static_cast<std::size_t>(index)];
  return param->present ? param : nullptr;
}
[[gnu::always_inline]] inline std::optional<int64_t> arg_int(const Event& event, Arg name) {
  const Param* param = arg(event, name);
  if (param == nullptr) return std::nullopt;
  return static_cast<int64_t>(param->number);
}
[[gnu::always_inline]] inline uint64_t arg_uint(const Event& event, Arg name,
                                                uint64_t fallback = 0) {
  const Param* param = arg(event, name);
  return param == nullptr ? fallback : param->number;
}
[[gnu::always_inline]] inline std::optional<std::string_view> arg_bytes(const Event& event,
                                                                        Arg name) {
  const Param* param = arg(event, name);
  if (param == nullptr) return std::nullopt;
  return param->bytes;
}

// Replaces `out` with the elements of a NUL-separated list (a trailing NUL does not start another
// element), reusing the storage of the strings already there.
void assign_list(std::vector<std::string>& out, std::string_view list) {
  std::size_t count = 0;
  while (!list.empty()) {
    std::size_t end = list.find('\0');
    std::string_view item = list.substr(0, end);
    if (count < out.size())
      out[count].assign(item);
    else
      out.emplace_back(item);
    ++count;
    if (end == std::string_view::npos) break;
    list.remove_prefix(end + 1);
  }
  out.resize(count);
}

// Appends the components of `text` to the normalized absolute path `out` ("" standing for the
// root): "." and empty components dropped, ".." pops one (never above the root).
void append_components(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == '/') ++i;
    std::size_t end = text.find('/', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = text.substr(i, end - i);
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
}

// Resets an fd entry to its defaults but keeps the name's storage for the next use.
// Field by field: this runs for every open, and assigning a whole FdInfo{} costs several times
// more. Keep in step with FdInfo's fields.
void clear_entry(FdInfo& info) {
  info.type = FdType::Unknown;
  info.name.clear();
  info.open_flags = 0;
  info.tuple = SocketTuple{};
  info.l4proto = 0;
  info.connected = false;
  info.server_role = false;
  info.name_changed = false;
}

// Appends `value` in decimal.
void append_decimal(std::string& out, uint64_t value) {
  char digits[20];
  std::size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (count > 0) out.push_back(digits[--count]);
}
void append_ipv4_endpoint(std::string& out, const std::array<uint8_t, 16>& ip, uint16_t port) {
  for (int i = 0; i < 4; ++i) {
    if (i > 0) out.push_back('.');
    append_decimal(out, ip[static_cast<std::size_t>(i)]);
  }
  out.push_back(':');
  append_decimal(out, port);
}

bool same_endpoints(const SocketTuple& a, const SocketTuple& b) {
  return a.family == b.family && a.source_port == b.source_port &&
         a.destination_port == b.destination_port && a.source_ip == b.source_ip &&
         a.destination_ip == b.destination_ip;
}

// Bound on the removed threads and fd tables kept for reuse.
constexpr std::size_t kSpareLimit = 64;

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

// A clone child's own event: its thread and process ids inside its pid namespace.
void take_namespaced_ids(ThreadInfo& thread, const Event& event) {
  if (auto vtid = arg_int(event, Arg::vtid)) thread.vtid = *vtid;
  if (auto vpid = arg_int(event, Arg::vpid)) thread.vpid = *vpid;
}

}  // namespace

void resolve_path_into(std::string& out, std::string_view base, std::string_view path) {
  out.clear();
  if (path.empty() || path.front() != '/') append_components(out, base);
  append_components(out, path);
  if (out.empty()) out.push_back('/');
}

std::string resolve_path(std::string_view base, std::string_view path) {
  std::string out;
  resolve_path_into(out, base, path);
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

// --- FdMap -----------------------------------------------------------------------------------

FdMap::iterator FdMap::find(int64_t fd) {
  if (is_dense(fd)) {
    auto index = static_cast<std::size_t>(fd);
    return index < dense_.size() && dense_[index].used ? dense_iterator(fd) : end();
  }
  auto it = overflow_.find(fd);
  return it == overflow_.end() ? end() : iterator(this, dense_.size(), it);
}

FdMap::const_iterator FdMap::find(int64_t fd) const {
  return const_cast<FdMap*>(this)->find(fd);
}

FdInfo* FdMap::get_overflow(int64_t fd) {
  auto it = overflow_.find(fd);
  return it == overflow_.end() ? nullptr : &it->second.second;
}

FdInfo& FdMap::at(int64_t fd) {
  FdInfo* info = get(fd);
  if (info == nullptr) throw std::out_of_range("FdMap::at: no fd " + std::to_string(fd));
  return *info;
}

FdMap::Slot& FdMap::dense_slot(int64_t fd, bool& inserted) {
  auto index = static_cast<std::size_t>(fd);
  if (index >= dense_.size()) {
    // Doubling keeps growth amortized; the limit keeps a huge fd number out of the vector.
    std::size_t grown = std::min<std::size_t>(std::max<std::size_t>(dense_.size() * 2, 16),
                                              static_cast<std::size_t>(kDenseLimit));
    dense_.resize(std::max(grown, index + 1));
  }
  Slot& slot = dense_[index];
  inserted = !slot.used;
  if (inserted) {
    slot.used = true;
    slot.entry.first = fd;
    ++size_;
  }
  return slot;
}

FdInfo& FdMap::operator[](int64_t fd) {
  if (is_dense(fd)) {
    bool inserted = false;
    return dense_slot(fd, inserted).entry.second;
  }
  auto [it, inserted] = overflow_.try_emplace(fd, fd, FdInfo{});
  if (inserted) ++size_;
  return it->second.second;
}

FdInfo& FdMap::reset(int64_t fd) {
  if (is_dense(fd)) {
    bool inserted = false;
    FdInfo& info = dense_slot(fd, inserted).entry.second;
    // A free slot already holds the defaults (erase() leaves it so).
    if (!inserted) clear_entry(info);
    return info;
  }
  FdInfo& info = (*this)[fd];
  info = FdInfo{};
  return info;
}

std::pair<FdMap::iterator, bool> FdMap::insert_or_assign(int64_t fd, FdInfo info) {
  if (is_dense(fd)) {
    bool inserted = false;
    dense_slot(fd, inserted).entry.second = std::move(info);
    return {dense_iterator(fd), inserted};
  }
  auto [it, inserted] = overflow_.try_emplace(fd, fd, FdInfo{});
  if (inserted) ++size_;
  it->second.second = std::move(info);
  return {iterator(this, dense_.size(), it), inserted};
}

std::pair<FdMap::iterator, bool> FdMap::emplace(int64_t fd, FdInfo info) {
  auto existing = find(fd);
  if (existing != end()) return {existing, false};
  return insert_or_assign(fd, std::move(info));
}

std::size_t FdMap::erase(int64_t fd) {
  if (is_dense(fd)) {
    auto index = static_cast<std::size_t>(fd);
    if (index >= dense_.size() || !dense_[index].used) return 0;
    dense_[index].used = false;
    clear_entry(dense_[index].entry.second);
    --size_;
    return 1;
  }
  std::size_t erased = overflow_.erase(fd);
  size_ -= erased;
  return erased;
}

void FdMap::clear() {
  // Free slots keep their storage, as after erase().
  for (Slot& slot : dense_) {
    if (!slot.used) continue;
    slot.used = false;
    clear_entry(slot.entry.second);
  }
  overflow_.clear();
  size_ = 0;
}

// --- ThreadTable -----------------------------------------------------------------------------

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
  return thread.fd_table->fds.get(fd);
}

void ThreadTable::add_container(ContainerInfo container) {
  std::string id = container.id;
  containers_.insert_or_assign(std::move(id), std::move(container));
}

const ContainerInfo* ThreadTable::container(std::string_view id) const {
  auto it = containers_.find(std::string(id));
  return it == containers_.end() ? nullptr : &it->second;
}

ThreadTable::ThreadMap::node_type ThreadTable::new_node() {
  if (!spare_threads_.empty()) {
    ThreadMap::node_type node = std::move(spare_threads_.back());
    spare_threads_.pop_back();
    return node;
  }
  // The standard containers make nodes only by inserting: insert into a scratch map and take the
  // node out again.
  ThreadMap scratch;
  return scratch.extract(scratch.try_emplace(0).first);
}

std::shared_ptr<FdTable> ThreadTable::new_fd_table() {
  if (spare_fd_tables_.empty()) return std::make_shared<FdTable>();
  std::shared_ptr<FdTable> table = std::move(spare_fd_tables_.back());
  spare_fd_tables_.pop_back();
  table->fds.clear();
  return table;
}

ThreadInfo& ThreadTable::add_thread(ThreadMap::node_type node) {
  ThreadInfo& info = node.mapped();
  node.key() = info.tid;
  if (threads_.contains(info.tid)) remove_thread(info.tid);
  if (!info.fd_table) {
    // Threads share their process's table.
    auto leader = threads_.find(info.pid);
    if (info.tid != info.pid && leader != threads_.end() && leader->second.fd_table)
      info.fd_table = leader->second.fd_table;
    else
      info.fd_table = new_fd_table();
  }
  if (info.tid == info.pid) ++child_processes_[info.ppid];
  return threads_.insert(std::move(node)).position->second;
}

void ThreadTable::erase_thread(ThreadMap::iterator it) {
  last_thread_ = nullptr;
  ThreadMap::node_type node = threads_.extract(it);
  if (spare_threads_.size() >= kSpareLimit) return;
  std::shared_ptr<FdTable>& table = node.mapped().fd_table;
  // Only a table nobody else holds can be reused.
  if (table && table.use_count() == 1 && spare_fd_tables_.size() < kSpareLimit)
    spare_fd_tables_.push_back(std::move(table));
  table.reset();
  spare_threads_.push_back(std::move(node));
}

void ThreadTable::remove_thread(int64_t tid) {
  // Removing a process may free its exited parent, which was kept only for its children.
  while (true) {
    auto it = threads_.find(tid);
    if (it == threads_.end()) return;
    int64_t parent = 0;
    bool leader = it->second.tid == it->second.pid;
    if (leader) parent = it->second.ppid;
    erase_thread(it);
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
  finish_previous_event();
  if (threads_.size() >= capacity_) evict_to(capacity_ - capacity_ / 8);
  ThreadMap::node_type node = new_node();
  node.mapped() = std::move(info);
  return add_thread(std::move(node));
}

void ThreadTable::finish_previous_event() {
  if (closing_table_) {
    for (int64_t fd : closing_fds_) closing_table_->fds.erase(fd);
    closing_fds_.clear();
    closing_table_.reset();
  }
  if (name_changed_table_) {
    if (FdInfo* info = name_changed_table_->fds.get(name_changed_fd_)) info->name_changed = false;
    name_changed_table_.reset();
  }
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
    erase_thread(it);
  }
}

ThreadInfo& ThreadTable::thread_for(const Event& event) {
  auto it = threads_.find(event.tid);
  if (it != threads_.end()) return it->second;
  // Unknown thread: a thread of a known process inherits the process's state; otherwise start
  // from what the event says.
  ThreadMap::node_type node = new_node();
  ThreadInfo& info = node.mapped();
  auto leader = threads_.find(event.pid);
  if (event.pid != event.tid && leader != threads_.end()) {
    info = leader->second;
    info.exited = false;
  } else {
    info = ThreadInfo{};
  }
  info.tid = event.tid;
  info.pid = event.pid;
  info.start_ns = info.start_ns ? info.start_ns : event.timestamp_ns;
  return add_thread(std::move(node));
}

ThreadInfo& ThreadTable::spawn_child(ThreadInfo& parent, int64_t child_tid, uint64_t clone_flags,
                                     uint64_t timestamp_ns) {
  // A reused node: copy-assigning keeps its strings' storage.
  ThreadMap::node_type node = new_node();
  ThreadInfo& child = node.mapped();
  child = parent;
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
  if (!(clone_flags & (kCloneFiles | kCloneThread))) {
    std::shared_ptr<FdTable> table = new_fd_table();
    if (parent.fd_table) *table = *parent.fd_table;
    child.fd_table = std::move(table);
  }
  // `parent` may be removed by the insertion below; nothing reads it afterwards.
  return add_thread(std::move(node));
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
        // Its ids in its own pid namespace (1 for a new namespace's init) come only with this
        // event: the parent's side does not repeat them.
        take_namespaced_ids(child, event);
        return;
      }
      caller.ppid = *ptid;
    }
    if (auto exe = arg_bytes(event, Arg::exe)) caller.exe = *exe;
    if (auto args = arg_bytes(event, Arg::args)) assign_list(caller.args, *args);
    if (auto comm = arg_bytes(event, Arg::comm)) caller.comm = *comm;
    if (auto cwd = arg_bytes(event, Arg::cwd)) caller.cwd = *cwd;
    caller.uid = static_cast<uint32_t>(arg_uint(event, Arg::uid, caller.uid));
    caller.gid = static_cast<uint32_t>(arg_uint(event, Arg::gid, caller.gid));
  }
  take_namespaced_ids(caller, event);
}

void ThreadTable::on_exec(ThreadInfo& thread, const Event& event) {
  if (event.result != 0) return;
  if (auto exe = arg_bytes(event, Arg::exe)) thread.exe = *exe;
  if (auto args = arg_bytes(event, Arg::args)) assign_list(thread.args, *args);
  if (auto comm = arg_bytes(event, Arg::comm)) thread.comm = *comm;
  if (auto path = arg_bytes(event, Arg::trusted_exepath)) {
    thread.exepath = *path;
  } else if (auto pathname = arg_bytes(event, Arg::pathname); pathname && !pathname->empty()) {
    resolve_path_into(path_buffer_, base_directory(*this, thread, arg_int(event, Arg::dirfd)),
                      *pathname);
    thread.exepath.assign(path_buffer_);
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
  // close-on-exec descriptors. Those stay visible during this event (see apply()); the next
  // event removes them.
  std::shared_ptr<FdTable>& table = thread.fd_table;
  if (!table) table = new_fd_table();
  if (table.use_count() > 1) {
    std::shared_ptr<FdTable> own = new_fd_table();
    *own = *table;
    table = std::move(own);
  }
  for (const auto& [number, info] : table->fds)
    if (info.open_flags & kOCloexec) closing_fds_.push_back(number);
  if (!closing_fds_.empty()) closing_table_ = table;
}

FdInfo& ThreadTable::socket_fd(ThreadInfo& thread, int64_t fd, uint8_t family) {
  FdInfo& info = thread.fd_table->fds[fd];
  if (info.type == FdType::Unknown || info.type == FdType::File) {
    info.type = socket_type_for(family);
    if (info.l4proto == 0 && family != kAfUnix) info.l4proto = kIpprotoTcp;
  }
  return info;
}

std::string_view ThreadTable::ipv6_text(const std::array<uint8_t, 16>& ip) {
  for (const IpText& known : ipv6_texts_)
    if (!known.text.empty() && known.ip == ip) return known.text;
  IpText& slot = ipv6_texts_[next_ipv6_text_];
  next_ipv6_text_ = (next_ipv6_text_ + 1) % ipv6_texts_.size();
  slot.ip = ip;
  slot.text = format_ip(kAfInet6, ip);
  return slot.text;
}

// format_socket_tuple() into `out`, without allocating in the steady state for IP tuples.
void ThreadTable::format_tuple_into(std::string& out, const SocketTuple& tuple) {
  if (tuple.family == kAfInet) {
    out.clear();
    append_ipv4_endpoint(out, tuple.source_ip, tuple.source_port);
    out.append("->");
    append_ipv4_endpoint(out, tuple.destination_ip, tuple.destination_port);
  } else if (tuple.family == kAfInet6) {
    out.clear();
    out.append(ipv6_text(tuple.source_ip));
    out.push_back(':');
    append_decimal(out, tuple.source_port);
    out.append("->");
    out.append(ipv6_text(tuple.destination_ip));
    out.push_back(':');
    append_decimal(out, tuple.destination_port);
  } else {
    out = format_socket_tuple(tuple);
  }
}

void ThreadTable::set_socket_name(FdInfo& fd, const SocketTuple& tuple, bool server_role) {
  // Datagram sockets report the same peer call after call: skip formatting an unchanged name.
  if (tuple.family != kAfUnix && !fd.name.empty() && fd.server_role == server_role &&
      same_endpoints(fd.tuple, tuple)) {
    fd.name_changed = false;
    return;
  }
  fd.tuple = tuple;
  fd.tuple.unix_path = {};
  fd.server_role = server_role;
  format_tuple_into(path_buffer_, tuple);
  fd.name_changed = path_buffer_ != fd.name;
  if (fd.name_changed) fd.name.assign(path_buffer_);
}

void ThreadTable::mark_name_changed(ThreadInfo& thread, int64_t fd) {
  name_changed_table_ = thread.fd_table;
  name_changed_fd_ = fd;
}

ThreadInfo* ThreadTable::apply(const Event& event) {
  if (closing_table_ || name_changed_table_) finish_previous_event();
  if (!exited_.empty() || threads_.size() > capacity_) reclaim();
  ThreadInfo* thread =
      last_thread_ != nullptr && last_thread_->tid == event.tid ? last_thread_ : &thread_for(event);
  thread->last_seen_ns = event.timestamp_ns;
  if (!thread->fd_table) thread->fd_table = new_fd_table();
  FdTable& fds = *thread->fd_table;

  // Entries are filled in place (FdMap::reset), so a reused slot's string storage serves again.
  auto add_file = [&](int64_t fd, std::optional<int64_t> dirfd, std::string_view name,
                      uint32_t flags) {
    // Resolved before touching the table: the base may be another entry's name.
    resolve_path_into(path_buffer_, base_directory(*this, *thread, dirfd), name);
    FdInfo& info = fds.fds.reset(fd);
    info.type = (flags & kODirectory) ? FdType::Directory : FdType::File;
    info.name.assign(path_buffer_);
    info.open_flags = flags;
  };
  auto copy_fd = [&](int64_t from, int64_t to, bool cloexec) {
    // dup2/dup3 onto an open descriptor replace its entry now: the event shows the new one.
    FdInfo& copy = fds.fds.reset(to);  // first: it may move the other entries
    if (const FdInfo* source = fds.fds.get(from)) copy = *source;
    copy.open_flags = cloexec ? (copy.open_flags | kOCloexec) : (copy.open_flags & ~kOCloexec);
    copy.name_changed = false;
  };
  auto add_simple = [&](int64_t fd, FdType type, std::string_view prefix, std::string_view name,
                        bool cloexec) {
    FdInfo& info = fds.fds.reset(fd);
    info.type = type;
    info.name.assign(prefix);
    info.name.append(name);
    info.open_flags = cloexec ? kOCloexec : 0;
  };
  const int64_t res = event.result;

  switch (event.type) {
    case EventType::clone:
    case EventType::clone3:
    case EventType::fork:
    case EventType::vfork:
      on_clone(*thread, event);
      thread = &threads_.at(event.tid);  // the child's side may have replaced the entry
      last_thread_ = nullptr;
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
        // Removed by the next event: rules on this close still resolve fd.*.
        if (auto fd = arg_int(event, Arg::fd); fd && fds.fds.contains(*fd)) {
          if (closing_table_ != thread->fd_table) closing_table_ = thread->fd_table;
          closing_fds_.push_back(*fd);
        }
      }
      break;
    case EventType::socket:
      if (res >= 0) {
        FdInfo& info = fds.fds.reset(res);
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
        FdInfo& info = fds.fds.reset(res);
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
          if (FdInfo* info = fds.fds.get(*fd)) info->server_role = true;
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
          const FdInfo* existing = fds.fds.get(*fd);
          bool known = existing != nullptr;
          auto tuple = decode_socket_tuple(*bytes);
          if (tuple && tuple->family != kAfUnix && (!known || !existing->connected)) {
            FdInfo& info = socket_fd(*thread, *fd, tuple->family);
            if (info.l4proto == kIpprotoTcp && !known) info.l4proto = kIpprotoUdp;
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
        if (fd1) add_simple(*fd1, type, {}, {}, cloexec);
        if (fd2) add_simple(*fd2, type, {}, {}, cloexec);
      }
      break;
    case EventType::memfd_create:
      if (res >= 0) {
        auto name = arg_bytes(event, Arg::name);
        add_simple(res, FdType::Memfd, "memfd:", name.value_or(""),
                   arg_uint(event, Arg::flags) & kMfdCloexec);
      }
      break;
    case EventType::bpf:
      if (res >= 0) add_simple(res, FdType::Bpf, {}, {}, true);  // bpf fds are always O_CLOEXEC
      break;
    case EventType::userfaultfd:
      if (res >= 0)
        add_simple(res, FdType::UserFaultFd, {}, {}, arg_uint(event, Arg::flags) & kOCloexec);
      break;
    case EventType::chdir:
      if (res == 0) {
        if (auto path = arg_bytes(event, Arg::path)) {
          resolve_path_into(path_buffer_, thread->cwd, *path);
          thread->cwd.assign(path_buffer_);
        }
      }
      break;
    case EventType::fchdir:
      if (res == 0) {
        if (auto fd = arg_int(event, Arg::fd)) {
          const FdInfo* info = fds.fds.get(*fd);
          if (info != nullptr && !info->name.empty()) thread->cwd = info->name;
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
  last_thread_ = thread;
  return thread;
}

}  // namespace bulkhead::capture
