// Fuzzes the capture file reader: arbitrary bytes through CaptureReader (header, snapshot,
// events). Rejecting input with bulkhead::Error is the reader doing its job; a crash, a
// sanitizer report or any other exception is a bug. A capture that reads cleanly must also
// survive a round trip: written again by CaptureWriter, it reads back as the same events.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "capture/capture_file.h"
#include "capture/synthetic.h"

namespace {

using namespace bulkhead;
using namespace bulkhead::capture;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_capture_reader: %s\n", what.c_str());
  std::abort();
}

// An event's contents, owned, for comparing after the round trip.
struct Copy {
  Event event;
  std::vector<std::string> bytes;
};

Copy copy_of(const Event& event) {
  Copy copy{event, {}};
  copy.bytes.reserve(kMaxParams);
  for (std::size_t i = 0; i < event.param_count; ++i) {
    copy.bytes.emplace_back(event.params[i].bytes);
    copy.event.params[i].bytes = {};
  }
  return copy;
}

bool same(const Copy& a, const Event& b) {
  if (a.event.type != b.type || a.event.timestamp_ns != b.timestamp_ns || a.event.tid != b.tid ||
      a.event.pid != b.pid || a.event.cpu != b.cpu || a.event.result != b.result ||
      a.event.param_count != b.param_count)
    return false;
  for (std::size_t i = 0; i < b.param_count; ++i) {
    if (a.event.params[i].present != b.params[i].present ||
        a.event.params[i].number != b.params[i].number || a.bytes[i] != b.params[i].bytes)
      return false;
  }
  return true;
}

// Rewrites every section's checksum to match its contents. Without this nearly every mutation
// would stop at the checksum check and the decoders behind it would go unexplored.
std::string with_valid_checksums(std::string_view input) {
  std::string fixed(input);
  std::size_t pos = 8;  // after the preamble
  while (pos + 9 <= fixed.size()) {
    uint32_t length = 0;
    for (int i = 0; i < 4; ++i)
      length |= uint32_t{static_cast<uint8_t>(fixed[pos + 1 + i])} << (8 * i);
    if (length > fixed.size() - pos - 9) break;
    uint32_t crc = crc32c(std::string_view(fixed).substr(pos + 9, length),
                          crc32c(std::string_view(fixed).substr(pos, 5)));
    for (int i = 0; i < 4; ++i) fixed[pos + 5 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
    pos += 9 + length;
  }
  return fixed;
}

int check(std::string_view input);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check(input);
  check(with_valid_checksums(input));
  return 0;
}

namespace {

int check(std::string_view input) {
  std::vector<Copy> events;
  ThreadTable table;
  CaptureHeader header;
  try {
    CaptureReader reader(input, "fuzz-input");
    header = reader.header();
    reader.load_snapshot(table);
    while (const Event* event = reader.next()) {
      if (events.size() < 10000) events.push_back(copy_of(*event));
      table.apply(*event);  // the thread table must cope with whatever a capture holds
    }
  } catch (const Error&) {
    return 0;
  }

  // Write the events again (into a memfd; a duplicate fd reads it back) and read them back.
  std::string written;
  try {
    UniqueFd fd(::memfd_create("capture", MFD_CLOEXEC));
    if (!fd) fail("memfd_create failed");
    UniqueFd reread_fd(::dup(fd.get()));
    CaptureWriter writer(std::move(fd), "round-trip", header);
    for (const Copy& copy : events) {
      Event event = copy.event;
      for (std::size_t i = 0; i < event.param_count; ++i) event.params[i].bytes = copy.bytes[i];
      writer.write(event);
    }
    writer.close();
    char buffer[65536];
    off_t offset = 0;
    while (true) {
      ssize_t n = ::pread(reread_fd.get(), buffer, sizeof buffer, offset);
      if (n <= 0) break;
      written.append(buffer, static_cast<std::size_t>(n));
      offset += n;
    }
  } catch (const std::exception& e) {
    fail(std::string("writing a capture the reader accepted failed: ") + e.what());
  }
  try {
    CaptureReader reader(written, "round-trip");
    if (reader.header().hostname != header.hostname || reader.header().flags != header.flags)
      fail("round trip changed the header");
    for (const Copy& copy : events) {
      const Event* event = reader.next();
      if (event == nullptr || !same(copy, *event)) fail("round trip changed an event");
    }
    if (events.size() < 10000 && reader.next() != nullptr) fail("round trip added events");
  } catch (const Error& e) {
    fail(std::string("the reader rejects what the writer wrote: ") + e.what());
  }
  return 0;
}

}  // namespace
