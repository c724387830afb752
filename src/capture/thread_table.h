// The state that turns a stream of syscall events into something rules can ask about: which
// process made this call, what its ancestors are, what file or socket an fd stands for, which
// container it runs in. Driven by events (ThreadTable::apply) and, in live mode, seeded from
// /proc. Memory is bounded: exited threads are reclaimed, and the table has a capacity beyond
// which the oldest exited-but-referenced entries and then the least recently seen threads go.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "capture/event.h"

namespace bulkhead::capture {

enum class FdType : uint8_t {
  Unknown,
  File,
  Directory,
  Ipv4Socket,
  Ipv6Socket,
  UnixSocket,
  Pipe,
  Event,
  SignalFd,
  EventPoll,
  Inotify,
  TimerFd,
  Netlink,
  Bpf,
  UserFaultFd,
  Memfd,
};
// Falco's fd.typechar ('f', '4', '6', 'u', 'p', 'e', 's', 'l', 'i', 't', 'n', 'b', 'r', 'm', 'd'
// for directories, '?' unknown) and fd.type ("file", "ipv4", ...).
char fd_type_char(FdType type);
std::string_view fd_type_name(FdType type);

struct FdInfo {
  FdType type = FdType::Unknown;
  std::string name;         // path for files; "sip:sport->dip:dport" for connected sockets
  uint32_t open_flags = 0;  // O_* flags the fd was opened with (files)
  // Sockets: the tuple as known (after bind/connect/accept); family 0 when unknown.
  SocketTuple tuple{};  // unix_path is not used here; see `name`
  uint8_t l4proto = 0;  // IPPROTO_TCP (6), IPPROTO_UDP (17), 0 unknown / raw = 255
  bool connected = false;
  bool server_role = false;   // accepted/listening side: source is the remote end
  bool name_changed = false;  // the fd's name changed at this event (connect/accept/bind)
};

// fd number -> FdInfo, with the subset of std::unordered_map's interface the project uses
// (find/end/begin, operator[], insert_or_assign, emplace, erase, size). Low descriptors, nearly
// all of them in practice, live in a vector indexed by number: a lookup is an index, and a closed
// slot keeps its name's storage for the next open of that number, so open/close do not allocate.
// Numbers outside [0, kDenseLimit) go to a hash map. Inserting may move entries: references and
// iterators are valid until the map is next modified.
class FdMap {
 public:
  using key_type = int64_t;
  using mapped_type = FdInfo;
  using value_type = std::pair<int64_t, FdInfo>;  // (fd number, entry)
  static constexpr int64_t kDenseLimit = 1024;

 private:
  struct Slot {
    value_type entry;
    bool used = false;
  };
  using Overflow = std::unordered_map<int64_t, value_type>;

 public:
  template <bool Const>
  class Iterator {
    using Map = std::conditional_t<Const, const FdMap, FdMap>;
    using OverflowIterator =
        std::conditional_t<Const, Overflow::const_iterator, Overflow::iterator>;

   public:
    using value_type = FdMap::value_type;
    using reference = std::conditional_t<Const, const value_type&, value_type&>;
    using pointer = std::conditional_t<Const, const value_type*, value_type*>;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;

    Iterator() = default;
    Iterator(Map* map, std::size_t index, OverflowIterator overflow)
        : map_(map), index_(index), overflow_(overflow) {
      skip_unused();
    }
    operator Iterator<true>() const requires(!Const) {
      return Iterator<true>(map_, index_, overflow_);
    }
    reference operator*() const {
      return index_ < map_->dense_.size() ? map_->dense_[index_].entry : overflow_->second;
    }
    pointer operator->() const { return &**this; }
    Iterator& operator++() {
      if (index_ < map_->dense_.size()) {
        ++index_;
        skip_unused();
      } else {
        ++overflow_;
      }
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const Iterator& other) const {
      if (index_ != other.index_) return false;
      return index_ < map_->dense_.size() || overflow_ == other.overflow_;
    }

   private:
    void skip_unused() {
      while (index_ < map_->dense_.size() && !map_->dense_[index_].used) ++index_;
    }
    Map* map_ = nullptr;
    std::size_t index_ = 0;  // into dense_; dense_.size() once in the overflow part
    OverflowIterator overflow_{};
  };
  using iterator = Iterator<false>;
  using const_iterator = Iterator<true>;

  iterator begin() { return {this, 0, overflow_.begin()}; }
  iterator end() { return {this, dense_.size(), overflow_.end()}; }
  const_iterator begin() const { return {this, 0, overflow_.begin()}; }
  const_iterator end() const { return {this, dense_.size(), overflow_.end()}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  iterator find(int64_t fd);
  const_iterator find(int64_t fd) const;
  // The entry, nullptr when absent: the hot-path form of find().
  FdInfo* get(int64_t fd) {
    if (is_dense(fd)) {
      auto index = static_cast<std::size_t>(fd);
      return index < dense_.size() && dense_[index].used ? &dense_[index].entry.second : nullptr;
    }
    return get_overflow(fd);
  }
  const FdInfo* get(int64_t fd) const { return const_cast<FdMap*>(this)->get(fd); }
  bool contains(int64_t fd) const { return get(fd) != nullptr; }
  std::size_t count(int64_t fd) const { return contains(fd) ? 1 : 0; }
  FdInfo& at(int64_t fd);
  const FdInfo& at(int64_t fd) const { return const_cast<FdMap*>(this)->at(fd); }

  // The entry for `fd`, default-constructed if absent.
  FdInfo& operator[](int64_t fd);
  // The entry for `fd` reset to a default FdInfo whatever it held, reusing its storage.
  FdInfo& reset(int64_t fd);
  std::pair<iterator, bool> insert_or_assign(int64_t fd, FdInfo info);
  std::pair<iterator, bool> emplace(int64_t fd, FdInfo info);
  std::size_t erase(int64_t fd);
  void clear();

 private:
  static bool is_dense(int64_t fd) { return fd >= 0 && fd < kDenseLimit; }
  FdInfo* get_overflow(int64_t fd);
  // The slot of dense `fd`, grown into; `inserted` tells whether it was free.
  Slot& dense_slot(int64_t fd, bool& inserted);
  iterator dense_iterator(int64_t fd) {
    return {this, static_cast<std::size_t>(fd), overflow_.begin()};
  }

  std::vector<Slot> dense_;
  Overflow overflow_;
  std::size_t size_ = 0;
};

// Per-process file descriptor table, shared by the threads of a process (and by
// clone(CLONE_FILES)).
struct FdTable {
  FdMap fds;
};

struct ContainerInfo {
  std::string id;  // full id (bulkhead name-derived id, Docker/Podman 64-hex id, ...)
  std::string name;
  std::string image;             // e.g. "docker.io/library/nginx:1.25" or "builtin:busybox"
  std::string image_repository;  // "docker.io/library/nginx"
  std::string image_tag;         // "1.25"
  std::string runtime;           // "bulkhead", "docker", "podman", "containerd", "cri-o"
  bool privileged = false;
  uint64_t pid_namespace = 0;  // inode numbers, for live mapping
  uint64_t mount_namespace = 0;
};

struct ThreadInfo {
  int64_t tid = 0;
  int64_t pid = 0;   // thread-group id
  int64_t ppid = 0;  // parent process's pid
  int64_t vpid = 0;  // pid as seen in its own pid namespace (0 unknown)
  int64_t vtid = 0;
  int64_t sid = 0;
  int64_t vpgid = 0;
  std::string comm;               // kernel comm (proc.name)
  std::string exe;                // argv[0] as executed (proc.exe)
  std::string exepath;            // resolved executable path (proc.exepath)
  std::vector<std::string> args;  // argv[1..]
  std::string cwd;
  uint32_t uid = 0, gid = 0;       // effective ids
  uint32_t loginuid = UINT32_MAX;  // UINT32_MAX = unset (Falco prints -1)
  uint32_t tty = 0;                // controlling tty device number, 0 none
  uint64_t cap_effective = 0, cap_permitted = 0, cap_inheritable = 0;
  bool exe_upper_layer = false;  // executable was written in the overlay's upper layer
  bool exe_from_memfd = false;   // executed from a memfd
  bool exe_writable = false;
  std::string container_id;  // empty = host
  uint64_t pid_namespace = 0, mount_namespace = 0;
  uint64_t start_ns = 0;  // clone/exec time (proc.duration)
  uint64_t exec_ns = 0;
  uint64_t last_seen_ns = 0;
  bool exited = false;
  std::shared_ptr<FdTable> fd_table;  // shared with threads of the same process
};

// Resolves a user id or group id to a name, per container root (host by default).
class UserNames {
 public:
  virtual ~UserNames() = default;
  virtual std::string_view user_name(uint32_t uid, std::string_view container_id) = 0;
  virtual std::string_view group_name(uint32_t gid, std::string_view container_id) = 0;
};

class ThreadTable {
 public:
  explicit ThreadTable(std::size_t capacity = 131072);

  // Updates the table for an event: clone/fork create children (copying the parent's state,
  // sharing or copying the fd table per CLONE_FILES), execve replaces exe/args/comm and closes
  // O_CLOEXEC fds, open/socket/accept/dup/pipe add fds, close removes them, connect/bind set
  // tuples, chdir sets cwd, setuid family and capset update credentials, procexit marks the
  // thread exited (reclaimed once no later event can need it).
  // Descriptors an event closes (close, and execve's close-on-exec ones) stay visible through
  // fd() until the next apply() or insert(), as Falco resolves fd.name on close's exit; the next
  // call removes them first. dup2/dup3 onto an open descriptor replace its entry at once: during
  // that event the target fd shows the NEW entry (the one copied from oldfd).
  // Returns the calling thread's info after the update (created on the fly for an unknown tid,
  // with what the event carries), never nullptr.
  ThreadInfo* apply(const Event& event);

  // Lookup without side effects; nullptr when unknown.
  const ThreadInfo* find(int64_t tid) const;
  // The same, for callers that annotate a thread before its event is applied (live mode's
  // container resolver).
  ThreadInfo* get(int64_t tid) { return const_cast<ThreadInfo*>(find(tid)); }
  // The process (thread-group leader) of a thread, or the thread itself if the leader is unknown.
  const ThreadInfo* process_of(const ThreadInfo& thread) const;
  // The parent process (by ppid), nullptr if unknown.
  const ThreadInfo* parent_of(const ThreadInfo& thread) const;
  // The fd entry of `fd` in the thread's process, nullptr if unknown.
  const FdInfo* fd(const ThreadInfo& thread, int64_t fd) const;

  // Direct insertion (the /proc seeder and the capture reader's snapshot).
  ThreadInfo& insert(ThreadInfo info);
  void add_container(ContainerInfo container);
  const ContainerInfo* container(std::string_view id) const;

  template <typename F>
  void for_each_thread(F&& visit) const {
    for (const auto& [tid, info] : threads_) visit(info);
  }
  template <typename F>
  void for_each_container(F&& visit) const {
    for (const auto& [id, info] : containers_) visit(info);
  }
  std::size_t size() const { return threads_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  using ThreadMap = std::unordered_map<int64_t, ThreadInfo>;

  void finish_previous_event();
  void reclaim();
  void evict_to(std::size_t target);
  void erase_thread(ThreadMap::iterator it);
  ThreadMap::node_type new_node();
  std::shared_ptr<FdTable> new_fd_table();
  ThreadInfo& add_thread(ThreadMap::node_type node);
  void remove_thread(int64_t tid);
  ThreadInfo& thread_for(const Event& event);
  ThreadInfo& spawn_child(ThreadInfo& parent, int64_t child_tid, uint64_t clone_flags,
                          uint64_t timestamp_ns);
  void on_clone(ThreadInfo& caller, const Event& event);
  void on_exec(ThreadInfo& thread, const Event& event);
  void set_socket_name(FdInfo& fd, const SocketTuple& tuple, bool server_role);
  FdInfo& socket_fd(ThreadInfo& thread, int64_t fd, uint8_t family);
  void mark_name_changed(ThreadInfo& thread, int64_t fd);

  std::size_t capacity_;
  ThreadMap threads_;
  // The thread of the previous event: consecutive events mostly come from the same thread.
  // Reset whenever a thread leaves threads_.
  ThreadInfo* last_thread_ = nullptr;
  // Removed entries kept for reuse, so that clone/exit cycles do not allocate: their strings
  // and fd slots keep their storage. Bounded (kSpareLimit in thread_table.cc).
  std::vector<ThreadMap::node_type> spare_threads_;
  std::vector<std::shared_ptr<FdTable>> spare_fd_tables_;
  // Descriptors the previous event closed, in closing_table_: removed by the next apply()/insert().
  std::shared_ptr<FdTable> closing_table_;
  std::vector<int64_t> closing_fds_;
  std::string path_buffer_;  // scratch for resolving paths without allocating
  // Recently formatted IPv6 addresses: peers repeat while ports vary, and inet_ntop is slow.
  struct IpText {
    std::array<uint8_t, 16> ip{};
    std::string text;  // empty: unused
  };
  std::array<IpText, 4> ipv6_texts_;
  std::size_t next_ipv6_text_ = 0;
  std::string_view ipv6_text(const std::array<uint8_t, 16>& ip);
  void format_tuple_into(std::string& out, const SocketTuple& tuple);
  std::unordered_map<std::string, ContainerInfo> containers_;
  std::vector<int64_t> exited_;  // reclaim queue: threads whose procexit was the last event
  // Exited process leaders kept because live processes name them as parent (for proc.pname and
  // proc.aname); oldest first, the first to go when the table is over capacity.
  std::vector<int64_t> zombies_;
  // Number of known processes (thread-group leaders) per parent pid.
  std::unordered_map<int64_t, uint32_t> child_processes_;
  // The fd whose name_changed flag the previous event set; cleared by the next apply().
  std::shared_ptr<FdTable> name_changed_table_;
  int64_t name_changed_fd_ = -1;
};

// Resolves `path` against `base` (an absolute directory) and normalizes ".", ".." and repeated
// slashes, as Falco does for fd.name: ("/home/u", "../etc/./passwd") -> "/home/etc/passwd".
std::string resolve_path(std::string_view base, std::string_view path);
// The same into `out` (replacing its contents, reusing its storage). `out` must not alias
// `base` or `path`.
void resolve_path_into(std::string& out, std::string_view base, std::string_view path);

}  // namespace bulkhead::capture
