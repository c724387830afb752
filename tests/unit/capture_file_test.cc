#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "base/strings.h"
#include "capture/capture_file.h"
#include "capture/synthetic.h"
#include "support/temp_dir.h"

namespace bulkhead::capture {
namespace {

CaptureHeader test_header() {
  CaptureHeader header;
  header.hostname = "test-host";
  header.boot_time_ns = 1'700'000'000'000'000'000;
  header.creation_time_ns = 1'700'000'100'000'000'000;
  header.flags = kCaptureSynthetic;
  return header;
}

std::vector<OwnedEvent> sample_events() {
  std::vector<OwnedEvent> events;
  uint64_t ts = 1'700'000'100'000'000'000;
  events.push_back(OwnedEvent(EventType::execve, 200, 200, 0, ts)
                       .set_bytes("exe", "/bin/sh")
                       .set_list("args", {"-c", "cat /etc/shadow"})
                       .set_bytes("comm", "sh")
                       .set("tty", 34816)
                       .set("cap_effective", int64_t(0x1ffffffffff))
                       .set_cpu(1));
  events.push_back(OwnedEvent(EventType::openat, 200, 200, -2, ts + 10)
                       .set("dirfd", -100)
                       .set_bytes("name", "/etc/shadow")
                       .set("flags", 0));
  SocketTuple tuple;
  tuple.family = kAfInet;
  tuple.source_ip = {10, 0, 0, 2};
  tuple.destination_ip = {8, 8, 8, 8};
  tuple.destination_port = 53;
  events.push_back(OwnedEvent(EventType::connect, 201, 200, 0, ts + 5)  // time goes back a bit
                       .set_bytes("tuple", encode_socket_tuple(tuple))
                       .set("fd", 3));
  events.push_back(OwnedEvent(EventType::procexit, 200, 200, 0, ts + 100).set("sig", 9));
  events.push_back(OwnedEvent(EventType::write, 200, 200, 5, ts + 101)
                       .set_bytes("data", std::string("a\0b\xff\x01", 5))
                       .set("fd", 1)
                       .set("size", 5));
  return events;
}

void expect_same(const Event& a, const Event& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.timestamp_ns, b.timestamp_ns);
  EXPECT_EQ(a.tid, b.tid);
  EXPECT_EQ(a.pid, b.pid);
  EXPECT_EQ(a.cpu, b.cpu);
  EXPECT_EQ(a.result, b.result);
  ASSERT_EQ(a.param_count, b.param_count);
  for (std::size_t i = 0; i < a.param_count; ++i) {
    EXPECT_EQ(a.params[i].present, b.params[i].present) << i;
    EXPECT_EQ(a.params[i].number, b.params[i].number) << i;
    EXPECT_EQ(a.params[i].bytes, b.params[i].bytes) << i;
  }
}

ThreadTable sample_table() {
  ThreadTable table;
  ContainerInfo container;
  container.id = "0123456789ab";
  container.name = "web";
  container.image = "docker.io/library/nginx:1.25";
  container.image_repository = "docker.io/library/nginx";
  container.image_tag = "1.25";
  container.runtime = "docker";
  container.privileged = true;
  container.pid_namespace = 4026532001;
  table.add_container(container);
  ThreadInfo leader;
  leader.tid = leader.pid = 100;
  leader.ppid = 1;
  leader.comm = "nginx";
  leader.exe = "nginx";
  leader.exepath = "/usr/sbin/nginx";
  leader.args = {"-g", "daemon off;", ""};
  leader.cwd = "/";
  leader.uid = 101;
  leader.loginuid = UINT32_MAX;
  leader.cap_effective = 0xa80425fb;
  leader.container_id = "0123456789ab";
  leader.exe_upper_layer = true;
  leader.fd_table = std::make_shared<FdTable>();
  FdInfo log;
  log.type = FdType::File;
  log.name = "/var/log/nginx/access.log";
  log.open_flags = 02102001;
  leader.fd_table->fds[3] = log;
  FdInfo socket;
  socket.type = FdType::Ipv6Socket;
  socket.name = ":::80";
  socket.tuple.family = kAfInet6;
  socket.tuple.destination_port = 80;
  socket.l4proto = 6;
  socket.server_role = true;
  leader.fd_table->fds[6] = socket;
  table.insert(leader);
  ThreadInfo worker = leader;
  worker.tid = 101;
  table.insert(worker);  // shares the leader's table
  ThreadInfo host;
  host.tid = host.pid = 1;
  host.comm = "systemd";
  host.exited = true;
  table.insert(host);
  return table;
}

std::string write_capture(const std::string& path, bool snapshot, std::size_t repeat = 1) {
  CaptureWriter writer(path, test_header());
  if (snapshot) writer.write_snapshot(sample_table());
  auto events = sample_events();
  for (std::size_t r = 0; r < repeat; ++r)
    for (const OwnedEvent& event : events) writer.write(event.event());
  writer.close();
  return read_file(path);
}

TEST(CaptureFile, Crc32cKnownValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
}

TEST(CaptureFile, RoundTripWithSnapshot) {
  testing::TempDir dir;
  std::string path = dir.sub("a.bhcap");
  write_capture(path, true);
  CaptureReader reader(path);
  EXPECT_EQ(reader.header().hostname, "test-host");
  EXPECT_EQ(reader.header().boot_time_ns, test_header().boot_time_ns);
  EXPECT_EQ(reader.header().creation_time_ns, test_header().creation_time_ns);
  EXPECT_EQ(reader.header().flags, kCaptureSynthetic);
  EXPECT_EQ(reader.header().version, kCaptureFormatVersion);
  ASSERT_TRUE(reader.has_snapshot());

  ThreadTable table;
  reader.load_snapshot(table);
  EXPECT_EQ(table.size(), 3u);
  const ContainerInfo* container = table.container("0123456789ab");
  ASSERT_NE(container, nullptr);
  EXPECT_EQ(container->image_tag, "1.25");
  EXPECT_TRUE(container->privileged);
  EXPECT_EQ(container->pid_namespace, 4026532001u);
  const ThreadInfo* leader = table.find(100);
  ASSERT_NE(leader, nullptr);
  EXPECT_EQ(leader->exepath, "/usr/sbin/nginx");
  EXPECT_EQ(leader->args, (std::vector<std::string>{"-g", "daemon off;", ""}));
  EXPECT_EQ(leader->loginuid, UINT32_MAX);
  EXPECT_EQ(leader->cap_effective, 0xa80425fbu);
  EXPECT_TRUE(leader->exe_upper_layer);
  EXPECT_EQ(leader->container_id, "0123456789ab");
  EXPECT_EQ(table.find(101)->fd_table, leader->fd_table);  // still shared
  EXPECT_TRUE(table.find(1)->exited);
  const FdInfo* socket = table.fd(*leader, 6);
  ASSERT_NE(socket, nullptr);
  EXPECT_EQ(socket->type, FdType::Ipv6Socket);
  EXPECT_EQ(socket->name, ":::80");
  EXPECT_EQ(socket->tuple.destination_port, 80);
  EXPECT_TRUE(socket->server_role);
  EXPECT_EQ(table.fd(*leader, 3)->open_flags, 02102001u);

  auto expected = sample_events();
  for (const OwnedEvent& want : expected) {
    const Event* got = reader.next();
    ASSERT_NE(got, nullptr);
    expect_same(*got, want.event());
  }
  EXPECT_EQ(reader.next(), nullptr);
  EXPECT_EQ(reader.next(), nullptr);
  EXPECT_EQ(reader.events_read(), expected.size());
}

TEST(CaptureFile, ManyBlocks) {
  testing::TempDir dir;
  std::string path = dir.sub("big.bhcap");
  const std::size_t repeat = 20000;  // ~100 K events, several 1 MiB blocks
  std::string data = write_capture(path, false, repeat);
  EXPECT_GT(data.size(), std::size_t{2} << 20);
  CaptureReader reader(path);
  EXPECT_FALSE(reader.has_snapshot());
  auto expected = sample_events();
  uint64_t count = 0;
  while (const Event* event = reader.next()) {
    expect_same(*event, expected[count % expected.size()].event());
    if (::testing::Test::HasFailure()) break;
    ++count;
  }
  EXPECT_EQ(count, repeat * expected.size());
}

TEST(CaptureFile, EmptyCapture) {
  testing::TempDir dir;
  std::string path = dir.sub("empty.bhcap");
  { CaptureWriter(path, test_header()).close(); }
  CaptureReader reader(path);
  EXPECT_EQ(reader.next(), nullptr);
}

TEST(CaptureFile, WriterRules) {
  testing::TempDir dir;
  CaptureWriter writer(dir.sub("w.bhcap"), test_header());
  writer.write(sample_events()[0].event());
  EXPECT_THROW(writer.write_snapshot(ThreadTable()), Error);
  writer.close();
  EXPECT_THROW(writer.write(sample_events()[0].event()), Error);
  EXPECT_THROW(CaptureWriter("/nonexistent/dir/x.bhcap"), SystemError);
}

void expect_error(std::string_view data, const std::string& what) {
  try {
    CaptureReader reader(data, "bad.bhcap");
    while (reader.next() != nullptr) {
    }
    ADD_FAILURE() << "no error; wanted " << what;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.bhcap: byte "), std::string::npos) << e.what();
  }
}

TEST(CaptureFile, MalformedFilesNameFileOffsetAndProblem) {
  testing::TempDir dir;
  std::string good = write_capture(dir.sub("g.bhcap"), true);
  expect_error("", "too short");
  expect_error("NOTACAPTURE", "no BHCAP magic");
  std::string bad_version = good;
  bad_version[5] = 9;
  expect_error(bad_version, "version 9 is not supported");
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x40;
  expect_error(flipped, "checksum mismatch");
  std::string extra = good + "x";
  expect_error(extra, "data after the end section");
  std::string huge = good;
  huge[8 + 1] = '\xff';
  huge[8 + 2] = '\xff';
  huge[8 + 3] = '\xff';
  expect_error(huge, "runs past the end of the file");

  // Every truncation is either a clean end at a section boundary or an error; never a crash.
  for (std::size_t size = 0; size < good.size(); ++size) {
    try {
      CaptureReader reader(std::string_view(good).substr(0, size), "cut.bhcap");
      ThreadTable table;
      reader.load_snapshot(table);
      while (reader.next() != nullptr) {
      }
    } catch (const Error&) {
    }
  }
  // Every single-byte corruption is caught (by the checksum, or the preamble checks).
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string corrupt = good;
    corrupt[i] ^= 0x01;
    EXPECT_THROW(
        {
          CaptureReader reader(corrupt, "corrupt.bhcap");
          while (reader.next() != nullptr) {
          }
        },
        Error)
        << "byte " << i;
  }
}

TEST(CaptureFile, MissingFileIsASystemError) {
  EXPECT_THROW(CaptureReader("/nonexistent/capture.bhcap"), SystemError);
}

}  // namespace
}  // namespace bulkhead::capture
