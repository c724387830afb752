// Typed values that fields produce and conditions compare. Values are views: text points into
// the event, the thread table or a scratch buffer owned by the extraction context, valid until
// the next event.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace bulkhead::detect {

// Falco's field types, reduced to what comparison needs.
enum class FieldType : uint8_t {
  String,  // CHARBUF / FSPATH / FSRELPATH
  Int64,   // INT8..INT64, ERRNO, PID, FD
  Uint64,  // UINT8..UINT64, FLAGS, MODE, UID, GID, SIGTYPE, SYSCALLID, PORT, L4PROTO
  Bool,
  IpAddr,   // IPV4ADDR / IPV6ADDR / IPADDR
  IpNet,    // IPV4NET / IPNET (only as a comparison operand)
  Bytes,    // BYTEBUF
  AbsTime,  // nanoseconds since the epoch
  RelTime,  // nanoseconds
};
std::string_view field_type_name(FieldType type);

struct IpAddress {
  uint8_t family = 0;  // 4 or 6; 0 = none
  std::array<uint8_t, 16> bytes{};
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct Value {
  FieldType type = FieldType::String;
  int64_t integer = 0;            // Int64, Bool (0/1), AbsTime, RelTime
  uint64_t unsigned_integer = 0;  // Uint64
  std::string_view text;          // String, Bytes
  IpAddress ip;                   // IpAddr
};

}  // namespace bulkhead::detect
