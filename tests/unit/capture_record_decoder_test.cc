// The live capture's record decoder, fed hand-built records (no kernel): every param type, the
// socket conversions, and malformed records that must be rejected without reading past the end.
#include "capture/record_decoder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "capture_record.h"

namespace bulkhead::capture {
namespace {

// Builds a record the way bpf/capture.bpf.c does.
class RecordBuilder {
 public:
  RecordBuilder(EventType type, int64_t result) {
    header_.event_type = static_cast<uint16_t>(type);
    header_.result = result;
    header_.boot_ns = 1000;
    header_.tid = 42;
    header_.pid = 41;
    header_.pid_ns = 4026531836u;
    header_.mnt_ns = 4026531841u;
    header_.cpu = 1;
  }
  RecordBuilder& number(uint64_t value) {
    body_.push_back(BH_PARAM_NUMBER);
    body_.append(reinterpret_cast<const char*>(&value), 8);
    ++header_.param_count;
    return *this;
  }
  RecordBuilder& absent() {
    body_.push_back(BH_PARAM_ABSENT);
    ++header_.param_count;
    return *this;
  }
  RecordBuilder& blob(uint8_t tag, std::string_view bytes) {
    body_.push_back(static_cast<char>(tag));
    auto length = static_cast<uint16_t>(bytes.size());
    body_.append(reinterpret_cast<const char*>(&length), 2);
    body_.append(bytes);
    ++header_.param_count;
    return *this;
  }
  RecordBuilder& bytes(std::string_view value) { return blob(BH_PARAM_BYTES, value); }
  std::string build() const {
    bh_record_header header = header_;
    header.size = static_cast<uint32_t>(sizeof header + body_.size());
    std::string out(reinterpret_cast<const char*>(&header), sizeof header);
    return out + body_;
  }

 private:
  bh_record_header header_{};
  std::string body_;
};

std::string sockaddr_in_bytes(const char* ip4, uint16_t port) {
  std::string raw(16, '\0');
  raw[0] = 2;  // AF_INET, native u16
  raw[2] = static_cast<char>(port >> 8);
  raw[3] = static_cast<char>(port & 0xff);
  std::memcpy(raw.data() + 4, ip4, 4);
  return raw;
}

std::string tuple_bytes(uint16_t family, const char* source, uint16_t source_port,
                        const char* destination, uint16_t destination_port, std::size_t ip) {
  bh_tuple tuple{};
  tuple.family = family;
  tuple.source_port = source_port;
  tuple.destination_port = destination_port;
  std::memcpy(tuple.source_ip, source, ip);
  std::memcpy(tuple.destination_ip, destination, ip);
  return std::string(reinterpret_cast<const char*>(&tuple), sizeof tuple);
}

TEST(RecordDecoder, DecodesAnOpenatWithItsSchema) {
  std::string record = RecordBuilder(EventType::openat, 5)
                           .number(5)
                           .number(static_cast<uint64_t>(-100))
                           .bytes("/etc/shadow")
                           .number(02000001)
                           .number(0644)
                           .build();  // dev, ino not sent
  RecordDecoder decoder(500);
  Event event;
  LiveEventContext context;
  ASSERT_TRUE(decoder.decode(record, event, context));
  EXPECT_EQ(event.type, EventType::openat);
  EXPECT_EQ(event.timestamp_ns, 1500u);
  EXPECT_EQ(event.tid, 42);
  EXPECT_EQ(event.pid, 41);
  EXPECT_EQ(event.cpu, 1);
  EXPECT_EQ(event.result, 5);
  EXPECT_EQ(context.pid_namespace, 4026531836u);
  EXPECT_EQ(context.mount_namespace, 4026531841u);
  ASSERT_EQ(event.param_count, event_spec(EventType::openat).params.size());
  EXPECT_EQ(event.param("fd")->number, 5u);
  EXPECT_EQ(static_cast<int64_t>(event.param("dirfd")->number), -100);
  EXPECT_EQ(event.param("name")->bytes, "/etc/shadow");
  EXPECT_EQ(event.param("flags")->number, 02000001u);
  EXPECT_EQ(event.param("mode")->number, 0644u);
  EXPECT_FALSE(event.param("dev")->present);
  EXPECT_FALSE(event.param("ino")->present);
  EXPECT_EQ(decoder.malformed(), 0u);
}

TEST(RecordDecoder, ConvertsConnectAddressAndTuple) {
  const char loopback[4] = {127, 0, 0, 1};
  const char peer[4] = {10, 1, 2, 3};
  std::string record = RecordBuilder(EventType::connect, 0)
                           .number(0)
                           .blob(BH_PARAM_TUPLE, tuple_bytes(2, loopback, 40000, peer, 443, 4))
                           .number(3)
                           .blob(BH_PARAM_SOCKADDR, sockaddr_in_bytes(peer, 443))
                           .build();
  RecordDecoder decoder;
  Event event;
  LiveEventContext context;
  ASSERT_TRUE(decoder.decode(record, event, context));
  auto address = decode_socket_address(event.param("addr")->bytes);
  ASSERT_TRUE(address);
  EXPECT_EQ(format_socket_address(*address), "10.1.2.3:443");
  auto tuple = decode_socket_tuple(event.param("tuple")->bytes);
  ASSERT_TRUE(tuple);
  EXPECT_EQ(format_socket_tuple(*tuple), "127.0.0.1:40000->10.1.2.3:443");
}

TEST(RecordDecoder, ConvertsIpv6AndUnixAddresses) {
  std::string raw6(28, '\0');
  raw6[0] = 10;  // AF_INET6
  raw6[2] = 0x1f;
  raw6[3] = static_cast<char>(0x90);  // 8080
  raw6[8] = 0x20;
  raw6[9] = 0x01;
  raw6[10] = 0x0d;
  raw6[11] = static_cast<char>(0xb8);
  raw6[23] = 1;
  std::string record =
      RecordBuilder(EventType::bind, 0).number(0).blob(BH_PARAM_SOCKADDR, raw6).number(4).build();
  RecordDecoder decoder;
  Event event;
  LiveEventContext context;
  ASSERT_TRUE(decoder.decode(record, event, context));
  EXPECT_EQ(format_socket_address(*decode_socket_address(event.param("addr")->bytes)),
            "2001:db8::1:8080");

  // A unix connect: the tuple takes its path from the call's address.
  std::string unix_raw("\x01\x00/run/x.sock\0\0\0", 17);
  const char zero[16] = {};
  record = RecordBuilder(EventType::connect, 0)
               .number(0)
               .blob(BH_PARAM_TUPLE, tuple_bytes(1, zero, 0, zero, 0, 16))
               .number(3)
               .blob(BH_PARAM_SOCKADDR, unix_raw)
               .build();
  ASSERT_TRUE(decoder.decode(record, event, context));
  EXPECT_EQ(format_socket_address(*decode_socket_address(event.param("addr")->bytes)),
            "/run/x.sock");
  auto tuple = decode_socket_tuple(event.param("tuple")->bytes);
  ASSERT_TRUE(tuple);
  EXPECT_EQ(tuple->family, kAfUnix);
  EXPECT_EQ(tuple->unix_path, "/run/x.sock");

  // Abstract names keep their bytes after the leading NUL, shown with '@'.
  std::string abstract("\x01\x00\x00name", 7);
  record = RecordBuilder(EventType::bind, 0).number(0).blob(BH_PARAM_SOCKADDR, abstract).build();
  ASSERT_TRUE(decoder.decode(record, event, context));
  EXPECT_EQ(decode_socket_address(event.param("addr")->bytes)->unix_path, "@name");

  // connect(fd, NULL, 0): no address, not a malformed record.
  record = RecordBuilder(EventType::connect, -22)
               .number(static_cast<uint64_t>(-22))
               .absent()
               .number(3)
               .blob(BH_PARAM_SOCKADDR, "")
               .build();
  ASSERT_TRUE(decoder.decode(record, event, context));
  EXPECT_FALSE(event.param("addr")->present);
  EXPECT_EQ(decoder.malformed(), 0u);
}

TEST(RecordDecoder, ExecArgsDropTheFinalTerminator) {
  std::string record = RecordBuilder(EventType::execve, 0)
                           .number(0)
                           .bytes("sh")
                           .bytes(std::string("-c\0id\0", 6))
                           .build();
  RecordDecoder decoder;
  Event event;
  LiveEventContext context;
  ASSERT_TRUE(decoder.decode(record, event, context));
  EXPECT_EQ(event.param("exe")->bytes, "sh");
  EXPECT_EQ(event.param("args")->bytes, std::string_view("-c\0id", 5));
  EXPECT_FALSE(event.param("comm")->present);
}

TEST(RecordDecoder, RejectsEveryTruncationOfAValidRecord) {
  const char loopback[4] = {127, 0, 0, 1};
  std::string record = RecordBuilder(EventType::connect, 0)
                           .number(0)
                           .blob(BH_PARAM_TUPLE, tuple_bytes(2, loopback, 1, loopback, 2, 4))
                           .number(3)
                           .blob(BH_PARAM_SOCKADDR, sockaddr_in_bytes(loopback, 2))
                           .build();
  RecordDecoder decoder;
  Event event;
  LiveEventContext context;
  for (std::size_t size = 0; size < record.size(); ++size) {
    // A shorter buffer whose header still claims the full size, and one whose header agrees.
    std::string cut = record.substr(0, size);
    EXPECT_FALSE(decoder.decode(cut, event, context)) << size;
    if (size >= sizeof(bh_record_header)) {
      auto claimed = static_cast<uint32_t>(size);
      std::memcpy(cut.data(), &claimed, 4);
      EXPECT_FALSE(decoder.decode(cut, event, context)) << size;
    }
  }
  EXPECT_TRUE(decoder.decode(record, event, context));
  EXPECT_GT(decoder.malformed(), record.size());
}

TEST(RecordDecoder, RejectsMalformedHeadersAndParams) {
  RecordDecoder decoder;
  Event event;
  LiveEventContext context;
  auto rejects = [&](std::string record) { return !decoder.decode(record, event, context); };
  // Unknown event type.
  std::string record = RecordBuilder(EventType::close, 0).number(0).build();
  uint16_t bad_type = 999;
  std::memcpy(record.data() + 4, &bad_type, 2);
  EXPECT_TRUE(rejects(record));
  // More params than the schema has.
  RecordBuilder too_many(EventType::close, 0);
  too_many.number(0).number(1).number(2);
  EXPECT_TRUE(rejects(too_many.build()));
  // A string where the schema wants a number, and the reverse.
  EXPECT_TRUE(rejects(RecordBuilder(EventType::close, 0).bytes("x").build()));
  EXPECT_TRUE(rejects(RecordBuilder(EventType::chdir, 0).number(0).number(7).build()));
  // Unknown tag.
  record = RecordBuilder(EventType::close, 0).number(0).build();
  record[sizeof(bh_record_header)] = 9;
  EXPECT_TRUE(rejects(record));
  // A tuple of the wrong size, a tuple of an unknown family.
  EXPECT_TRUE(
      rejects(RecordBuilder(EventType::connect, 0).number(0).blob(BH_PARAM_TUPLE, "abc").build()));
  const char zero[16] = {};
  EXPECT_TRUE(rejects(RecordBuilder(EventType::connect, 0)
                          .number(0)
                          .blob(BH_PARAM_TUPLE, tuple_bytes(99, zero, 0, zero, 0, 16))
                          .build()));
  // Trailing bytes after the last param.
  record = RecordBuilder(EventType::close, 0).number(0).build() + "x";
  auto size = static_cast<uint32_t>(record.size());
  std::memcpy(record.data(), &size, 4);
  EXPECT_TRUE(rejects(record));
  EXPECT_EQ(decoder.malformed(), 8u);
  EXPECT_EQ(decoder.last_error(), "bytes after the last param");
}

}  // namespace
}  // namespace bulkhead::capture
