#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "capture/synthetic.h"
#include "capture/thread_table.h"

namespace bulkhead::capture {
namespace {

constexpr int64_t kCloneFiles = 0x400, kCloneThread = 0x10000, kCloneVm = 0x100;
constexpr int64_t kOCloexec = 02000000, kODirectory = 0200000;

class CaptureThreadTable : public ::testing::Test {
 protected:
  uint64_t now_ = 1'000'000;

  ThreadInfo* apply(OwnedEvent event) {
    event.set_timestamp(++now_);
    return table_.apply(event.event());
  }
  ThreadInfo* clone_parent(int64_t tid, int64_t pid, int64_t child, int64_t flags = 0x11) {
    return apply(OwnedEvent(EventType::clone, tid, pid, child).set("flags", flags));
  }
  ThreadInfo* clone_child(int64_t tid, int64_t pid, int64_t ptid, int64_t flags = 0x11) {
    return apply(OwnedEvent(EventType::clone, tid, pid, 0).set("flags", flags).set("ptid", ptid));
  }
  ThreadInfo* execve(int64_t tid, int64_t pid, const std::string& exe,
                     const std::vector<std::string>& args, const std::string& comm) {
    return apply(OwnedEvent(EventType::execve, tid, pid, 0)
                     .set_bytes("exe", exe)
                     .set_list("args", args)
                     .set_bytes("comm", comm)
                     .set_bytes("trusted_exepath", exe)
                     .set("uid", 0)
                     .set("cap_effective", 0x1234));
  }
  ThreadInfo* openat(int64_t tid, int64_t fd, int64_t dirfd, const std::string& name,
                     int64_t flags = 0) {
    return apply(OwnedEvent(EventType::openat, tid, tid, fd)
                     .set("dirfd", dirfd)
                     .set_bytes("name", name)
                     .set("flags", flags));
  }
  ThreadInfo* close(int64_t tid, int64_t fd) {
    return apply(OwnedEvent(EventType::close, tid, tid, 0).set("fd", fd));
  }
  ThreadInfo* exit(int64_t tid, int64_t pid) {
    return apply(OwnedEvent(EventType::procexit, tid, pid, 0));
  }
  // Any event of the thread that touches no fd: ends the previous event's deferred removals.
  ThreadInfo* next_event(int64_t tid) { return apply(OwnedEvent(EventType::kill, tid, tid, 0)); }
  const FdInfo* fd(int64_t tid, int64_t fd) {
    const ThreadInfo* thread = table_.find(tid);
    return thread == nullptr ? nullptr : table_.fd(*thread, fd);
  }
  ThreadInfo& seed(int64_t pid, int64_t ppid, const std::string& comm, const std::string& cwd) {
    ThreadInfo info;
    info.tid = info.pid = pid;
    info.ppid = ppid;
    info.comm = comm;
    info.exe = comm;
    info.cwd = cwd;
    return table_.insert(std::move(info));
  }

  ThreadTable table_{1024};
};

TEST_F(CaptureThreadTable, ResolvesPaths) {
  EXPECT_EQ(resolve_path("/home/u", "../etc/./passwd"), "/home/etc/passwd");
  EXPECT_EQ(resolve_path("/", "a//b/"), "/a/b");
  EXPECT_EQ(resolve_path("/x", "/../../etc"), "/etc");
  EXPECT_EQ(resolve_path("/x", ""), "/x");
  EXPECT_EQ(resolve_path("", "rel"), "/rel");
}

TEST_F(CaptureThreadTable, UnknownThreadIsCreatedFromTheEvent) {
  ThreadInfo* thread = openat(77, 3, -100, "/etc/hosts");
  ASSERT_NE(thread, nullptr);
  EXPECT_EQ(thread->tid, 77);
  EXPECT_EQ(thread->pid, 77);
  EXPECT_EQ(fd(77, 3)->name, "/etc/hosts");
  EXPECT_EQ(fd(77, 3)->type, FdType::File);
}

TEST_F(CaptureThreadTable, ForkExecExitLifecycle) {
  seed(100, 1, "bash", "/home/user");
  ThreadInfo* parent = clone_parent(100, 100, 200);
  EXPECT_EQ(parent->tid, 100);
  const ThreadInfo* child = table_.find(200);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->pid, 200);
  EXPECT_EQ(child->ppid, 100);
  EXPECT_EQ(child->comm, "bash");
  EXPECT_EQ(child->cwd, "/home/user");
  EXPECT_NE(child->fd_table, table_.find(100)->fd_table);  // copied, not shared

  // The child's own clone event finds it already made.
  clone_child(200, 200, 100);
  EXPECT_EQ(table_.find(200)->ppid, 100);

  ThreadInfo* execd = execve(200, 200, "/usr/bin/cat", {"/etc/passwd"}, "cat");
  EXPECT_EQ(execd->comm, "cat");
  EXPECT_EQ(execd->exe, "/usr/bin/cat");
  EXPECT_EQ(execd->exepath, "/usr/bin/cat");
  ASSERT_EQ(execd->args.size(), 1u);
  EXPECT_EQ(execd->args[0], "/etc/passwd");
  EXPECT_EQ(execd->cap_effective, 0x1234u);
  EXPECT_EQ(table_.parent_of(*execd)->comm, "bash");

  ThreadInfo* exited = exit(200, 200);
  EXPECT_TRUE(exited->exited);
  EXPECT_NE(table_.find(200), nullptr);  // still there for the procexit event's rules
  openat(100, 3, -100, "/tmp/x");        // the next event reclaims it
  EXPECT_EQ(table_.find(200), nullptr);
}

TEST_F(CaptureThreadTable, ChildSideFirstCopiesTheParent) {
  seed(100, 1, "sh", "/srv");
  ThreadInfo* child = clone_child(300, 300, 100);
  EXPECT_EQ(child->comm, "sh");
  EXPECT_EQ(child->ppid, 100);
  EXPECT_EQ(child->cwd, "/srv");
  clone_parent(100, 100, 300);  // does not replace the child
  EXPECT_EQ(table_.find(300)->ppid, 100);
}

TEST_F(CaptureThreadTable, ANewPidNamespacesInitKeepsItsIdsWhicheverSideComesFirst) {
  // The ids in its own namespace come only with the child's event; a container's init must
  // be known as vtid 1 (the resolver ends the namespace's claim at its exit).
  seed(100, 1, "bulkhead", "/");
  apply(OwnedEvent(EventType::clone3, 300, 300, 0)
            .set("flags", 0x20000000)
            .set("ptid", 100)
            .set("vtid", 1)
            .set("vpid", 1));
  clone_parent(100, 100, 300, 0x20000000);
  EXPECT_EQ(table_.find(300)->vtid, 1);
  EXPECT_EQ(table_.find(300)->vpid, 1);
  // The parent's side first.
  clone_parent(100, 100, 400, 0x20000000);
  apply(OwnedEvent(EventType::clone3, 400, 400, 0)
            .set("flags", 0x20000000)
            .set("ptid", 100)
            .set("vtid", 1)
            .set("vpid", 1));
  EXPECT_EQ(table_.find(400)->vtid, 1);
  EXPECT_EQ(table_.find(400)->vpid, 1);
}

TEST_F(CaptureThreadTable, ThreadsShareThePidAndFdTable) {
  seed(100, 1, "nginx", "/");
  clone_parent(100, 100, 101, kCloneThread | kCloneFiles | kCloneVm);
  const ThreadInfo* thread = table_.find(101);
  ASSERT_NE(thread, nullptr);
  EXPECT_EQ(thread->pid, 100);
  EXPECT_EQ(thread->ppid, 1);
  EXPECT_EQ(table_.process_of(*thread)->tid, 100);
  apply(OwnedEvent(EventType::openat, 101, 100, 5)
            .set("dirfd", -100)
            .set_bytes("name", "/var/log/nginx/access.log")
            .set("flags", 01));
  EXPECT_EQ(fd(100, 5)->name, "/var/log/nginx/access.log");

  // clone(CLONE_FILES) without CLONE_THREAD: a process sharing the table.
  clone_parent(100, 100, 150, kCloneFiles);
  EXPECT_EQ(table_.find(150)->fd_table, table_.find(100)->fd_table);
  EXPECT_EQ(table_.find(150)->pid, 150);
}

TEST_F(CaptureThreadTable, FdsAcrossDupCloseAndCloexec) {
  seed(100, 1, "app", "/work");
  openat(100, 3, -100, "data.txt");
  EXPECT_EQ(fd(100, 3)->name, "/work/data.txt");
  openat(100, 4, -100, "/etc/ssl", kODirectory | kOCloexec);
  EXPECT_EQ(fd(100, 4)->type, FdType::Directory);
  openat(100, 5, 4, "certs/ca.pem", kOCloexec);
  EXPECT_EQ(fd(100, 5)->name, "/etc/ssl/certs/ca.pem");
  openat(100, 6, 4, "/abs/path");
  EXPECT_EQ(fd(100, 6)->name, "/abs/path");

  apply(OwnedEvent(EventType::dup, 100, 100, 7).set("oldfd", 5));
  EXPECT_EQ(fd(100, 7)->name, "/etc/ssl/certs/ca.pem");
  EXPECT_FALSE(fd(100, 7)->open_flags & kOCloexec);  // dup clears close-on-exec
  apply(OwnedEvent(EventType::dup2, 100, 100, 1).set("oldfd", 3).set("newfd", 1));
  EXPECT_EQ(fd(100, 1)->name, "/work/data.txt");
  apply(OwnedEvent(EventType::dup3, 100, 100, 9)
            .set("oldfd", 3)
            .set("newfd", 9)
            .set("flags", kOCloexec));
  EXPECT_TRUE(fd(100, 9)->open_flags & kOCloexec);
  apply(OwnedEvent(EventType::fcntl, 100, 100, 10).set("fd", 3).set("cmd", 1030));
  EXPECT_EQ(fd(100, 10)->name, "/work/data.txt");

  close(100, 3);
  next_event(100);
  EXPECT_EQ(fd(100, 3), nullptr);
  EXPECT_NE(fd(100, 1), nullptr);
  // A failed close keeps the fd.
  apply(OwnedEvent(EventType::close, 100, 100, -9).set("fd", 1));
  EXPECT_NE(fd(100, 1), nullptr);
  // A failed open adds nothing.
  openat(100, -2, -100, "/missing");
  EXPECT_EQ(fd(100, -2), nullptr);

  execve(100, 100, "/bin/true", {}, "true");
  EXPECT_NE(fd(100, 4), nullptr);  // close-on-exec fds are still visible during the execve
  next_event(100);
  EXPECT_EQ(fd(100, 4), nullptr);   // O_CLOEXEC
  EXPECT_EQ(fd(100, 5), nullptr);   // O_CLOEXEC
  EXPECT_EQ(fd(100, 9), nullptr);   // dup3(O_CLOEXEC)
  EXPECT_EQ(fd(100, 10), nullptr);  // F_DUPFD_CLOEXEC
  EXPECT_NE(fd(100, 7), nullptr);
  EXPECT_NE(fd(100, 1), nullptr);
  EXPECT_NE(fd(100, 6), nullptr);
}

TEST_F(CaptureThreadTable, CloseKeepsTheEntryForItsOwnEvent) {
  seed(100, 1, "app", "/work");
  openat(100, 3, -100, "/etc/shadow");
  // What fd.name resolves through during the close event (Falco resolves it on close's exit).
  const ThreadInfo* thread = close(100, 3);
  const FdInfo* closing = table_.fd(*thread, 3);
  ASSERT_NE(closing, nullptr);
  EXPECT_EQ(closing->name, "/etc/shadow");
  EXPECT_EQ(closing->type, FdType::File);
  // Gone once the next event is applied, whichever thread it comes from.
  seed(200, 1, "other", "/");
  next_event(200);
  EXPECT_EQ(fd(100, 3), nullptr);

  // The number reused by the very next event shows the new file, not a removal.
  openat(100, 3, -100, "/tmp/a");
  close(100, 3);
  openat(100, 3, -100, "/tmp/b");
  ASSERT_NE(fd(100, 3), nullptr);
  EXPECT_EQ(fd(100, 3)->name, "/tmp/b");
  next_event(100);
  ASSERT_NE(fd(100, 3), nullptr);
  EXPECT_EQ(fd(100, 3)->name, "/tmp/b");
}

TEST_F(CaptureThreadTable, DupOntoAnOpenFdShowsTheNewEntry) {
  seed(100, 1, "app", "/");
  openat(100, 3, -100, "/var/log/app.log");
  openat(100, 4, -100, "/etc/passwd");
  for (EventType type : {EventType::dup2, EventType::dup3}) {
    const ThreadInfo* thread = apply(OwnedEvent(type, 100, 100, 4).set("oldfd", 3).set("newfd", 4));
    ASSERT_NE(table_.fd(*thread, 4), nullptr);
    EXPECT_EQ(table_.fd(*thread, 4)->name, "/var/log/app.log");
    next_event(100);
    EXPECT_EQ(fd(100, 4)->name, "/var/log/app.log");
    EXPECT_EQ(fd(100, 3)->name, "/var/log/app.log");
  }
}

TEST_F(CaptureThreadTable, FdTableMemoryStaysBounded) {
  seed(100, 1, "app", "/");
  // Open/close cycles over low and high numbers (the latter outside the indexed range) leave
  // nothing behind.
  for (int round = 0; round < 2000; ++round) {
    for (int64_t number : {3, 4, 1023, 1024, 70000}) {
      openat(100, number, -100, "/tmp/file" + std::to_string(round));
      close(100, number);
    }
  }
  next_event(100);
  EXPECT_EQ(table_.find(100)->fd_table->fds.size(), 0u);
  EXPECT_EQ(table_.find(100)->fd_table->fds.begin(), table_.find(100)->fd_table->fds.end());
}

TEST_F(CaptureThreadTable, FdMapBehavesLikeAMap) {
  FdMap map;
  EXPECT_TRUE(map.empty());
  FdInfo named;
  named.name = "/a";
  EXPECT_TRUE(map.emplace(5, named).second);
  EXPECT_FALSE(map.emplace(5, FdInfo{}).second);  // already there: kept
  EXPECT_EQ(map.at(5).name, "/a");
  map[-7].name = "negative";
  map[100000].name = "high";
  map.insert_or_assign(0, named);
  EXPECT_EQ(map.size(), 4u);
  std::vector<std::pair<int64_t, std::string>> seen;
  for (const auto& [number, info] : map) seen.emplace_back(number, info.name);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::pair<int64_t, std::string>>{
                      {-7, "negative"}, {0, "/a"}, {5, "/a"}, {100000, "high"}}));
  EXPECT_EQ(map.find(-7)->second.name, "negative");
  EXPECT_EQ(map.find(6), map.end());
  EXPECT_EQ(map.erase(5), 1u);
  EXPECT_EQ(map.erase(5), 0u);
  EXPECT_EQ(map.erase(100000), 1u);
  EXPECT_FALSE(map.contains(5));
  EXPECT_EQ(map.count(-7), 1u);
  map.reset(0).type = FdType::Pipe;  // reset clears what was there
  EXPECT_EQ(map.at(0).name, "");
  EXPECT_EQ(map.at(0).type, FdType::Pipe);
  FdMap copy = map;
  map.clear();
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(copy.size(), 2u);
  EXPECT_THROW(map.at(0), std::out_of_range);
}

TEST_F(CaptureThreadTable, SocketNamesMatchTheGenericFormatter) {
  seed(100, 1, "app", "/");
  apply(OwnedEvent(EventType::socket, 100, 100, 3).set("domain", 2).set("type", 2));
  apply(OwnedEvent(EventType::socket, 100, 100, 4).set("domain", 10).set("type", 2));
  SocketTuple v4;
  v4.family = kAfInet;
  v4.source_ip = {10, 0, 0, 1};
  v4.source_port = 40000;
  v4.destination_ip = {255, 0, 10, 200};
  v4.destination_port = 53;
  SocketTuple v6;
  v6.family = kAfInet6;
  v6.source_ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  v6.source_port = 5353;
  v6.destination_ip = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
  v6.destination_port = 0;
  auto send = [&](int64_t number, const SocketTuple& tuple, bool changed) {
    const ThreadInfo* thread = apply(OwnedEvent(EventType::sendto, 100, 100, 10)
                                         .set("fd", number)
                                         .set_bytes("tuple", encode_socket_tuple(tuple)));
    const FdInfo* info = table_.fd(*thread, number);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->name, format_socket_tuple(tuple));
    EXPECT_EQ(info->name_changed, changed);
  };
  send(3, v4, true);
  send(4, v6, true);
  send(3, v4, false);  // the same peer again: unchanged
  send(4, v6, false);
  v4.source_port = 40001;
  send(3, v4, true);
  EXPECT_EQ(fd(100, 3)->name, "10.0.0.1:40001->255.0.10.200:53");
}

TEST_F(CaptureThreadTable, ExecUnsharesAnFdTableSharedByCloneFiles) {
  seed(100, 1, "a", "/");
  openat(100, 3, -100, "/x", kOCloexec);
  clone_parent(100, 100, 150, kCloneFiles);
  execve(150, 150, "/bin/b", {}, "b");
  next_event(150);
  EXPECT_EQ(fd(150, 3), nullptr);
  EXPECT_NE(fd(100, 3), nullptr);
}

TEST_F(CaptureThreadTable, ChdirAndFchdirMoveTheCwd) {
  seed(100, 1, "sh", "/");
  apply(OwnedEvent(EventType::chdir, 100, 100, 0).set_bytes("path", "tmp/../var"));
  EXPECT_EQ(table_.find(100)->cwd, "/var");
  openat(100, 3, -100, "lib", kODirectory);
  apply(OwnedEvent(EventType::fchdir, 100, 100, 0).set("fd", 3));
  EXPECT_EQ(table_.find(100)->cwd, "/var/lib");
  openat(100, 4, -100, "dpkg/status");
  EXPECT_EQ(fd(100, 4)->name, "/var/lib/dpkg/status");
  apply(OwnedEvent(EventType::chdir, 100, 100, -2).set_bytes("path", "/nope"));
  EXPECT_EQ(table_.find(100)->cwd, "/var/lib");
}

TEST_F(CaptureThreadTable, SocketsConnectAcceptBind) {
  seed(100, 1, "curl", "/");
  apply(OwnedEvent(EventType::socket, 100, 100, 3).set("domain", 2).set("type", 1).set("proto", 0));
  EXPECT_EQ(fd(100, 3)->type, FdType::Ipv4Socket);
  EXPECT_EQ(fd(100, 3)->l4proto, 6);
  SocketTuple tuple;
  tuple.family = kAfInet;
  tuple.source_ip = {10, 0, 0, 2};
  tuple.source_port = 43210;
  tuple.destination_ip = {93, 184, 216, 34};
  tuple.destination_port = 443;
  ThreadInfo* thread = apply(OwnedEvent(EventType::connect, 100, 100, 0)
                                 .set("fd", 3)
                                 .set_bytes("tuple", encode_socket_tuple(tuple)));
  const FdInfo* socket = table_.fd(*thread, 3);
  EXPECT_EQ(socket->name, "10.0.0.2:43210->93.184.216.34:443");
  EXPECT_TRUE(socket->connected);
  EXPECT_TRUE(socket->name_changed);
  EXPECT_EQ(socket->tuple.destination_port, 443);
  openat(100, 4, -100, "/x");
  EXPECT_FALSE(fd(100, 3)->name_changed);  // only at the event that changed it

  // UDP socket learns its peer from sendto.
  apply(OwnedEvent(EventType::socket, 100, 100, 5).set("domain", 2).set("type", 2).set("proto", 0));
  EXPECT_EQ(fd(100, 5)->l4proto, 17);
  tuple.destination_port = 53;
  apply(OwnedEvent(EventType::sendto, 100, 100, 20)
            .set("fd", 5)
            .set_bytes("tuple", encode_socket_tuple(tuple)));
  EXPECT_EQ(fd(100, 5)->tuple.destination_port, 53);

  // Server side: bind, listen, accept.
  seed(200, 1, "nginx", "/");
  apply(
      OwnedEvent(EventType::socket, 200, 200, 6).set("domain", 10).set("type", 1).set("proto", 0));
  SocketAddress address;
  address.family = kAfInet6;
  address.port = 80;
  apply(OwnedEvent(EventType::bind, 200, 200, 0)
            .set("fd", 6)
            .set_bytes("addr", encode_socket_address(address)));
  EXPECT_EQ(fd(200, 6)->name, ":::80");
  apply(OwnedEvent(EventType::listen, 200, 200, 0).set("fd", 6).set("backlog", 511));
  EXPECT_TRUE(fd(200, 6)->server_role);
  SocketTuple incoming;
  incoming.family = kAfInet6;
  incoming.source_ip[15] = 1;
  incoming.source_port = 50000;
  incoming.destination_ip[15] = 1;
  incoming.destination_port = 80;
  apply(OwnedEvent(EventType::accept4, 200, 200, 7)
            .set_bytes("tuple", encode_socket_tuple(incoming))
            .set("flags", kOCloexec));
  EXPECT_EQ(fd(200, 7)->type, FdType::Ipv6Socket);
  EXPECT_EQ(fd(200, 7)->name, "::1:50000->::1:80");
  EXPECT_TRUE(fd(200, 7)->server_role);
  EXPECT_TRUE(fd(200, 7)->open_flags & kOCloexec);

  // Unix socket to docker.sock.
  apply(OwnedEvent(EventType::socket, 100, 100, 8).set("domain", 1).set("type", 1).set("proto", 0));
  SocketTuple unix_tuple;
  unix_tuple.family = kAfUnix;
  unix_tuple.unix_path = "/var/run/docker.sock";
  apply(OwnedEvent(EventType::connect, 100, 100, 0)
            .set("fd", 8)
            .set_bytes("tuple", encode_socket_tuple(unix_tuple)));
  EXPECT_EQ(fd(100, 8)->type, FdType::UnixSocket);
  EXPECT_EQ(fd(100, 8)->name, "/var/run/docker.sock");
}

TEST_F(CaptureThreadTable, PipesMemfdsAndOtherFds) {
  seed(100, 1, "x", "/");
  apply(OwnedEvent(EventType::pipe2, 100, 100, 0)
            .set("fd1", 3)
            .set("fd2", 4)
            .set("flags", kOCloexec));
  EXPECT_EQ(fd(100, 3)->type, FdType::Pipe);
  EXPECT_TRUE(fd(100, 4)->open_flags & kOCloexec);
  apply(OwnedEvent(EventType::socketpair, 100, 100, 0)
            .set("fd1", 5)
            .set("fd2", 6)
            .set("domain", 1)
            .set("type", 1));
  EXPECT_EQ(fd(100, 6)->type, FdType::UnixSocket);
  apply(OwnedEvent(EventType::memfd_create, 100, 100, 7)
            .set_bytes("name", "payload")
            .set("flags", 0));
  EXPECT_EQ(fd(100, 7)->type, FdType::Memfd);
  EXPECT_EQ(fd(100, 7)->name, "memfd:payload");
  apply(OwnedEvent(EventType::bpf, 100, 100, 8).set("cmd", 5));
  EXPECT_EQ(fd(100, 8)->type, FdType::Bpf);
  apply(OwnedEvent(EventType::userfaultfd, 100, 100, 9).set("flags", 0));
  EXPECT_EQ(fd(100, 9)->type, FdType::UserFaultFd);
  EXPECT_EQ(fd_type_char(FdType::Ipv4Socket), '4');
  EXPECT_EQ(fd_type_name(FdType::Directory), "directory");
}

TEST_F(CaptureThreadTable, CredentialsChange) {
  seed(100, 1, "sudo", "/");
  apply(OwnedEvent(EventType::setresuid, 100, 100, 0)
            .set("ruid", 1000)
            .set("euid", 1000)
            .set("suid", 1000));
  EXPECT_EQ(table_.find(100)->uid, 1000u);
  apply(OwnedEvent(EventType::setreuid, 100, 100, 0).set("ruid", 5).set("euid", 0xffffffff));
  EXPECT_EQ(table_.find(100)->uid, 1000u);
  apply(OwnedEvent(EventType::setuid, 100, 100, -1).set("uid", 0));  // EPERM: unchanged
  EXPECT_EQ(table_.find(100)->uid, 1000u);
  apply(OwnedEvent(EventType::setgid, 100, 100, 0).set("gid", 42));
  EXPECT_EQ(table_.find(100)->gid, 42u);
  apply(OwnedEvent(EventType::capset, 100, 100, 0)
            .set("cap_inheritable", 0)
            .set("cap_permitted", 0x3)
            .set("cap_effective", 0x1));
  EXPECT_EQ(table_.find(100)->cap_effective, 1u);
  EXPECT_EQ(table_.find(100)->cap_permitted, 3u);
  apply(
      OwnedEvent(EventType::prctl, 100, 100, 0).set("option", 15).set_bytes("arg2_str", "worker"));
  EXPECT_EQ(table_.find(100)->comm, "worker");
}

TEST_F(CaptureThreadTable, ExitedParentStaysWhileChildrenLive) {
  seed(100, 1, "bash", "/");
  clone_parent(100, 100, 200);
  exit(100, 100);
  openat(200, 3, -100, "/x");
  ASSERT_NE(table_.find(100), nullptr);  // kept: 200 names it as parent
  EXPECT_EQ(table_.parent_of(*table_.find(200))->comm, "bash");
  exit(200, 200);
  openat(1, 3, -100, "/y");
  EXPECT_EQ(table_.find(200), nullptr);
  EXPECT_EQ(table_.find(100), nullptr);  // freed with its last child
}

TEST_F(CaptureThreadTable, MemoryStaysBounded) {
  ThreadTable small(64);
  uint64_t now = 0;
  // Many short-lived processes: all reclaimed.
  for (int64_t child = 1000; child < 6000; ++child) {
    OwnedEvent fork(EventType::fork, 10, 10, child, ++now);
    small.apply(fork.event());
    small.apply(OwnedEvent(EventType::openat, child, child, 3, ++now)
                    .set("dirfd", -100)
                    .set_bytes("name", "/tmp/f")
                    .event());
    small.apply(OwnedEvent(EventType::procexit, child, child, 0, ++now).event());
  }
  EXPECT_LE(small.size(), 3u);
  // Threads that never exit: the least recently seen go past the capacity.
  for (int64_t tid = 10000; tid < 10500; ++tid)
    small.apply(OwnedEvent(EventType::close, tid, tid, 0, ++now).set("fd", 99).event());
  EXPECT_LE(small.size(), small.capacity());
  EXPECT_NE(small.find(10499), nullptr);
  EXPECT_EQ(small.find(10000), nullptr);
}

TEST_F(CaptureThreadTable, Containers) {
  ContainerInfo container;
  container.id = "3ad7b2b1c0de";
  container.name = "web";
  container.image = "docker.io/library/nginx:1.25";
  table_.add_container(container);
  ASSERT_NE(table_.container("3ad7b2b1c0de"), nullptr);
  EXPECT_EQ(table_.container("3ad7b2b1c0de")->name, "web");
  EXPECT_EQ(table_.container("nope"), nullptr);
  ThreadInfo& init = seed(500, 400, "nginx", "/");
  init.container_id = "3ad7b2b1c0de";
  clone_parent(500, 500, 501);
  EXPECT_EQ(table_.find(501)->container_id, "3ad7b2b1c0de");
}

}  // namespace
}  // namespace bulkhead::capture
