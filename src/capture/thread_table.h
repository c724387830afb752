// The state that turns a stream of syscall events into something rules can ask about: which
// process made this call, what its ancestors are, what file or socket an fd stands for, which
// container it runs in. Driven by events (ThreadTable::apply) and, in live mode, seeded from
// /proc. Memory is bounded: exited threads are reclaimed, and the table has a capacity beyond
// which the oldest exited-but-referenced entries and then the least recently seen threads go.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
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

// Per-process file descriptor table, shared by the threads of a process (and by
// clone(CLONE_FILES)).
struct FdTable {
  std::unordered_map<int64_t, FdInfo> fds;
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
  // Returns the calling thread's info after the update (created on the fly for an unknown tid,
  // with what the event carries), never nullptr.
  ThreadInfo* apply(const Event& event);

  // Lookup without side effects; nullptr when unknown.
  const ThreadInfo* find(int64_t tid) const;
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
  void reclaim();
  void evict_to(std::size_t target);
  ThreadInfo& add_thread(ThreadInfo info);
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
  std::unordered_map<int64_t, ThreadInfo> threads_;
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

}  // namespace bulkhead::capture
