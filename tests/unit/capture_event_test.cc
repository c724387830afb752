#include <gtest/gtest.h>

#include <set>
#include <string>

#include "base/error.h"
#include "capture/event.h"
#include "capture/synthetic.h"

namespace bulkhead::capture {
namespace {

TEST(CaptureEvent, EveryTypeHasASchemaWhoseFirstParamIsTheResult) {
  for (std::size_t i = 0; i < kEventTypeCount; ++i) {
    auto type = static_cast<EventType>(i);
    const EventSpec& spec = event_spec(type);
    EXPECT_EQ(spec.type, type);
    ASSERT_FALSE(spec.params.empty()) << spec.name;
    EXPECT_LE(spec.params.size(), kMaxParams) << spec.name;
    std::string_view first = spec.params[0].name;
    EXPECT_TRUE(first == "res" || first == "fd" || first == "status") << spec.name << " " << first;
    std::set<std::string_view> names;
    for (const ParamSpec& param : spec.params)
      EXPECT_TRUE(names.insert(param.name).second) << spec.name << " repeats " << param.name;
    EXPECT_EQ(event_type_from_name(spec.name), type);
    EXPECT_EQ(event_type_name(type), spec.name);
  }
  EXPECT_FALSE(event_type_from_name("no_such_syscall"));
  EXPECT_FALSE(event_type_from_name(""));
}

TEST(CaptureEvent, UsesFalcoParamNamesAndOrder) {
  auto names = [](EventType type) {
    std::string out;
    for (const ParamSpec& param : event_spec(type).params) out += std::string(param.name) + ",";
    return out;
  };
  EXPECT_EQ(names(EventType::openat), "fd,dirfd,name,flags,mode,dev,ino,");
  EXPECT_EQ(names(EventType::connect), "res,tuple,fd,addr,");
  EXPECT_EQ(names(EventType::ptrace), "res,addr,data,request,pid,");
  EXPECT_EQ(names(EventType::mount), "res,dev,dir,type,flags,");
  EXPECT_EQ(event_spec(EventType::execve).params[1].name, "exe");
  EXPECT_EQ(event_spec(EventType::execve).params[2].name, "args");
  EXPECT_EQ(param_index(EventType::execve, "cap_effective"), 16u);
  EXPECT_FALSE(param_index(EventType::execve, "nope"));
}

TEST(CaptureEvent, ParamLookupByName) {
  OwnedEvent owned(EventType::openat, 10, 10, 3);
  owned.set("dirfd", -100).set_bytes("name", "/etc/shadow").set("flags", 0);
  const Event& event = owned.event();
  ASSERT_NE(event.param("name"), nullptr);
  EXPECT_EQ(event.param("name")->bytes, "/etc/shadow");
  EXPECT_TRUE(event.param("name")->present);
  EXPECT_EQ(static_cast<int64_t>(event.param("dirfd")->number), -100);
  EXPECT_EQ(event.param("fd")->number, 3u);
  EXPECT_FALSE(event.param("mode")->present);
  EXPECT_EQ(event.param("nope"), nullptr);
  EXPECT_THROW(owned.set("nope", 1), Error);

  OwnedEvent copy = owned;  // the copy's views point into the copy
  owned.set_bytes("name", "/changed");
  EXPECT_EQ(copy.event().param("name")->bytes, "/etc/shadow");
}

TEST(CaptureEvent, FormatsFlagsAndEnums) {
  auto open = open_flag_names();
  EXPECT_EQ(format_flags(open, 0), "O_RDONLY");
  EXPECT_EQ(format_flags(open, 01 | 0100 | 01000), "O_WRONLY|O_CREAT|O_TRUNC");
  EXPECT_EQ(format_flags(open, 02 | 02000000), "O_RDWR|O_CLOEXEC");
  EXPECT_EQ(format_flags(open, 04010000), "O_RDONLY|O_SYNC");
  EXPECT_EQ(format_flags(clone_flag_names(), 0x00010000 | 0x00000400), "CLONE_FILES|CLONE_THREAD");
  EXPECT_EQ(format_flags(clone_flag_names(), 0x11), "0x11");
  EXPECT_EQ(format_flags(namespace_flag_names(), 0), "0");
  EXPECT_EQ(format_flags(namespace_flag_names(), 0x20000000 | 0x00020000),
            "CLONE_NEWNS|CLONE_NEWPID");
  EXPECT_EQ(enum_name(ptrace_request_names(), 16), "PTRACE_ATTACH");
  EXPECT_EQ(enum_name(signal_names(), 9), "SIGKILL");
  EXPECT_EQ(enum_name(address_family_names(), 10), "AF_INET6");
  EXPECT_EQ(enum_name(signal_names(), 99), "");
  EXPECT_EQ(errno_name(2), "ENOENT");
}

TEST(CaptureEvent, SocketAddressRoundTrip) {
  SocketAddress v4;
  v4.family = kAfInet;
  v4.ip = {10, 0, 0, 1};
  v4.port = 8080;
  auto decoded = decode_socket_address(encode_socket_address(v4));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->ip, v4.ip);
  EXPECT_EQ(decoded->port, 8080);
  EXPECT_EQ(format_socket_address(*decoded), "10.0.0.1:8080");

  SocketAddress unix_address;
  unix_address.family = kAfUnix;
  unix_address.unix_path = "/var/run/docker.sock";
  std::string encoded = encode_socket_address(unix_address);
  EXPECT_EQ(decode_socket_address(encoded)->unix_path, "/var/run/docker.sock");

  EXPECT_FALSE(decode_socket_address(""));
  EXPECT_FALSE(decode_socket_address(std::string("\x02\x01\x02", 3)));
  EXPECT_FALSE(decode_socket_address(std::string("\x07", 1)));
}

TEST(CaptureEvent, SocketTupleRoundTrip) {
  SocketTuple tuple;
  tuple.family = kAfInet6;
  tuple.source_ip[15] = 1;
  tuple.source_port = 40000;
  tuple.destination_ip = {0x20, 0x01, 0x0d, 0xb8};
  tuple.destination_ip[15] = 7;
  tuple.destination_port = 443;
  auto decoded = decode_socket_tuple(encode_socket_tuple(tuple));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(format_socket_tuple(*decoded), "::1:40000->2001:db8::7:443");

  SocketTuple v4;
  v4.family = kAfInet;
  v4.source_ip = {172, 17, 0, 2};
  v4.source_port = 5555;
  v4.destination_ip = {1, 2, 3, 4};
  v4.destination_port = 80;
  EXPECT_EQ(format_socket_tuple(*decode_socket_tuple(encode_socket_tuple(v4))),
            "172.17.0.2:5555->1.2.3.4:80");

  SocketTuple unix_tuple;
  unix_tuple.family = kAfUnix;
  unix_tuple.unix_path = "/run/docker.sock";
  EXPECT_EQ(decode_socket_tuple(encode_socket_tuple(unix_tuple))->unix_path, "/run/docker.sock");
  EXPECT_FALSE(decode_socket_tuple(std::string("\x01short", 6)));
  EXPECT_FALSE(decode_socket_tuple(std::string("\x02\x00", 2)));
}

}  // namespace
}  // namespace bulkhead::capture
