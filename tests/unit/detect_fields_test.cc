// Field registry and extraction: every field group against hand-built events and threads, and
// every field Falco's upstream rule files use resolves.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "capture/event.h"
#include "capture/thread_table.h"
#include "detect/fields.h"

namespace bulkhead::detect {
namespace {

using capture::Event;
using capture::EventType;

// Fields referenced by the conditions and outputs of Falco's falco_rules.yaml,
// falco-incubating_rules.yaml and falco-sandbox_rules.yaml (names only, with one example
// argument where the rules use one).
struct UsedField {
  const char* name;
  std::optional<const char*> argument;
};
const UsedField kUpstreamFields[] = {
    {"container.id", std::nullopt},
    {"container.image.repository", std::nullopt},
    {"container.info", std::nullopt},
    {"container.mount.dest", "/"},
    {"container.mounts", std::nullopt},
    {"container.name", std::nullopt},
    {"container.privileged", std::nullopt},
    {"container.start_ts", std::nullopt},
    {"evt.arg", "0"},
    {"evt.arg.fd", std::nullopt},
    {"evt.arg.filename", std::nullopt},
    {"evt.arg.flags", std::nullopt},
    {"evt.arg.linkpath", std::nullopt},
    {"evt.arg.mode", std::nullopt},
    {"evt.arg.name", std::nullopt},
    {"evt.arg.newpath", std::nullopt},
    {"evt.arg.oldpath", std::nullopt},
    {"evt.arg.path", std::nullopt},
    {"evt.arg.request", std::nullopt},
    {"evt.arg.target", std::nullopt},
    {"evt.arg.uid", std::nullopt},
    {"evt.args", std::nullopt},
    {"evt.buffer", std::nullopt},
    {"evt.dir", std::nullopt},
    {"evt.is_open_exec", std::nullopt},
    {"evt.is_open_read", std::nullopt},
    {"evt.is_open_write", std::nullopt},
    {"evt.num", std::nullopt},
    {"evt.rawres", std::nullopt},
    {"evt.res", std::nullopt},
    {"evt.type", std::nullopt},
    {"fd.cip", std::nullopt},
    {"fd.cip.name", std::nullopt},
    {"fd.cnet", std::nullopt},
    {"fd.connected", std::nullopt},
    {"fd.directory", std::nullopt},
    {"fd.filename", std::nullopt},
    {"fd.ip", std::nullopt},
    {"fd.l4proto", std::nullopt},
    {"fd.lip.name", std::nullopt},
    {"fd.lport", std::nullopt},
    {"fd.name", std::nullopt},
    {"fd.name_changed", std::nullopt},
    {"fd.nameraw", std::nullopt},
    {"fd.net", std::nullopt},
    {"fd.num", std::nullopt},
    {"fd.port", std::nullopt},
    {"fd.rip", std::nullopt},
    {"fd.rip.name", std::nullopt},
    {"fd.rnet", std::nullopt},
    {"fd.rport", std::nullopt},
    {"fd.sip", std::nullopt},
    {"fd.sip.name", std::nullopt},
    {"fd.snet", std::nullopt},
    {"fd.sockfamily", std::nullopt},
    {"fd.sport", std::nullopt},
    {"fd.type", std::nullopt},
    {"fd.typechar", std::nullopt},
    {"group.gid", std::nullopt},
    {"group.name", std::nullopt},
    {"k8s.ns.name", std::nullopt},
    {"k8s.pod.name", std::nullopt},
    {"proc.aexe", "2"},
    {"proc.aexepath", "2"},
    {"proc.aname", "1"},
    {"proc.args", std::nullopt},
    {"proc.cmdline", std::nullopt},
    {"proc.cwd", std::nullopt},
    {"proc.duration", std::nullopt},
    {"proc.env", std::nullopt},
    {"proc.exe", std::nullopt},
    {"proc.exe_ino.ctime", std::nullopt},
    {"proc.exe_ino.ctime_duration_proc_start", std::nullopt},
    {"proc.exe_ino.mtime", std::nullopt},
    {"proc.exepath", std::nullopt},
    {"proc.is_exe_from_memfd", std::nullopt},
    {"proc.is_exe_upper_layer", std::nullopt},
    {"proc.is_vpgid_leader", std::nullopt},
    {"proc.name", std::nullopt},
    {"proc.pcmdline", std::nullopt},
    {"proc.pexe", std::nullopt},
    {"proc.pexepath", std::nullopt},
    {"proc.pname", std::nullopt},
    {"proc.sname", std::nullopt},
    {"proc.tty", std::nullopt},
    {"proc.vpid", std::nullopt},
    {"thread.cap_effective", std::nullopt},
    {"thread.cap_permitted", std::nullopt},
    {"user.loginname", std::nullopt},
    {"user.loginuid", std::nullopt},
    {"user.name", std::nullopt},
    {"user.uid", std::nullopt},
};

// Builds events with every schema parameter slot present only when set.
class EventBuilder {
 public:
  explicit EventBuilder(EventType type, int64_t result = 0) {
    event_.type = type;
    event_.tid = 100;
    event_.pid = 100;
    event_.timestamp_ns = 1700000000123456789ull;
    event_.result = result;
    event_.param_count = static_cast<uint8_t>(capture::event_spec(type).params.size());
    event_.params[0].number = static_cast<uint64_t>(result);
    event_.params[0].present = true;
  }
  EventBuilder& number(std::string_view name, int64_t value) {
    auto& param = slot(name);
    param.number = static_cast<uint64_t>(value);
    param.present = true;
    return *this;
  }
  EventBuilder& text(std::string_view name, std::string value) {
    storage_.push_back(std::make_unique<std::string>(std::move(value)));
    auto& param = slot(name);
    param.bytes = *storage_.back();
    param.present = true;
    return *this;
  }
  const Event& event() const { return event_; }

 private:
  capture::Param& slot(std::string_view name) {
    auto index = capture::param_index(event_.type, name);
    EXPECT_TRUE(index.has_value()) << name;
    return event_.params[index.value_or(0)];
  }
  Event event_;
  std::vector<std::unique_ptr<std::string>> storage_;
};

class DetectFieldsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // init(1) -> sshd(10) -> bash(20) -> worker(100, thread 101)
    add_thread(1, 0, "systemd", "/sbin/init", "/usr/lib/systemd/systemd", {});
    add_thread(10, 1, "sshd", "/usr/sbin/sshd", "/usr/sbin/sshd", {"-D"});
    add_thread(20, 10, "bash", "-bash", "/usr/bin/bash", {});
    auto& worker = add_thread(100, 20, "cat", "cat", "/usr/bin/cat", {"/etc/shadow", "-n"});
    worker.cwd = "/root";
    worker.uid = 0;
    worker.gid = 0;
    worker.loginuid = 1000;
    worker.tty = 34816;
    worker.sid = 20;
    worker.vpgid = 100;
    worker.start_ns = 1700000000000000000ull;
    worker.cap_effective = (1ull << 0) | (1ull << 21);  // CAP_CHOWN CAP_SYS_ADMIN
    worker.cap_permitted = ~0ull >> 23;                 // 41 capabilities
    worker.exe_upper_layer = true;
  }

  capture::ThreadInfo& add_thread(int64_t pid, int64_t ppid, std::string comm, std::string exe,
                                  std::string exepath, std::vector<std::string> args) {
    capture::ThreadInfo info;
    info.tid = pid;
    info.pid = pid;
    info.ppid = ppid;
    info.comm = std::move(comm);
    info.exe = std::move(exe);
    info.exepath = std::move(exepath);
    info.args = std::move(args);
    info.fd_table = std::make_shared<capture::FdTable>();
    return table_.insert(std::move(info));
  }

  capture::ThreadInfo& worker() { return const_cast<capture::ThreadInfo&>(*table_.find(100)); }

  // Values of `name[argument]` for `event` (as the caller thread 100), rendered as text.
  std::vector<std::string> values(const Event& event, std::string_view name,
                                  std::optional<std::string_view> argument = std::nullopt) {
    auto resolution = resolve_field(name, argument);
    EXPECT_TRUE(resolution.field.has_value()) << name << ": " << resolution.error;
    if (!resolution.field) return {};
    EventContext context{&event, &table_, table_.find(100), "testhost"};
    extractor_.begin_event();
    std::vector<Value> out;
    extractor_.extract(*resolution.field, context, out);
    std::vector<std::string> rendered;
    for (const auto& value : out) {
      std::string text;
      FieldExtractor::render(*resolution.field, value, text);
      rendered.push_back(text);
    }
    return rendered;
  }
  std::string value(const Event& event, std::string_view name,
                    std::optional<std::string_view> argument = std::nullopt) {
    auto all = values(event, name, argument);
    if (all.empty()) return "<NA>";
    EXPECT_EQ(all.size(), 1u) << name;
    return all.front();
  }

  capture::ThreadTable table_;
  FieldExtractor extractor_;
};

using Strings = std::vector<std::string>;

TEST_F(DetectFieldsTest, DetectFieldsEventGroup) {
  EventBuilder open(EventType::openat, 3);
  open.number("dirfd", -100).text("name", "shadow").number("flags", 02 | 0100 | 02000000);
  open.number("mode", 0755);
  const Event& event = open.event();
  EXPECT_EQ(value(event, "evt.type"), "openat");
  EXPECT_EQ(value(event, "evt.dir"), "<");
  EXPECT_EQ(value(event, "evt.res"), "SUCCESS");
  EXPECT_EQ(value(event, "evt.rawres"), "3");
  EXPECT_EQ(value(event, "evt.failed"), "false");
  EXPECT_EQ(value(event, "evt.source"), "syscall");
  EXPECT_EQ(value(event, "evt.hostname"), "testhost");
  EXPECT_EQ(value(event, "evt.category"), "file");
  EXPECT_EQ(value(event, "evt.rawtime"), "1700000000123456789");
  EXPECT_EQ(value(event, "evt.time"), "22:13:20.123456789");
  EXPECT_EQ(value(event, "evt.time.s"), "22:13:20");
  EXPECT_EQ(value(event, "evt.time.iso8601"), "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(value(event, "evt.datetime"), "2023-11-14 22:13:20.123456789");
  EXPECT_EQ(value(event, "evt.is_open_read"), "true");
  EXPECT_EQ(value(event, "evt.is_open_write"), "true");
  EXPECT_EQ(value(event, "evt.is_open_create"), "true");
  EXPECT_EQ(value(event, "evt.is_open_exec"), "true");
  EXPECT_EQ(value(event, "evt.arg.flags"), "O_RDWR|O_CREAT|O_CLOEXEC");
  EXPECT_EQ(value(event, "evt.arg", "flags"), "O_RDWR|O_CREAT|O_CLOEXEC");
  EXPECT_EQ(value(event, "evt.rawarg.flags"), std::to_string(02 | 0100 | 02000000));
  EXPECT_EQ(value(event, "evt.arg.mode"),
            "S_IRUSR|S_IWUSR|S_IXUSR|S_IRGRP|S_IXGRP|S_IROTH|S_IXOTH");
  EXPECT_EQ(value(event, "evt.arg.name"), "shadow");
  EXPECT_EQ(value(event, "evt.arg.dirfd"), "-100");
  EXPECT_EQ(value(event, "evt.arg.nosuchparam"), "<NA>");
  EXPECT_FALSE(resolve_field("evt.arg[1]", std::nullopt).field);  // the bracket comes separately
  EXPECT_EQ(value(event, "evt.arg", "1"), "shadow");  // input arguments: dirfd, name, ...
  EXPECT_NE(value(event, "evt.args").find("name=shadow"), std::string::npos);

  EventBuilder read_only(EventType::open, 4);
  read_only.text("name", "/etc/passwd").number("flags", 0);
  EXPECT_EQ(value(read_only.event(), "evt.is_open_read"), "true");
  EXPECT_EQ(value(read_only.event(), "evt.is_open_write"), "false");
  EXPECT_EQ(value(read_only.event(), "evt.is_open_exec"), "false");
  EXPECT_EQ(value(read_only.event(), "evt.arg.flags"), "O_RDONLY");

  EventBuilder failed(EventType::connect, -115);
  EXPECT_EQ(value(failed.event(), "evt.res"), "EINPROGRESS");
  EXPECT_EQ(value(failed.event(), "evt.rawres"), "-115");
  EXPECT_EQ(value(failed.event(), "evt.failed"), "true");
  EXPECT_EQ(value(failed.event(), "evt.is_open_read"), "false");

  EventBuilder ptrace(EventType::ptrace, 0);
  ptrace.number("request", 16).number("pid", 42);  // PTRACE_ATTACH
  EXPECT_EQ(value(ptrace.event(), "evt.arg.request"), "PTRACE_ATTACH");
  EXPECT_EQ(value(ptrace.event(), "evt.arg.pid"), "42");

  EventBuilder socket(EventType::socket, 5);
  socket.number("domain", 17).number("type", 3).number("proto", 0);  // AF_PACKET
  EXPECT_EQ(value(socket.event(), "evt.arg", "0"), "AF_PACKET");

  EventBuilder setuid(EventType::setuid, 0);
  setuid.number("uid", 65534);
  EXPECT_EQ(value(setuid.event(), "evt.arg.uid"), "nobody");
  EXPECT_EQ(value(setuid.event(), "evt.rawarg.uid"), "65534");

  EventBuilder chmod(EventType::chmod, 0);
  chmod.text("filename", "/usr/bin/x").number("mode", 04755);
  EXPECT_NE(value(chmod.event(), "evt.arg.mode").find("S_ISUID"), std::string::npos);

  EventBuilder write(EventType::write, 5);
  write
      .text("data", std::string("ab\x01"
                                "cd",
                                5))
      .number("fd", 1)
      .number("size", 5);
  EXPECT_EQ(value(write.event(), "evt.buffer"), "ab.cd");
  EXPECT_EQ(value(write.event(), "evt.buflen"), "5");
  EXPECT_EQ(value(write.event(), "evt.is_io_write"), "true");

  // evt.num counts events seen by the extractor.
  auto field = resolve_field("evt.num", std::nullopt).field.value();
  EventContext context{&event, &table_, table_.find(100), {}};
  FieldExtractor fresh;
  std::vector<Value> out;
  fresh.begin_event();
  fresh.begin_event();
  fresh.extract(field, context, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].unsigned_integer, 2u);
}

TEST_F(DetectFieldsTest, DetectFieldsProcessGroup) {
  EventBuilder exec(EventType::execve, 0);
  exec.text("env", std::string("HOME=/root\0HTTP_PROXY=http://p:3128\0", 35));
  const Event& event = exec.event();
  EXPECT_EQ(value(event, "proc.name"), "cat");
  EXPECT_EQ(value(event, "proc.pid"), "100");
  EXPECT_EQ(value(event, "proc.ppid"), "20");
  EXPECT_EQ(value(event, "proc.pname"), "bash");
  EXPECT_EQ(value(event, "proc.exe"), "cat");
  EXPECT_EQ(value(event, "proc.pexe"), "-bash");
  EXPECT_EQ(value(event, "proc.exepath"), "/usr/bin/cat");
  EXPECT_EQ(value(event, "proc.pexepath"), "/usr/bin/bash");
  EXPECT_EQ(value(event, "proc.args"), "/etc/shadow -n");
  EXPECT_EQ(value(event, "proc.cmdline"), "cat /etc/shadow -n");
  EXPECT_EQ(value(event, "proc.pcmdline"), "bash");
  EXPECT_EQ(value(event, "proc.cmdnargs"), "2");
  EXPECT_EQ(value(event, "proc.cmdlenargs"), "13");
  EXPECT_EQ(value(event, "proc.cwd"), "/root/");
  EXPECT_EQ(value(event, "proc.tty"), "34816");
  EXPECT_EQ(value(event, "proc.sname"), "bash");
  EXPECT_EQ(value(event, "proc.is_vpgid_leader"), "true");
  EXPECT_EQ(value(event, "proc.is_session_leader"), "false");
  EXPECT_EQ(value(event, "proc.vpgid.name"), "cat");
  EXPECT_EQ(value(event, "proc.loginshellid"), "20");
  EXPECT_EQ(value(event, "proc.duration"), "123456789");
  EXPECT_EQ(value(event, "proc.is_exe_upper_layer"), "true");
  EXPECT_EQ(value(event, "proc.is_exe_from_memfd"), "false");
  EXPECT_EQ(value(event, "proc.env"), "HOME=/root HTTP_PROXY=http://p:3128");
  EXPECT_EQ(value(event, "proc.env", "HTTP_PROXY"), "http://p:3128");
  // Ancestors: [0] is the process itself; no index means every ancestor above it.
  EXPECT_EQ(value(event, "proc.aname", "0"), "cat");
  EXPECT_EQ(value(event, "proc.aname", "1"), "bash");
  EXPECT_EQ(value(event, "proc.aname", "2"), "sshd");
  EXPECT_EQ(value(event, "proc.aname", "3"), "systemd");
  EXPECT_EQ(value(event, "proc.aname", "4"), "<NA>");
  EXPECT_EQ(values(event, "proc.aname"), (Strings{"bash", "sshd", "systemd"}));
  EXPECT_EQ(value(event, "proc.aexe", "2"), "/usr/sbin/sshd");
  EXPECT_EQ(value(event, "proc.aexepath", "2"), "/usr/sbin/sshd");
  EXPECT_EQ(value(event, "proc.acmdline", "2"), "sshd -D");
  EXPECT_EQ(values(event, "proc.apid"), (Strings{"20", "10", "1"}));
  // Always-NA fields.
  EXPECT_EQ(value(event, "proc.exe_ino.ctime"), "<NA>");
  EXPECT_EQ(value(event, "proc.is_container_healthcheck"), "<NA>");
}

TEST_F(DetectFieldsTest, DetectFieldsAncestorCycleIsBounded) {
  // 200 -> 201 -> 200: the walk stops instead of looping.
  add_thread(200, 201, "a", "a", "/a", {});
  add_thread(201, 200, "b", "b", "/b", {});
  EventBuilder builder(EventType::execve, 0);
  Event event = builder.event();
  event.tid = event.pid = 200;
  auto field = resolve_field("proc.aname", std::nullopt).field.value();
  EventContext context{&event, &table_, table_.find(200), {}};
  std::vector<Value> out;
  extractor_.begin_event();
  extractor_.extract(field, context, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "b");
}

TEST_F(DetectFieldsTest, DetectFieldsThreadUserGroup) {
  EventBuilder builder(EventType::execve, 0);
  const Event& event = builder.event();
  EXPECT_EQ(value(event, "thread.tid"), "100");
  EXPECT_EQ(value(event, "thread.ismain"), "true");
  EXPECT_EQ(value(event, "thread.cap_effective"), "CAP_CHOWN CAP_SYS_ADMIN");
  std::string permitted = value(event, "thread.cap_permitted");
  EXPECT_NE(permitted.find("CAP_SYS_MODULE"), std::string::npos);
  EXPECT_NE(permitted.find("CAP_CHECKPOINT_RESTORE"), std::string::npos);
  EXPECT_EQ(value(event, "thread.cap_inheritable"), "");
  EXPECT_EQ(value(event, "user.uid"), "0");
  EXPECT_EQ(value(event, "user.name"), "root");
  EXPECT_EQ(value(event, "user.loginuid"), "1000");
  EXPECT_EQ(value(event, "user.loginname"), "<NA>");
  EXPECT_EQ(value(event, "group.gid"), "0");
  EXPECT_EQ(value(event, "group.name"), "root");
  worker().loginuid = UINT32_MAX;
  EXPECT_EQ(value(event, "user.loginuid"), "-1");

  // A resolver supplies names per container.
  struct Names : capture::UserNames {
    std::string_view user_name(uint32_t uid, std::string_view) override {
      return uid == 1000 ? "alice" : "";
    }
    std::string_view group_name(uint32_t gid, std::string_view) override {
      return gid == 1000 ? "staff" : "";
    }
  } names;
  worker().uid = 1000;
  worker().gid = 1000;
  auto field = resolve_field("user.name", std::nullopt).field.value();
  EventContext context{&event, &table_, table_.find(100), {}, &names};
  std::vector<Value> out;
  extractor_.begin_event();
  extractor_.extract(field, context, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "alice");
}

TEST_F(DetectFieldsTest, DetectFieldsFileDescriptors) {
  capture::FdInfo file;
  file.type = capture::FdType::File;
  file.name = "/etc/shadow";
  worker().fd_table->fds[3] = file;
  capture::FdInfo dir;
  dir.type = capture::FdType::Directory;
  dir.name = "/etc";
  worker().fd_table->fds[4] = dir;

  EventBuilder open(EventType::openat, 3);
  open.number("dirfd", -100).text("name", "../etc/./shadow").number("flags", 0);
  const Event& event = open.event();
  EXPECT_EQ(value(event, "fd.num"), "3");
  EXPECT_EQ(value(event, "fd.type"), "file");
  EXPECT_EQ(value(event, "fd.typechar"), "f");
  EXPECT_EQ(value(event, "fd.name"), "/etc/shadow");
  EXPECT_EQ(value(event, "fd.nameraw"), "../etc/./shadow");
  EXPECT_EQ(value(event, "fd.directory"), "/etc");
  EXPECT_EQ(value(event, "fd.filename"), "shadow");
  EXPECT_EQ(value(event, "fd.sip"), "<NA>");
  EXPECT_EQ(value(event, "fd.l4proto"), "<NA>");

  EventBuilder open_dir(EventType::openat, 4);
  open_dir.number("dirfd", -100).text("name", "/etc").number("flags", 0200000);
  EXPECT_EQ(value(open_dir.event(), "fd.typechar"), "d");
  EXPECT_EQ(value(open_dir.event(), "fd.directory"), "/etc");

  // A failed open: fd.num -1, the path resolved against the cwd.
  EventBuilder failed(EventType::openat, -2);
  failed.number("dirfd", -100).text("name", "../../etc/passwd").number("flags", 0);
  EXPECT_EQ(value(failed.event(), "fd.num"), "-1");
  EXPECT_EQ(value(failed.event(), "fd.typechar"), "f");
  EXPECT_EQ(value(failed.event(), "fd.name"), "/etc/passwd");
  EXPECT_EQ(value(failed.event(), "fd.nameraw"), "../../etc/passwd");
  EXPECT_EQ(value(failed.event(), "evt.res"), "ENOENT");

  // fd.types[N] and the set of kinds in use.
  EXPECT_EQ(value(event, "fd.types", "4"), "directory");
  EXPECT_EQ(values(event, "fd.types").size(), 2u);

  // Events without an fd have no fd.* values.
  EventBuilder exec(EventType::execve, 0);
  EXPECT_EQ(value(exec.event(), "fd.name"), "<NA>");
  EXPECT_EQ(value(exec.event(), "fd.num"), "<NA>");
}

TEST_F(DetectFieldsTest, DetectFieldsSockets) {
  capture::FdInfo client;
  client.type = capture::FdType::Ipv4Socket;
  client.tuple.family = capture::kAfInet;
  client.tuple.source_ip = {10, 0, 0, 5};
  client.tuple.source_port = 40000;
  client.tuple.destination_ip = {93, 184, 216, 34};
  client.tuple.destination_port = 443;
  client.name = "10.0.0.5:40000->93.184.216.34:443";
  client.l4proto = 6;
  client.connected = true;
  client.name_changed = true;
  worker().fd_table->fds[5] = client;

  EventBuilder connect(EventType::connect, 0);
  connect.number("fd", 5);
  const Event& event = connect.event();
  EXPECT_EQ(value(event, "fd.typechar"), "4");
  EXPECT_EQ(value(event, "fd.type"), "ipv4");
  EXPECT_EQ(value(event, "fd.name"), "10.0.0.5:40000->93.184.216.34:443");
  EXPECT_EQ(value(event, "fd.cip"), "10.0.0.5");
  EXPECT_EQ(value(event, "fd.sip"), "93.184.216.34");
  EXPECT_EQ(value(event, "fd.lip"), "10.0.0.5");
  EXPECT_EQ(value(event, "fd.rip"), "93.184.216.34");
  EXPECT_EQ(value(event, "fd.cport"), "40000");
  EXPECT_EQ(value(event, "fd.sport"), "443");
  EXPECT_EQ(value(event, "fd.lport"), "40000");
  EXPECT_EQ(value(event, "fd.rport"), "443");
  EXPECT_EQ(values(event, "fd.ip"), (Strings{"10.0.0.5", "93.184.216.34"}));
  EXPECT_EQ(values(event, "fd.port"), (Strings{"40000", "443"}));
  EXPECT_EQ(value(event, "fd.snet"), "93.184.216.34");
  EXPECT_EQ(value(event, "fd.l4proto"), "tcp");
  EXPECT_EQ(value(event, "fd.sockfamily"), "ip");
  EXPECT_EQ(value(event, "fd.is_server"), "false");
  EXPECT_EQ(value(event, "fd.connected"), "true");
  EXPECT_EQ(value(event, "fd.name_changed"), "true");
  EXPECT_EQ(value(event, "fd.sip.name"), "<NA>");
  EXPECT_EQ(value(event, "evt.category"), "net");

  // Server side: the tuple is still client -> server, local is the server end.
  capture::FdInfo accepted = client;
  accepted.server_role = true;
  worker().fd_table->fds[6] = accepted;
  EventBuilder accept(EventType::accept4, 6);
  EXPECT_EQ(value(accept.event(), "fd.cip"), "10.0.0.5");
  EXPECT_EQ(value(accept.event(), "fd.sip"), "93.184.216.34");
  EXPECT_EQ(value(accept.event(), "fd.lip"), "93.184.216.34");
  EXPECT_EQ(value(accept.event(), "fd.rport"), "40000");
  EXPECT_EQ(value(accept.event(), "fd.is_server"), "true");

  // dup2(sock, 1): fd.* describe the new descriptor (as libsinsp does), a copy of the socket's
  // entry that the thread table made when it applied the event.
  worker().fd_table->fds[1] = worker().fd_table->fds[5];
  EventBuilder dup(EventType::dup2, 1);
  dup.number("oldfd", 5).number("newfd", 1);
  EXPECT_EQ(value(dup.event(), "fd.type"), "ipv4");
  EXPECT_EQ(value(dup.event(), "fd.num"), "1");
}

TEST_F(DetectFieldsTest, DetectFieldsContainerAndKubernetes) {
  EventBuilder builder(EventType::execve, 0);
  const Event& event = builder.event();
  EXPECT_EQ(value(event, "container.id"), "host");
  EXPECT_EQ(value(event, "container.name"), "host");
  EXPECT_EQ(value(event, "container.image.repository"), "<NA>");
  EXPECT_EQ(value(event, "container.info"), "container_id=host container_name=host");

  capture::ContainerInfo info;
  info.id = "0123456789abcdef0123456789abcdef";
  info.name = "web";
  info.image = "docker.io/library/nginx:1.25";
  info.image_repository = "docker.io/library/nginx";
  info.image_tag = "1.25";
  info.runtime = "bulkhead";
  info.privileged = true;
  table_.add_container(info);
  worker().container_id = info.id;
  EXPECT_EQ(value(event, "container.id"), "0123456789ab");
  EXPECT_EQ(value(event, "container.full_id"), info.id);
  EXPECT_EQ(value(event, "container.name"), "web");
  EXPECT_EQ(value(event, "container.image"), "docker.io/library/nginx:1.25");
  EXPECT_EQ(value(event, "container.image.repository"), "docker.io/library/nginx");
  EXPECT_EQ(value(event, "container.image.tag"), "1.25");
  EXPECT_EQ(value(event, "container.type"), "bulkhead");
  EXPECT_EQ(value(event, "container.privileged"), "true");
  EXPECT_EQ(value(event, "container.mount.dest", "/var/run/docker.sock"), "<NA>");
  EXPECT_EQ(value(event, "container.start_ts"), "<NA>");
  EXPECT_EQ(value(event, "k8s.ns.name"), "<NA>");
  EXPECT_EQ(value(event, "k8s.pod.name"), "<NA>");
}

TEST_F(DetectFieldsTest, DetectFieldsFsPath) {
  EventBuilder rename(EventType::renameat2, 0);
  rename.number("olddirfd", -100).text("oldpath", "a.txt").number("newdirfd", -100);
  rename.text("newpath", "/usr/bin/../bin/ls");
  EXPECT_EQ(value(rename.event(), "fs.path.source"), "/root/a.txt");
  EXPECT_EQ(value(rename.event(), "fs.path.target"), "/usr/bin/ls");
  EXPECT_EQ(value(rename.event(), "fs.path.targetraw"), "/usr/bin/../bin/ls");
  EXPECT_EQ(value(rename.event(), "fs.path.name"), "<NA>");
  EventBuilder mkdir(EventType::mkdir, 0);
  mkdir.text("path", "tmp/x").number("mode", 0755);
  EXPECT_EQ(value(mkdir.event(), "fs.path.name"), "/root/tmp/x");
}

TEST_F(DetectFieldsTest, DetectFieldsResolution) {
  EXPECT_FALSE(resolve_field("proc.nosuch", std::nullopt).field);
  EXPECT_NE(resolve_field("proc.nosuch", std::nullopt).error.find("unknown field"),
            std::string::npos);
  EXPECT_FALSE(resolve_field("proc.name", "2").field);
  EXPECT_FALSE(resolve_field("proc.aname", "x").field);
  EXPECT_FALSE(resolve_field("evt.arg", std::nullopt).field);
  EXPECT_FALSE(resolve_field("container.mount.dest", std::nullopt).field);

  auto aname = resolve_field("proc.aname", std::nullopt).field.value();
  EXPECT_TRUE(aname.multi_valued);
  auto aname2 = resolve_field("proc.aname", "2").field.value();
  EXPECT_FALSE(aname2.multi_valued);
  EXPECT_EQ(aname2.index, 2);

  auto flags = resolve_field("evt.arg.flags", std::nullopt).field.value();
  EXPECT_EQ(flags.key, "flags");
  EXPECT_EQ(flags.type, FieldType::String);
  EXPECT_EQ(flags.param_slot[static_cast<std::size_t>(EventType::execve)],
            static_cast<int8_t>(capture::param_index(EventType::execve, "flags").value()));
  EXPECT_EQ(flags.param_slot[static_cast<std::size_t>(EventType::close)], -1);
  EXPECT_EQ(resolve_field("evt.arg.fd", std::nullopt).field->type, FieldType::Int64);
  EXPECT_EQ(resolve_field("evt.rawarg.flags", std::nullopt).field->type, FieldType::Uint64);
  EXPECT_EQ(resolve_field("evt.rawarg.res", std::nullopt).field->type, FieldType::Int64);
  EXPECT_EQ(resolve_field("fd.sip", std::nullopt).field->type, FieldType::IpAddr);
  EXPECT_EQ(resolve_field("fd.snet", std::nullopt).field->type, FieldType::IpNet);
  EXPECT_EQ(resolve_field("fd.sip.name", std::nullopt).field->type, FieldType::String);

  // Every field has a description and a unique name.
  std::set<std::string_view> names;
  for (const auto& field : all_fields()) {
    EXPECT_FALSE(field.description.empty()) << field.name;
    EXPECT_TRUE(names.insert(field.name).second) << field.name;
  }
}

TEST_F(DetectFieldsTest, DetectFieldsRender) {
  auto field = resolve_field("fd.sip", std::nullopt).field.value();
  std::string out;
  Value ip;
  ip.type = FieldType::IpAddr;
  ip.ip.family = 6;
  ip.ip.bytes[15] = 1;
  FieldExtractor::render(field, ip, out);
  EXPECT_EQ(out, "::1");
  out.clear();
  Value flag;
  flag.type = FieldType::Bool;
  flag.integer = 1;
  FieldExtractor::render(field, flag, out);
  EXPECT_EQ(out, "true");
}

TEST_F(DetectFieldsTest, DetectFieldsUpstreamFieldsResolve) {
  for (const auto& used : kUpstreamFields) {
    std::optional<std::string_view> argument;
    if (used.argument) argument = *used.argument;
    auto resolution = resolve_field(used.name, argument);
    EXPECT_TRUE(resolution.field.has_value()) << used.name << ": " << resolution.error;
  }
}

}  // namespace
}  // namespace bulkhead::detect
