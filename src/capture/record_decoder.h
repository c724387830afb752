// Turns one record of the live capture's ring buffer (format: bpf/capture_record.h) into a
// capture::Event. Pure: no kernel, no allocation per record; every length is checked against the
// record's size, and a malformed record is rejected (and counted), never read out of bounds.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "capture/event.h"

namespace bulkhead::capture {

// Where an event came from, beyond what Event carries: the caller's namespaces (inode numbers),
// which identify its container.
struct LiveEventContext {
  uint64_t pid_namespace = 0, mount_namespace = 0;
};

class RecordDecoder {
 public:
  // `boot_to_realtime_ns`: CLOCK_REALTIME - CLOCK_BOOTTIME, added to the records' boot-time
  // stamps.
  explicit RecordDecoder(int64_t boot_to_realtime_ns = 0)
      : boot_to_realtime_ns_(boot_to_realtime_ns) {}

  // Decodes `record` into `event` and `context`. The event's byte views point into `record` and
  // into this decoder: valid until the next decode(). False when the record is malformed (then
  // `event` is unspecified and malformed() grows).
  bool decode(std::string_view record, Event& event, LiveEventContext& context);

  uint64_t malformed() const { return malformed_; }
  // Why the last malformed record was rejected (empty if none was).
  std::string_view last_error() const { return last_error_; }
  // Records whose strings or buffers the kernel side cut to its capture limits.
  uint64_t truncated() const { return truncated_; }

 private:
  bool reject(std::string_view why) {
    last_error_ = why;
    return false;
  }
  bool decode_record(std::string_view record, Event& event, LiveEventContext& context);
  // Appends to converted_; empty view when full.
  std::string_view convert_sockaddr(std::string_view raw);
  std::string_view convert_tuple(std::string_view raw, std::string_view unix_path);

  int64_t boot_to_realtime_ns_;
  uint64_t malformed_ = 0;
  std::string_view last_error_;  // a literal
  uint64_t truncated_ = 0;
  // Socket addresses and tuples re-encoded into capture::SocketAddress/SocketTuple's encoding.
  std::array<char, 1024> converted_{};
  std::size_t converted_used_ = 0;
};

}  // namespace bulkhead::capture
