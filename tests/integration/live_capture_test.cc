// The live eBPF capture against the real kernel: a forked child's open, connect and exec arrive
// decoded, in order, with the process tree events around them; a tiny ring buffer overflows
// into the drop counter; unselected event types stay in the kernel.
#include "capture/live_capture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"

namespace bulkhead::capture {
namespace {

// CI runs as root on a kernel with BTF and BPF: there a skip would hide a broken setup.
std::optional<std::string> live_capture_unavailable() {
  if (geteuid() != 0) return "live capture needs root";
  try {
    LiveCaptureOptions options;
    options.ring_buffer_bytes = 1u << 16;
    LiveCapture probe(options);
  } catch (const Error& error) {
    return std::string(error.what());
  }
  return std::nullopt;
}

#define SKIP_UNLESS_LIVE_CAPTURE_RUNS()                                         \
  if (auto why = live_capture_unavailable()) {                                  \
    if (std::getenv("CI")) FAIL() << "live capture cannot run in CI: " << *why; \
    GTEST_SKIP() << *why;                                                       \
  }

// An event copied out of the ring buffer's views.
struct Seen {
  EventType type;
  int64_t tid, pid, result;
  std::vector<std::optional<std::string>> bytes;
  std::vector<std::optional<uint64_t>> numbers;
  uint64_t pid_namespace;

  std::optional<std::string> text(std::string_view name) const {
    auto index = param_index(type, name);
    return index ? bytes[*index] : std::nullopt;
  }
  std::optional<uint64_t> number(std::string_view name) const {
    auto index = param_index(type, name);
    return index ? numbers[*index] : std::nullopt;
  }
};

Seen copy(const Event& event, const LiveEventContext& context) {
  Seen seen{event.type, event.tid, event.pid, event.result, {}, {}, context.pid_namespace};
  for (std::size_t i = 0; i < event.param_count; ++i) {
    const Param& param = event.params[i];
    const ParamType kind = event_spec(event.type).params[i].type;
    const bool is_bytes = kind == ParamType::Path || kind == ParamType::String ||
                          kind == ParamType::Bytes || kind == ParamType::StringList ||
                          kind == ParamType::SockAddr || kind == ParamType::SockTuple;
    seen.bytes.push_back(param.present && is_bytes ? std::optional<std::string>(param.bytes)
                                                   : std::nullopt);
    seen.numbers.push_back(param.present ? std::optional<uint64_t>(param.number) : std::nullopt);
  }
  return seen;
}

// Polls until `done` holds for the collected events or 10 s pass.
template <typename Done>
std::vector<Seen> collect(LiveCapture& capture, Done done) {
  std::vector<Seen> events;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done(events) && std::chrono::steady_clock::now() < deadline)
    capture.poll(100, [&](const Event& event, const LiveEventContext& context) {
      events.push_back(copy(event, context));
    });
  return events;
}

int index_of(const std::vector<Seen>& events, EventType type, int64_t pid) {
  for (std::size_t i = 0; i < events.size(); ++i)
    if (events[i].type == type && events[i].pid == pid) return static_cast<int>(i);
  return -1;
}

pid_t fork_and_wait(const std::function<void()>& child_body) {
  pid_t child = fork();
  if (child == 0) {
    child_body();
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

// A TCP listener on 127.0.0.1 (an ephemeral port, in `address`); -1 on failure.
int loopback_listener(sockaddr_in& address) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) return -1;
  address = sockaddr_in{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, 4) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(listener);
    return -1;
  }
  return listener;
}

TEST(LiveCapture, FollowsAChildThroughOpenConnectAndExec) {
  SKIP_UNLESS_LIVE_CAPTURE_RUNS();
  sockaddr_in address{};
  const int listener = loopback_listener(address);
  ASSERT_GE(listener, 0);
  const uint16_t port = ntohs(address.sin_port);
  const std::string path =
      "/tmp/bulkhead-live-" + std::to_string(getpid()) + "-" +
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());

  LiveCaptureOptions options;
  options.event_types = state_event_types();
  LiveCapture capture(options);
  const pid_t child = fork_and_wait([&] {
    int fd = openat(AT_FDCWD, path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) _exit(2);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) _exit(3);
    execl("/bin/true", "true", "live-arg", "second", static_cast<char*>(nullptr));
    _exit(127);
  });
  unlink(path.c_str());
  close(listener);

  auto events = collect(capture, [&](const std::vector<Seen>& seen) {
    for (const Seen& event : seen)
      if (event.type == EventType::procexit && event.tid == child) return true;
    return false;
  });
  EXPECT_EQ(capture.malformed_records(), 0u) << capture.last_malformed_reason();

  const int clone_at = [&] {
    for (std::size_t i = 0; i < events.size(); ++i)
      if (events[i].type == EventType::clone && events[i].pid == getpid() &&
          events[i].result == child)
        return static_cast<int>(i);
    return -1;
  }();
  int open_at = -1;
  for (std::size_t i = 0; i < events.size(); ++i)
    if (events[i].type == EventType::openat && events[i].pid == child &&
        events[i].text("name") == path)
      open_at = static_cast<int>(i);
  const int connect_at = index_of(events, EventType::connect, child);
  const int exec_at = index_of(events, EventType::execve, child);
  const int exit_at = index_of(events, EventType::procexit, child);
  ASSERT_GE(clone_at, 0) << "no clone event for the child";
  ASSERT_GE(open_at, 0) << "no openat of " << path;
  ASSERT_GE(connect_at, 0);
  ASSERT_GE(exec_at, 0);
  ASSERT_GE(exit_at, 0);
  EXPECT_LT(clone_at, open_at);
  EXPECT_LT(open_at, connect_at);
  EXPECT_LT(connect_at, exec_at);
  EXPECT_LT(exec_at, exit_at);

  const Seen& clone = events[clone_at];
  EXPECT_EQ(clone.tid, getpid());  // the test's main thread forked
  EXPECT_EQ(clone.number("res"), static_cast<uint64_t>(child));

  const Seen& open = events[open_at];
  EXPECT_GE(open.result, 0);
  EXPECT_EQ(open.number("fd"), static_cast<uint64_t>(open.result));
  EXPECT_EQ(static_cast<int64_t>(*open.number("dirfd")), AT_FDCWD);
  EXPECT_EQ(*open.number("flags") & (O_CREAT | O_WRONLY | O_CLOEXEC),
            static_cast<uint64_t>(O_CREAT | O_WRONLY | O_CLOEXEC));
  EXPECT_EQ(open.number("mode"), 0600u);
  EXPECT_TRUE(open.number("ino").has_value());

  const Seen& connected = events[connect_at];
  EXPECT_EQ(connected.result, 0);
  auto addr = decode_socket_address(*connected.text("addr"));
  ASSERT_TRUE(addr);
  EXPECT_EQ(format_socket_address(*addr), "127.0.0.1:" + std::to_string(port));
  auto tuple = decode_socket_tuple(*connected.text("tuple"));
  ASSERT_TRUE(tuple);
  EXPECT_EQ(format_ip(tuple->family, tuple->source_ip), "127.0.0.1");
  EXPECT_NE(tuple->source_port, 0);
  EXPECT_EQ(format_ip(tuple->family, tuple->destination_ip), "127.0.0.1");
  EXPECT_EQ(tuple->destination_port, port);

  const Seen& exec = events[exec_at];
  EXPECT_EQ(exec.result, 0);
  EXPECT_EQ(exec.tid, child);
  EXPECT_EQ(exec.text("exe"), "true");
  EXPECT_EQ(exec.text("args"), std::string("live-arg\0second", 15));
  EXPECT_EQ(exec.text("comm"), "true");
  EXPECT_EQ(exec.text("trusted_exepath"), "/bin/true");
  EXPECT_EQ(exec.number("ptid"), static_cast<uint64_t>(getpid()));
  EXPECT_EQ(exec.number("uid"), 0u);

  const Seen& exit = events[exit_at];
  EXPECT_EQ(exit.result, 0);
  EXPECT_EQ(exit.number("ret"), 0u);
  EXPECT_NE(exit.pid_namespace, 0u);
}

TEST(LiveCapture, ReportsAFailedExecWithItsPath) {
  SKIP_UNLESS_LIVE_CAPTURE_RUNS();
  LiveCaptureOptions options;
  options.event_types = state_event_types();
  LiveCapture capture(options);
  const pid_t child = fork_and_wait([] {
    execl("/nonexistent/bulkhead-live", "x", static_cast<char*>(nullptr));
    _exit(7);
  });
  auto events = collect(capture, [&](const std::vector<Seen>& seen) {
    return index_of(seen, EventType::procexit, child) >= 0;
  });
  const int exec_at = index_of(events, EventType::execve, child);
  ASSERT_GE(exec_at, 0);
  EXPECT_EQ(events[exec_at].result, -ENOENT);
  EXPECT_EQ(events[exec_at].text("exe"), "/nonexistent/bulkhead-live");
  const int exit_at = index_of(events, EventType::procexit, child);
  ASSERT_GE(exit_at, 0);
  EXPECT_EQ(events[exit_at].number("ret"), 7u);
}

TEST(LiveCapture, ATinyRingBufferOverflowsIntoTheDropCounter) {
  SKIP_UNLESS_LIVE_CAPTURE_RUNS();
  LiveCaptureOptions options;
  options.event_types = state_event_types();
  options.ring_buffer_bytes = 2 * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  LiveCapture capture(options);
  EXPECT_EQ(capture.ring_buffer_bytes(), options.ring_buffer_bytes);
  // Nothing is consumed while the child opens and closes far more than fits.
  fork_and_wait([] {
    for (int i = 0; i < 5000; ++i) close(open("/dev/null", O_RDONLY));
  });
  LiveCounters counters = capture.counters();
  EXPECT_GT(counters.events_dropped, 0u);
  EXPECT_GT(counters.events_sent, 0u);
  EXPECT_GT(capture.ring_buffer_used(), 0u);
  // Draining works and empties the buffer.
  std::size_t records = 0;
  while (std::size_t n = capture.poll(0, [](const Event&, const LiveEventContext&) {}))
    records += n;
  EXPECT_GT(records, 0u);
  EXPECT_EQ(capture.malformed_records(), 0u) << capture.last_malformed_reason();
}

TEST(LiveCapture, UnselectedEventsStayInTheKernelUntilSelected) {
  SKIP_UNLESS_LIVE_CAPTURE_RUNS();
  std::bitset<kEventTypeCount> types;
  types.set(static_cast<std::size_t>(EventType::procexit));
  LiveCaptureOptions options;
  options.event_types = types;
  LiveCapture capture(options);
  const uint64_t seen_before = capture.counters().syscalls_seen;
  auto opener = [] {
    // The open syscall itself (glibc's open() calls openat).
    for (int i = 0; i < 100; ++i) close(static_cast<int>(syscall(SYS_open, "/dev/null", O_RDONLY)));
  };
  pid_t child = fork_and_wait(opener);
  auto events = collect(capture, [&](const std::vector<Seen>& seen) {
    return index_of(seen, EventType::procexit, child) >= 0;
  });
  EXPECT_GE(index_of(events, EventType::procexit, child), 0);
  for (const Seen& event : events) EXPECT_NE(event.type, EventType::open);
  EXPECT_GE(capture.counters().syscalls_seen, seen_before + 200);

  // Reload with open selected: now it arrives.
  types.set(static_cast<std::size_t>(EventType::open));
  capture.set_event_types(types);
  child = fork_and_wait(opener);
  events = collect(capture, [&](const std::vector<Seen>& seen) {
    return index_of(seen, EventType::procexit, child) >= 0;
  });
  int opens = 0;
  for (const Seen& event : events)
    if (event.type == EventType::open && event.pid == child && event.text("name") == "/dev/null")
      ++opens;
  EXPECT_EQ(opens, 100);
}

TEST(LiveCapture, MarksAnExecFromAMemfd) {
  SKIP_UNLESS_LIVE_CAPTURE_RUNS();
  LiveCaptureOptions options;
  options.event_types = state_event_types();
  LiveCapture capture(options);
  const pid_t child = fork_and_wait([] {
    int source = open("/bin/true", O_RDONLY | O_CLOEXEC);
    int memfd = memfd_create("bulkhead-live", MFD_CLOEXEC);
    if (source < 0 || memfd < 0) _exit(2);
    char buffer[65536];
    ssize_t n;
    while ((n = read(source, buffer, sizeof buffer)) > 0)
      if (write(memfd, buffer, static_cast<std::size_t>(n)) != n) _exit(3);
    char* const argv[] = {const_cast<char*>("fileless"), nullptr};
    char* const envp[] = {nullptr};
    fexecve(memfd, argv, envp);
    _exit(127);
  });
  auto events = collect(capture, [&](const std::vector<Seen>& seen) {
    return index_of(seen, EventType::procexit, child) >= 0;
  });
  const int memfd_at = index_of(events, EventType::memfd_create, child);
  ASSERT_GE(memfd_at, 0);
  EXPECT_EQ(events[memfd_at].text("name"), "bulkhead-live");
  int exec_at = -1;
  for (std::size_t i = 0; i < events.size(); ++i)
    if ((events[i].type == EventType::execve || events[i].type == EventType::execveat) &&
        events[i].pid == child && events[i].result == 0)
      exec_at = static_cast<int>(i);
  ASSERT_GE(exec_at, 0);
  const Seen& exec = events[exec_at];
  EXPECT_EQ(exec.text("exe"), "fileless");
  EXPECT_EQ(*exec.number("flags") & 4, 4u) << "EXE_FROM_MEMFD";
  EXPECT_EQ(exec.text("trusted_exepath"), "memfd:bulkhead-live");
}

// i386 system calls (int 0x80) have numbers of their own: open is 5, not x86-64's fstat, and
// socket calls may come through socketcall(102). A 32-bit program in a container, or a 64-bit
// one using int 0x80, must be seen like any other. The child makes the calls from a 64-bit
// process with its arguments in memory below 4 GiB (MAP_32BIT), as i386 pointers must be.
long int80(long number, long a, long b, long c) {
  long result;
  asm volatile("int $0x80" : "=a"(result) : "a"(number), "b"(a), "c"(b), "d"(c) : "memory");
  return result;
}

TEST(LiveCapture, SeesI386SyscallsMadeThroughInt80) {
  SKIP_UNLESS_LIVE_CAPTURE_RUNS();
  sockaddr_in address{};
  const int listener = loopback_listener(address);
  ASSERT_GE(listener, 0);
  const std::string path = "/tmp/bulkhead-live-i386-" + std::to_string(getpid());

  LiveCaptureOptions options;
  options.event_types = state_event_types();
  LiveCapture capture(options);
  const pid_t child = fork_and_wait([&] {
    void* low =
        mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low == MAP_FAILED) _exit(2);
    char* text = static_cast<char*>(low);
    std::memcpy(text, path.c_str(), path.size() + 1);
    constexpr long kOpen = 5, kClose = 6, kSocketcall = 102, kSocket = 1, kConnect = 3;
    long fd = int80(kOpen, reinterpret_cast<long>(text), O_CREAT | O_WRONLY, 0600);
    if (fd < 0) _exit(3);
    int80(kClose, fd, 0, 0);
    auto* call_args = reinterpret_cast<uint32_t*>(text + 1024);
    call_args[0] = AF_INET;
    call_args[1] = SOCK_STREAM;
    call_args[2] = 0;
    long sock = int80(kSocketcall, kSocket, reinterpret_cast<long>(call_args), 0);
    if (sock < 0) _exit(4);
    std::memcpy(text + 2048, &address, sizeof address);
    call_args[0] = static_cast<uint32_t>(sock);
    call_args[1] = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(text + 2048));
    call_args[2] = sizeof address;
    if (int80(kSocketcall, kConnect, reinterpret_cast<long>(call_args), 0) != 0) _exit(5);
    _exit(0);
  });
  auto events = collect(capture, [&](const std::vector<Seen>& seen) {
    return index_of(seen, EventType::procexit, child) >= 0;
  });
  unlink(path.c_str());
  close(listener);
  const int exit_at = index_of(events, EventType::procexit, child);
  ASSERT_GE(exit_at, 0);
  EXPECT_EQ(events[exit_at].number("ret"), 0u) << "the child's i386 calls failed";
  const int open_at = index_of(events, EventType::open, child);
  ASSERT_GE(open_at, 0) << "an i386 open was not reported as open";
  EXPECT_EQ(events[open_at].text("name"), path);
  EXPECT_GE(events[open_at].result, 0);
  // Nothing the child did is a 64-bit fstat (x86-64's number 5) in disguise.
  const int socket_at = index_of(events, EventType::socket, child);
  ASSERT_GE(socket_at, 0) << "socketcall(SYS_SOCKET) was not reported as socket";
  EXPECT_EQ(events[socket_at].number("domain"), static_cast<uint64_t>(AF_INET));
  const int connect_at = index_of(events, EventType::connect, child);
  ASSERT_GE(connect_at, 0) << "socketcall(SYS_CONNECT) was not reported as connect";
  EXPECT_EQ(events[connect_at].result, 0);
  auto decoded = decode_socket_address(events[connect_at].text("addr").value_or(""));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->port, ntohs(address.sin_port));
}

// A path the caller pads past what the capture keeps ("/./././…/name", > 1024 bytes) must not
// hide the file: for an open that succeeded, the kernel's resolved path of the opened file is
// reported instead.
TEST(LiveCapture, ReportsTheResolvedPathOfAnOpenPaddedPastTheLimit) {
  SKIP_UNLESS_LIVE_CAPTURE_RUNS();
  const std::string path = "/tmp/bulkhead-live-long-" + std::to_string(getpid());
  std::string padded = "/";
  for (int i = 0; i < 700; ++i) padded += "./";
  padded += path.substr(1);
  ASSERT_GT(padded.size(), 1024u);
  LiveCaptureOptions options;
  options.event_types = state_event_types();
  LiveCapture capture(options);
  const pid_t child = fork_and_wait([&] {
    int fd = openat(AT_FDCWD, padded.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) _exit(2);
    close(fd);
  });
  auto events = collect(capture, [&](const std::vector<Seen>& seen) {
    return index_of(seen, EventType::procexit, child) >= 0;
  });
  unlink(path.c_str());
  const int open_at = index_of(events, EventType::openat, child);
  ASSERT_GE(open_at, 0);
  EXPECT_GE(events[open_at].result, 0);
  EXPECT_EQ(events[open_at].text("name"), path);
}

TEST(LiveCapture, RejectsABadRingBufferSize) {
  LiveCaptureOptions options;
  options.ring_buffer_bytes = 12345;
  EXPECT_THROW(LiveCapture capture(options), Error);
}

}  // namespace
}  // namespace bulkhead::capture
