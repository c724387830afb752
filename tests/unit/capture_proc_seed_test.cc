#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "capture/proc_seed.h"
#include "support/temp_dir.h"

namespace bulkhead::capture {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(CaptureProcSeed, ContainerIdsFromCgroupPaths) {
  const std::string id(64, 'a');
  const std::string full = "0123456789ab" + std::string(52, 'c');
  auto docker = container_from_cgroup("12:memory:/docker/" + full + "\n0::/\n");
  ASSERT_TRUE(docker);
  EXPECT_EQ(docker->id, "0123456789ab");
  EXPECT_EQ(docker->full_id, full);
  EXPECT_EQ(docker->runtime, "docker");
  EXPECT_EQ(container_from_cgroup("0::/system.slice/docker-" + id + ".scope\n")->runtime, "docker");
  EXPECT_EQ(container_from_cgroup("0::/machine.slice/libpod-" + id + ".scope/container\n")->runtime,
            "podman");
  EXPECT_EQ(container_from_cgroup("0::/kubepods.slice/kubepods-besteffort.slice/"
                                  "kubepods-besteffort-pod1.slice/cri-containerd-" +
                                  id + ".scope\n")
                ->runtime,
            "containerd");
  EXPECT_EQ(container_from_cgroup("0::/kubepods/burstable/pod1/crio-" + id + ".scope\n")->runtime,
            "cri-o");
  EXPECT_FALSE(container_from_cgroup("0::/user.slice/user-1000.slice/session-2.scope\n"));
  EXPECT_FALSE(container_from_cgroup("0::/docker/" + id + "f\n"));  // 65 hex: not an id
  EXPECT_FALSE(container_from_cgroup(""));
}

TEST(CaptureProcSeed, ReadsAFakeProcTree) {
  testing::TempDir dir;
  fs::path proc = dir.path() / "proc";
  const std::string id = "feedfacecafe" + std::string(52, '0');
  write(proc / "stat", "cpu 1 2 3\nbtime 1700000000\n");
  write(proc / "123/cmdline", std::string("/usr/sbin/nginx\0-g\0daemon off;\0", 31));
  write(proc / "123/cgroup", "0::/system.slice/docker-" + id + ".scope\n");
  for (std::string tid : {"123", "124"}) {
    fs::path task = proc / "123/task" / tid;
    write(task / "status", "Name:\tnginx\nTgid:\t123\nPid:\t" + tid +
                               "\nPPid:\t100\nUid:\t0\t101\t101\t101\nGid:\t0\t102\t102\t102\n"
                               "NStgid:\t123\t1\nNSpid:\t" +
                               tid + "\t" + (tid == "123" ? "1" : "2") +
                               "\nCapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\n"
                               "CapEff:\t00000000a80425fb\n");
    write(task / "comm", "nginx\n");
    write(task / "loginuid", "4294967295");
    write(task / "stat",
          tid + " (ng inx) S 100 123 123 34816 123 4194560 0 0 0 0 0 0 0 0 20 0 1 0 " + "500 0 0");
    fs::create_directories(task / "ns");
    fs::create_symlink("pid:[4026532001]", task / "ns/pid");
    fs::create_symlink("mnt:[4026532002]", task / "ns/mnt");
    fs::create_symlink("/srv/www", task / "cwd");
  }
  fs::create_directories(proc / "123/fd");
  fs::create_symlink("/var/log/nginx/access.log", proc / "123/fd/3");
  fs::create_symlink("socket:[5555]", proc / "123/fd/4");
  fs::create_symlink("socket:[6666]", proc / "123/fd/5");
  fs::create_symlink("pipe:[77]", proc / "123/fd/6");
  fs::create_symlink("/memfd:x (deleted)", proc / "123/fd/7");
  write(proc / "123/fdinfo/3", "pos:\t0\nflags:\t02102001\nmnt_id:\t1\n");
  fs::create_symlink("/usr/sbin/nginx", proc / "123/exe");
  fs::create_directories(proc / "123/ns");
  fs::create_symlink("net:[4026532003]", proc / "123/ns/net");
  write(proc / "123/net/tcp",
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode\n"
        "   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0  "
        "      0 5555 1 0000000000000000 100 0 0 10 0\n");
  write(proc / "123/net/unix",
        "Num       RefCount Protocol Flags    Type St Inode Path\n"
        "0000000000000000: 00000002 00000000 00010000 0001 01 6666 /run/nginx.sock\n");
  // A process that vanished between readdir and reading: skipped.
  fs::create_directories(proc / "456/task/456");
  // Not processes.
  fs::create_directories(proc / "sys");
  fs::create_directories(proc / "0123");

  ThreadTable table;
  seed_from_proc(table, proc.string());
  EXPECT_EQ(table.size(), 2u);
  const ThreadInfo* leader = table.find(123);
  ASSERT_NE(leader, nullptr);
  EXPECT_EQ(leader->pid, 123);
  EXPECT_EQ(leader->ppid, 100);
  EXPECT_EQ(leader->comm, "nginx");
  EXPECT_EQ(leader->exe, "/usr/sbin/nginx");
  ASSERT_EQ(leader->args.size(), 2u);
  EXPECT_EQ(leader->args[1], "daemon off;");
  EXPECT_EQ(leader->exepath, "/usr/sbin/nginx");
  EXPECT_EQ(leader->cwd, "/srv/www");
  EXPECT_EQ(leader->uid, 101u);
  EXPECT_EQ(leader->gid, 102u);
  EXPECT_EQ(leader->cap_effective, 0xa80425fbu);
  EXPECT_EQ(leader->loginuid, UINT32_MAX);
  EXPECT_EQ(leader->vpid, 1);
  EXPECT_EQ(leader->vtid, 1);
  EXPECT_EQ(leader->sid, 123);
  EXPECT_EQ(leader->tty, 34816u);
  EXPECT_EQ(leader->pid_namespace, 4026532001u);
  EXPECT_EQ(leader->mount_namespace, 4026532002u);
  EXPECT_GT(leader->start_ns, 1700000000ull * 1000000000ull);
  EXPECT_EQ(leader->container_id, "feedfacecafe");
  const ContainerInfo* container = table.container("feedfacecafe");
  ASSERT_NE(container, nullptr);
  EXPECT_EQ(container->runtime, "docker");

  const ThreadInfo* thread = table.find(124);
  ASSERT_NE(thread, nullptr);
  EXPECT_EQ(thread->pid, 123);
  EXPECT_EQ(thread->vtid, 2);
  EXPECT_EQ(thread->fd_table, leader->fd_table);

  const FdInfo* log = table.fd(*leader, 3);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->type, FdType::File);
  EXPECT_EQ(log->name, "/var/log/nginx/access.log");
  EXPECT_EQ(log->open_flags, 02102001u);
  const FdInfo* listener = table.fd(*leader, 4);
  ASSERT_NE(listener, nullptr);
  EXPECT_EQ(listener->type, FdType::Ipv4Socket);
  EXPECT_EQ(listener->name, "0.0.0.0:80");
  EXPECT_TRUE(listener->server_role);
  EXPECT_EQ(listener->l4proto, 6);
  EXPECT_EQ(table.fd(*leader, 5)->type, FdType::UnixSocket);
  EXPECT_EQ(table.fd(*leader, 5)->name, "/run/nginx.sock");
  EXPECT_EQ(table.fd(*leader, 6)->type, FdType::Pipe);
  EXPECT_EQ(table.fd(*leader, 7)->type, FdType::Memfd);
  EXPECT_EQ(table.fd(*leader, 7)->name, "memfd:x");
}

TEST(CaptureProcSeed, CustomContainerMapper) {
  testing::TempDir dir;
  fs::path proc = dir.path() / "proc";
  write(proc / "7/status", "Name:\tsh\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
  ThreadTable table;
  seed_from_proc(table, proc.string(), [](const ThreadInfo& thread, int64_t pid) {
    return pid == 7 ? std::string("bulkhead-c1") : std::string();
  });
  ASSERT_NE(table.find(7), nullptr);
  EXPECT_EQ(table.find(7)->container_id, "bulkhead-c1");
  EXPECT_NE(table.container("bulkhead-c1"), nullptr);
}

TEST(CaptureProcSeed, MissingProcRootIsAnError) {
  ThreadTable table;
  EXPECT_THROW(seed_from_proc(table, "/nonexistent/proc"), SystemError);
}

TEST(CaptureProcSeed, ReadsTheRealProc) {
  testing::TempDir dir;
  // A listening loopback socket and an open file this process holds.
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(listener);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener.get(), 1), 0);
  socklen_t length = sizeof address;
  ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
  std::string file = dir.sub("held.txt");
  write(file, "x");
  UniqueFd held(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(held);

  // A child in another directory, stopped until the seeding is done.
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::chdir(dir.path().c_str()) != 0) ::_exit(1);
    char byte = 1;
    (void)::write(ready[1], &byte, 1);
    while (true) ::pause();
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);

  ThreadTable table;
  try {
    seed_from_proc(table);
  } catch (...) {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    throw;
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);

  const ThreadInfo* self = table.find(::getpid());
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(self->ppid, ::getppid());
  EXPECT_EQ(self->cwd, fs::current_path().string());
  EXPECT_EQ(self->exepath, fs::read_symlink("/proc/self/exe").string());
  EXPECT_NE(self->pid_namespace, 0u);
  EXPECT_EQ(self->container_id, "");
  const FdInfo* held_fd = table.fd(*self, held.get());
  ASSERT_NE(held_fd, nullptr);
  EXPECT_EQ(held_fd->name, fs::canonical(file).string());
  EXPECT_TRUE(held_fd->open_flags & O_CLOEXEC);
  const FdInfo* socket_fd = table.fd(*self, listener.get());
  ASSERT_NE(socket_fd, nullptr);
  EXPECT_EQ(socket_fd->type, FdType::Ipv4Socket);
  EXPECT_EQ(socket_fd->name, "127.0.0.1:" + std::to_string(ntohs(address.sin_port)));

  const ThreadInfo* forked = table.find(child);
  ASSERT_NE(forked, nullptr);
  EXPECT_EQ(forked->ppid, ::getpid());
  EXPECT_EQ(forked->cwd, fs::canonical(dir.path()).string());
  EXPECT_EQ(forked->comm, self->comm);
}

}  // namespace
}  // namespace bulkhead::capture
